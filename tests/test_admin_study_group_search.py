"""Study groups are found the way people name them: "SG1", "SG 1", "sg1", "Study Group 1", "ITU-D SG1".

The study group's title is its subject ("Enabling environment for the development of
telecommunications/ICTs"), so a search by the name people use finds it by its sector and number;
the same names find the meetings of that study group, and what hangs on them (registrations,
decisions, appointments), in the admin's choosers and changelist searches.
"""

import pytest
from django.contrib.admin.views.main import SEARCH_VAR
from django.urls import reverse

from meetings.models import MeetingKind, Sector
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]

NAMES_OF_SG1 = ["SG1", "SG 1", "sg1", "Study Group 1", "study group 1", "ITU-D SG1", "ITU-D Study Group 1", "SG-1"]


@pytest.fixture
def study_groups():
    sg1 = factories.StudyGroupFactory(
        number=1, title="Enabling environment for the development of telecommunications/ICTs"
    )
    sg2 = factories.StudyGroupFactory(
        number=2, title="ICT services and applications for the promotion of sustainable development"
    )
    sg11 = factories.StudyGroupFactory(number=11, title="Signalling requirements (a group numbered 11)")
    itu_t_sg1 = factories.StudyGroupFactory(sector=Sector.ITU_T, number=1, title="Not in the ITU-D pilot")
    return sg1, sg2, sg11, itu_t_sg1


@pytest.fixture
def meetings(study_groups):
    sg1, sg2, _sg11, _itu_t = study_groups
    return (
        factories.MeetingFactory(study_group=sg1, title="First meeting of the 2018-2021 study period"),
        factories.MeetingFactory(
            study_group=sg1, kind=MeetingKind.RAPPORTEUR_GROUP, title="Rapporteur Group meeting, Question 1/1"
        ),
        factories.MeetingFactory(study_group=sg2, title="First meeting of the 2018-2021 study period"),
    )


def _autocomplete(client, app_label, model_name, field_name, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return {int(result["id"]) for result in response.json()["results"]}


def _changelist(client, url_name, term):
    response = client.get(reverse(url_name), {SEARCH_VAR: term})
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.parametrize("term", NAMES_OF_SG1)
def test_the_study_group_chooser_finds_sg1_by_its_usual_names(admin_client, study_groups, term):
    sg1, _sg2, _sg11, itu_t_sg1 = study_groups
    found = _autocomplete(admin_client, "meetings", "meeting", "study_group", term)
    expected = {sg1.pk} if "ITU-D" in term else {sg1.pk, itu_t_sg1.pk}
    assert found == expected


@pytest.mark.parametrize("term", NAMES_OF_SG1)
def test_the_study_group_changelist_search_finds_sg1(admin_client, study_groups, term):
    sg1, _sg2, _sg11, itu_t_sg1 = study_groups
    found = _changelist(admin_client, "admin:meetings_studygroup_changelist", term)
    assert sg1.pk in found
    assert found <= {sg1.pk, itu_t_sg1.pk}


def test_the_title_and_the_sector_are_still_searched(admin_client, study_groups):
    sg1, sg2, _sg11, itu_t_sg1 = study_groups
    assert _changelist(admin_client, "admin:meetings_studygroup_changelist", "Enabling") == {sg1.pk}
    assert _changelist(admin_client, "admin:meetings_studygroup_changelist", "sustainable") == {sg2.pk}
    assert _changelist(admin_client, "admin:meetings_studygroup_changelist", "ITU-T") == {itu_t_sg1.pk}
    assert _changelist(admin_client, "admin:meetings_studygroup_changelist", "SG7") == set()


def test_the_meeting_chooser_finds_the_meetings_of_sg1(admin_client, meetings):
    sg1_plenary, sg1_rapporteurs, _sg2_plenary = meetings
    for field in ("registration", "decision"):
        app_label = "registration" if field == "registration" else "meetings"
        assert _autocomplete(admin_client, app_label, field, "meeting", "SG1") == {
            sg1_plenary.pk,
            sg1_rapporteurs.pk,
        }
    # With other words: the study group narrows, the words search as before.
    assert _autocomplete(admin_client, "registration", "registration", "meeting", "sg 1 rapporteur") == {
        sg1_rapporteurs.pk
    }


def test_the_changelists_of_what_hangs_on_a_study_group_find_it_by_name(admin_client, study_groups, meetings):
    sg1, sg2, _sg11, _itu_t = study_groups
    sg1_plenary, _sg1_rapporteurs, sg2_plenary = meetings
    in_sg1 = factories.RegistrationFactory(meeting=sg1_plenary)
    factories.RegistrationFactory(meeting=sg2_plenary)
    decision = factories.DecisionFactory(meeting=sg1_plenary)
    factories.DecisionFactory(meeting=sg2_plenary)
    appointment = factories.AppointmentFactory(study_group=sg1)
    factories.AppointmentFactory(study_group=sg2)

    assert _changelist(admin_client, "admin:meetings_meeting_changelist", "Study Group 1") == {
        meeting.pk for meeting in meetings[:2]
    }
    assert _changelist(admin_client, "admin:registration_registration_changelist", "SG1") == {in_sg1.pk}
    assert _changelist(admin_client, "admin:meetings_decision_changelist", "sg1") == {decision.pk}
    assert _changelist(admin_client, "admin:meetings_appointment_changelist", "SG 1") == {appointment.pk}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("SG1", (None, 1, "")),
        ("sg 12", (None, 12, "")),
        ("Study Group 2 Geneva", (None, 2, "Geneva")),
        ("ITU-D SG1", ("ITU-D", 1, "")),
        ("itu-t study group 3", ("ITU-T", 3, "")),
        ("ITUD SG1", ("ITU-D", 1, "")),
        ("SG1/ITU-D", ("ITU-D", 1, "")),
        ("Rapporteur SG1", (None, 1, "Rapporteur")),
        ("SGS", None),
        ("Geneva", None),
        ("SG1a", None),
    ],
)
def test_study_group_reference_is_read_from_the_search_term(term, expected):
    from meetings.admin_search import study_group_reference

    assert study_group_reference(term) == expected
