"""The admin's search of registrations, people and SMEs, table by table (smepilot.admin_search): it finds
exactly what Django's own search finds, and on PostgreSQL the trigram indexes can answer it."""

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.db import connection
from django.urls import reverse

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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
@pytest.mark.parametrize(
    ("model", "term", "index"),
    [
        (Registration, "mensah", "reg_profile_family_name_trgm"),
        (Registration, "mensah", "reg_profile_given_name_trgm"),
        (Registration, "mensah", "reg_auth_user_email_trgm"),
        (Registration, "mensah", "reg_sme_name_trgm"),
        (ParticipantProfile, "engineer", "reg_profile_job_title_trgm"),
    ],
)
def test_search_can_be_answered_by_the_trigram_indexes(people, model, term, index):
    """With whole-table reads off (sequential scans, and plain index scans that read a whole index in
    order), the planner takes the trigram index when its expression is the lookup's."""
    model_admin = admin.site._registry[model]
    queryset, _duplicates = model_admin.get_search_results(None, model.objects.all(), term)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = queryset.explain()
    assert index in plan, plan
