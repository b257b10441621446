"""How long personal data is kept, and how it is anonymised: the retention purge and closing an account.

The pilot's report to Council and to PP-18 (terms of reference, point 5) counts registrations,
SMEs, countries and focal points; it never needs to know who the people were. So a person is not
deleted but *anonymised*: their rows stay, with every field the report reads (country, SME,
meeting, attendance, status, dates of the decision), and everything that names or reaches them is
replaced or removed — names, job title, addresses, the account's email addresses, password,
linked ITU account, sessions, the emails we stored for them, the free text of decisions and the
same values in the change history. ``meetings.report`` gives the same figures before and after.

Who is anonymised, and when (``PERSONAL_DATA_RETENTION_DAYS``, docs/OPERATIONS.md):

* an SME representative whose every registration is for a meeting that ended more than the
  retention period ago, and who did nothing since (no sign-in, no change to their profile or
  registrations); or at once, when they close their account (``account_close``);
* an SME once every person who represented it or registered for it is anonymised, and it has had
  no registration for a meeting within the period;
* a focal point's designation once it has been inactive for the period (focal points are officials
  of their Administration: they are not purged by the age of meetings), and their account with it
  when they hold no other designation and did not sign in during the period;
* a deputy a focal point named (focalpoints.models.Deputyship): their name and address on the
  deputyship once its last day is older than the period (their account is a plain one, as above);
* never the secretariat's staff, nor people recorded in a leadership appointment or a decision
  (terms of reference, point 3): those are the ITU's records.

Writes are set-based updates in batches, each in its own transaction with its rows locked (rows
being written by someone else are skipped and taken by the next run), so a run is idempotent and
safe beside the site. The updates never touch the columns the no-decision-making triggers watch
(a profile's SME, a registration's status, person or meeting).
"""

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat, Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from focalpoints.models import Deputyship, FocalPoint
from meetings.models import Appointment, DecisionParticipant
from smepilot.models import AccountPreferences
from smepilot.outbox.models import MessageStatus, OutgoingMessage

from . import visas
from .models import ACTIVE_STATUSES, SME, ParticipantProfile, Registration, VisaLetterRequest

logger = logging.getLogger(__name__)

# What replaces a name: "Anonymised #123" (the row's id, so the admin's lists still tell rows apart).
ANONYMISED_NAME = "Anonymised"
# What replaces free text that may name the person (a rejection's reason, which cannot be empty).
REMOVED_TEXT = "[removed]"
# Usernames allauth and Django's forms never make (":" is not allowed in them), so never taken.
ANONYMISED_USERNAME_PREFIX = "anonymised:"
ANONYMISED_EMAIL_DOMAIN = "anonymised.invalid"
BATCH_SIZE = 200


@dataclass
class PurgeFigures:
    """What a purge (or an account's closing) anonymised or removed, row by row."""

    people: int = 0
    registrations: int = 0
    smes: int = 0
    focal_points: int = 0
    deputies: int = 0
    accounts: int = 0
    history_records: int = 0
    email_addresses: int = 0
    social_accounts: int = 0
    sessions: int = 0
    outbox_messages: int = 0
    visa_passports: int = 0

    def add(self, other: "PurgeFigures") -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    def as_dict(self) -> dict[str, int]:
        return {field.name: getattr(self, field.name) for field in fields(self)}


def retention_cutoff(*, now: datetime.datetime | None = None) -> datetime.datetime:
    """The moment before which data is old enough to anonymise: now minus PERSONAL_DATA_RETENTION_DAYS."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)


def _officials(user_ref):
    """Q: the user is the secretariat's, a focal point, or in the ITU's record of leadership and decisions."""
    return (
        Q(**{f"{user_ref}__is_staff": True})
        | Q(**{f"{user_ref}__is_superuser": True})
        | Exists(FocalPoint.objects.filter(user=OuterRef(user_ref)))
        | Exists(Appointment.objects.filter(person=OuterRef(user_ref)))
        | Exists(DecisionParticipant.objects.filter(person=OuterRef(user_ref)))
    )


def people_due_for_anonymisation(*, now: datetime.datetime | None = None):
    """SME representatives whose data the retention period has run out for (see the module's docstring).

    Every registration is for a meeting that ended before the cutoff's date, and nothing of theirs
    changed since the cutoff: their account was not created or signed in to, their profile and
    registrations were not changed (a decision taken late on an old registration counts).
    """
    cutoff = retention_cutoff(now=now)
    cutoff_date = timezone.localdate(cutoff)
    recent_registration = Registration.objects.filter(participant=OuterRef("pk")).filter(
        Q(meeting__ends_on__gte=cutoff_date) | Q(created_at__gte=cutoff) | Q(updated_at__gte=cutoff)
    )
    return (
        ParticipantProfile.objects.filter(
            anonymised_at__isnull=True,
            created_at__lt=cutoff,
            updated_at__lt=cutoff,
            user__date_joined__lt=cutoff,
        )
        .filter(Q(user__last_login__isnull=True) | Q(user__last_login__lt=cutoff))
        .exclude(_officials("user"))
        .exclude(Exists(recent_registration))
    )


def smes_due_for_anonymisation(*, now: datetime.datetime | None = None, leaving: Iterable[int] = ()):
    """SMEs nobody still identifiable represents, with no registration for a meeting within the period.

    ``leaving``: ids of profiles counted as anonymised already (a dry run's people due).
    """
    cutoff = retention_cutoff(now=now)
    cutoff_date = timezone.localdate(cutoff)
    leaving = list(leaving)
    identifiable = ParticipantProfile.objects.filter(anonymised_at__isnull=True).exclude(pk__in=leaving)
    return (
        SME.objects.filter(anonymised_at__isnull=True, created_at__lt=cutoff, updated_at__lt=cutoff)
        .exclude(Exists(identifiable.filter(sme=OuterRef("pk"))))
        .exclude(Exists(Registration.objects.filter(sme=OuterRef("pk"), participant__in=identifiable)))
        .exclude(Exists(Registration.objects.filter(sme=OuterRef("pk"), meeting__ends_on__gte=cutoff_date)))
    )


def focal_points_due_for_anonymisation(*, now: datetime.datetime | None = None):
    """Designations inactive, and unchanged, for the whole retention period (their last change deactivated them)."""
    cutoff = retention_cutoff(now=now)
    history = FocalPoint.history.model
    return (
        FocalPoint.objects.filter(is_active=False, created_at__lt=cutoff)
        .exclude(email__iendswith=f"@{ANONYMISED_EMAIL_DOMAIN}")
        .exclude(Exists(history.objects.filter(id=OuterRef("pk"), history_date__gte=cutoff)))
    )


def deputyships_due_for_anonymisation(*, now: datetime.datetime | None = None):
    """Deputyships whose last day is older than the period, and unchanged since (whatever their status)."""
    cutoff = retention_cutoff(now=now)
    history = Deputyship.history.model
    return (
        Deputyship.objects.filter(ends_on__lt=timezone.localdate(cutoff), created_at__lt=cutoff)
        .exclude(email__iendswith=f"@{ANONYMISED_EMAIL_DOMAIN}")
        .exclude(Exists(history.objects.filter(id=OuterRef("pk"), history_date__gte=cutoff)))
    )


def focal_point_accounts_due_for_anonymisation(*, user_ids: Iterable[int], now: datetime.datetime | None = None):
    """Of the accounts of anonymised focal points, those that are nothing else any more."""
    cutoff = retention_cutoff(now=now)
    still_designated = FocalPoint.objects.filter(user=OuterRef("pk")).exclude(
        is_active=False, email__iendswith=f"@{ANONYMISED_EMAIL_DOMAIN}"
    )
    return (
        get_user_model()
        .objects.filter(pk__in=list(user_ids), is_staff=False, is_superuser=False, date_joined__lt=cutoff)
        .filter(Q(last_login__isnull=True) | Q(last_login__lt=cutoff))
        .exclude(username__startswith=ANONYMISED_USERNAME_PREFIX)
        .exclude(Exists(still_designated))
        .exclude(Exists(ParticipantProfile.objects.filter(user=OuterRef("pk"), anonymised_at__isnull=True)))
        .exclude(Exists(Appointment.objects.filter(person=OuterRef("pk"))))
        .exclude(Exists(DecisionParticipant.objects.filter(person=OuterRef("pk"))))
    )


def outbox_messages_due_for_deletion(*, now: datetime.datetime | None = None):
    """Emails sent (or given up on) before the cutoff: their bodies name people, and they were delivered."""
    return OutgoingMessage.objects.filter(
        status__in=[MessageStatus.SENT, MessageStatus.FAILED], created_at__lt=retention_cutoff(now=now)
    )


# --- Anonymising rows, set-based ---------------------------------------------------------------


def _numbered(prefix: str, field: str = "pk"):
    return Concat(Value(prefix), Cast(field, output_field=CharField()), output_field=CharField())


def _log_entries_anonymise(model, ids: list[int]) -> None:
    """The admin's "recent actions" keep each object's name as it was: replaced too."""
    if ids:
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=[str(pk) for pk in ids]
        ).update(object_repr=ANONYMISED_NAME)


def _sessions_delete(user_ids: set[int]) -> int:
    """Delete the accounts' sessions (stored in the database). Read one by one: the user id is inside the data."""
    if not user_ids:
        return 0
    wanted = {str(pk) for pk in user_ids}
    doomed = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500)
        if str(session.get_decoded().get("_auth_user_id", "")) in wanted
    ]
    Session.objects.filter(session_key__in=doomed).delete()
    return len(doomed)


def _accounts_anonymise(user_ids: list[int]) -> PurgeFigures:
    """Make the accounts unusable and nameless; remove their addresses, ITU account links, sessions and emails."""
    figures = PurgeFigures(accounts=len(user_ids))
    if not user_ids:
        return figures
    users = get_user_model().objects.filter(pk__in=user_ids)
    addresses = {email.lower() for email in users.exclude(email="").values_list("email", flat=True)}
    addresses |= {email.lower() for email in EmailAddress.objects.filter(user_id__in=user_ids).values_list(
        "email", flat=True)}  # fmt: skip
    if addresses:
        figures.outbox_messages, _by_model = (
            OutgoingMessage.objects.annotate(to_lower=Lower("to")).filter(to_lower__in=addresses).delete()
        )
    figures.email_addresses, _by_model = EmailAddress.objects.filter(user_id__in=user_ids).delete()
    figures.social_accounts = SocialAccount.objects.filter(user_id__in=user_ids).count()
    SocialAccount.objects.filter(user_id__in=user_ids).delete()  # their tokens go with them
    AccountPreferences.objects.filter(user_id__in=user_ids).delete()
    if apps.is_installed("allauth.mfa"):  # two-factor secrets and recovery codes
        apps.get_model("mfa", "Authenticator").objects.filter(user_id__in=user_ids).delete()
    figures.sessions = _sessions_delete(set(user_ids))
    users.model.groups.through.objects.filter(user_id__in=user_ids).delete()
    users.model.user_permissions.through.objects.filter(user_id__in=user_ids).delete()
    users.update(
        username=_numbered(ANONYMISED_USERNAME_PREFIX),
        first_name="",
        last_name="",
        email="",
        password=make_password(None),  # unusable: starts with "!"
        is_active=False,
        is_staff=False,
        is_superuser=False,
    )
    _log_entries_anonymise(users.model, user_ids)
    return figures


def _people_anonymise(*, profile_ids: list[int], user_ids: list[int], now: datetime.datetime) -> PurgeFigures:
    """Anonymise these profiles, their registrations' free text and their accounts, history included.

    Kept for the pilot report: each profile's country and SME, each registration's SME, meeting,
    attendance, status and the dates and author of its decision.
    """
    figures = PurgeFigures(people=len(profile_ids))
    profile_history = ParticipantProfile.history.model
    registration_history = Registration.history.model
    registration_ids = list(Registration.objects.filter(participant_id__in=profile_ids).values_list("pk", flat=True))
    figures.registrations = len(registration_ids)
    ParticipantProfile.objects.filter(pk__in=profile_ids).update(
        given_name=ANONYMISED_NAME, family_name=_numbered("#"), job_title="", anonymised_at=now
    )
    figures.history_records += profile_history.objects.filter(id__in=profile_ids).update(
        given_name=ANONYMISED_NAME, family_name=_numbered("#", "id"), job_title="", history_change_reason=None
    )
    # An empty reason stays empty; a rejection's cannot be (registration_rejection_has_reason).
    Registration.objects.filter(pk__in=registration_ids).exclude(reason="").update(reason=REMOVED_TEXT)
    registration_history.objects.filter(id__in=registration_ids).exclude(reason="").update(reason=REMOVED_TEXT)
    figures.history_records += registration_history.objects.filter(id__in=registration_ids).update(
        history_change_reason=None
    )
    _log_entries_anonymise(ParticipantProfile, profile_ids)
    _log_entries_anonymise(Registration, registration_ids)
    visa_request_ids = VisaLetterRequest.objects.filter(registration_id__in=registration_ids).values("pk")
    figures.visa_passports = visas.visa_passports_erase(request_ids=visa_request_ids, now=now)
    figures.add(_accounts_anonymise(user_ids))
    return figures


def _smes_anonymise(*, sme_ids: list[int], now: datetime.datetime) -> PurgeFigures:
    """Name and contact details replaced; country, size, revenue and eligibility kept (the report's figures)."""
    figures = PurgeFigures(smes=len(sme_ids))
    replaced = {"name": _numbered(f"{ANONYMISED_NAME} SME #"), "website": "", "address": "", "eligibility_reason": ""}
    SME.objects.filter(pk__in=sme_ids).update(**replaced, anonymised_at=now)
    replaced["name"] = _numbered(f"{ANONYMISED_NAME} SME #", "id")
    figures.history_records += SME.history.model.objects.filter(id__in=sme_ids).update(
        **replaced, history_change_reason=None
    )
    _log_entries_anonymise(SME, sme_ids)
    return figures


def _focal_points_anonymise(*, focal_point_ids: list[int]) -> PurgeFigures:
    """Name and address replaced; Administration and (in)activity kept (the report counts them)."""
    figures = PurgeFigures(focal_points=len(focal_point_ids))
    email = Concat(
        Value("focal-point-"), Cast("pk", output_field=CharField()), Value(f"@{ANONYMISED_EMAIL_DOMAIN}"),
        output_field=CharField(),
    )  # fmt: skip
    FocalPoint.objects.filter(pk__in=focal_point_ids).update(name=_numbered(f"{ANONYMISED_NAME} #"), email=email)
    history_email = Concat(
        Value("focal-point-"), Cast("id", output_field=CharField()), Value(f"@{ANONYMISED_EMAIL_DOMAIN}"),
        output_field=CharField(),
    )  # fmt: skip
    figures.history_records += FocalPoint.history.model.objects.filter(id__in=focal_point_ids).update(
        name=_numbered(f"{ANONYMISED_NAME} #", "id"), email=history_email, history_change_reason=None
    )
    _log_entries_anonymise(FocalPoint, focal_point_ids)
    return figures


def _deputyships_anonymise(*, deputyship_ids: list[int]) -> PurgeFigures:
    """The deputy's name and address, and the reason a deputy was declined, replaced; the rest kept."""
    figures = PurgeFigures(deputies=len(deputyship_ids))
    email = Concat(
        Value("deputy-"), Cast("pk", output_field=CharField()), Value(f"@{ANONYMISED_EMAIL_DOMAIN}"),
        output_field=CharField(),
    )  # fmt: skip
    Deputyship.objects.filter(pk__in=deputyship_ids).update(
        name=_numbered(f"{ANONYMISED_NAME} #"), email=email, decline_reason=""
    )
    history_email = Concat(
        Value("deputy-"), Cast("id", output_field=CharField()), Value(f"@{ANONYMISED_EMAIL_DOMAIN}"),
        output_field=CharField(),
    )  # fmt: skip
    figures.history_records += Deputyship.history.model.objects.filter(id__in=deputyship_ids).update(
        name=_numbered(f"{ANONYMISED_NAME} #", "id"),
        email=history_email,
        decline_reason="",
        history_change_reason=None,
    )
    _log_entries_anonymise(Deputyship, deputyship_ids)
    return figures


# --- The purge --------------------------------------------------------------------------------


def _batches(ids: list[int], size: int):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _locked_batches(due, batch_size: int):
    """The primary keys of the rows ``due()`` returns, a batch at a time, each batch locked and checked
    due again in a transaction of its own that stays open while the caller works on it (the loop's body
    runs inside it). Rows another transaction holds are skipped: the next run takes them."""
    ids = list(due().order_by("pk").values_list("pk", flat=True))
    for batch in _batches(ids, batch_size):
        with transaction.atomic():
            yield list(due().filter(pk__in=batch).select_for_update(skip_locked=True).values_list("pk", flat=True))


def personal_data_purge(
    *,
    now: datetime.datetime | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[str, int, int], None] | None = None,
) -> PurgeFigures:
    """Anonymise everything the retention period has run out for; return what was (or would be) done.

    Idempotent: what is anonymised is not due any more. Each batch is one transaction that locks its
    rows and checks again that they are due, skipping rows another transaction holds (a person
    signing in or registering right now): the next run takes them. ``dry_run`` counts and writes
    nothing. ``progress(stage, done, total)`` is called after each batch.
    """
    now = now or timezone.now()
    figures = PurgeFigures()
    report = progress or (lambda stage, done, total: None)

    people = list(people_due_for_anonymisation(now=now).order_by("pk").values_list("pk", "user_id"))
    if dry_run:
        profile_ids = [pk for pk, _user in people]
        figures.people = figures.accounts = len(people)
        figures.registrations = Registration.objects.filter(participant_id__in=profile_ids).count()
        figures.smes = smes_due_for_anonymisation(now=now, leaving=profile_ids).count()
        figures.focal_points = focal_points_due_for_anonymisation(now=now).count()
        figures.deputies = deputyships_due_for_anonymisation(now=now).count()
        figures.outbox_messages = outbox_messages_due_for_deletion(now=now).count()
        figures.visa_passports = visas.visa_requests_due_for_erasure(today=timezone.localdate(now)).count()
        return figures

    done = 0
    for batch in _batches([pk for pk, _user in people], batch_size):
        with transaction.atomic():
            locked = list(
                people_due_for_anonymisation(now=now)
                .filter(pk__in=batch)
                .select_for_update(of=("self",), skip_locked=True)
                .values_list("pk", "user_id")
            )
            # The accounts too (a sign-in writes last_login): one held elsewhere waits for the next run.
            users = set(
                get_user_model()
                .objects.filter(pk__in=[user_id for _pk, user_id in locked])
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)
            )
            locked = [(pk, user_id) for pk, user_id in locked if user_id in users]
            figures.add(
                _people_anonymise(
                    profile_ids=[pk for pk, _user in locked], user_ids=[user for _pk, user in locked], now=now
                )
            )
        done += len(batch)
        report("people", done, len(people))

    for locked in _locked_batches(lambda: smes_due_for_anonymisation(now=now), batch_size):
        figures.add(_smes_anonymise(sme_ids=locked, now=now))

    focal_points = list(focal_points_due_for_anonymisation(now=now).order_by("pk").values_list("pk", flat=True))
    for batch in _batches(focal_points, batch_size):
        with transaction.atomic():
            locked = list(
                focal_points_due_for_anonymisation(now=now)
                .filter(pk__in=batch)
                .select_for_update(skip_locked=True)
                .values_list("pk", "user_id")
            )
            figures.add(_focal_points_anonymise(focal_point_ids=[pk for pk, _user in locked]))
            accounts = list(
                focal_point_accounts_due_for_anonymisation(
                    user_ids={user for _pk, user in locked if user}, now=now
                ).values_list("pk", flat=True)
            )
            figures.add(_accounts_anonymise(accounts))

    # Passport details given for visa support letters: kept only until the meeting's end plus
    # VISA_PASSPORT_RETENTION_DAYS, however recent the person's other activity (registration.visas).
    today = timezone.localdate(now)
    for locked in _locked_batches(lambda: visas.visa_requests_due_for_erasure(today=today), batch_size):
        figures.visa_passports += visas.visa_passports_erase(request_ids=locked, now=now)

    for locked in _locked_batches(lambda: deputyships_due_for_anonymisation(now=now), batch_size):
        figures.add(_deputyships_anonymise(deputyship_ids=locked))

    old_messages = list(outbox_messages_due_for_deletion(now=now).order_by("pk").values_list("pk", flat=True))
    for batch in _batches(old_messages, batch_size * 5):
        deleted, _by_model = OutgoingMessage.objects.filter(pk__in=batch).delete()
        figures.outbox_messages += deleted
    logger.info("Personal data purge: %s", figures.as_dict())
    return figures


# --- Closing one's own account --------------------------------------------------------------


def account_can_close(*, user) -> bool:
    """Only an SME representative (or a plain account) closes their own account on the site.

    Focal points are designated by their Administration and the secretariat's staff by ITU: their
    accounts end when that designation does, through the secretariat.
    """
    return not (
        user.is_staff
        or user.is_superuser
        or FocalPoint.objects.filter(user=user).exists()
        or Appointment.objects.filter(person=user).exists()
        or DecisionParticipant.objects.filter(person=user).exists()
    )


def account_close(*, user, closed_by=None, now: datetime.datetime | None = None) -> PurgeFigures:
    """Close a person's account at their request: cancel their coming registrations, then anonymise them.

    ``closed_by``: the secretariat officer acting on the person's written request (the admin's
    action), else the person themselves (their profile page). Pending and validated registrations
    for meetings not started yet are cancelled through ``registration_cancel`` (the focal points who
    validated one are told, as for any cancellation); past ones are kept, anonymised, for the pilot
    report. The confirmation goes to the address the account had, and the outbox deletes it once
    sent (smepilot.outbox.services).
    """
    from smepilot.languages import recipient_language
    from smepilot.outbox.services import mail_queue

    from .services import registration_cancel

    closed_by = closed_by or user
    by_secretariat = closed_by.pk != user.pk
    if not account_can_close(user=user):
        if by_secretariat:
            message = _(
                "This account is a focal point's, the secretariat's or that of a person in a leadership "
                "appointment or a decision: end the designation instead; the retention purge anonymises it later."
            )
        else:
            message = _(
                "Focal points and the secretariat's staff cannot close their accounts here: "
                "write to the secretariat, who will end your designation."
            )
        raise ValidationError(message, code="official")
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        profile = ParticipantProfile.objects.select_for_update().filter(user=user).first()
        if user.username.startswith(ANONYMISED_USERNAME_PREFIX) or (profile and profile.anonymised_at):
            raise ValidationError(_("This account is closed already."), code="closed")
        language = recipient_language(user=user)
        address = user.email
        cancelled = 0
        if profile is not None:
            coming = Registration.objects.filter(
                participant=profile, status__in=ACTIVE_STATUSES, meeting__starts_on__gt=today
            )
            for registration in coming:
                registration_cancel(registration=registration, cancelled_by=closed_by, tell_registrant=False)
                cancelled += 1
        figures = _people_anonymise(
            profile_ids=[profile.pk] if profile is not None else [], user_ids=[user.pk], now=now
        )
        if address:
            mail_queue(
                to=address,
                template="emails/account_closed",
                context={"cancelled": cancelled},
                language=language,
            )
    logger.info("Account %s closed at its owner's request (by user %s)", user.pk, closed_by.pk)
    return figures
