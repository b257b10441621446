"""The secretariat's visa support letter requests in the admin: verify by reference, issue, refuse."""

import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registration.models import VisaLetterRequest, VisaRequestStatus
from smepilot.outbox.models import OutgoingMessage
from tests.factories import RegistrationFactory, VisaLetterRequestFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:registration_visaletterrequest_changelist"


def test_a_reference_as_the_consulate_wrote_it_finds_the_letter(officer_client):
    wanted = VisaLetterRequestFactory(status=VisaRequestStatus.ISSUED, decided_at=timezone.now())
    other = VisaLetterRequestFactory()
    typed = wanted.reference.lower().replace("-", " ")

    response = officer_client.get(reverse(CHANGELIST), {"q": typed})

    page = response.content.decode()
    assert response.status_code == 200
    assert wanted.reference in page and wanted.registration.participant.full_name in page
    assert other.reference not in page


def test_the_request_page_shows_the_passport_read_only_and_cannot_be_changed(officer_client):
    visa_request = VisaLetterRequestFactory()
    url = reverse("admin:registration_visaletterrequest_change", args=[visa_request.pk])

    page = officer_client.get(url)
    posted = officer_client.post(url, {"passport_number": "ZZ9999999"})

    assert page.status_code == 200 and "AK1234567" in page.content.decode()
    assert 'name="passport_number"' not in page.content.decode()
    assert posted.status_code == 403
    visa_request.refresh_from_db()
    assert visa_request.passport_number == "AK1234567"


def test_issuing_from_the_list_emails_the_letter(officer_client, django_capture_on_commit_callbacks):
    visa_request = VisaLetterRequestFactory()

    with django_capture_on_commit_callbacks():
        response = officer_client.post(
            reverse(CHANGELIST), {"action": "issue_visa_letters", ACTION_CHECKBOX_NAME: [visa_request.pk]}, follow=True
        )

    assert "1 letter issued and emailed." in response.content.decode()
    visa_request.refresh_from_db()
    assert visa_request.status == VisaRequestStatus.ISSUED
    assert OutgoingMessage.objects.filter(template="emails/visa_letter_issued").count() == 1


def test_refusing_asks_for_a_reason_first(officer_client):
    visa_request = VisaLetterRequestFactory()
    data = {"action": "refuse_visa_requests", ACTION_CHECKBOX_NAME: [visa_request.pk]}

    asked = officer_client.post(reverse(CHANGELIST), data)
    empty = officer_client.post(reverse(CHANGELIST), {**data, "post": "yes", "reason": "  "})
    visa_request.refresh_from_db()
    assert asked.status_code == 200 and 'name="reason"' in asked.content.decode()
    assert "Give the reason" in empty.content.decode()
    assert visa_request.status == VisaRequestStatus.REQUESTED

    officer_client.post(reverse(CHANGELIST), {**data, "post": "yes", "reason": "Travel dates do not match."})

    visa_request.refresh_from_db()
    assert visa_request.status == VisaRequestStatus.REFUSED
    assert visa_request.refusal_reason == "Travel dates do not match."


def test_an_answered_request_is_refused_again_with_a_message(officer_client):
    visa_request = VisaLetterRequestFactory(status=VisaRequestStatus.ISSUED, decided_at=timezone.now())

    response = officer_client.post(
        reverse(CHANGELIST), {"action": "issue_visa_letters", ACTION_CHECKBOX_NAME: [visa_request.pk]}, follow=True
    )

    assert "already answered" in response.content.decode()


def test_the_passport_number_is_in_no_export(officer_client, participant):
    visa_request = VisaLetterRequestFactory(
        registration=RegistrationFactory(participant=participant, status="validated", decided_at=timezone.now())
    )
    registrations = reverse("admin:registration_registration_changelist")
    selected = {ACTION_CHECKBOX_NAME: [visa_request.registration_id]}

    csv = officer_client.post(registrations, {"action": "export_csv", **selected})
    xlsx = officer_client.post(registrations, {"action": "export_xlsx", **selected})
    history = officer_client.get(reverse("admin:registration_visaletterrequest_history", args=[visa_request.pk]))
    person = Client()
    person.force_login(participant.user)
    download = json.loads(person.get(reverse("registration:data_download")).content)

    assert csv.status_code == xlsx.status_code == history.status_code == 200
    for content in (csv.getvalue(), xlsx.getvalue(), history.content, json.dumps(download).encode()):
        assert b"AK1234567" not in content
    [letter] = download["registrations"][0]["visa_support_letters"]
    assert letter["reference"] == visa_request.reference and letter["passport_details_held"] is True
    assert not VisaLetterRequest.objects.filter(passport_number="").exists()
