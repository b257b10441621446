"""From their profile a person downloads everything we hold about them, and closes their account."""

import datetime
import json

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registration.models import ParticipantProfile, Registration, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from tests.factories import (
    AccountPreferencesFactory,
    FocalPointFactory,
    MeetingFactory,
    OutgoingMessageFactory,
    ParticipantProfileFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DOWNLOAD = reverse("registration:data_download")
CLOSE = reverse("registration:account_close")
PASSWORD = "correct-horse-battery-staple"  # the factories' password


def _download(client):
    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    return response, json.loads(b"".join(response.streaming_content) if response.streaming else response.content)


# --- Download my data -----------------------------------------------------------------------


def test_the_profile_page_links_to_the_download_and_to_closing_the_account(client_of):
    page = client_of.get(reverse("registration:profile")).content.decode()
    assert DOWNLOAD in page
    assert CLOSE in page


def test_the_download_is_a_json_attachment_never_stored(client_of):
    response, _data = _download(client_of)
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".json" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]


def test_the_download_holds_everything_about_the_person(client, focal_point):
    profile = ParticipantProfileFactory(
        given_name="Kofi", family_name="Mensah", job_title="CTO", sme__administration=focal_point.administration
    )
    user = profile.user
    AccountPreferencesFactory(user=user, language="fr")
    decided = RegistrationFactory(
        participant=profile,
        status=RegistrationStatus.REJECTED,
        reason="Not an employee of the SME.",
        decided_by=focal_point.user,
        decided_at=timezone.now(),
    )
    OutgoingMessageFactory(to=user.email, subject="Your registration", body_text="Dear Kofi")
    OutgoingMessageFactory(to="someone.else@example.org", subject="Not yours")
    client.force_login(user)

    _response, data = _download(client)

    assert data["account"]["email"] == user.email
    assert data["account"]["language"] == "fr"
    assert [address["email"] for address in data["email_addresses"]] == [user.email]
    assert data["profile"]["given_name"] == "Kofi" and data["profile"]["job_title"] == "CTO"
    assert data["profile"]["sme"]["name"] == profile.sme.name
    [registration] = data["registrations"]
    assert registration["meeting"]["title"] == decided.meeting.title
    assert registration["status"] == "rejected"
    assert registration["decision"]["reason"] == "Not an employee of the SME."
    # The focal point who decided, by name and role only: not their address.
    assert registration["decision"]["decided_by"].startswith("Amina Diallo")  # with the role, in French
    assert focal_point.email not in json.dumps(data)
    assert [email["subject"] for email in data["emails"]] == ["Your registration"]


def test_the_download_names_the_second_factor_never_its_secret(client, participant):
    from tests.second_factor import authenticator_app_give, secret_of

    authenticator = authenticator_app_give(participant.user)
    client.force_login(participant.user)
    _response, data = _download(client)
    assert {factor["type"] for factor in data["second_factors"]} == {"totp", "recovery_codes"}
    assert secret_of(authenticator) not in json.dumps(data)


def test_the_download_is_only_ever_ones_own(client):
    mine = ParticipantProfileFactory(given_name="Kofi")
    other = ParticipantProfileFactory(given_name="Zanele")
    RegistrationFactory(participant=other)
    client.force_login(mine.user)
    _response, data = _download(client)
    assert "Zanele" not in json.dumps(data)
    assert data["registrations"] == []


def test_signed_out_the_download_asks_to_sign_in(client):
    response = client.get(DOWNLOAD)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_download_changes_nothing_and_answers_get_only(client_of):
    assert client_of.post(DOWNLOAD).status_code == 405


def test_the_downloads_queries_do_not_grow_with_the_registrations(client_of, participant):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            _download(client_of)
        return len(captured)

    RegistrationFactory(participant=participant, decided_by=UserFactory())
    few = queries()
    for _ in range(10):
        RegistrationFactory(participant=participant, sme=participant.sme, decided_by=UserFactory())
    assert queries() == few
    assert few <= 16


# --- Close my account -----------------------------------------------------------------------


def test_the_confirmation_page_says_what_will_happen(client_of, participant):
    coming = RegistrationFactory(participant=participant)
    response = client_of.get(CLOSE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>" in page and 'name="password"' in page
    assert "cancel" in page.lower()
    assert coming.meeting.title in page


def test_closing_with_the_right_password_anonymises_signs_out_and_confirms(client_of, participant, pilot):
    coming = RegistrationFactory(participant=participant, meeting__study_group=pilot.study_groups.first())
    email = participant.user.email

    response = client_of.post(CLOSE, {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("registration:account_closed")
    participant.refresh_from_db()
    assert participant.anonymised_at is not None
    user = get_user_model().objects.get(pk=participant.user_id)
    assert not user.is_active and not user.has_usable_password() and user.email == ""
    assert not EmailAddress.objects.filter(user=user).exists()
    coming.refresh_from_db()
    assert coming.status == RegistrationStatus.CANCELLED
    # Signed out; the confirmation page and email.
    assert "_auth_user_id" not in client_of.session
    assert client_of.get(reverse("registration:account_closed")).status_code == 200
    [confirmation] = OutgoingMessage.objects.filter(to=email)
    assert confirmation.template == "emails/account_closed"
    assert confirmation.body_text and confirmation.body_html


def test_a_wrong_password_changes_nothing(client_of, participant):
    response = client_of.post(CLOSE, {"password": "not-my-password"})
    assert response.status_code == 400
    assert "password" in response.content.decode().lower()
    assert response.context["form"].errors
    participant.refresh_from_db()
    assert participant.anonymised_at is None
    assert get_user_model().objects.get(pk=participant.user_id).is_active
    assert "_auth_user_id" in client_of.session


def test_focal_points_and_staff_are_told_to_ask_the_secretariat(client):
    focal = FocalPointFactory()
    client.force_login(focal.user)
    page = client.get(CLOSE)
    assert page.status_code == 200
    assert 'name="password"' not in page.content.decode()
    assert "secretariat" in page.content.decode().lower()
    assert client.post(CLOSE, {"password": PASSWORD}).status_code == 403
    focal.user.refresh_from_db()
    assert focal.user.is_active

    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.post(CLOSE, {"password": PASSWORD}).status_code == 403
    staff.refresh_from_db()
    assert staff.is_active


def test_an_account_without_a_password_reauthenticates_first(client):
    profile = ParticipantProfileFactory(user__password=None)
    user = profile.user
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    page = client.get(CLOSE)
    assert page.status_code == 200
    assert 'name="password"' not in page.content.decode()

    response = client.post(CLOSE, {})

    # allauth's reauthentication (a code by email), then back here.
    assert response.status_code == 302
    assert "reauthenticate" in response["Location"]
    profile.refresh_from_db()
    assert profile.anonymised_at is None


def test_closing_keeps_past_registrations_for_the_report(client_of, participant):
    past = RegistrationFactory(
        participant=participant,
        status=RegistrationStatus.VALIDATED,
        decided_at=timezone.now(),
        meeting=MeetingFactory(
            starts_on=timezone.localdate() - datetime.timedelta(days=40),
            ends_on=timezone.localdate() - datetime.timedelta(days=36),
            registration_opens_on=timezone.localdate() - datetime.timedelta(days=90),
            registration_closes_on=timezone.localdate() - datetime.timedelta(days=45),
        ),
    )
    client_of.post(CLOSE, {"password": PASSWORD})
    past.refresh_from_db()
    assert past.status == RegistrationStatus.VALIDATED
    assert Registration.objects.filter(participant=participant).count() == 1
    assert ParticipantProfile.objects.filter(pk=participant.pk).exists()


def test_the_closing_confirmation_is_deleted_from_the_outbox_once_sent(client_of, participant, mailoutbox):
    from smepilot.outbox.services import outgoing_message_deliver

    email = participant.user.email
    client_of.post(CLOSE, {"password": PASSWORD})
    [confirmation] = OutgoingMessage.objects.filter(to=email)

    assert outgoing_message_deliver(message_id=confirmation.pk) == "sent"

    assert [message.to for message in mailoutbox] == [[email]]
    assert not OutgoingMessage.objects.filter(to=email).exists()


def test_an_account_without_a_password_closes_once_reauthenticated_by_code(client):
    import time

    from allauth.account.internal.flows import login as allauth_login

    profile = ParticipantProfileFactory()
    user = profile.user
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    session = client.session
    # What allauth records when the person enters the code it emailed them (reauthentication by code).
    session[allauth_login._AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session[allauth_login.AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "code", "at": time.time(), "reauthenticated": True, "email": user.email}
    ]
    session.save()

    response = client.post(CLOSE, {})

    assert response.status_code == 302
    assert response["Location"] == reverse("registration:account_closed")
    profile.refresh_from_db()
    assert profile.anonymised_at is not None
