"""Hostile input: numbers beyond a column's range, ids in other scripts' digits, control and bidi
characters in people's names, HTML in email subjects. Refused with a message (or made harmless),
never a server error, nothing stored."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings.models import StudyGroup
from registration.models import SME, ParticipantProfile, Registration, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from smepilot.outbox.services import mail_queue_rendered, mail_render
from smepilot.text import ascii_id, header_text
from tests.factories import ParticipantProfileFactory, RegistrationFactory, SMEFactory
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

SME_DATA = {
    "name": "Mesh Kenya",
    "employees": "12",
    "annual_revenue": "250000",
    "revenue_currency": "KES",
    "website": "",
    "address": "Ngong Road, Nairobi",
}


@pytest.fixture
def declaring(client_of, participant):
    participant.sme = None
    participant.save()
    return client_of


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("employees", "2147483648"),
        ("employees", "99999999999999999999999999"),
        ("employees", "-5"),
        ("annual_revenue", "1" * 40),
        ("annual_revenue", "-1"),
        ("annual_revenue", "NaN"),
        ("name", "Mesh\r\nBcc: someone@example.org"),
        ("name", "Mesh \u202egnp.exe"),
        ("address", "Ngong Road\x1b[31m"),
    ],
)
def test_sme_declaration_out_of_range_or_with_controls_is_refused_beside_the_field(declaring, field, value):
    response = declaring.post(reverse("registration:sme_declare"), {**SME_DATA, field: value})
    assert response.status_code in (200, 400)
    assert response.context["form"].errors[field]
    assert not SME.objects.filter(name__startswith="Mesh").exists()


def test_sme_declaration_at_the_column_limit_is_stored(declaring):
    response = declaring.post(reverse("registration:sme_declare"), {**SME_DATA, "employees": "2147483647"})
    assert response.status_code == 302
    assert SME.objects.get(name="Mesh Kenya").employees == 2147483647


def test_sme_address_keeps_its_line_breaks(declaring):
    response = declaring.post(reverse("registration:sme_declare"), {**SME_DATA, "address": "Ngong Road\r\nNairobi"})
    assert response.status_code == 302


@pytest.mark.both_engines
def test_model_fields_are_bounded_on_every_engine():
    """The admin's model forms validate with the model's validators, also on SQLite."""
    sme = SMEFactory.build(employees=2147483648)
    with pytest.raises(ValidationError) as error:
        sme.full_clean(exclude=["administration", "created_by", "eligibility_decided_by"])
    assert "employees" in error.value.message_dict
    group = StudyGroup(number=32768, title="x", study_period_start=40000, study_period_end=2030)
    with pytest.raises(ValidationError) as error:
        group.full_clean()
    assert {"number", "study_period_start"} <= set(error.value.message_dict)


@pytest.mark.parametrize("value", ["A\nB", "A\rB", "A\x00B", "A\x85B", "A\u202eB", "A\u2066B", "A\tB"])
def test_names_with_control_or_bidi_characters_are_refused_on_the_profile(client_of, participant, value):
    before = participant.family_name
    response = client_of.post(
        reverse("registration:profile"),
        {
            "given_name": value,
            "family_name": value,
            "job_title": value,
            "administration": participant.administration_id,
        },
    )
    assert response.status_code in (200, 400)
    errors = response.context["form"].errors
    assert {"given_name", "family_name", "job_title"} <= set(errors)
    assert "control characters" in str(errors["given_name"])
    participant.refresh_from_db()
    assert participant.family_name == before


def test_arabic_and_accented_names_are_accepted(client_of, participant):
    response = client_of.post(
        reverse("registration:profile"),
        {
            "given_name": "أمينة",
            "family_name": "O'Brien-Ngũgĩ",
            "job_title": "Directrice générale",
            "administration": participant.administration_id,
        },
    )
    assert response.status_code == 302
    assert ParticipantProfile.objects.get(pk=participant.pk).given_name == "أمينة"


def test_participant_model_validates_names():
    profile = ParticipantProfileFactory.build(given_name="A\u202eB", family_name="C\nD", job_title="x\x07")
    with pytest.raises(ValidationError) as error:
        profile.full_clean(exclude=["user", "administration", "sme"])
    assert {"given_name", "family_name", "job_title"} <= set(error.value.message_dict)


@pytest.mark.parametrize("value", ["²", "٣", "１", "1.0", "-1", "0x10", "99999999999999999999999999", " "])
def test_bulk_approve_ignores_what_is_not_an_ascii_id(client, focal_point, value):
    registration = RegistrationFactory(participant__sme__administration=focal_point.administration)
    sign_in_with_second_factor(client, focal_point.user)
    response = client.post(reverse("focalpoints:bulk_approve"), {"registrations": [value]}, follow=True)
    assert response.status_code == 200
    assert "Select at least one request to approve." in [str(m) for m in response.context["messages"]]
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


@pytest.mark.parametrize("value", ["²", "99999999999999999999999999"])
def test_decision_with_a_foreign_digit_or_huge_id_is_refused(client, focal_point, registration, value):
    sign_in_with_second_factor(client, focal_point.user)
    url = reverse("focalpoints:registration", args=[registration.pk])
    response = client.post(url, {"registration": value, "decision": "approve"})
    assert response.status_code == 400
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_rejection_reason_with_an_escape_is_refused_but_line_breaks_are_kept(client, focal_point, registration):
    sign_in_with_second_factor(client, focal_point.user)
    url = reverse("focalpoints:registration", args=[registration.pk])
    data = {"registration": registration.pk, "decision": "reject"}
    response = client.post(url, {**data, "reason": "Not\x1b[2J an SME \u202e"})
    assert response.status_code == 400
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.PENDING
    response = client.post(url, {**data, "reason": "Not an SME.\r\nSee the criteria."})
    assert response.status_code == 302
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.REJECTED


def test_sme_refusal_reason_with_bidi_override_is_refused(client, focal_point):
    sme = SMEFactory(administration=focal_point.administration, eligibility="pending")
    sign_in_with_second_factor(client, focal_point.user)
    response = client.post(reverse("focalpoints:sme", args=[sme.pk]), {"decision": "refuse", "reason": "x\u202ey"})
    assert response.status_code == 400
    sme.refresh_from_db()
    assert sme.eligibility == "pending"


def test_email_subject_is_plain_text_not_html():
    registration = RegistrationFactory(participant__family_name='O\'Brien & "Sons" <b>')
    subject, _text, html = mail_render(
        template="emails/focalpoint_registration_new",
        context={
            "participant": registration.participant,
            "sme": registration.sme,
            "registrations": [registration],
            "meeting": registration.meeting,
            "administration": registration.sme.administration,
            "link_max_age_days": 30,
        },
    )
    assert 'O\'Brien & "Sons" <b>' in subject
    assert "&amp;" not in subject and "&#x27;" not in subject


def test_queued_subject_loses_control_and_bidi_characters():
    message = mail_queue_rendered(
        to="a@example.org",
        subject="Hello\r\nBcc: x@example.org\x00 \u202eevil\u2069 \x85end",
        body_text="body",
        template="emails/test",
    )
    message = OutgoingMessage.objects.get(pk=message.pk)
    assert message.subject == "Hello Bcc: x@example.org evil end"


def test_header_text_and_ascii_id():
    assert header_text("a\u202bb\u2066c\td\ne") == "abc d e"
    assert ascii_id("42") == 42
    assert [ascii_id(v) for v in ["²", "٤", "0", "-1", "", "9" * 30, "1e3"]] == [None] * 7


@pytest.mark.both_engines
@pytest.mark.parametrize("value", ["²", "99999999999999999999999999"])
def test_admin_action_on_an_id_that_is_not_one_says_so(client, value):
    from tests.factories import UserFactory

    registration = RegistrationFactory()
    sign_in_with_second_factor(client, UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:registration_registration_changelist"),
        {"action": "export_csv", "_selected_action": [value, str(registration.pk)], "index": "0"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    response = client.post(
        reverse("admin:registration_registration_changelist"),
        {"action": "export_csv", "_selected_action": [value], "index": "0"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Items must be selected in order to perform actions on them." in response.content.decode()
