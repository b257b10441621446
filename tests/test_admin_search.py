"""The admin's search of registrations, people and SMEs, table by table (smepilot.admin_search): it finds
exactly what Django's own search finds, and on PostgreSQL the trigram indexes can answer it."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from registration.models import SME, ParticipantProfile, Registration
from smepilot.admin_search import fields_by_table
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]


@pytest.fixture
def people():
    """Three registrations: Kofi Mensah of Savannah Fibre (Kenya), Amina Diallo and Kofi Annan of Dakar Data."""
    savannah = factories.SMEFactory(name="Savannah Fibre Ltd")
    dakar = factories.SMEFactory(name="Dakar Data SARL")
    meeting = factories.MeetingFactory(title="Rapporteur group on broadband")
    made = {}
    for key, given, family, sme, email in [
        ("kofi", "Kofi", "Mensah", savannah, "k.mensah@savannah.example"),
        ("amina", "Amina", "Diallo", dakar, "amina@dakar.example"),
        ("annan", "Kofi", "Annan", dakar, "annan@dakar.example"),
    ]:
        participant = factories.ParticipantProfileFactory(
            given_name=given, family_name=family, sme=sme, user__email=email, job_title="Network engineer"
        )
        made[key] = factories.RegistrationFactory(participant=participant, meeting=meeting)
    return made


def found(model, term):
    """(the rows this admin's search finds, the rows Django's own search of the same fields finds)."""
    model_admin = admin.site._registry[model]
    ours, duplicates = model_admin.get_search_results(None, model.objects.all(), term)
    django_s, _duplicates = ModelAdmin.get_search_results(model_admin, None, model.objects.all(), term)
    assert duplicates is False
    return set(ours), set(django_s)


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("mensah", {"kofi"}),
        ("KOFI", {"kofi", "annan"}),
        ("kofi annan", {"annan"}),  # every term must match, each in a field of its own
        ("dakar", {"amina", "annan"}),  # the SME's name, and the addresses
        ("savannah.example", {"kofi"}),  # the address
        ("broadband", {"kofi", "amina", "annan"}),  # the meeting's title
        ('"Kofi Mensah"', set()),  # a quoted phrase is one term, and no single field holds it
        ("nobody", set()),
        ("", {"kofi", "amina", "annan"}),
    ],
)
def test_registration_search_finds_what_djangos_search_finds(people, term, expected):
    ours, django_s = found(Registration, term)
    assert ours == django_s
    assert ours == {people[key] for key in expected}


@pytest.mark.parametrize("term", ["kofi", "Diallo", "dakar.example", "engineer", "savannah fibre", "zzz"])
def test_participant_and_sme_search_find_what_djangos_search_finds(people, term):
    for model in (ParticipantProfile, SME):
        ours, django_s = found(model, term)
        assert ours == django_s, (model, term)


def test_search_naming_a_study_group_keeps_its_rows(admin_client, people):
    """The study group reading ("SG1 Mensah") comes on top of the table-by-table search."""
    group = people["kofi"].meeting.study_group
    url = reverse("admin:registration_registration_changelist")
    response = admin_client.get(url, {"q": f"SG{group.number} mensah"})
    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {people["kofi"]}


def test_fields_through_a_to_many_relation_keep_djangos_search():
    assert fields_by_table(SME, ["name", "representatives__family_name"]) is None
    assert fields_by_table(Registration, ["participant__user__email", "sme__name", "^participant__family_name"]) == {
        ("participant", "user"): ["email__icontains"],
        ("sme",): ["name__icontains"],
        ("participant",): ["family_name__istartswith"],
    }


@pytest.mark.postgresql_only  # trigram indexes are PostgreSQL's
@pytest.mark.parametrize(
    ("model", "term", "table", "column"),
    [
        (Registration, "mensah", "registration_participantprofile", "family_name"),
        (Registration, "mensah", "registration_participantprofile", "given_name"),
        (Registration, "mensah", "auth_user", "email"),
        (Registration, "mensah", "registration_sme", "name"),
        (ParticipantProfile, "engineer", "registration_participantprofile", "job_title"),
    ],
)
def test_each_field_searched_has_a_trigram_index_of_the_expression_the_search_writes(model, term, table, column):
    """The planner uses an expression index only for the very expression: UPPER(column::text), as
    Django's icontains writes it. (bench/bench_admin.py shows the plans at 100,000 registrations.)"""
    model_admin = admin.site._registry[model]
    queryset, _duplicates = model_admin.get_search_results(None, model.objects.all(), term)
    sql = str(queryset.query)
    assert re.search(rf'UPPER\(\w+\."{column}"::text\) LIKE UPPER\(%{term}%\)', sql), sql
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        definitions = [row[0] for row in cursor.fetchall()]
    assert f"USING gin (upper(({column})::text) gin_trgm_ops)" in " ".join(definitions), definitions


@pytest.mark.parametrize("model", [Registration, ParticipantProfile, SME])
def test_large_lists_checkbox_is_djangos_without_the_template_engine(model):
    """The row's checkbox is written directly (the widget's template took a third of a row's time),
    to the byte as Django's widget writes it, the row's name escaped in its label."""
    participant = factories.ParticipantProfileFactory(
        given_name='<b>"Kofi"', family_name="O'Neil & co", sme__name="<Savannah> & 'Fibre'"
    )
    factories.RegistrationFactory(participant=participant)
    model_admin = admin.site._registry[model]
    obj = model.objects.get()
    assert model_admin.action_checkbox(obj) == ModelAdmin.action_checkbox(model_admin, obj)
    assert "&lt;" in model_admin.action_checkbox(obj)
    assert type(model_admin).action_checkbox is not ModelAdmin.action_checkbox


def test_meetings_list_counts_each_meetings_active_registrations(admin_client):
    """Pending and validated count, rejected and cancelled do not; a meeting without any shows 0, and the
    column sorts."""
    busy = factories.MeetingFactory(title="Busy")
    factories.MeetingFactory(title="Quiet")
    for status in ["pending", "validated", "validated", "rejected", "cancelled"]:
        factories.RegistrationFactory(meeting=busy, status=status, reason="No.", decided_at=timezone.now())
    url = reverse("admin:meetings_meeting_changelist")
    response = admin_client.get(url)
    counts = {meeting.title: meeting.active_registration_count for meeting in response.context["cl"].result_list}
    assert counts == {"Busy": 3, "Quiet": 0}
    column = response.context["cl"].list_display.index("active_registrations")
    ordered = admin_client.get(url, {"o": f"-{column}"}).context["cl"].result_list
    assert [meeting.title for meeting in ordered] == ["Busy", "Quiet"]


@pytest.mark.postgresql_only  # PostgreSQL's JIT compiler
def test_database_sessions_run_without_the_jit_compiler():
    """JIT compiles a query whose estimated cost is high, which the admin's queries over 100,000
    registrations reach: compiling took 346 ms of the 467 ms of the people chooser's query."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
