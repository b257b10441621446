"""The visa support letter pages of "My registrations": asking, the refusals, downloading the letter."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from registration.models import AttendanceMode, RegistrationStatus, VisaLetterRequest, VisaRequestStatus
from tests.factories import RegistrationFactory, VisaLetterRequestFactory

pytestmark = pytest.mark.django_db


def form_data(**changes):
    today = timezone.localdate()
    data = {
        "passport_name": "AMINA WANJIKU",
        "nationality": "KE",
        "passport_number": "AK1234567",
        "date_of_birth": "1985-03-14",
        "passport_issued_on": (today - datetime.timedelta(days=400)).isoformat(),
        "passport_expires_on": (today + datetime.timedelta(days=3000)).isoformat(),
    }
    return data | changes


def validated(participant, **kwargs):
    return RegistrationFactory(
        participant=participant, status=RegistrationStatus.VALIDATED, decided_at=timezone.now(), **kwargs
    )


def test_a_validated_in_person_registration_offers_the_request_and_sends_it(client_of, participant):
    registration = validated(participant)
    listing = client_of.get(reverse("registration:list"))
    url = reverse("registration:visa_request", args=[registration.pk])
    assert url in listing.content.decode()

    page = client_of.get(url)
    assert page.status_code == 200 and 'name="passport_number"' in page.content.decode()
    response = client_of.post(url, form_data(), follow=True)

    visa_request = VisaLetterRequest.objects.get()
    assert visa_request.registration == registration and visa_request.passport_number == "AK1234567"
    assert response.redirect_chain[-1][0] == reverse("registration:list")
    assert visa_request.reference in response.content.decode()
    assert url not in response.content.decode()  # no second request while this one is open


@pytest.mark.parametrize(
    "registration_kwargs",
    [
        {"status": RegistrationStatus.VALIDATED, "attendance_mode": AttendanceMode.REMOTE},
        {"status": RegistrationStatus.PENDING},
    ],
    ids=["remote", "not validated"],
)
def test_a_remote_or_not_validated_registration_is_refused_and_nothing_stored(
    client_of, participant, registration_kwargs
):
    registration = RegistrationFactory(participant=participant, decided_at=timezone.now(), **registration_kwargs)
    url = reverse("registration:visa_request", args=[registration.pk])

    assert url not in client_of.get(reverse("registration:list")).content.decode()
    page = client_of.get(url)
    response = client_of.post(url, form_data())

    assert page.status_code == 200 and 'name="passport_number"' not in page.content.decode()
    assert response.status_code == 400
    assert not VisaLetterRequest.objects.exists()


def test_a_second_request_while_one_is_open_is_refused(client_of, participant):
    registration = validated(participant)
    VisaLetterRequestFactory(registration=registration)

    response = client_of.post(reverse("registration:visa_request", args=[registration.pk]), form_data())

    assert response.status_code == 400
    assert "already requested" in response.content.decode()
    assert VisaLetterRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"passport_expires_on": timezone.localdate().isoformat()}, "expires before the meeting ends"),
        ({"passport_number": "1"}, "5 to 20 letters and digits"),
        ({"date_of_birth": "not a date"}, "Enter a valid date"),
        ({"nationality": "XX"}, "Select a valid choice"),
    ],
)
def test_bad_passport_details_are_refused_beside_the_field(client_of, participant, changes, message):
    registration = validated(participant)

    response = client_of.post(reverse("registration:visa_request", args=[registration.pk]), form_data(**changes))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not VisaLetterRequest.objects.exists()


def test_someone_elses_registration_and_letter_are_not_found(client_of):
    theirs = VisaLetterRequestFactory(status=VisaRequestStatus.ISSUED, decided_at=timezone.now())
    registration = theirs.registration

    assert client_of.get(reverse("registration:visa_request", args=[registration.pk])).status_code == 404
    assert client_of.post(reverse("registration:visa_request", args=[registration.pk]), form_data()).status_code == 404
    download = reverse("registration:visa_letter_download", args=[registration.pk, theirs.reference])
    assert client_of.get(download).status_code == 404
    assert VisaLetterRequest.objects.count() == 1


def test_the_issued_letter_downloads_as_a_pdf(client_of, participant):
    visa_request = VisaLetterRequestFactory(
        registration=validated(participant), status=VisaRequestStatus.ISSUED, decided_at=timezone.now()
    )
    url = reverse("registration:visa_letter_download", args=[visa_request.registration_id, visa_request.reference])
    assert url in client_of.get(reverse("registration:list")).content.decode()

    response = client_of.get(url)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert visa_request.reference in response["Content-Disposition"]
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert visa_request.reference in text and "AK1234567" in text


@pytest.mark.parametrize("state", ["requested", "refused", "erased"])
def test_no_download_for_a_letter_not_issued_or_erased(client_of, participant, state):
    fields = {
        "requested": {},
        "refused": {"status": VisaRequestStatus.REFUSED, "refusal_reason": "No", "decided_at": timezone.now()},
        "erased": {
            "status": VisaRequestStatus.ISSUED,
            "decided_at": timezone.now(),
            "passport_erased_at": timezone.now(),
        },
    }[state]
    visa_request = VisaLetterRequestFactory(registration=validated(participant), **fields)

    url = reverse("registration:visa_letter_download", args=[visa_request.registration_id, visa_request.reference])

    assert client_of.get(url).status_code == 404
