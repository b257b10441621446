"""What the site accepts as a person's text and as a number, and how text becomes an email header.

Names, job titles, SME names and reasons are shown on pages, in emails and in their subjects. A
control character (a line break inside a name, an escape) or a bidirectional override (which makes
"‮gpj.exe" read "exe.jpg") would change what the reader sees, so they are refused where people
type them, by one validator used by the forms and the models. Line breaks and tabs stay allowed in
texts that are written on several lines (reasons, addresses).

Numbers are bounded to what the database column holds, and ids read from a form are ASCII digits
only (``"²".isdigit()`` is true, ``int("²")`` fails).
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# The largest value of a PostgreSQL ``integer`` (Django's IntegerField, PositiveIntegerField).
INTEGER_MAX = 2_147_483_647
# The largest value of a ``smallint`` (PositiveSmallIntegerField).
SMALL_INTEGER_MAX = 32_767
# The largest value of a ``bigint`` (the primary keys, BigAutoField).
BIG_INTEGER_MAX = 9_223_372_036_854_775_807

# Embedding, override and isolate controls of the Unicode bidirectional algorithm.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MULTILINE_ALLOWED = frozenset("\n\r\t")


def _is_control(character: str) -> bool:
    # Cc: C0 (U+0000–U+001F), DEL and C1 (U+007F–U+009F).
    return unicodedata.category(character) == "Cc" or character in BIDI_CONTROLS


@deconstructible
class PlainTextValidator:
    """Refuse control characters and bidirectional embeddings/overrides (line breaks too unless ``multiline``)."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value):
        allowed = MULTILINE_ALLOWED if self.multiline else frozenset()
        if any(_is_control(character) and character not in allowed for character in str(value)):
            if self.multiline:
                message = _(
                    "Remove the invisible control characters (such as text-direction overrides) from this text."
                )
            else:
                message = _(
                    "Write this on one line, without invisible control characters such as text-direction overrides."
                )
            raise ValidationError(message, code="control_characters")

    def __eq__(self, other):
        return isinstance(other, PlainTextValidator) and other.multiline == self.multiline


validate_one_line = PlainTextValidator()
validate_multiline = PlainTextValidator(multiline=True)

# A model field's bound, kept in its migration (the database's own range is not checked on SQLite).
integer_max = MaxValueValidator(INTEGER_MAX)
small_integer_max = MaxValueValidator(SMALL_INTEGER_MAX)

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def header_text(value: str) -> str:
    """One line for an email header: control and bidirectional characters removed, spaces collapsed."""
    return " ".join(_CONTROLS.sub(" ", _BIDI.sub("", str(value))).split())


def ascii_id(value) -> int | None:
    """The id a form posted, if it is one: ASCII digits within a primary key's range, else None."""
    value = str(value).strip()
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= BIG_INTEGER_MAX else None
