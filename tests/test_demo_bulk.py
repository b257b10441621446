"""smepilot.demo.bulk: rows inserted as given, on PostgreSQL through COPY and on SQLite through bulk_create."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from registration.models import SME, Eligibility
from smepilot.demo.bulk import MissingValue, history_rows_insert, rows_insert
from tests.factories import AdministrationFactory, SMEFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]


def sme_row(administration, **values):
    return {
        "administration_id": administration.pk,
        "name": "Baobab Fibre Ltd",
        "employees": 12,
        "annual_revenue": Decimal("250000.50"),
        "revenue_currency": "KES",
        "website": "",
        "address": "12 Market Street",
        "eligibility": Eligibility.CONFIRMED,
        "eligibility_decided_by_id": None,
        "eligibility_decided_at": None,
        "eligibility_reason": "",
        "created_by_id": None,
        **values,
    }


def test_values_arrive_as_given_text_with_tabs_newlines_and_backslashes_included():
    administration = AdministrationFactory(country="KE")
    address = "Ngong Road 12\nP.O. Box 1\\2\tNairobi\r\nKenya — Afrique de l'Est"
    decided_at = timezone.now() - datetime.timedelta(days=3)

    [pk] = rows_insert(
        SME,
        [sme_row(administration, address=address, eligibility_decided_at=decided_at, website=r"https://a.example/\N")],
        now=timezone.now(),
    )

    sme = SME.objects.get(pk=pk)
    assert sme.address == address
    assert sme.website == r"https://a.example/\N"
    assert sme.annual_revenue == Decimal("250000.50")
    assert sme.eligibility_decided_at == decided_at
    assert sme.anonymised_at is None  # left out, may be empty


def test_keys_come_in_order_and_the_site_carries_on_after_them():
    administration = AdministrationFactory(country="SN")
    now = timezone.now()

    ids = rows_insert(SME, [sme_row(administration, name=f"SME {n}") for n in range(5)], now=now)

    assert [SME.objects.get(pk=pk).name for pk in ids] == [f"SME {n}" for n in range(5)]
    later = SMEFactory(administration=administration)
    assert later.pk > max(ids)


def test_stamps_are_the_loads_now_unless_given():
    administration = AdministrationFactory(country="GH")
    now = timezone.now() - datetime.timedelta(hours=5)
    given = now - datetime.timedelta(days=40)

    [first] = rows_insert(SME, [sme_row(administration, name="A")], now=now)
    [second] = rows_insert(SME, [sme_row(administration, name="B", created_at=given)], now=now)

    assert SME.objects.get(pk=first).created_at == now
    assert SME.objects.get(pk=second).created_at == given
    assert SME.objects.get(pk=second).updated_at == now


def test_a_field_without_default_left_out_is_named():
    administration = AdministrationFactory(country="BR")
    row = sme_row(administration)
    del row["employees"]

    with pytest.raises(MissingValue, match="registration.SME.employees"):
        rows_insert(SME, [row], now=timezone.now())


def test_history_records_are_the_rows_as_written_dated_as_given():
    administration = AdministrationFactory(country="MX")
    now = timezone.now()
    rows = [sme_row(administration, name="Atlas Networks S.A.")]
    ids = rows_insert(SME, rows, now=now)
    when = now - datetime.timedelta(days=9)

    history_rows_insert(SME, rows, ids, dates=[when], now=now)

    [record] = SME.history.filter(id=ids[0])
    assert record.history_type == "+"
    assert record.history_date == when
    assert record.name == "Atlas Networks S.A."
    assert record.created_at == now
