"""The SME representative's journey: consent, profile, SME, registrations and cancellations.

Each function validates, writes in one transaction and leaves side effects (emails) to the
outbox, whose sending happens on commit: work that is rolled back sends nothing.
"""

from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from focalpoints import notifications as focalpoint_notifications
from focalpoints.models import Administration
from meetings.models import Meeting
from meetings.rules import refused_by_database, sme_representation_check
from meetings.selectors import WindowState, meeting_registration_state, pilot_current, pilot_has_ended
from smepilot.l10n import is_current_currency
from smepilot.languages import account_language_save, recipient_language
from smepilot.outbox.services import mail_queue

from .models import (
    ACTIVE_STATUSES,
    SME,
    AttendanceMode,
    Eligibility,
    ListConsent,
    ParticipantProfile,
    Registration,
    RegistrationStatus,
)

ONE_ACTIVE_CONSTRAINT = "registration_one_active_per_participant_meeting"


# --- Consent and profile ---------------------------------------------------------------------


def profile_create_at_signup(*, user, given_name: str, family_name: str, privacy_consent: bool) -> ParticipantProfile:
    """Create the person's profile when they sign up, recording when they accepted the privacy notice."""
    if not privacy_consent:
        raise ValidationError(
            {"privacy_consent": _("Accept the privacy notice to create an account: we need it to process your data.")}
        )
    profile = ParticipantProfile.objects.filter(user=user).first() or ParticipantProfile(user=user)
    profile.given_name = given_name.strip()
    profile.family_name = family_name.strip()
    profile.privacy_consent_at = timezone.now()
    # The person signs up before they are signed in: their history names them, not "no one".
    profile._history_user = user
    profile.save()
    return profile


def _sme_change_check(*, profile: ParticipantProfile, by_secretariat: bool = False) -> None:
    """Refuse to change or clear the SME (or country) while registrations made for the current SME are active.

    A registration records the SME the person represented when registering, and that SME's
    Administration validates it (terms of reference, point 4). Moving pending or validated
    registrations silently to another SME would put them before the wrong focal points, and
    clearing it would hide an SME representative from the no-decision-making rule (point 3), so
    they are cancelled first. Registrations for meetings that have ended, and rejected or
    cancelled ones, do not block the change.
    """
    if profile.pk is None or profile.sme_id is None:
        return
    blocking = profile.registrations.filter(
        status__in=ACTIVE_STATUSES, meeting__ends_on__gte=timezone.localdate()
    ).exists()
    if not blocking:
        return
    if by_secretariat:
        message = _(
            "This person has pending or validated registrations for coming meetings as a representative of "
            "%(sme)s. Cancel those registrations first, then change their SME or country."
        )
    else:
        message = _(
            "You have pending or validated registrations for coming meetings as a representative of "
            "%(sme)s. Cancel them in “My registrations” first, then change your SME or country."
        )
    raise ValidationError({"sme": message % {"sme": profile.sme.name}}, code="active_registrations")


def _profile_for_update(*, user) -> ParticipantProfile:
    # The row lock serializes a change of SME with a registration being created at the same time.
    profile = ParticipantProfile.objects.select_for_update().filter(user=user).first()
    return profile or ParticipantProfile(user=user)


def profile_save(
    *,
    user,
    given_name: str,
    family_name: str,
    job_title: str,
    administration: Administration,
    privacy_consent: bool = False,
    language: str = "",
) -> ParticipantProfile:
    """Save the person's names, job title and country (an Administration taking part in the pilot),
    and the language they want the site and their emails in (``language``; empty keeps theirs).

    Changing the country clears the SME (an SME belongs to one Administration), and is refused
    while registrations are active: see ``_sme_change_check``. A profile without recorded consent
    (for example one created by the secretariat) records it here, and cannot be saved without it.
    The language is the account's (smepilot.languages), stored with the profile in one transaction.
    """
    if not administration.in_pilot:
        raise ValidationError(
            {"administration": _("This country's Administration does not take part in the pilot. Choose another.")}
        )
    with transaction.atomic():
        profile = _profile_for_update(user=user)
        if profile.privacy_consent_at is None:
            if not privacy_consent:
                raise ValidationError({"privacy_consent": _("Accept the privacy notice to save your profile.")})
            profile.privacy_consent_at = timezone.now()
        if profile.administration_id != administration.pk and profile.sme_id is not None:
            _sme_change_check(profile=profile)
            profile.sme = None
        profile.given_name = given_name.strip()
        profile.family_name = family_name.strip()
        profile.job_title = job_title.strip()
        profile.administration = administration
        profile.save()
        if language:
            account_language_save(user=user, language=language)
    return profile


def _profile_with_country(*, user) -> ParticipantProfile:
    profile = _profile_for_update(user=user)
    if profile.pk is None or profile.administration_id is None:
        raise ValidationError(_("Fill in your profile and choose your country first."))
    return profile


def profile_sme_choose(*, user, sme: SME) -> ParticipantProfile:
    """Say which SME, of the person's country, they represent (see ``_sme_change_check``)."""
    with transaction.atomic():
        profile = _profile_with_country(user=user)
        if sme.administration_id != profile.administration_id:
            raise ValidationError({"sme": _("Choose an SME of the country in your profile.")})
        if profile.sme_id != sme.pk:
            _sme_change_check(profile=profile)
            sme_representation_check(user=user)
            profile.sme = sme
            with refused_by_database(field="sme", sme_side=False):
                profile.save(update_fields=["sme", "updated_at"])
    return profile


def _sme_facts_clean(
    *, name: str, annual_revenue: Decimal | None, revenue_currency: str, sme_id: int | None = None
) -> tuple[str, str]:
    """The SME's name with its spaces collapsed and its currency as the ISO 4217 code of a currency in use.

    The code is read in capitals ("kes" is KES) but never shortened or guessed: anything else is
    refused beside the field. An SME saved again keeps the currency it was declared in even if
    that currency has since been withdrawn (the Croatian kuna in 2023); a new code must be current.
    """
    given = (revenue_currency or "").strip()
    revenue_currency = given.upper()
    if annual_revenue is not None and annual_revenue < 0:
        raise ValidationError({"annual_revenue": _("The annual revenue cannot be negative.")}, code="negative_revenue")
    kept = (
        sme_id is not None
        and len(revenue_currency) == 3
        and SME.objects.filter(pk=sme_id, revenue_currency=revenue_currency).exists()
    )
    if not (is_current_currency(revenue_currency) or kept):
        if given:
            message = _(
                "“%(code)s” is not the code of a currency in use (ISO 4217). Give its three-letter code, "
                "e.g. USD, EUR or KES."
            ) % {"code": given}
        else:
            message = _("Give the currency of the annual revenue as a three-letter code, e.g. USD, EUR or KES.")
        raise ValidationError({"revenue_currency": ValidationError(message, code="currency")})
    return " ".join(name.split()), revenue_currency


def _sme_name_taken(*, administration_id: int, name: str, sme_id: int | None = None) -> bool:
    """One SME per name in a country, whatever the case (the database's constraint says the same)."""
    return SME.objects.filter(administration_id=administration_id, name__iexact=name).exclude(pk=sme_id).exists()


def sme_declare(
    *,
    user,
    name: str,
    employees: int,
    annual_revenue: Decimal,
    revenue_currency: str,
    website: str,
    address: str,
) -> SME:
    """Declare a new SME of the person's country and make it theirs; its eligibility starts pending.

    The Administration confirms that it meets the national criteria (terms of reference, point 4).
    """
    name, revenue_currency = _sme_facts_clean(
        name=name, annual_revenue=annual_revenue, revenue_currency=revenue_currency
    )
    with transaction.atomic():
        profile = _profile_with_country(user=user)
        _sme_change_check(profile=profile)
        sme_representation_check(user=user)
        if _sme_name_taken(administration_id=profile.administration_id, name=name):
            raise ValidationError(
                {"name": _("An SME with this name is already declared in your country. Choose it from the list.")}
            )
        try:
            with transaction.atomic():
                sme = SME.objects.create(
                    administration_id=profile.administration_id,
                    name=name,
                    employees=employees,
                    annual_revenue=annual_revenue,
                    revenue_currency=revenue_currency,
                    website=website.strip(),
                    address=address.strip(),
                    eligibility=Eligibility.PENDING,
                    created_by=user,
                )
        except IntegrityError as error:  # declared by someone else at the same moment
            raise ValidationError(
                {"name": _("An SME with this name is already declared in your country. Choose it from the list.")}
            ) from error
        profile.sme = sme
        with refused_by_database(field="sme", sme_side=False):
            profile.save(update_fields=["sme", "updated_at"])
    return sme


def sme_secretariat_save(*, sme: SME, saved_by) -> SME:
    """Save an SME as the secretariat entered or corrected it in the admin, under sme_declare's checks.

    Its name is unique in its country whatever the case and spacing, and its currency the ISO 4217
    code of a currency in use (or the one it was saved with). A new SME starts pending, recorded as
    declared by the officer, until its Administration confirms it meets the national criteria
    (terms of reference, point 4); eligibility itself changes only through the decision services.
    """
    sme.name, sme.revenue_currency = _sme_facts_clean(
        name=sme.name, annual_revenue=sme.annual_revenue, revenue_currency=sme.revenue_currency, sme_id=sme.pk
    )
    if _sme_name_taken(administration_id=sme.administration_id, name=sme.name, sme_id=sme.pk):
        raise ValidationError(
            {"name": _("An SME with this name is already declared in this country.")}, code="duplicate_name"
        )
    if sme.pk is None:
        sme.eligibility = Eligibility.PENDING
        sme.created_by = saved_by
    with transaction.atomic():
        sme.save()
    return sme


def profile_secretariat_save(*, profile: ParticipantProfile) -> ParticipantProfile:
    """Save a participant profile as the secretariat edited it in the admin, under the site's rules.

    The SME must be of the profile's country; changing or clearing the SME (or the country) is
    refused while registrations for coming meetings are active (``_sme_change_check``); naming an
    SME is refused for a person who holds a leadership appointment or is recorded in a decision
    (terms of reference, point 3).
    """
    with transaction.atomic():
        before = ParticipantProfile.objects.select_for_update().filter(pk=profile.pk).first() if profile.pk else None
        sme_changes = before is None or before.sme_id != profile.sme_id
        country_changes = before is not None and before.administration_id != profile.administration_id
        if before is not None and (sme_changes or country_changes):
            _sme_change_check(profile=before, by_secretariat=True)
        if profile.sme_id is not None:
            if profile.sme.administration_id != profile.administration_id:
                raise ValidationError(
                    {"sme": _("Choose an SME of the person's country.")}, code="sme_of_other_country"
                )
            if sme_changes:
                sme_representation_check(user=profile.user)
        with refused_by_database(field="sme", sme_side=False):
            profile.save()
    return profile


# --- Registrations ---------------------------------------------------------------------------


def _meeting_label(meeting: Meeting) -> str:
    return f"{meeting.title} ({date_format(meeting.starts_on)})"


def registration_blocks_another(registration: Registration | None) -> bool:
    """Whether this registration stops the person from registering again for its meeting.

    A pending or validated registration holds the person's place: a second one for the same
    meeting is refused (the database's one-active-registration constraint says the same) until it
    is cancelled. A rejected or cancelled one does not: the person may register again, and the
    Administration's focal points decide anew.
    """
    return registration is not None and registration.status in ACTIVE_STATUSES


def registrations_by_meeting(*, participant: ParticipantProfile, meetings) -> dict[int, Registration]:
    """{meeting id: the person's registration} for those of ``meetings`` they registered for, in one query.

    The active registration when there is one (never more than one), else the latest rejected or
    cancelled one. What the registration form shows beside each meeting, and what
    ``registration_create`` checks with ``registration_blocks_another``.
    """
    found: dict[int, Registration] = {}
    if participant.pk is None or not meetings:
        return found
    rows = Registration.objects.filter(participant=participant, meeting__in=meetings).order_by("created_at", "pk")
    for registration in rows:
        if not registration_blocks_another(found.get(registration.meeting_id)):
            found[registration.meeting_id] = registration
    return found


def _participant_checks(*, participant: ParticipantProfile) -> list[str]:
    errors = []
    if not EmailAddress.objects.filter(user_id=participant.user_id, verified=True).exists():
        errors.append(
            _(
                "Your email address is not verified yet. Open the link in the email we sent you, "
                "or ask for a new one on your account's email page, then register."
            )
        )
    if participant.sme is None:
        errors.append(_("Say which SME you represent in your profile before registering."))
        return errors
    if participant.sme.eligibility == Eligibility.REFUSED:
        errors.append(
            _(
                "Your Administration found that %(sme)s does not meet the national criteria for SMEs, "
                "so it cannot register. Contact your Administration's focal point or the secretariat."
            )
            % {"sme": participant.sme.name}
        )
    if not participant.sme.administration.in_pilot:
        errors.append(_("Your country's Administration does not take part in the pilot. Contact the secretariat."))
    return errors


# registration_create's default for `pilot`: None means "there is no pilot", so not that.
NOT_LOOKED_UP = object()


def registration_create(
    *,
    participant: ParticipantProfile,
    choices: list[tuple[Meeting, str]],
    added_by=None,
    pilot=NOT_LOOKED_UP,
    list_consent: str = ListConsent.NOT_LISTED,
) -> list[Registration]:
    """Create one pending registration per chosen meeting, in one transaction.

    Refused, with a message saying what to do: an unverified email address; no SME or an SME
    whose eligibility the Administration refused (terms of reference, point 4); the same meeting
    twice; a study group not in the pilot (point 1); a meeting whose window is not open, or after
    the pilot's end (point 5); remote attendance where it is not offered; an active registration
    for the same meeting, also when two submissions race (the database constraint decides). A
    person who holds a leadership appointment or is recorded in a decision (point 3) cannot have an
    SME in their profile, so never gets this far; the database refuses the rows if they did.
    On success the registrant's acknowledgement and the focal points' notification are queued
    in the same transaction.

    `added_by`: the secretariat officer registering the person on their behalf (recorded on each
    registration). Every check applies to them too, but for a window that has closed: the
    closing message tells people to contact the secretariat if they must attend, so the
    secretariat may still register them until the meeting ends.

    `pilot`: the current pilot (``pilot_current``) when the caller has just read it for today, to spare
    the request a second query; looked up here otherwise.

    `list_consent`: whether and to whom the person appears in each meeting's list of participants
    (registration.participant_lists); not listed unless they chose.
    """
    today = timezone.localdate()
    errors = _participant_checks(participant=participant)
    if list_consent not in ListConsent.values:
        errors.append(_("Choose whether and to whom you appear in the list of participants."))
    if not choices:
        errors.append(_("Choose at least one meeting."))
    if pilot is NOT_LOOKED_UP:
        pilot = pilot_current(today=today)
    if pilot is None:
        errors.append(_("Registration is not open: there is no SME pilot."))
    elif pilot_has_ended(pilot=pilot, today=today):
        errors.append(
            _(
                "Registration is closed: the SME pilot ended on %(date)s. Under its terms of reference "
                "(point 5) the pilot runs until PP-18, so SMEs can no longer register."
            )
            % {"date": date_format(pilot.ends_on)}
        )
    pilot_study_group_ids = set(pilot.study_groups.values_list("pk", flat=True)) if pilot else set()

    seen = set()
    meetings = [meeting for meeting, _attendance in choices]
    standing = registrations_by_meeting(participant=participant, meetings=meetings)
    already = {meeting_id for meeting_id, held in standing.items() if registration_blocks_another(held)}
    for meeting, attendance in choices:
        label = _meeting_label(meeting)
        if meeting.pk in seen:
            errors.append(_("You chose %(meeting)s twice. Choose each meeting once.") % {"meeting": label})
            continue
        seen.add(meeting.pk)
        if meeting.pk in already:
            errors.append(
                _(
                    "You are already registered for %(meeting)s. See “My registrations”; cancel that "
                    "registration first if you want to change it."
                )
                % {"meeting": label}
            )
        if attendance not in AttendanceMode.values:
            errors.append(_("Choose in person or remote for %(meeting)s.") % {"meeting": label})
        elif attendance == AttendanceMode.REMOTE and not meeting.remote_participation:
            errors.append(_("%(meeting)s does not offer remote participation. Choose in person.") % {"meeting": label})
        if pilot is None or pilot_has_ended(pilot=pilot, today=today):
            continue  # already said once for every meeting
        if meeting.study_group_id not in pilot_study_group_ids:
            errors.append(
                _(
                    "%(meeting)s is not a meeting of a study group taking part in the SME pilot. "
                    "Choose a meeting listed on the meetings page."
                )
                % {"meeting": label}
            )
            continue
        if meeting.ends_on > pilot.ends_on:
            errors.append(
                _(
                    "%(meeting)s ends after the SME pilot's last day (%(date)s); under the terms of reference "
                    "(point 5) SMEs take part only until PP-18."
                )
                % {"meeting": label, "date": date_format(pilot.ends_on)}
            )
            continue
        state = meeting_registration_state(meeting=meeting, pilot=pilot, today=today)
        if state == WindowState.NOT_YET_OPEN:
            errors.append(
                _("Registration for %(meeting)s opens on %(date)s. Come back then.")
                % {"meeting": label, "date": date_format(meeting.registration_opens_on)}
            )
        elif state == WindowState.CLOSED and not (added_by is not None and meeting.ends_on >= today):
            errors.append(
                _("Registration for %(meeting)s closed on %(date)s. Contact the secretariat if you must attend.")
                % {"meeting": label, "date": date_format(meeting.registration_closes_on)}
            )
    if errors:
        raise ValidationError(errors)

    try:
        with refused_by_database(field=None, sme_side=False), transaction.atomic():
            # Serializes with a change of SME (profile_save, profile_sme_choose) for this person.
            ParticipantProfile.objects.select_for_update().filter(pk=participant.pk).values_list("pk").get()
            # One by one rather than bulk_create, so that each row gets its history record.
            registrations = [
                Registration.objects.create(
                    participant=participant,
                    sme=participant.sme,
                    meeting=meeting,
                    attendance_mode=attendance,
                    added_by=added_by,
                    list_consent=list_consent,
                )
                for meeting, attendance in choices
            ]
            _acknowledgement_queue(
                participant=participant, registrations=registrations, added_by_secretariat=added_by is not None
            )
            focalpoint_notifications.registrations_notify_focal_points(registrations=registrations)
    except IntegrityError as error:
        if getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) != ONE_ACTIVE_CONSTRAINT:
            raise
        raise ValidationError(
            _(
                "You are already registered for one of these meetings (the form was probably sent twice). "
                "See “My registrations”."
            )
        ) from error
    return registrations


def _acknowledgement_queue(
    *, participant: ParticipantProfile, registrations: list[Registration], added_by_secretariat: bool
) -> None:
    """The registrant's acknowledgement, in their language (smepilot.languages.recipient_language): the one
    they chose, else the one they are using when they register themselves; never the officer's."""
    mail_queue(
        to=participant.user.email,
        template="emails/registration_acknowledgement",
        context={
            "participant": participant,
            "sme": participant.sme,
            "administration": participant.sme.administration,
            "registrations": registrations,
            "added_by_secretariat": added_by_secretariat,
            "my_registrations_url": settings.SITE_URL + reverse("registration:list"),
        },
        language=recipient_language(
            user=participant.user, fallback="" if added_by_secretariat else translation.get_language()
        ),
    )


def registration_cancel(
    *, registration: Registration, cancelled_by, reason: str = "", tell_registrant: bool = True
) -> Registration:
    """Cancel a pending or validated registration before the meeting starts.

    Only its registrant (or secretariat staff) may. When it had been validated, the focal points
    are told, since they had approved the person's attendance. When the secretariat cancels it,
    the registrant is told in their language, with ``reason`` (kept in the history too), unless
    the caller tells them otherwise (``tell_registrant``: closing their account sends its own email).
    """
    reason = (reason or "").strip()
    limit = Registration.history.model._meta.get_field("history_change_reason").max_length
    if limit is not None and len(reason) > limit:
        raise ValidationError(
            _("Keep the reason to %(limit)d characters: it is kept in the registration's history.") % {"limit": limit},
            code="reason_too_long",
        )
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("meeting", "participant", "participant__user__preferences", "sme__administration")
            .get(pk=registration.pk)
        )
        by_registrant = registration.participant.user_id == cancelled_by.pk
        if not by_registrant and not cancelled_by.is_staff:
            raise ValidationError(_("You can cancel only your own registrations."))
        if registration.status not in ACTIVE_STATUSES:
            raise ValidationError(
                _("This registration is %(status)s; only pending or validated registrations can be cancelled.")
                % {"status": registration.get_status_display().lower()}
            )
        if timezone.localdate() >= registration.meeting.starts_on:
            raise ValidationError(_("The meeting has started; registrations can be cancelled only before it starts."))
        was_validated = registration.status == RegistrationStatus.VALIDATED
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = timezone.now()
        if reason:
            registration._change_reason = reason
        registration.save(update_fields=["status", "cancelled_at", "updated_at"])
        if was_validated:
            focalpoint_notifications.registration_cancelled_notify_focal_points(registration=registration)
        if not by_registrant and tell_registrant:
            focalpoint_notifications.registration_cancelled_notify_registrant(registration=registration, reason=reason)
    return registration
