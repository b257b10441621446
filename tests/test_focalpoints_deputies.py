"""Deputies of focal points: named from the focal point's pages, confirmed by the secretariat, deciding
while their period runs, ended early; and the refusals of each step."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from focalpoints import decisions, deputies, links, notifications, selectors
from focalpoints.models import Deputyship, DeputyshipStatus
from registration.models import RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from smepilot.second_factor import second_factor_required_of
from tests.factories import (
    DeputyshipFactory,
    FocalPointFactory,
    ParticipantProfileFactory,
    RegistrationFactory,
    UserFactory,
    secretariat_officer,
)
from tests.second_factor import sign_in_with_second_factor

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


def name_deputy(focal_point, **overrides):
    values = {
        "focal_point": focal_point,
        "named_by": focal_point.user,
        "name": "Grace Otieno",
        "email": "grace.otieno@ca.example",
        "starts_on": today(),
        "ends_on": days(14),
        **overrides,
    }
    return deputies.deputy_name(**values)


def refusal_codes(error: ValidationError) -> set:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


# --- Naming, confirming: the whole way ------------------------------------------------------------


def test_a_named_deputy_without_an_account_decides_once_the_secretariat_confirms(focal_point, registration):
    deputyship = name_deputy(focal_point)

    assert deputyship.status == DeputyshipStatus.PROPOSED
    assert deputyship.administration == focal_point.administration
    assert deputyship.history.get().history_user == focal_point.user
    assert OutgoingMessage.objects.filter(template="emails/deputy_named").count() == 1
    # Unconfirmed: nothing to decide yet, no account made.
    assert not get_user_model().objects.filter(email="grace.otieno@ca.example").exists()

    officer = secretariat_officer()
    deputies.deputyship_confirm(deputyship=deputyship, confirmed_by=officer)

    deputyship.refresh_from_db()
    assert deputyship.status == DeputyshipStatus.CONFIRMED
    assert deputyship.reviewed_by == officer
    # An account for the address, verified (the secretariat confirmed it), no password: they sign in by code.
    assert deputyship.user.email == "grace.otieno@ca.example"
    assert not deputyship.user.has_usable_password()
    assert EmailAddress.objects.get(user=deputyship.user).verified
    invitation = OutgoingMessage.objects.get(template="emails/deputy_confirmed")
    assert invitation.to == "grace.otieno@ca.example"
    assert "an account is ready for it" in invitation.body_text
    assert OutgoingMessage.objects.filter(template="emails/deputy_reviewed", to=focal_point.email).count() == 1

    decisions.registration_decide(registration=registration, decided_by=deputyship.user, approve=True)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.VALIDATED
    assert registration.decided_by == deputyship.user
    # Whoever comes later reads the deputy's name.
    label = selectors.decider_label(registration=registration)
    assert label == "Grace Otieno"
    names = selectors.focal_point_names(administration_ids=[focal_point.administration_id])
    assert names == {
        (focal_point.user_id, focal_point.administration_id): "Amina Diallo",
        (deputyship.user_id, focal_point.administration_id): "Grace Otieno",
    }
    assert selectors.decider_label(registration=registration, names=names) == "Grace Otieno"
    assert [record.status for record in deputyship.history.order_by("history_date")] == ["proposed", "confirmed"]


def test_an_unconfirmed_deputy_decides_nothing(focal_point, registration):
    deputyship = DeputyshipFactory(focal_point=focal_point, status=DeputyshipStatus.PROPOSED)

    with pytest.raises(decisions.DecisionNotAllowed):
        decisions.registration_decide(registration=registration, decided_by=deputyship.user, approve=True)
    assert not selectors.is_focal_point(user=deputyship.user)


@pytest.mark.parametrize(
    ("starts", "ends"),
    [(1, 5), (-10, -1)],
    ids=["before their period", "after their period"],
)
def test_a_deputy_outside_their_period_decides_nothing(focal_point, registration, client, starts, ends):
    deputyship = DeputyshipFactory(focal_point=focal_point, starts_on=days(starts), ends_on=days(ends))

    with pytest.raises(decisions.DecisionNotAllowed):
        decisions.registration_decide(registration=registration, decided_by=deputyship.user, approve=True)
    sign_in_with_second_factor(client, deputyship.user)
    assert client.get(reverse("focalpoints:pending")).status_code == 403
    response = client.post(reverse("focalpoints:registration", args=[registration.pk]), {"decision": "approve"})
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_the_deputy_of_a_focal_point_the_secretariat_deactivated_decides_nothing(focal_point, registration):
    deputyship = DeputyshipFactory(focal_point=focal_point)
    focal_point.is_active = False
    focal_point.save()

    with pytest.raises(decisions.DecisionNotAllowed):
        decisions.registration_decide(registration=registration, decided_by=deputyship.user, approve=True)
    assert not selectors.is_focal_point(user=deputyship.user)


def test_a_deputy_on_the_first_and_last_day_of_their_period_decides(focal_point):
    first = DeputyshipFactory(focal_point=focal_point, starts_on=today(), ends_on=days(3))
    last = DeputyshipFactory(starts_on=days(-3), ends_on=today())
    for deputyship in (first, last):
        registration = RegistrationFactory(participant__sme__administration=deputyship.administration)
        decisions.registration_decide(registration=registration, decided_by=deputyship.user, approve=True)
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.VALIDATED


def test_a_deputy_of_another_administration_decides_nothing_and_sees_nothing(registration, client):
    elsewhere = DeputyshipFactory()  # a running deputy of another Administration
    assert elsewhere.administration != registration.sme.administration

    with pytest.raises(decisions.DecisionNotAllowed):
        decisions.registration_decide(registration=registration, decided_by=elsewhere.user, approve=True)
    sign_in_with_second_factor(client, elsewhere.user)
    assert client.get(reverse("focalpoints:registration", args=[registration.pk])).status_code == 404
    assert registration.participant.full_name not in client.get(reverse("focalpoints:pending")).content.decode()


def test_a_running_deputy_sees_and_decides_the_administrations_requests_on_the_site(focal_point, registration, client):
    deputyship = DeputyshipFactory(focal_point=focal_point, name="Grace Otieno")
    sign_in_with_second_factor(client, deputyship.user)

    page = client.get(reverse("focalpoints:pending"))
    assert page.status_code == 200
    assert "Kofi Mensah" in page.content.decode()
    assert re.search(r"as the deputy of <bdi[^>]*>Amina Diallo</bdi>, until", page.content.decode())
    # A deputy names no deputy in turn: no link, and the page refuses them.
    assert reverse("focalpoints:deputies") not in page.content.decode()
    assert client.get(reverse("focalpoints:deputies")).status_code == 403

    response = client.post(
        reverse("focalpoints:registration", args=[registration.pk]),
        {"registration": registration.pk, "decision": "approve"},
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.decided_by == deputyship.user


def test_a_deputy_acting_must_pass_the_second_factor(focal_point, registration, client):
    deputyship = DeputyshipFactory(focal_point=focal_point)
    assert second_factor_required_of(deputyship.user)
    client.force_login(deputyship.user)

    response = client.post(
        reverse("focalpoints:registration", args=[registration.pk]),
        {"registration": registration.pk, "decision": "approve"},
    )
    assert response.status_code == 303
    assert response["Location"].startswith(reverse("second_factor"))
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    # Once the period is over, nothing more is asked of them (they are no longer a decider).
    deputyship.ends_on = deputyship.starts_on = days(-1)
    deputyship.save()
    assert not second_factor_required_of(deputyship.user)


# --- The emails go to the running deputies too ----------------------------------------------------


def test_validation_emails_reach_the_running_deputy_with_a_link_that_works_while_it_runs(
    focal_point, registration, client
):
    deputyship = DeputyshipFactory(focal_point=focal_point, name="Grace Otieno")
    DeputyshipFactory(focal_point=focal_point, status=DeputyshipStatus.PROPOSED, starts_on=days(20), ends_on=days(25))

    notifications.registrations_notify_focal_points(registrations=[registration])

    sent = OutgoingMessage.objects.filter(template="emails/focalpoint_registration_new")
    assert sorted(sent.values_list("to", flat=True)) == sorted([focal_point.email, deputyship.email])
    to_deputy = sent.get(to=deputyship.email)
    assert "You receive this as the deputy of Amina Diallo" in to_deputy.body_text
    path = urlsplit(next(word for word in to_deputy.body_text.split() if "/validation/" in word)).path
    assert links.link_token_read(path.split("/")[2]).deputyship_id == deputyship.pk

    sign_in_with_second_factor(client, deputyship.user)
    assert client.get(path).status_code == 200
    deputies.deputyship_end(deputyship=deputyship, ended_by=focal_point.user)
    # Ended: the link no longer opens the request for them (410), and they decide nothing.
    assert client.get(path).status_code == 403


def test_the_cancellation_emails_reach_the_running_deputy(focal_point, registration):
    deputyship = DeputyshipFactory(focal_point=focal_point)

    notifications.registration_cancelled_notify_focal_points(registration=registration)

    cancelled = OutgoingMessage.objects.filter(template="emails/focalpoint_registration_cancelled")
    assert set(cancelled.values_list("to", flat=True)) == {focal_point.email, deputyship.email}


# --- The refusals when naming ---------------------------------------------------------------------


def test_naming_oneself_is_refused_and_nothing_is_stored(focal_point):
    for email in (focal_point.email, focal_point.email.upper()):
        with pytest.raises(ValidationError) as refused:
            name_deputy(focal_point, email=email)
        assert "self" in refusal_codes(refused.value)
    # Another verified address of one's own account is oneself too.
    EmailAddress.objects.create(user=focal_point.user, email="amina.private@mail.example", verified=True)
    with pytest.raises(ValidationError):
        name_deputy(focal_point, email="amina.private@mail.example")
    assert not Deputyship.objects.exists()
    assert not OutgoingMessage.objects.exists()


def test_naming_another_focal_point_of_the_administration_is_refused(focal_point):
    colleague = FocalPointFactory(administration=focal_point.administration)
    with pytest.raises(ValidationError) as refused:
        name_deputy(focal_point, email=colleague.email)
    assert "already_decides" in refusal_codes(refused.value)
    assert not Deputyship.objects.exists()


def test_naming_an_sme_representative_is_refused(focal_point):
    representative = ParticipantProfileFactory(user__email="rep@sme.example").user
    with pytest.raises(ValidationError) as refused:
        name_deputy(focal_point, email=representative.email)
    assert "sme_representative" in refusal_codes(refused.value)
    assert "terms of reference" in " ".join(refused.value.messages)
    assert not Deputyship.objects.exists()


def test_confirming_a_deputy_who_became_an_sme_representative_is_refused(focal_point):
    user = UserFactory(email="later.rep@sme.example")
    deputyship = DeputyshipFactory(
        focal_point=focal_point, email=user.email, user=None, status=DeputyshipStatus.PROPOSED
    )
    ParticipantProfileFactory(user=user)

    with pytest.raises(ValidationError) as refused:
        deputies.deputyship_confirm(deputyship=deputyship, confirmed_by=secretariat_officer())
    assert "sme_representative" in refusal_codes(refused.value)
    deputyship.refresh_from_db()
    assert deputyship.status == DeputyshipStatus.PROPOSED


@pytest.mark.parametrize(
    ("starts", "ends", "code"),
    [(-1, 5, "invalid"), (5, 4, "invalid")],
    ids=["starting in the past", "ending before it starts"],
)
def test_a_period_that_makes_no_sense_is_refused(focal_point, starts, ends, code):
    with pytest.raises(ValidationError) as refused:
        name_deputy(focal_point, starts_on=days(starts), ends_on=days(ends))
    assert code in refusal_codes(refused.value)
    assert not Deputyship.objects.exists()


def test_overlapping_deputyships_are_refused_and_adjacent_ones_allowed(focal_point):
    name_deputy(focal_point, starts_on=days(1), ends_on=days(10))

    with pytest.raises(ValidationError) as refused:
        name_deputy(focal_point, email="someone.else@ca.example", starts_on=days(10), ends_on=days(12))
    assert "overlap" in refusal_codes(refused.value)
    # The same person cannot be a deputy of the same Administration twice over, whoever names them.
    colleague = FocalPointFactory(administration=focal_point.administration)
    with pytest.raises(ValidationError):
        name_deputy(colleague, starts_on=days(5), ends_on=days(6))

    name_deputy(focal_point, email="someone.else@ca.example", starts_on=days(11), ends_on=days(12))
    assert Deputyship.objects.count() == 2


def test_only_the_focal_point_themselves_names_their_deputy(focal_point):
    other = FocalPointFactory(administration=focal_point.administration)
    with pytest.raises(deputies.DeputyshipNotAllowed):
        name_deputy(focal_point, named_by=other.user)
    focal_point.is_active = False
    focal_point.save()
    with pytest.raises(deputies.DeputyshipNotAllowed):
        name_deputy(focal_point)
    assert not Deputyship.objects.exists()


# --- The secretariat: confirm, decline ------------------------------------------------------------


def test_only_secretariat_staff_confirm_or_decline(focal_point):
    deputyship = name_deputy(focal_point)
    for user in (focal_point.user, UserFactory()):
        with pytest.raises(deputies.DeputyshipNotAllowed):
            deputies.deputyship_confirm(deputyship=deputyship, confirmed_by=user)
        with pytest.raises(deputies.DeputyshipNotAllowed):
            deputies.deputyship_decline(deputyship=deputyship, declined_by=user, reason="No.")
    deputyship.refresh_from_db()
    assert deputyship.status == DeputyshipStatus.PROPOSED


def test_declined_with_a_reason_the_focal_point_reads(focal_point):
    deputyship = name_deputy(focal_point)
    officer = secretariat_officer()
    with pytest.raises(ValidationError):
        deputies.deputyship_decline(deputyship=deputyship, declined_by=officer, reason=" ")

    deputies.deputyship_decline(deputyship=deputyship, declined_by=officer, reason="Not known to the Administration.")

    deputyship.refresh_from_db()
    assert deputyship.status == DeputyshipStatus.DECLINED
    email = OutgoingMessage.objects.get(template="emails/deputy_reviewed")
    assert email.to == focal_point.email and "Not known to the Administration." in email.body_text
    with pytest.raises(ValidationError):
        deputies.deputyship_confirm(deputyship=deputyship, confirmed_by=officer)


def test_the_secretariat_confirms_and_declines_in_the_admin(focal_point, officer_client):
    waiting, other = (
        name_deputy(focal_point),
        name_deputy(focal_point, email="second@ca.example", starts_on=days(20), ends_on=days(21)),
    )
    changelist = reverse("admin:focalpoints_deputyship_changelist")
    assert officer_client.get(changelist).status_code == 200
    assert officer_client.get(reverse("admin:focalpoints_deputyship_change", args=[waiting.pk])).status_code == 200

    response = officer_client.post(changelist, {"action": "confirm_deputies", "_selected_action": [waiting.pk]})
    assert response.status_code == 302
    page = officer_client.post(changelist, {"action": "decline_deputies", "_selected_action": [other.pk]})
    assert page.status_code == 200 and "Yes, decline" in page.content.decode()
    officer_client.post(
        changelist,
        {"action": "decline_deputies", "_selected_action": [other.pk], "post": "yes", "reason": "Unknown person."},
    )

    waiting.refresh_from_db()
    other.refresh_from_db()
    assert waiting.status == DeputyshipStatus.CONFIRMED
    assert other.status == DeputyshipStatus.DECLINED and other.decline_reason == "Unknown person."
    assert officer_client.get(reverse("admin:focalpoints_deputyship_add")).status_code == 403


# --- The focal point's page: name, end early ------------------------------------------------------


def test_the_focal_point_names_a_deputy_from_their_page(focal_point, client):
    sign_in_with_second_factor(client, focal_point.user)
    page = client.get(reverse("focalpoints:deputies"))
    assert page.status_code == 200
    assert "Name a deputy" in page.content.decode()

    response = client.post(
        reverse("focalpoints:deputies"),
        {
            "name": "Grace Otieno",
            "email": "grace.otieno@ca.example",
            "starts_on": days(1).isoformat(),
            "ends_on": days(8).isoformat(),
            "language": "fr",
            "focal_point": focal_point.pk,
        },
    )
    assert response.status_code == 302
    deputyship = Deputyship.objects.get()
    assert (deputyship.name, deputyship.language, deputyship.starts_on) == ("Grace Otieno", "fr", days(1))
    listed = client.get(reverse("focalpoints:deputies")).content.decode()
    assert "Grace Otieno" in listed and "Waiting for the secretariat" in listed


def test_the_page_refuses_naming_oneself_with_a_message_and_stores_nothing(focal_point, client):
    sign_in_with_second_factor(client, focal_point.user)
    response = client.post(
        reverse("focalpoints:deputies"),
        {
            "name": "Me",
            "email": focal_point.email,
            "starts_on": today().isoformat(),
            "ends_on": days(3).isoformat(),
            "language": "en",
            "focal_point": focal_point.pk,
        },
    )
    assert response.status_code == 400
    assert "You cannot name yourself" in response.content.decode()
    assert not Deputyship.objects.exists()


def test_the_page_refuses_a_malformed_period_with_400(focal_point, client):
    sign_in_with_second_factor(client, focal_point.user)
    response = client.post(
        reverse("focalpoints:deputies"),
        {"name": "Grace", "email": "g@ca.example", "starts_on": "not a date", "ends_on": "", "focal_point": "x"},
    )
    assert response.status_code == 400
    assert not Deputyship.objects.exists()


def test_the_focal_point_ends_the_deputyship_early_with_a_post(focal_point, registration, client):
    deputyship = DeputyshipFactory(focal_point=focal_point)
    sign_in_with_second_factor(client, focal_point.user)
    end = reverse("focalpoints:deputy_end", args=[deputyship.pk])

    assert client.get(end).status_code == 405
    response = client.post(end)
    assert response.status_code == 302

    deputyship.refresh_from_db()
    assert deputyship.status == DeputyshipStatus.ENDED and deputyship.ended_at is not None
    assert OutgoingMessage.objects.filter(template="emails/deputy_ended", to=deputyship.email).count() == 1
    with pytest.raises(decisions.DecisionNotAllowed):
        decisions.registration_decide(registration=registration, decided_by=deputyship.user, approve=True)
    # Ending it again changes nothing, and says so.
    again = client.post(end, follow=True)
    assert "already over" in again.content.decode()


def test_nobody_ends_another_focal_points_deputyship(focal_point, client):
    deputyship = DeputyshipFactory()  # named by a focal point of another Administration
    colleague_deputyship = DeputyshipFactory(
        focal_point=FocalPointFactory(administration=focal_point.administration), email="x@ca.example"
    )
    sign_in_with_second_factor(client, focal_point.user)
    for other in (deputyship, colleague_deputyship):
        assert client.post(reverse("focalpoints:deputy_end", args=[other.pk])).status_code == 404
        other.refresh_from_db()
        assert other.status == DeputyshipStatus.CONFIRMED
    with pytest.raises(deputies.DeputyshipNotAllowed):
        deputies.deputyship_end(deputyship=deputyship, ended_by=focal_point.user)


def test_the_deputy_is_linked_at_sign_in_when_confirmed_before_having_an_account(focal_point):
    from focalpoints.accounts import focal_points_link_user

    deputyship = DeputyshipFactory(focal_point=focal_point, user=None, email="late@ca.example")
    user = UserFactory(email="late@ca.example")
    focal_points_link_user(user=user)
    deputyship.refresh_from_db()
    assert deputyship.user == user


# --- Every email of a deputyship: both parts, in its reader's language and direction --------------


def test_each_deputyship_email_has_both_parts_in_its_readers_language(focal_point, settings):
    from focalpoints.bounces import focal_point_address_refused

    focal_point.language = "fr"
    focal_point.save()
    officer = secretariat_officer()
    confirmed = name_deputy(focal_point, language="ar")
    deputies.deputyship_confirm(deputyship=confirmed, confirmed_by=officer)
    declined = name_deputy(focal_point, email="second@ca.example", starts_on=days(20), ends_on=days(21))
    deputies.deputyship_decline(deputyship=declined, declined_by=officer, reason="Inconnu.")
    deputies.deputyship_end(deputyship=confirmed, ended_by=focal_point.user)
    FocalPointFactory(administration=focal_point.administration, email="gone@ca.example")
    RegistrationFactory(participant__sme__administration=focal_point.administration)
    focal_point_address_refused(address="gone@ca.example", error="550")

    messages = OutgoingMessage.objects.order_by("pk")
    templates = {message.template for message in messages}
    assert templates >= {
        "emails/deputy_named",
        "emails/deputy_confirmed",
        "emails/deputy_reviewed",
        "emails/deputy_ended",
        "emails/focalpoint_address_refused",
    }
    expected = {focal_point.email: "fr", "grace.otieno@ca.example": "ar", settings.SECRETARIAT_EMAIL: "en"}
    for message in messages:
        assert message.language == expected[message.to], (message.template, message.to)
        direction = "rtl" if message.language == "ar" else "ltr"
        assert message.body_text.strip() and message.subject.strip(), message.template
        assert f'<html lang="{message.language}" dir="{direction}">' in message.body_html, message.template
        assert f'<div lang="{message.language}" dir="{direction}">' in message.body_html, message.template


# --- Personal data: a deputy's name and address are not kept for ever -----------------------------


def test_the_purge_anonymises_deputyships_over_for_the_retention_period(focal_point, settings):
    from registration import retention

    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    old = DeputyshipFactory(focal_point=focal_point, name="Grace Otieno", decline_reason="")
    Deputyship.objects.filter(pk=old.pk).update(
        starts_on=days(-60), ends_on=days(-50), created_at=timezone.now() - datetime.timedelta(days=70)
    )
    Deputyship.history.model.objects.filter(id=old.pk).update(
        history_date=timezone.now() - datetime.timedelta(days=70)
    )
    recent = DeputyshipFactory(focal_point=focal_point, starts_on=days(1), ends_on=days(2), email="recent@ca.example")

    assert retention.personal_data_purge(dry_run=True).deputies == 1
    assert retention.personal_data_purge().deputies == 1

    old.refresh_from_db()
    assert old.name == f"Anonymised #{old.pk}" and old.email.endswith("@anonymised.invalid")
    assert not Deputyship.history.model.objects.filter(name="Grace Otieno").exists()
    recent.refresh_from_db()
    assert recent.email == "recent@ca.example"
    assert retention.personal_data_purge().deputies == 0
