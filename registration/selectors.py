"""Read-side queries of the representative's journey, always scoped to the signed-in person."""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from meetings.translated import in_reader_language

from .badges import check_in_code, has_badge, qr_data_uri
from .models import ParticipantProfile, Registration, RegistrationStatus, VisaLetterRequest


def profile_of(*, user) -> ParticipantProfile | None:
    """The person's profile with what their pages and emails read: the SME, and the account with its
    language (the registration's acknowledgement is addressed and written from it), in one query."""
    return (
        ParticipantProfile.objects.select_related(
            "administration", "sme", "sme__administration", "user", "user__preferences"
        )
        .filter(user=user)
        .first()
    )


def registrations_of(*, user):
    """The person's own registrations, newest meeting first, in two queries whatever their number: the
    second brings their visa support letter requests, the latest first (``visa_requests_latest_first``)."""
    return (
        Registration.objects.filter(participant__user=user)
        .select_related("meeting", "meeting__study_group", "sme", "sme__administration", "decided_by")
        .prefetch_related(
            Prefetch(
                "visa_requests",
                queryset=VisaLetterRequest.objects.order_by("-created_at", "-pk"),
                to_attr="visa_requests_latest_first",
            )
        )
        .order_by("-meeting__starts_on", in_reader_language("meeting__title"), "-created_at")
    )


def deciders_by_administration(*, registrations) -> dict[int, list[str]]:
    """{Administration id: the names of those who decide for it today} for the pending ones of
    ``registrations``, in one query: who decides, as the registrant reads it (names only, never
    addresses). The letter sends each registration "for validation to the Focal Points designated
    by each Administration"; who they are today (and their running deputies) is
    ``focalpoints.selectors.deciders``, the rule every focal-point page and email reads."""
    from focalpoints.selectors import deciders

    ids = {
        registration.sme.administration_id
        for registration in registrations
        if registration.status == RegistrationStatus.PENDING
    }
    names: dict[int, list[str]] = {}
    if not ids:
        return names
    running = deciders()
    # Unordered: SQLite refuses ORDER BY inside a UNION's parts; the names are sorted below.
    rows = (
        running.focal_points.filter(administration_id__in=ids)
        .order_by()
        .values_list("administration_id", "name")
        .union(
            running.deputyships.filter(administration_id__in=ids).order_by().values_list("administration_id", "name")
        )
    )
    for administration_id, name in sorted(rows, key=lambda row: (row[1], row[0])):
        names.setdefault(administration_id, []).append(name)
    return names


@dataclass(frozen=True)
class Badge:
    registration: Registration
    code: str
    qr: str


def badges_of(*, registrations, today) -> list[Badge]:
    """The check-in codes of the person's validated in-person registrations for meetings not ended yet."""
    return [
        Badge(registration=registration, code=code, qr=qr_data_uri(code))
        for registration in registrations
        if has_badge(registration) and registration.meeting.ends_on >= today
        for code in [check_in_code(registration)]
    ]


@dataclass(frozen=True)
class NextStep:
    url_name: str
    label: Promise
    explanation: Promise

    @property
    def url(self) -> str:
        return reverse(self.url_name)


PROFILE_STEP = NextStep(
    "registration:profile",
    _("Fill in your profile"),
    _("Give your job title and choose your country: only Administrations taking part in the pilot are listed."),
)
SME_STEP = NextStep(
    "registration:profile_sme",
    _("Say which SME you represent"),
    _("Choose your SME among those of your country, or declare it if it is not listed yet."),
)
REGISTER_STEP = NextStep(
    "registration:new",
    _("Register for meetings"),
    _("Choose the study group and rapporteur group meetings you will attend, in person or remotely."),
)


def next_step(*, profile: ParticipantProfile | None) -> NextStep:
    """Where the person goes next: their profile (country), then their SME, then the meetings.

    The order the registration pages need: an SME belongs to one country, and a registration is
    made for the SME the person represents.
    """
    if profile is None or profile.administration_id is None:
        return PROFILE_STEP
    if profile.sme_id is None:
        return SME_STEP
    return REGISTER_STEP
