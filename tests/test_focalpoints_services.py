import datetime

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from focalpoints import accounts, decisions, links, notifications, selectors
from focalpoints.models import FocalPoint
from registration.models import AttendanceMode, Eligibility, ParticipantProfile, Registration, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from tests.factories import (
    AdministrationFactory,
    FocalPointFactory,
    ParticipantProfileFactory,
    RegistrationFactory,
    SMEFactory,
    UserFactory,
)
from tests.smtp_sink import run_in_threads

pytestmark = pytest.mark.django_db


def outcome_messages():
    return OutgoingMessage.objects.filter(template="emails/registration_decided")


# --- Notification ---------------------------------------------------------------------------


def test_notify_sends_one_email_per_active_focal_point_per_batch(focal_point):
    administration = focal_point.administration
    second = FocalPointFactory(administration=administration)
    FocalPointFactory(administration=administration, is_active=False)
    FocalPointFactory()  # another Administration's
    sme = SMEFactory(administration=administration, eligibility=Eligibility.PENDING, name="Sahel Networks")
    first = RegistrationFactory(
        participant__sme=sme, participant__given_name="Kofi", participant__family_name="Mensah"
    )
    other = RegistrationFactory(participant=first.participant, attendance_mode=AttendanceMode.REMOTE)

    queued = notifications.registrations_notify_focal_points(registrations=[first, other])

    assert queued == 2
    messages = list(OutgoingMessage.objects.filter(template="emails/focalpoint_registration_new").order_by("pk"))
    assert [m.to for m in messages] == [focal_point.email, second.email]
    body = messages[0].body_text
    assert "Kofi Mensah" in body
    assert "Sahel Networks" in body
    assert "PENDING" in body
    assert first.meeting.title in body and other.meeting.title in body
    assert "Remote" in body and "In person" in body
    # The signed link is bound to both registrations, this focal point and the Administration.
    token = body.split("/validation/")[1].split("/")[0]
    link = links.link_token_read(token)
    assert set(link.registration_ids) == {first.pk, other.pk}
    assert link.focal_point_id == focal_point.pk
    assert link.administration_id == administration.pk
    assert "Kofi Mensah" in messages[0].subject


def test_a_rolled_back_registration_leaves_no_focal_point_email(focal_point, registration):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        notifications.registrations_notify_focal_points(registrations=[registration])
        assert OutgoingMessage.objects.count() == 1
        raise RuntimeError("the registration failed after the notification was queued")
    assert not OutgoingMessage.objects.exists()


def test_notify_without_active_focal_point_queues_nothing():
    registration = RegistrationFactory()
    assert notifications.registrations_notify_focal_points(registrations=[registration]) == 0
    assert not OutgoingMessage.objects.exists()


def test_notify_creates_the_account_of_a_focal_point_designated_without_one():
    focal_point = FocalPointFactory(user=None, email="Focal.Person@Admin.example", name="Focal Person")
    registration = RegistrationFactory(participant__sme__administration=focal_point.administration)

    notifications.registrations_notify_focal_points(registrations=[registration])

    focal_point.refresh_from_db()
    user = focal_point.user
    assert user is not None
    assert not user.has_usable_password()
    # Verified, so that allauth sends the sign-in code to it.
    assert EmailAddress.objects.get(user=user).verified


def test_account_ensure_links_an_existing_verified_account():
    existing = UserFactory(email="known@admin.example")
    focal_point = FocalPointFactory(user=None, email="KNOWN@admin.example")
    assert accounts.focal_point_account_ensure(focal_point=focal_point) == existing


def test_account_ensure_takes_the_address_from_an_account_that_never_verified_it():
    # Anyone can sign up with an address they do not own; only the designation is proof.
    squatter = UserFactory(email="unverified@admin.example", verified_email=False, password="squatter-password")
    EmailAddress.objects.create(user=squatter, email=squatter.email, verified=False, primary=True)
    focal_point = FocalPointFactory(user=None, email="unverified@admin.example")

    account = accounts.focal_point_account_ensure(focal_point=focal_point)

    assert account is not None and account != squatter
    assert not account.has_usable_password()
    assert EmailAddress.objects.get(email__iexact="unverified@admin.example").user == account
    squatter.refresh_from_db()
    assert squatter.email == ""
    assert not EmailAddress.objects.filter(user=squatter).exists()


def test_sign_in_links_a_focal_point_by_verified_email(client):
    # A focal point whose account was not made at designation (e.g. its address belonged to an
    # account without an allauth address) is linked when someone with the verified address signs in.
    focal_point = FocalPointFactory(user=None, email="later@admin.example")
    user = UserFactory(email="later@admin.example")
    client.force_login(user)
    focal_point.refresh_from_db()
    assert focal_point.user == user
    assert client.session["is_focal_point"] is True


def test_cancellation_notifies_the_active_focal_points(focal_point, registration):
    FocalPointFactory(administration=focal_point.administration, is_active=False)
    assert notifications.registration_cancelled_notify_focal_points(registration=registration) == 1
    message = OutgoingMessage.objects.get(template="emails/focalpoint_registration_cancelled")
    assert message.to == focal_point.email
    assert "Kofi Mensah" in message.body_text


def test_resend_refuses_a_decided_registration_or_an_administration_without_focal_point(focal_point, registration):
    assert notifications.focal_point_notification_resend(registration=registration) == 1
    decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)
    with pytest.raises(ValidationError) as error:
        notifications.focal_point_notification_resend(registration=registration)
    assert "only pending registrations" in error.value.messages[0]

    orphan = RegistrationFactory()
    with pytest.raises(ValidationError) as error:
        notifications.focal_point_notification_resend(registration=orphan)
    assert "has no active focal point" in error.value.messages[0]


# --- One decision ----------------------------------------------------------------------------


def test_approve_records_the_decision_and_queues_the_outcome_with_ics(focal_point, registration):
    decided = decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)

    registration.refresh_from_db()
    assert decided.status == registration.status == RegistrationStatus.VALIDATED
    assert registration.decided_by == focal_point.user
    assert registration.decided_at is not None
    assert registration.decided_on_behalf is False
    [message] = outcome_messages()
    assert message.to == registration.participant.user.email
    assert "validated" in message.subject
    attachment, check_in_qr_code = message.attachments
    assert check_in_qr_code["mimetype"] == "image/svg+xml"  # attending in person: the badge's code
    assert attachment["mimetype"] == "text/calendar"
    assert attachment["filename"].endswith(".ics")
    assert "BEGIN:VEVENT" in attachment["content"]
    assert "remote participation works" not in message.body_text


def test_remote_approval_explains_remote_participation(focal_point):
    registration = RegistrationFactory(
        participant__sme__administration=focal_point.administration, attendance_mode=AttendanceMode.REMOTE
    )
    decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)
    [message] = outcome_messages()
    assert "How remote participation works" in message.body_text
    assert "How remote participation works" in message.body_html
    assert "Remote participation" in message.attachments[0]["content"]


def test_second_decision_is_refused_with_who_and_when(focal_point, registration):
    colleague = FocalPointFactory(administration=focal_point.administration)
    decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)

    with pytest.raises(decisions.RegistrationAlreadyDecided) as error:
        decisions.registration_decide(registration=registration, decided_by=colleague.user, approve=False, reason="No")

    assert "already validated by Amina Diallo at" in error.value.messages[0]
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.VALIDATED
    assert registration.decided_by == focal_point.user
    assert outcome_messages().count() == 1
    # A ValidationError, so every caller that handles refusals handles this one.
    assert isinstance(error.value, ValidationError)


def test_rejection_needs_a_reason_and_the_registrant_reads_it(focal_point, registration):
    with pytest.raises(ValidationError) as error:
        decisions.registration_decide(
            registration=registration, decided_by=focal_point.user, approve=False, reason="  "
        )
    assert error.value.message_dict["reason"] == ["Give the reason for the rejection; the registrant will read it."]
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    assert not outcome_messages().exists()

    decisions.registration_decide(
        registration=registration, decided_by=focal_point.user, approve=False, reason="Not a national SME."
    )
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REJECTED
    assert registration.reason == "Not a national SME."
    [message] = outcome_messages()
    assert "Not a national SME." in message.body_text
    assert message.attachments == []


def test_cancelled_registration_cannot_be_decided(focal_point, registration):
    Registration.objects.filter(pk=registration.pk).update(
        status=RegistrationStatus.CANCELLED, cancelled_at=timezone.now()
    )
    with pytest.raises(decisions.RegistrationCancelled) as error:
        decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)
    assert "cancelled this registration" in error.value.messages[0]
    assert not outcome_messages().exists()


def test_only_an_active_focal_point_of_the_administration_decides(focal_point, registration):
    stranger = FocalPointFactory()  # another Administration's focal point
    inactive = FocalPointFactory(administration=focal_point.administration, is_active=False)
    staff = UserFactory(is_staff=True)
    for user, on_behalf in [(stranger.user, False), (inactive.user, False), (staff, False), (focal_point.user, True)]:
        with pytest.raises(decisions.DecisionNotAllowed):
            decisions.registration_decide(
                registration=registration, decided_by=user, approve=True, on_behalf=on_behalf
            )
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING

    decisions.registration_decide(
        registration=registration, decided_by=staff, approve=False, reason="Administration's letter", on_behalf=True
    )
    registration.refresh_from_db()
    assert registration.decided_on_behalf is True
    with pytest.raises(decisions.RegistrationAlreadyDecided) as error:
        decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)
    assert "already rejected by the secretariat, on behalf of the Administration" in error.value.messages[0]


def test_approving_a_pending_sme_confirms_it_as_the_administrations_confirmation(focal_point):
    sme = SMEFactory(administration=focal_point.administration, eligibility=Eligibility.PENDING)
    registration = RegistrationFactory(participant__sme=sme)

    decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)

    sme.refresh_from_db()
    assert sme.eligibility == Eligibility.CONFIRMED
    assert sme.eligibility_decided_by == focal_point.user
    assert sme.eligibility_decided_at is not None


def test_rejecting_leaves_a_pending_sme_pending(focal_point):
    sme = SMEFactory(administration=focal_point.administration, eligibility=Eligibility.PENDING)
    registration = RegistrationFactory(participant__sme=sme)
    decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=False, reason="Late")
    sme.refresh_from_db()
    assert sme.eligibility == Eligibility.PENDING


def test_concurrent_approvals_make_exactly_one_decision(transactional_db):
    focal_point = FocalPointFactory()
    colleague = FocalPointFactory(administration=focal_point.administration)
    sme = SMEFactory(administration=focal_point.administration, eligibility=Eligibility.PENDING)
    registration = RegistrationFactory(participant__sme=sme)
    outcomes = []

    def approve_as(user):
        def target():
            try:
                decisions.registration_decide(registration=registration, decided_by=user, approve=True)
                outcomes.append("decided")
            except decisions.RegistrationAlreadyDecided as error:
                outcomes.append(error.messages[0])

        return target

    users = iter([focal_point.user, colleague.user])
    run_in_threads(lambda: approve_as(next(users))(), count=2)

    assert outcomes.count("decided") == 1
    assert "already validated by" in [o for o in outcomes if o != "decided"][0]
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.VALIDATED
    assert outcome_messages().count() == 1
    assert registration.history.filter(status=RegistrationStatus.VALIDATED).count() == 1


def test_bulk_approve_decides_each_and_reports_the_ones_already_decided(focal_point):
    administration = focal_point.administration
    first, second = RegistrationFactory.create_batch(2, participant__sme__administration=administration)
    decisions.registration_decide(registration=second, decided_by=focal_point.user, approve=False, reason="No")

    approved, refused = decisions.registrations_approve(registrations=[first, second], decided_by=focal_point.user)

    assert [r.pk for r in approved] == [first.pk]
    assert [r.pk for r, _message in refused] == [second.pk]
    assert "You rejected this registration at" in refused[0][1]


def test_decision_queries_do_not_grow_with_the_sme_s_registrations(focal_point):
    sme = SMEFactory(administration=focal_point.administration)
    one = RegistrationFactory(participant__sme=sme)
    with CaptureQueriesContext(connection) as few:
        decisions.registration_decide(registration=one, decided_by=focal_point.user, approve=True)
    RegistrationFactory.create_batch(20, participant__sme=sme)
    another = RegistrationFactory(participant__sme=sme)
    with CaptureQueriesContext(connection) as many:
        decisions.registration_decide(registration=another, decided_by=focal_point.user, approve=True)
    assert len(many) == len(few)


# --- SME eligibility -------------------------------------------------------------------------


def test_confirm_sme_once(focal_point):
    sme = SMEFactory(administration=focal_point.administration, eligibility=Eligibility.PENDING, name="Kilimo Data")
    decisions.sme_eligibility_decide(sme=sme, decided_by=focal_point.user, confirm=True)
    sme.refresh_from_db()
    assert sme.eligibility == Eligibility.CONFIRMED
    with pytest.raises(decisions.SMEAlreadyDecided) as error:
        decisions.sme_eligibility_decide(sme=sme, decided_by=focal_point.user, confirm=False, reason="Too big")
    assert "You confirmed that Kilimo Data meets the national criteria at" in error.value.messages[0]
    colleague = FocalPointFactory(administration=focal_point.administration)
    with pytest.raises(decisions.SMEAlreadyDecided) as error:
        decisions.sme_eligibility_decide(sme=sme, decided_by=colleague.user, confirm=False, reason="Too big")
    assert "Kilimo Data was already confirmed by Amina Diallo at" in error.value.messages[0]


def test_a_second_decision_of_ones_own_says_you_decided(focal_point, registration):
    decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=False, reason="No")
    with pytest.raises(decisions.RegistrationAlreadyDecided) as error:
        decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)
    assert error.value.messages[0].startswith("You rejected this registration at")


def test_refusing_an_sme_rejects_its_pending_registrations_and_tells_each_registrant(focal_point):
    sme = SMEFactory(administration=focal_point.administration, eligibility=Eligibility.PENDING, name="Big Co")
    pending = RegistrationFactory.create_batch(2, participant__sme=sme)
    validated = RegistrationFactory(participant__sme=sme)
    Registration.objects.filter(pk=validated.pk).update(status=RegistrationStatus.VALIDATED, decided_at=timezone.now())

    with pytest.raises(ValidationError) as error:
        decisions.sme_eligibility_decide(sme=sme, decided_by=focal_point.user, confirm=False)
    assert "reason" in error.value.message_dict

    decisions.sme_eligibility_decide(
        sme=sme, decided_by=focal_point.user, confirm=False, reason="More than 250 employees."
    )

    sme.refresh_from_db()
    assert sme.eligibility == Eligibility.REFUSED
    assert sme.eligibility_reason == "More than 250 employees."
    for registration in pending:
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.REJECTED
        assert "Big Co does not meet the national criteria" in registration.reason
        assert "More than 250 employees." in registration.reason
    validated.refresh_from_db()
    assert validated.status == RegistrationStatus.VALIDATED
    assert sorted(outcome_messages().values_list("to", flat=True)) == sorted(r.participant.user.email for r in pending)
    # An SME found ineligible cannot have a registration approved afterwards.
    late = RegistrationFactory(participant__sme=sme)
    with pytest.raises(ValidationError) as error:
        decisions.registration_decide(registration=late, decided_by=focal_point.user, approve=True)
    assert "not to meet the national criteria" in error.value.messages[0]


def test_sme_of_another_administration_cannot_be_decided(focal_point):
    sme = SMEFactory(eligibility=Eligibility.PENDING, administration=AdministrationFactory(country="JP"))
    with pytest.raises(decisions.DecisionNotAllowed):
        decisions.sme_eligibility_decide(sme=sme, decided_by=focal_point.user, confirm=True)


# --- Reminders -------------------------------------------------------------------------------


def _age(registration, days):
    Registration.objects.filter(pk=registration.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))


def test_reminders_send_each_focal_point_one_digest_of_its_overdue_requests(focal_point, settings):
    settings.VALIDATION_REMINDER_AFTER_DAYS = 3
    administration = focal_point.administration
    colleague = FocalPointFactory(administration=administration)
    FocalPointFactory(administration=administration, is_active=False)
    old = RegistrationFactory.create_batch(2, participant__sme__administration=administration)
    for registration in old:
        _age(registration, 5)
    RegistrationFactory(participant__sme__administration=administration)  # recent: not overdue
    elsewhere = FocalPointFactory()  # another Administration, nothing overdue

    assert notifications.focal_point_reminders_queue() == 2

    digests = OutgoingMessage.objects.filter(template="emails/focalpoint_reminder")
    assert sorted(digests.values_list("to", flat=True)) == sorted([focal_point.email, colleague.email])
    body = digests.get(to=focal_point.email).body_text
    for registration in old:
        assert registration.participant.full_name in body
    assert "2 registrations wait" in digests.first().subject
    assert not digests.filter(to=elsewhere.email).exists()

    # The beat firing again the same day sends nothing more; a day later it reminds again.
    assert notifications.focal_point_reminders_queue() == 0
    assert notifications.focal_point_reminders_queue(now=timezone.now() + datetime.timedelta(days=1)) == 2


def test_reminder_queries_do_not_grow_with_overdue_requests(focal_point):
    administration = focal_point.administration
    first = RegistrationFactory(participant__sme__administration=administration)
    _age(first, 10)
    with CaptureQueriesContext(connection) as one:
        notifications.focal_point_reminders_queue()
    FocalPoint.objects.update(last_reminder_at=None)
    for registration in RegistrationFactory.create_batch(30, participant__sme__administration=administration):
        _age(registration, 10)
    with CaptureQueriesContext(connection) as many:
        notifications.focal_point_reminders_queue()
    assert len(many) == len(one)


def test_emails_sign_with_the_configured_secretariat_address(settings, focal_point, registration):
    settings.SECRETARIAT_EMAIL = "sme-pilot@itu.example"
    notifications.registrations_notify_focal_points(registrations=[registration])
    decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)
    messages = OutgoingMessage.objects.filter(template__startswith="emails/")
    assert messages.count() == 2
    for message in messages:
        assert "sme-pilot@itu.example" in message.body_text
        assert 'href="mailto:sme-pilot@itu.example"' in message.body_html
        assert "devsg@itu.int" not in message.body_text + message.body_html


@pytest.mark.django_db(transaction=True)
def test_an_approval_waiting_on_an_uncommitted_cancellation_finds_it_cancelled():
    """The registrant cancels while a focal point approves: the cancellation stands, the approval is refused.

    The decision locks the registration's row, so an approval that starts while the registrant's
    cancellation holds the row waits for it to commit, then reads it cancelled. Without the lock the
    approval would read the row as pending and then overwrite the committed cancellation.
    """
    import threading

    from django.db import transaction

    from registration.services import registration_cancel
    from tests.smtp_sink import wait_until

    focal_point = FocalPointFactory()
    registration = RegistrationFactory(participant__sme__administration=focal_point.administration)
    cancelled_uncommitted, commit_now = threading.Event(), threading.Event()
    pids, outcome = {}, {}

    def backend_pid(name):
        with connection.cursor() as cursor:
            # Bounded: a lock never granted fails the thread instead of hanging the test.
            cursor.execute("SET lock_timeout = '20s'")
            cursor.execute("SELECT pg_backend_pid()")
            pids[name] = cursor.fetchone()[0]

    def cancel():
        try:
            backend_pid("cancel")
            with transaction.atomic():
                registration_cancel(registration=registration, cancelled_by=registration.participant.user)
                cancelled_uncommitted.set()
                if not commit_now.wait(20):
                    raise TimeoutError("never told to commit")
            outcome["cancel"] = "committed"
        except BaseException as error:  # noqa: BLE001 - reported by the asserts below
            outcome["cancel"] = error
        finally:
            connection.close()

    def approve():
        try:
            backend_pid("approve")
            decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)
            outcome["approve"] = "approved"
        except BaseException as error:  # noqa: BLE001 - reported by the asserts below
            outcome["approve"] = error
        finally:
            connection.close()

    def approval_waits_for_the_cancellation():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_blocking_pids(%s)", [pids["approve"]])
            return pids["cancel"] in cursor.fetchone()[0]

    canceller = threading.Thread(target=cancel, daemon=True)
    approver = threading.Thread(target=approve, daemon=True)
    try:
        canceller.start()
        assert cancelled_uncommitted.wait(15), outcome
        approver.start()
        # The approval has read what it will decide on and waits on the cancellation's row lock
        # (or has finished without waiting, which the asserts below report).
        wait_until(
            lambda: not approver.is_alive() or ("approve" in pids and approval_waits_for_the_cancellation()),
            timeout=15,
            message="the approval to wait for the cancellation's lock",
        )
    finally:
        commit_now.set()
        canceller.join(25)
        approver.join(25)
    assert not canceller.is_alive() and not approver.is_alive()

    assert outcome["cancel"] == "committed"
    assert isinstance(outcome["approve"], decisions.RegistrationCancelled), outcome["approve"]
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    assert registration.decided_by is None
    assert not outcome_messages().exists()


@pytest.mark.parametrize("now_represents", ["another SME", "no SME"])
def test_a_focal_point_cannot_decide_their_own_registration_once_their_profile_changed_sme(
    focal_point, now_represents
):
    """Separation of duties holds on the registrant's account, not only on the SME the profile names today.

    The focal point registered for an SME of their Administration, then their profile came to
    represent another SME (or none): the registration is still their own.
    """
    own = RegistrationFactory(
        participant=ParticipantProfileFactory(user=focal_point.user, sme__administration=focal_point.administration)
    )
    other = SMEFactory(administration=focal_point.administration) if now_represents == "another SME" else None
    ParticipantProfile.objects.filter(pk=own.participant_id).update(sme=other)
    assert selectors.represented_sme_id(user=focal_point.user) != own.sme_id

    assert selectors.has_own_interest(
        user_id=focal_point.user.pk,
        user_sme_id=selectors.represented_sme_id(user=focal_point.user),
        sme=own.sme,
        registrant_user_id=focal_point.user.pk,
    )
    for approve, reason in ((True, ""), (False, "Not eligible.")):
        with pytest.raises(decisions.DecisionNotAllowed) as error:
            decisions.registration_decide(
                registration=own, decided_by=focal_point.user, approve=approve, reason=reason
            )
        assert error.value.code == "own_interest"
    own.refresh_from_db()
    assert own.status == RegistrationStatus.PENDING
    assert not outcome_messages().exists()
    # A colleague of the same Administration decides it.
    colleague = FocalPointFactory(administration=focal_point.administration)
    decisions.registration_decide(registration=own, decided_by=colleague.user, approve=True)
