"""Every change to registrations, SMEs, focal points, appointments and decisions is kept, with who made it.

django-simple-history writes a historical row per create/update/delete; HistoryRequestMiddleware
sets history_user when the change is made through a request (the admin).
"""

import pytest
from django.forms import MultiWidget
from django.urls import reverse

from meetings.leadership_services import appointment_create, decision_participants_set
from meetings.models import Appointment, Decision, DecisionParticipant
from registration.models import SME, AttendanceMode, Registration
from tests.factories import (
    AppointmentFactory,
    DecisionFactory,
    DecisionParticipantFactory,
    FocalPointFactory,
    RegistrationFactory,
    SMEFactory,
    StudyGroupFactory,
    UserFactory,
    secretariat_officer,
)
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db


def _types(obj):
    return [row.history_type for row in obj.history.order_by("history_date", "history_id")]


# --- rows written by each kind of change ------------------------------------------------------


def test_registration_create_update_delete_are_recorded():
    registration = RegistrationFactory()
    registration.attendance_mode = AttendanceMode.REMOTE
    registration.save()
    assert _types(registration) == ["+", "~"]
    assert registration.history.latest().attendance_mode == AttendanceMode.REMOTE
    pk = registration.pk
    registration.delete()
    assert [row.history_type for row in Registration.history.filter(id=pk).order_by("history_date")] == [
        "+",
        "~",
        "-",
    ]


def test_sme_and_focal_point_changes_are_recorded():
    sme = SMEFactory(name="Before Ltd")
    sme.name = "After Ltd"
    sme.save()
    assert _types(sme) == ["+", "~"]
    assert [row.name for row in sme.history.order_by("history_date")] == ["Before Ltd", "After Ltd"]
    focal_point = FocalPointFactory()
    focal_point.is_active = False
    focal_point.save()
    assert _types(focal_point) == ["+", "~"]
    assert focal_point.history.latest().is_active is False


def test_appointment_and_decision_changes_are_recorded():
    appointment = appointment_create(
        person=UserFactory(), study_group=StudyGroupFactory(), role="chair", starts_on="2026-01-01"
    )
    appointment.ends_on = appointment.starts_on
    appointment.save()
    assert _types(appointment) == ["+", "~"]
    decision = DecisionFactory()
    first, second = UserFactory(), UserFactory()
    decision_participants_set(decision=decision, people=[first])
    decision_participants_set(decision=decision, people=[second])
    decision.title = "Amended title"
    decision.save()
    assert _types(decision) == ["+", "~"]
    participant_history = DecisionParticipant.history.filter(decision_id=decision.pk).order_by("history_date")
    assert [(row.person_id, row.history_type) for row in participant_history] == [
        (first.pk, "+"),
        (first.pk, "-"),
        (second.pk, "+"),
    ]


# --- through the admin: who and when ----------------------------------------------------------


@pytest.fixture
def officer(client):
    user = secretariat_officer()
    sign_in_with_second_factor(client, user)
    return user


def _form_data(form):
    data = {}
    for name in form.fields:
        bound = form[name]
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, MultiWidget):
            for index, part in enumerate(widget.decompress(value)):
                if part is not None:
                    data[f"{bound.html_name}_{index}"] = part
        elif value is True:
            data[bound.html_name] = "on"
        elif value not in (None, False):
            data[bound.html_name] = value
    return data


def _post_back(client, url, **changes):
    """GET an admin change page and POST its own values back with `changes` (the admin's save)."""
    response = client.get(url)
    assert response.status_code == 200
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()})
        for form in formset.forms:
            data.update(_form_data(form))
    data.update(changes)
    response = client.post(url, data)
    errors = response.context["adminform"].form.errors if response.status_code == 200 else None
    assert response.status_code == 302, errors
    return response


def test_admin_change_to_an_appointment_records_the_officer(client, officer):
    appointment = AppointmentFactory()
    _post_back(client, reverse("admin:meetings_appointment_change", args=[appointment.pk]), notes="Re-elected")
    latest = appointment.history.latest()
    assert latest.history_type == "~"
    assert latest.notes == "Re-elected"
    assert latest.history_user == officer
    history_page = client.get(reverse("admin:meetings_appointment_history", args=[appointment.pk]))
    assert history_page.status_code == 200
    assert f"{officer.email} (secretariat)" in history_page.content.decode()


def test_admin_add_of_a_decision_records_the_officer_on_it_and_its_participants(client, officer):
    from tests.factories import MeetingFactory

    person = UserFactory()
    response = client.post(
        reverse("admin:meetings_decision_add"),
        {
            "meeting": MeetingFactory().pk,
            "kind": "resolution",
            "reference": "Resolution 1",
            "title": "Rules of procedure",
            "adopted_on": "2026-05-04",
            "approval_procedure": "",
            "decision_participants-TOTAL_FORMS": "1",
            "decision_participants-INITIAL_FORMS": "0",
            "decision_participants-MIN_NUM_FORMS": "0",
            "decision_participants-MAX_NUM_FORMS": "1000",
            "decision_participants-0-person": person.pk,
        },
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.history.get().history_user == officer
    assert DecisionParticipant.history.get(decision_id=decision.pk).history_user == officer

    _post_back(
        client, reverse("admin:meetings_decision_change", args=[decision.pk]), title="Rules of procedure (rev.)"
    )
    assert _types(decision) == ["+", "~"]
    assert decision.history.latest().history_user == officer


def test_admin_change_to_an_sme_records_the_officer(client, officer):
    sme = SMEFactory(website="https://old.example")
    _post_back(client, reverse("admin:registration_sme_change", args=[sme.pk]), website="https://new.example")
    latest = SME.history.filter(id=sme.pk).latest()
    assert latest.website == "https://new.example"
    assert latest.history_user == officer


def test_admin_change_to_a_focal_point_records_the_officer(client, officer):
    focal_point = FocalPointFactory(name="Old Name")
    _post_back(client, reverse("admin:focalpoints_focalpoint_change", args=[focal_point.pk]), name="New Name")
    latest = focal_point.history.latest()
    assert latest.name == "New Name"
    assert latest.history_user == officer


def test_admin_decision_on_a_registration_records_the_officer(client, officer):
    registration = RegistrationFactory()
    client.post(
        reverse("admin:registration_registration_changelist"),
        {"action": "approve_on_behalf", "_selected_action": [registration.pk], "post": "yes", "reason": "By email"},
    )
    assert registration.history.latest().history_user == officer
    assert registration.history.latest().status == "validated"
    history_page = client.get(reverse("admin:registration_registration_history", args=[registration.pk]))
    assert f"{officer.email} (secretariat)" in history_page.content.decode()


def test_changes_outside_a_request_have_no_history_user():
    appointment = AppointmentFactory()
    assert appointment.history.get().history_user is None
    participant = DecisionParticipantFactory()
    assert participant.history.get().history_user is None
    assert Appointment.history.count() == 1
