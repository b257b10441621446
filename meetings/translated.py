"""Reading in bulk the titles and places given in several languages (registered in meetings/translation.py).

A model instance reads the reader's language, else English (``meeting.title``), and so does a
query on the model itself: django-modeltranslation rewrites ``Meeting.objects.values("title")``.
A query through another model is not rewritten: ``Registration.objects.values("meeting__title")``
would read the column that holds no language in particular. Such queries select and order with
``in_reader_language("meeting__title")`` and search ``in_every_language("meeting__title")``.
"""

from django.conf import settings
from django.db.models import CharField, F, Value
from django.db.models.functions import Coalesce, NullIf
from modeltranslation.utils import build_localized_fieldname, get_language, resolution_order


def in_every_language(path: str) -> list[str]:
    """``path``'s column in each language, e.g. for an admin's ``search_fields``: a title is found
    by any of its languages, whatever the officer's."""
    return [build_localized_fieldname(path, code) for code, _name in settings.LANGUAGES]


def in_reader_language(path: str):
    """An expression for ``path`` (e.g. ``"meeting__title"``) in the active language, else English: the
    value ``meeting.title`` would show, for ``values()``, ``annotate()`` and ``order_by()``.

    Build it when the query is built, in the reader's language (an empty value counts as none).
    """
    columns = [
        NullIf(F(build_localized_fieldname(path, language)), Value(""))
        for language in resolution_order(get_language())
    ]
    return Coalesce(*columns, Value(""), output_field=CharField())
