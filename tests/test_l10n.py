"""smepilot.l10n: names sorted the reader's way, ISO 4217 currencies, amounts in the reader's language."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from smepilot import l10n


def spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_names_sort_ignoring_accents_and_case():
    names = ["Suisse", "égypte", "Brésil", "Allemagne", "Émirats arabes unis", "Afrique du Sud", "Åland"]
    assert l10n.sorted_by_name(names) == [
        "Afrique du Sud",
        "Åland",
        "Allemagne",
        "Brésil",
        "égypte",
        "Émirats arabes unis",
        "Suisse",
    ]


def test_sorted_by_name_takes_a_key():
    rows = [{"name": "Suisse"}, {"name": "Égypte"}, {"name": "Allemagne"}]
    assert [row["name"] for row in l10n.sorted_by_name(rows, key=lambda row: row["name"])] == [
        "Allemagne",
        "Égypte",
        "Suisse",
    ]


@pytest.mark.parametrize(
    ("language", "locale"), [("en", "en"), ("fr", "fr"), ("zh-hans", "zh_Hans"), ("es", "es"), ("xx", "en")]
)
def test_babel_locale_of_each_language(language, locale):
    assert str(l10n.babel_locale(language)) == locale


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "KES 1,200,000.00"),
        ("fr", "1 200 000,00 KES"),
        ("es", "1.200.000,00 KES"),
        ("ru", "1 200 000,00 KES"),
    ],
)
def test_amounts_are_written_in_the_readers_language(language, expected):
    with translation.override(language):
        assert spaces(l10n.format_money(Decimal("1200000.00"), "KES")) == expected


def test_amounts_use_the_currencys_digits_and_its_code():
    with translation.override("en"):
        assert spaces(l10n.format_money(Decimal("1200000"), "JPY")) == "JPY 1,200,000"
        assert spaces(l10n.format_money(Decimal("1200000"), "USD")) == "USD 1,200,000.00"


def test_a_code_babel_does_not_know_is_still_shown():
    with translation.override("en"):
        assert spaces(l10n.format_money(Decimal("5"), "ZZZ")) == "ZZZ 5.00"
    assert l10n.format_money(None, "USD") == ""


def test_the_money_filter():
    template = Template("{% load money %}{{ amount|money:currency }}")
    with translation.override("fr"):
        rendered = template.render(Context({"amount": Decimal("1200000"), "currency": "KES"}))
    assert spaces(rendered) == "1 200 000,00 KES"


def test_current_currencies_are_iso_4217_codes_in_use():
    on = datetime.date(2026, 1, 1)
    assert {"USD", "EUR", "KES", "XOF", "CHF"} <= l10n.current_currencies(on=on)
    assert not {"DEM", "HRK", "XXX", "XTS", "SHI"} & l10n.current_currencies(on=on)
    assert "HRK" in l10n.current_currencies(on=datetime.date(2018, 1, 18))
    assert l10n.is_current_currency("KES") and not l10n.is_current_currency("kes")


def test_currency_choices_are_named_in_the_readers_language_and_sorted_by_name():
    with translation.override("fr"):
        choices = l10n.currency_choices()
    labels = dict(choices)
    assert labels["KES"] == "shilling kényan (KES)"
    names = [label for code, label in choices]
    assert names == l10n.sorted_by_name(names)
    assert {code for code, label in choices} == l10n.current_currencies()
