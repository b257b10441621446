"""Everything the site holds about one person, as the JSON file they download from their profile.

Their account, email addresses, linked ITU account, language, participant profile and SME, their
registrations with the meetings, statuses and the decisions taken on them, any focal-point
designation of theirs, and the emails we stored for them. The people who decided on their
registrations are named with their role only, never with their address. A fixed number of queries,
however many registrations and emails there are.
"""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.conf import settings
from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.utils import timezone

from focalpoints.models import FocalPoint
from smepilot.admin_base import PeopleNames
from smepilot.models import AccountPreferences
from smepilot.outbox.models import OutgoingMessage
from smepilot.outbox.services import REDACTED_BODY, SECRET_TEMPLATE_PREFIXES

from .models import Attendance, ParticipantProfile, Registration, VisaLetterRequest

FORMAT_VERSION = 1


def _moment(value):
    return value.isoformat() if value is not None else None


def _checked_in_at(registration):
    try:
        return _moment(registration.attendance.checked_in_at)
    except Attendance.DoesNotExist:
        return None


def _sme(sme, *, reader_id: int) -> dict | None:
    if sme is None:
        return None
    return {
        "name": sme.name,
        "country": str(sme.administration),
        "employees": sme.employees,
        "annual_revenue": str(sme.annual_revenue),
        "revenue_currency": sme.revenue_currency,
        "website": sme.website,
        "address": sme.address,
        "eligibility": sme.eligibility,
        "eligibility_decided_at": _moment(sme.eligibility_decided_at),
        "eligibility_reason": sme.eligibility_reason,
        "declared_by_you": sme.created_by_id == reader_id,
    }


def _visa_request(visa_request) -> dict:
    """That the request exists and how it was answered; never the passport details themselves (its
    number above all), which the site keeps only for the letter and erases after the meeting."""
    return {
        "reference": visa_request.reference,
        "status": visa_request.status,
        "requested_at": _moment(visa_request.created_at),
        "decided_at": _moment(visa_request.decided_at),
        "refusal_reason": visa_request.refusal_reason,
        "passport_details_held": visa_request.passport_erased_at is None,
        "passport_details_erased_at": _moment(visa_request.passport_erased_at),
    }


def _emails_of(addresses: set[str]):
    """The emails stored for these (lower-cased) addresses; those that carried a one-time secret, without it."""
    rows = []
    messages = OutgoingMessage.objects.annotate(to_lower=Lower("to")).filter(to_lower__in=addresses)
    for message in messages.order_by("created_at", "pk"):
        secret = message.template.startswith(SECRET_TEMPLATE_PREFIXES)
        rows.append(
            {
                "to": message.to,
                "subject": message.subject,
                "body_text": REDACTED_BODY if secret else message.body_text,
                "status": message.status,
                "created_at": _moment(message.created_at),
                "sent_at": _moment(message.sent_at),
            }
        )
    return rows


def _second_factors(user) -> list[dict]:
    """Which second factors the account has and when they were used: never their secrets or codes."""
    if not apps.is_installed("allauth.mfa"):
        return []
    authenticators = apps.get_model("mfa", "Authenticator").objects.filter(user=user).order_by("pk")
    return [
        {"type": item.type, "created_at": _moment(item.created_at), "last_used_at": _moment(item.last_used_at)}
        for item in authenticators
    ]


def personal_data_export(*, user) -> dict:
    """The person's data, as plain JSON-ready values."""
    email_addresses = list(EmailAddress.objects.filter(user=user).order_by("-primary", "email"))
    preferences = AccountPreferences.objects.filter(user=user).first()
    profile = (
        ParticipantProfile.objects.select_related("administration", "sme", "sme__administration")
        .filter(user=user)
        .first()
    )
    registrations = list(
        Registration.objects.filter(participant__user=user)
        .select_related("meeting", "meeting__study_group", "sme", "sme__administration", "decided_by", "attendance")
        .prefetch_related(Prefetch("visa_requests", queryset=VisaLetterRequest.objects.order_by("created_at", "pk")))
        .order_by("meeting__starts_on", "created_at", "pk")
    )
    people = PeopleNames()
    people.prefetch(registration.decided_by for registration in registrations)
    addresses = {address.email.lower() for address in email_addresses}
    if user.email:
        addresses.add(user.email.lower())

    return {
        "format_version": FORMAT_VERSION,
        "generated_at": _moment(timezone.now()),
        "site": settings.SITE_URL,
        "account": {
            "email": user.email,
            "date_joined": _moment(user.date_joined),
            "last_login": _moment(user.last_login),
            "has_password": user.has_usable_password(),
            "language": preferences.language if preferences else None,
        },
        "second_factors": _second_factors(user),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in email_addresses
        ],
        "itu_accounts": [
            {
                "provider": account.provider,
                "uid": account.uid,
                "date_joined": _moment(account.date_joined),
                "last_login": _moment(account.last_login),
                "data": account.extra_data,
            }
            for account in SocialAccount.objects.filter(user=user).order_by("pk")
        ],  # fmt: skip
        "profile": None
        if profile is None
        else {
            "given_name": profile.given_name,
            "family_name": profile.family_name,
            "job_title": profile.job_title,
            "country": str(profile.administration) if profile.administration else None,
            "sme": _sme(profile.sme, reader_id=user.pk),
            "privacy_notice_accepted_at": _moment(profile.privacy_consent_at),
            "created_at": _moment(profile.created_at),
            "updated_at": _moment(profile.updated_at),
        },
        "registrations": [
            {
                "meeting": {
                    "title": registration.meeting.title,
                    "study_group": registration.meeting.study_group.short_name,
                    "kind": registration.meeting.kind,
                    "starts_on": registration.meeting.starts_on.isoformat(),
                    "ends_on": registration.meeting.ends_on.isoformat(),
                    "place": registration.meeting.place,
                },
                "sme": registration.sme.name,
                "attendance": registration.attendance_mode,
                "status": registration.status,
                "created_at": _moment(registration.created_at),
                "added_by_the_secretariat": registration.added_by_id is not None,
                "cancelled_at": _moment(registration.cancelled_at),
                "checked_in_at": _checked_in_at(registration),
                "decision": None
                if registration.decided_at is None
                else {
                    "decided_at": _moment(registration.decided_at),
                    "decided_by": people.author(registration.decided_by) if registration.decided_by else None,
                    "decided_by_the_secretariat_on_behalf_of_the_administration": registration.decided_on_behalf,
                    "reason": registration.reason,
                },
                "visa_support_letters": [
                    _visa_request(visa_request) for visa_request in registration.visa_requests.all()
                ],
            }
            for registration in registrations
        ],
        "focal_point_designations": [
            {
                "administration": str(designation.administration),
                "name": designation.name,
                "email": designation.email,
                "language": designation.language,
                "active": designation.is_active,
            }
            for designation in FocalPoint.objects.filter(user=user).select_related("administration").order_by("pk")
        ],  # fmt: skip
        "emails": _emails_of(addresses) if addresses else [],
    }
