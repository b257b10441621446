"""What depends on the reader's language beyond translated strings: names sorted their way, the
currencies an SME may give its revenue in (ISO 4217, named in the reader's language) and amounts
written their way. Babel (CLDR data) supplies the currencies, their names and the number formats.

Everything here follows the active Django language (``translation.get_language()``): a page in
French lists "Allemagne, Brésil, Égypte, Suisse" and writes "1 200 000,00 KES".
"""

import datetime
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TypeVar

from babel import Locale, UnknownLocaleError, numbers
from babel.core import get_global
from django.conf import settings
from django.utils import timezone, translation

# --- Names sorted the reader's way ---------------------------------------------------------------

T = TypeVar("T")


def name_sort_key(name) -> tuple[str, str]:
    """Sort key for a name shown to people: accents and case ignored, so "Égypte" comes between
    "Brésil" and "Suisse", and "åland" beside "Aland"; names equal but for them keep a fixed order."""
    text = str(name)
    base = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    return base.casefold(), text


def sorted_by_name(items: Iterable[T], *, key: Callable[[T], object] = str) -> list[T]:
    """``items`` sorted by ``key(item)`` (their name in the active language) with ``name_sort_key``.

    The one way lists of names offered to people are sorted: countries and Administrations on the
    site's forms and the focal points' pages, currencies, the pilot report's rows.
    """
    return sorted(items, key=lambda item: name_sort_key(key(item)))


# --- Babel locale of the active language ------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _locale(name: str) -> Locale:
    try:
        return Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(translation.to_locale(settings.LANGUAGE_CODE))


def babel_locale(language: str | None = None) -> Locale:
    """Babel's locale for a Django language code ("zh-hans" → zh_Hans), the active one by default;
    the site's default language for a code Babel does not know."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    return _locale(translation.to_locale(language))


# --- ISO 4217 currencies --------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _currencies_in_use(on: datetime.date) -> frozenset[str]:
    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        codes.update(numbers.get_territory_currencies(territory, start_date=on, tender=True))
    return frozenset(codes)


def current_currencies(*, on: datetime.date | None = None) -> frozenset[str]:
    """The ISO 4217 codes of the currencies that are legal tender somewhere on ``on`` (today).

    Withdrawn currencies (the Deutsche Mark, the Croatian kuna since 2023) and ISO's special codes
    (XXX, XTS, precious metals) are not among them: an SME gives its revenue in a currency in use.
    """
    return _currencies_in_use(on or timezone.localdate())


def is_current_currency(code: str, *, on: datetime.date | None = None) -> bool:
    """Whether ``code`` is, exactly (capitals), the ISO 4217 code of a currency in use."""
    return code in current_currencies(on=on)


@functools.lru_cache(maxsize=64)
def _currency_choices(locale: Locale, on: datetime.date) -> tuple[tuple[str, str], ...]:
    labelled = [
        (code, f"{numbers.get_currency_name(code, locale=locale)} ({code})") for code in _currencies_in_use(on)
    ]
    return tuple(sorted_by_name(labelled, key=lambda choice: choice[1]))


def currency_choices() -> list[tuple[str, str]]:
    """(code, "Name (CODE)") of every currency in use, named in the active language, sorted by name."""
    return list(_currency_choices(babel_locale(), timezone.localdate()))


# --- Amounts ----------------------------------------------------------------------------------------

_DIGIT = "#0@"


@functools.lru_cache(maxsize=64)
def _code_pattern(locale: Locale) -> str:
    """The locale's currency pattern with the ISO code (¤¤) in place of a symbol, which can be
    ambiguous ("$"), and CLDR's no-break space between a code and the digits it touches."""
    pattern = re.sub("¤+", "¤¤", locale.currency_formats["standard"].pattern)
    pattern = re.sub(f"¤¤(?=[{_DIGIT}])", "¤¤\u00a0", pattern)
    return re.sub(f"(?<=[{_DIGIT}])¤¤", "\u00a0¤¤", pattern)


def format_money(amount: Decimal | int | str | None, currency: str, *, language: str | None = None) -> str:
    """``amount`` in ``currency`` written in the reader's language with the currency's ISO code and
    digits: "KES 1,200,000.00" in English, "1 200 000,00 KES" in French, "JPY 1,200,000"."""
    if amount is None or amount == "":
        return ""
    locale = babel_locale(language)
    return numbers.format_currency(amount, currency, format=_code_pattern(locale), locale=locale)
