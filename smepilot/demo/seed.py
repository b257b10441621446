"""seed(): writes the demo data that mirrors the circular letter on the SME pilot in ITU-D study groups.

The data lives next to this module: letter.py (the pilot, its terms of reference, dates and meetings),
people.py (Administrations, focal points, SMEs, representatives), registrations.py and accounts.py.

Everything is written through the models directly and keyed on natural keys, so that running the
seed twice leaves the same rows (a row is saved only when a value differs, so history stays quiet).
By default every date is moved by a whole number of weeks so that the pilot is running and
registration is open today, and the titles follow: the study period is the four years from the year
of the first moved study group meeting, and the pilot's name drops the Council's year. The rows are
found again whatever the period, so moving the dates renames them in place. `letter_dates=True`
keeps the letter's 2018 dates and titles.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from modeltranslation.utils import build_localized_fieldname

from focalpoints.models import Administration, FocalPoint
from meetings.models import Meeting, MeetingKind, Pilot, Sector, StudyGroup
from registration.deadlines import decision_deadline
from registration.models import SME, Eligibility, ParticipantProfile, Registration, RegistrationStatus
from smepilot.sites import site_sync

from .accounts import FOCAL_POINT_EMAIL, SECRETARIAT_EMAIL, SME_REPRESENTATIVE_EMAIL, DemoAccount
from .letter import (
    GENEVA,
    GENEVA_IN,
    MEETING_TITLES_IN,
    MEETINGS,
    PILOT_ENDS,
    PILOT_NAME,
    PILOT_NAME_WITH_LETTER_DATES,
    REGISTRATION_OPENS,
    SHIFT_ANCHOR,
    STUDY_GROUP_TITLES_IN,
    STUDY_GROUPS,
    STUDY_PERIOD_YEARS,
    TERMS_OF_REFERENCE,
)
from .people import ADMINISTRATIONS, FOCAL_POINT_LANGUAGES, PARTICIPANTS, REASON_NOT_CONFIRMED, SMES
from .registrations import DAYS_TO_DECIDE, REGISTRATIONS
from .upsert import account_upsert, upsert, upsert_first


@dataclass
class SeedResult:
    shift: datetime.timedelta
    pilot: Pilot
    accounts: list[DemoAccount] = field(default_factory=list)


def shift_for(*, letter_dates, today):
    """Whole weeks from the letter's calendar to today's, so meetings keep their weekdays."""
    if letter_dates:
        return datetime.timedelta(0)
    return datetime.timedelta(weeks=(today - SHIFT_ANCHOR).days // 7)


def study_period(shift) -> tuple[int, int]:
    """The study period the (moved) meetings fall in: four years from the first study group meeting's.

    The pilot ends some seven months after that meeting, so every meeting falls in its first two years.
    """
    first = min(starts_on for _n, kind, _t, starts_on, *_ in MEETINGS.values() if kind == MeetingKind.STUDY_GROUP)
    start = (first + shift).year  # 2018 with the letter's dates
    return start, start + STUDY_PERIOD_YEARS - 1


def database_is_empty() -> bool:
    """No pilot and no account: a database just migrated, which the demo may fill without undoing anyone's work."""
    return not Pilot.objects.exists() and not get_user_model().objects.exists()


def at_geneva(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)), timezone.get_default_timezone())


@transaction.atomic
def seed(*, letter_dates=False, today=None, passwords=None):
    """Create or bring up to date the demo data. passwords: {email: password} for the demo accounts."""
    today = today or timezone.localdate()
    shift = shift_for(letter_dates=letter_dates, today=today)
    passwords = passwords or {}

    site_sync()  # allauth names the current site in its emails

    secretariat = account_upsert(
        email=SECRETARIAT_EMAIL,
        password=passwords.get(SECRETARIAT_EMAIL),
        given_name="ITU-D Study Groups",
        family_name="Secretariat",
        staff=True,
    )
    pilot, meetings = seed_pilot_and_meetings(shift, letter_dates=letter_dates)
    administrations, deciders = seed_administrations(passwords)
    smes = seed_smes(administrations, deciders, shift)
    profiles = seed_participants(smes, passwords, shift)
    seed_registrations(profiles, meetings, secretariat, deciders, shift)

    accounts = [
        DemoAccount("secretariat (superuser, /admin/)", SECRETARIAT_EMAIL, passwords.get(SECRETARIAT_EMAIL)),
        DemoAccount(f"focal point of {administrations['KE']}", FOCAL_POINT_EMAIL, passwords.get(FOCAL_POINT_EMAIL)),
        DemoAccount(
            "SME representative (Savannah Fibre Ltd)",
            SME_REPRESENTATIVE_EMAIL,
            passwords.get(SME_REPRESENTATIVE_EMAIL),
        ),
    ]
    return SeedResult(shift=shift, pilot=pilot, accounts=accounts)


def seed_pilot_and_meetings(shift, *, letter_dates):
    """The pilot, its study groups and their meetings; returns the pilot and the meetings by key.

    Found again by what does not move with the dates: the pilot by either of its names, a study group
    by its number in the pilot, a meeting by its title with any study period in it.
    """
    start, end = study_period(shift)
    pilot = upsert_first(
        Pilot,
        candidates=Pilot.objects.filter(name__in=[PILOT_NAME, PILOT_NAME_WITH_LETTER_DATES]),
        values={
            "name": PILOT_NAME_WITH_LETTER_DATES if letter_dates else PILOT_NAME,
            "terms": TERMS_OF_REFERENCE,
            "starts_on": REGISTRATION_OPENS + shift,
            "ends_on": PILOT_ENDS + shift,
        },
    )
    study_groups = {}
    for number, title in STUDY_GROUPS:
        key = {"sector": Sector.ITU_D, "number": number}
        in_period = StudyGroup.objects.filter(**key, study_period_start=start)
        study_groups[number] = upsert_first(
            StudyGroup,
            candidates=in_period if in_period.exists() else pilot.study_groups.filter(**key),
            values={
                **key,
                "title_en": title,
                **in_languages("title", STUDY_GROUP_TITLES_IN[number]),
                "study_period_start": start,
                "study_period_end": end,
            },
        )
    pilot.study_groups.add(*study_groups.values())

    meetings = {}
    for key, (number, kind, title, starts_on, ends_on, remote) in MEETINGS.items():
        any_period = re.compile(re.escape(title).replace(re.escape("{period}"), r"[0-9]{4}-[0-9]{4}"))
        same = [
            meeting.pk
            for meeting in Meeting.objects.filter(study_group=study_groups[number]).only("pk", "title_en")
            if any_period.fullmatch(meeting.title_en or "")
        ]
        meetings[key] = upsert_first(
            Meeting,
            candidates=Meeting.objects.filter(pk__in=same),
            values={
                "study_group": study_groups[number],
                "title_en": title.format(period=f"{start}-{end}"),
                **in_languages("title", MEETING_TITLES_IN[key], period=f"{start}-{end}"),
                "kind": kind,
                "starts_on": starts_on + shift,
                "ends_on": ends_on + shift,
                "place_en": GENEVA,
                **in_languages("place", GENEVA_IN),
                "remote_participation": remote,
                # Annex 2: one opening date for all meetings, rapporteur group meetings included.
                "registration_opens_on": REGISTRATION_OPENS + shift,
                "registration_closes_on": starts_on + shift - datetime.timedelta(days=1),
            },
        )
    return pilot, meetings


def in_languages(field, texts, **placeholders):
    """The values of ``field``'s column in each language of ``texts`` ({language code: text}, letter.py)."""
    return {build_localized_fieldname(field, code): text.format(**placeholders) for code, text in texts.items()}


def seed_administrations(passwords):
    """Administrations and their focal points; returns both by country: the Administration, and the user of its
    first focal point, who decides on its SMEs and registrations."""
    administrations = {}
    deciders = {}
    for country, (region, in_pilot, focal_points) in ADMINISTRATIONS.items():
        administration = upsert(
            Administration, lookup={"country": country}, values={"itu_region": region, "in_pilot": in_pilot}
        )
        administrations[country] = administration
        for name, email in focal_points:
            given_name, family_name = name.split(" ", 1)
            user = account_upsert(
                email=email, password=passwords.get(email), given_name=given_name, family_name=family_name
            )
            upsert(
                FocalPoint,
                lookup={"administration": administration, "email": email},
                values={
                    "name": name,
                    "user": user,
                    "is_active": True,
                    "language": FOCAL_POINT_LANGUAGES.get(email, "en"),
                },
            )
            deciders.setdefault(country, user)
    return administrations, deciders


def seed_smes(administrations, deciders, shift):
    """The SMEs, their eligibility decided (or not) by their Administration; returns them by (country, name)."""
    smes = {}
    for (country, name), (employees, revenue, currency, website, address, eligibility) in SMES.items():
        decided = eligibility != Eligibility.PENDING
        smes[country, name] = upsert(
            SME,
            lookup={"administration": administrations[country], "name": name},
            values={
                "employees": employees,
                "annual_revenue": Decimal(revenue),
                "revenue_currency": currency,
                "website": website,
                "address": address,
                "eligibility": eligibility,
                "eligibility_decided_by": deciders[country] if decided else None,
                "eligibility_decided_at": at_geneva(REGISTRATION_OPENS + shift, hour=9) if decided else None,
                "eligibility_reason": REASON_NOT_CONFIRMED if eligibility == Eligibility.REFUSED else "",
            },
        )
    return smes


def seed_participants(smes, passwords, shift):
    """The SME representatives' accounts and profiles; returns the profiles by email."""
    profiles = {}
    for email, (given_name, family_name, job_title, sme_key) in PARTICIPANTS.items():
        user = account_upsert(
            email=email, password=passwords.get(email), given_name=given_name, family_name=family_name
        )
        sme = smes[sme_key]
        profiles[email] = upsert(
            ParticipantProfile,
            lookup={"user": user},
            values={
                "given_name": given_name,
                "family_name": family_name,
                "job_title": job_title,
                "administration": sme.administration,
                "sme": sme,
                "privacy_consent_at": at_geneva(REGISTRATION_OPENS + shift, hour=8),
            },
        )
    return profiles


def seed_registrations(profiles, meetings, secretariat, deciders, shift):
    """The registrations, placed in the letter's calendar and decided (or not) as listed."""
    for email, meeting_key, attendance, status, day, reason, on_behalf in REGISTRATIONS:
        profile = profiles[email]
        created_at = at_geneva(REGISTRATION_OPENS + shift + datetime.timedelta(days=day))
        decided_at = created_at + datetime.timedelta(days=DAYS_TO_DECIDE)
        decided = status in (RegistrationStatus.VALIDATED, RegistrationStatus.REJECTED)
        lookup = {"participant": profile, "meeting": meetings[meeting_key]}
        if Registration.objects.filter(**lookup).count() > 1:
            # Someone cancelled and registered again while trying the demo: their rows are kept as
            # they are (resetting the old one could make two active registrations).
            continue
        registration = upsert(
            Registration,
            lookup=lookup,
            values={
                "sme": profile.sme,
                "attendance_mode": attendance,
                "decide_by": decision_deadline(meeting=meetings[meeting_key], attendance=attendance),
                "status": status,
                "decided_by": (secretariat if on_behalf else deciders[profile.sme.administration.country.code])
                if decided
                else None,
                "decided_at": decided_at if decided else None,
                "decided_on_behalf": on_behalf,
                "reason": reason,
                "cancelled_at": decided_at if status == RegistrationStatus.CANCELLED else None,
            },
        )
        if registration.created_at != created_at:
            # created_at is set on insert; the demo places it in the letter's calendar instead, so
            # that "pending for N days" (reminders, the secretariat's overdue list) has real values.
            Registration.objects.filter(pk=registration.pk).update(created_at=created_at)
