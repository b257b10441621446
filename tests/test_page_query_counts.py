"""Every page of the site and of the admin runs as many queries with 1, 100 and 10,000 registrations.

The tables grow all pilot long (100,000 registrations by its end, with their people and SMEs): a
page whose number of queries follows its rows (one query per row, per related object, per filter
choice) slows down as the pilot runs. Each page is asked for by the person who uses it: the SME
representative (home, meetings, profile, SME, my registrations, register, cancel), the focal point
(pending list, SMEs, one registration, one SME, their deputies; tests/test_hot_writes_queries.py
counts the validation link), the focal point's deputy (pending list, one registration) and the
secretariat (every admin list, add, change and history page, a meeting's participants, badges and
attendance sheet, the pilot report, searches and filters of the large lists).

The data is built once for the module, grown in three steps with ``volume_seed`` (bulk inserts, the
no-decision-making rule kept by the database's triggers) and rolled back at the end; the people
whose pages are measured have rows in each step (the focal point's pending list and history, the
representative's registrations), so that their own lists grow too: at the first step each of their
lists has one row (two registrations in all), as an empty list skips a query. Each page is asked
for twice at the first step and the second request counted (the first fills the caches the site
keeps between requests), then once at each size.
"""

import contextlib
import datetime
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from focalpoints.models import FocalPoint
from meetings.models import Meeting, Pilot
from registration.models import (
    Attendance,
    AttendanceMode,
    ListConsent,
    ParticipantProfile,
    Registration,
    RegistrationStatus,
    VisaRequestStatus,
)
from smepilot.demo.volume import volume_seed
from tests import factories
from tests.second_factor import sign_in_with_second_factor

# The tests themselves only compare figures; the marker has the test database set up for the module's data.
pytestmark = pytest.mark.django_db

SIZES = (1, 100, 10_000)
# The first step's registrations: the representative's pending one, the one the focal point decided
# (checked in at the meeting), a validated one to attend in person (its badge), and the representative's
# two with visa support letter requests.
FIRST_STEP_ROWS = 5
# Of each step's registrations, these are the measured people's own: the focal point's Administration's
# pending and decided ones, and the representative's cancelled ones (one a meeting, and again).
OWN_SHARE = {"pending": 0.05, "decided": 0.05, "cancelled": 0.01}


def _people_in_bulk(*, count: int, sme, tag: str) -> list[ParticipantProfile]:
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"count-{tag}-{n}", email=f"count-{tag}-{n}@sme.example", password="!") for n in range(count)
    )
    now = timezone.now()
    return ParticipantProfile.objects.bulk_create(
        ParticipantProfile(
            user=user,
            given_name="Counted",
            family_name=f"Person {tag} {n}",
            sme=sme,
            administration=sme.administration,
            privacy_consent_at=now,
        )
        for n, user in enumerate(users)
    )


def _own_rows(world, *, size: int, step: int) -> int:
    """Rows of the measured people for this step; the number of registrations written."""
    share = {key: int(size * fraction) for key, fraction in OWN_SHARE.items()}
    now = timezone.now()
    waiting = _people_in_bulk(count=share["pending"] + share["decided"], sme=world["sme"], tag=f"s{step}")
    rows = [
        Registration(
            participant=person,
            sme=world["sme"],
            meeting=world["meeting"],
            attendance_mode=AttendanceMode.IN_PERSON,
            # Half of them taken up by the secretariat: its queue grows too.
            escalated_at=now if n % 2 else None,
        )
        for n, person in enumerate(waiting[: share["pending"]])
    ]
    rows += [
        Registration(
            participant=person,
            sme=world["sme"],
            meeting=world["meeting"],
            attendance_mode=AttendanceMode.REMOTE,
            status=RegistrationStatus.VALIDATED,
            decided_by=world["focal_point"].user,
            decided_at=now,
            # Half listed publicly, half for participants: the meeting's list of participants grows too.
            list_consent=ListConsent.PUBLIC if n % 2 else ListConsent.PARTICIPANTS,
        )
        for n, person in enumerate(waiting[share["pending"] :])
    ]
    meetings = world["meetings"]
    rows += [
        Registration(
            participant=world["representative"],
            sme=world["sme"],
            meeting=meetings[n % len(meetings)],
            attendance_mode=AttendanceMode.IN_PERSON,
            status=RegistrationStatus.CANCELLED,
            cancelled_at=now - datetime.timedelta(minutes=n),
        )
        for n in range(share["cancelled"])
    ]
    Registration.objects.bulk_create(rows)
    # A tenth of the decided ones checked in at the meeting: the attendance list grows too.
    decided = [row for row in rows if row.status == RegistrationStatus.VALIDATED]
    Attendance.objects.bulk_create(
        Attendance(registration=row, checked_in_by=world["secretariat"]) for row in decided[: len(decided) // 10]
    )
    return len(rows)


def _world():
    """The pilot from volume_seed with its one registration, made the measured people's: its representative,
    pending for a meeting open today, and a focal point of its Administration, who decided one other
    (each list of theirs has a row: an empty one skips a query); and a secretariat member."""
    seeded = volume_seed(registrations=1, seed=71)
    meeting = Meeting.objects.get(pk=seeded["register_meeting_id"])
    registration = Registration.objects.get()
    Registration.objects.filter(pk=registration.pk).update(
        meeting=meeting,
        status=RegistrationStatus.PENDING,
        decided_by=None,
        decided_at=None,
        reason="",
        # Taken up by the secretariat, so that its queue "Due for a decision" has a row from the first step.
        escalated_at=timezone.now(),
    )
    registration.refresh_from_db()
    representative = registration.participant
    ParticipantProfile.objects.filter(pk=representative.pk).update(privacy_consent_at=timezone.now())
    administration_id = registration.sme.administration_id
    focal_point = FocalPoint.objects.filter(administration_id=administration_id, user__isnull=False).first()
    # And one the focal point decided, so that the history under the pending list has a row too.
    (colleague,) = _people_in_bulk(count=1, sme=registration.sme, tag="first")
    decided = Registration.objects.create(
        participant=colleague,
        sme=registration.sme,
        meeting=meeting,
        attendance_mode=AttendanceMode.REMOTE,
        status=RegistrationStatus.VALIDATED,
        decided_by=focal_point.user,
        decided_at=timezone.now(),
    )
    (attendee,) = _people_in_bulk(count=1, sme=registration.sme, tag="badge")
    in_person = Registration.objects.create(
        participant=attendee,
        sme=registration.sme,
        meeting=meeting,
        attendance_mode=AttendanceMode.IN_PERSON,
        status=RegistrationStatus.VALIDATED,
        decided_by=focal_point.user,
        decided_at=timezone.now(),
    )
    secretariat = factories.UserFactory(is_staff=True, is_superuser=True)
    Attendance.objects.create(registration=decided, checked_in_by=secretariat)  # the attendance list's first row
    # Visa support letters of the representative: one refused (their list offers to ask again, the
    # request page shows its form) and one issued (their list links to the letter, downloaded below).
    others = list(Meeting.objects.filter(pk__in=seeded["meeting_ids"]).exclude(pk=meeting.pk).order_by("pk")[:2])
    visa_requests = [
        factories.VisaLetterRequestFactory(
            registration=Registration.objects.create(
                participant=representative,
                sme=registration.sme,
                meeting=other,
                attendance_mode=AttendanceMode.IN_PERSON,
                status=RegistrationStatus.VALIDATED,
                decided_by=focal_point.user,
                decided_at=timezone.now(),
            ),
            status=status,
            decided_at=timezone.now(),
            refusal_reason="Dates" if status == VisaRequestStatus.REFUSED else "",
        )
        for other, status in zip(others, (VisaRequestStatus.REFUSED, VisaRequestStatus.ISSUED), strict=True)
    ]
    # The focal point's deputy, confirmed and deciding today: the deputies page has a row, and the
    # deputy's own pending list is measured.
    deputyship = factories.DeputyshipFactory(focal_point=focal_point)
    return {
        "visa_refused": visa_requests[0],
        "visa_issued": visa_requests[1],
        "meeting": meeting,
        "meetings": list(Meeting.objects.filter(pk__in=seeded["meeting_ids"]).order_by("pk")),
        "focal_point": focal_point,
        "deputyship": deputyship,
        "sme": registration.sme,
        "representative": representative,
        "registration": registration,
        "in_person": in_person,
        "secretariat": secretariat,
        "report": factories.PilotReportFactory(pilot=Pilot.objects.get(pk=seeded["pilot_id"])),
    }


REGISTRATIONS = "admin:registration_registration_changelist"
# The large lists, searched, filtered and sorted: (URL name, query string).
_STATIC_ADMIN_PAGES = {
    "admin registrations searched by name": (REGISTRATIONS, "q=Counted"),
    "admin registrations searched by two words": (REGISTRATIONS, "q=Kofi+Counted"),
    "admin registrations searched by study group": (REGISTRATIONS, "q=SG1+Counted"),
    "admin registrations filtered by status": (REGISTRATIONS, "status__exact=pending"),
    "admin registrations filtered by date": (REGISTRATIONS, "{this_week}"),
    "admin registrations overdue": (REGISTRATIONS, "overdue=yes"),
    "admin registrations sorted by participant": (REGISTRATIONS, "o=1"),
    "admin registrations of a meeting": (REGISTRATIONS, "meeting__id__exact={meeting}"),
    "admin participants searched by name": ("admin:registration_participantprofile_changelist", "q=Counted"),
    "admin SMEs searched by name": ("admin:registration_sme_changelist", "q=Counted"),
}


def _admin_pages(world) -> dict[str, str]:
    """Every admin list, add, change and history page (the change and history of a row made before the
    data grows), the admin's own pages of a meeting, and the large lists searched and filtered."""
    pages = {"admin index": reverse("admin:index")}
    for model, model_admin in admin.site._registry.items():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.setdefault(f"admin {model._meta.app_label} app", reverse("admin:app_list", args=[model._meta.app_label]))
        pages[f"admin {model._meta.label} list"] = reverse(f"{info}_changelist")
        if model_admin.has_add_permission(_request_of(world["secretariat"])):
            pages[f"admin {model._meta.label} add"] = reverse(f"{info}_add")
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages[f"admin {model._meta.label} change"] = reverse(f"{info}_change", args=[first.pk])
            with contextlib.suppress(NoReverseMatch):
                pages[f"admin {model._meta.label} history"] = reverse(f"{info}_history", args=[first.pk])
    meeting = world["meeting"].pk
    for name in ("participants", "badges", "attendance_sheet", "participant_list_pdf", "participant_list_xlsx"):
        pages[f"admin meeting {name}"] = reverse(f"admin:meetings_meeting_{name}", args=[meeting])
    pages["admin meeting badge"] = reverse("admin:meetings_meeting_badge", args=[meeting, world["in_person"].pk])
    pages["admin check-in"] = reverse("admin:registration_checkin")
    pages["admin check-in desk"] = reverse("admin:registration_checkin_meeting", args=[meeting])
    pages["admin pilot report"] = reverse("admin:meetings_pilotreport_report", args=[world["report"].pk])
    for name, (url_name, query) in _STATIC_ADMIN_PAGES.items():
        pages[name] = f"{reverse(url_name)}?{query.format(meeting=meeting, this_week=_past_seven_days())}"
    return pages


def _past_seven_days() -> str:
    """The date filter's "Past 7 days", as its link writes it."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = midnight - datetime.timedelta(days=7), midnight + datetime.timedelta(days=1)
    return urlencode({"created_at__gte": str(start), "created_at__lt": str(end)})


def _request_of(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


# Each page of the site: (who asks, URL name, its arguments' keys in the world).
_SITE_PAGES = {
    "home, signed out": ("anonymous", "home", ()),
    "meetings, signed out": ("anonymous", "meetings:list", ()),
    "privacy notice": ("anonymous", "registration:privacy", ()),
    "home": ("representative", "home", ()),
    "meetings": ("representative", "meetings:list", ()),
    "profile": ("representative", "registration:profile", ()),
    "profile SME": ("representative", "registration:profile_sme", ()),
    "declare an SME": ("representative", "registration:sme_declare", ()),
    "close the account": ("representative", "registration:account_close", ()),
    "my registrations": ("representative", "registration:list", ()),
    "register": ("representative", "registration:new", ()),
    "cancel a registration": ("representative", "registration:cancel", ("registration",)),
    "request a visa support letter": ("representative", "registration:visa_request", ("visa_refused.registration",)),
    "download a visa support letter": (
        "representative",
        "registration:visa_letter_download",
        ("visa_issued.registration", "visa_issued.reference"),
    ),
    "list of participants, signed out": ("anonymous", "meetings:participants", ("meeting",)),
    "list of participants": ("representative", "meetings:participants", ("meeting",)),
    "list of participants, secretariat": ("secretariat", "meetings:participants", ("meeting",)),
    "list of participants, your choice": ("representative", "registration:list_consent", ("registration",)),
    "focal point pending list": ("focal point", "focalpoints:pending", ()),
    "focal point SMEs": ("focal point", "focalpoints:smes", ()),
    "focal point registration": ("focal point", "focalpoints:registration", ("registration",)),
    "focal point SME": ("focal point", "focalpoints:sme", ("sme",)),
    "focal point deputies": ("focal point", "focalpoints:deputies", ()),
    "deputy pending list": ("deputy", "focalpoints:pending", ()),
    "deputy registration": ("deputy", "focalpoints:registration", ("registration",)),
}


def _site_pages(world) -> dict[str, tuple[str, str]]:
    """(who asks, path) of each page of the site."""
    return {
        name: (who, reverse(url_name, args=[_argument(world, key) for key in keys]))
        for name, (who, url_name, keys) in _SITE_PAGES.items()
    }


def _argument(world, key: str):
    """A row's id ("registration"), or an attribute of a row ("visa_issued.reference"), from the world."""
    name, _dot, attribute = key.partition(".")
    value = world[name]
    for part in attribute.split(".") if attribute else ():
        value = getattr(value, part)
    return value.pk if hasattr(value, "pk") else value


def _queries(client, path, *, warm: bool) -> int:
    if warm:
        client.get(path)  # fills what the site caches between requests (sessions, content types...)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}"
    return len(captured.captured_queries)


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker):
    """{page: [queries at each of SIZES]}, measured on data built once and rolled back."""
    plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            STORAGES={
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": plain_static,
            },
        ),
        transaction.atomic(),
    ):
        world = _world()
        clients = {"anonymous": Client(), "representative": Client()}
        clients["representative"].force_login(world["representative"].user)
        clients["focal point"] = sign_in_with_second_factor(Client(), world["focal_point"].user)
        clients["secretariat"] = sign_in_with_second_factor(Client(), world["secretariat"])
        clients["deputy"] = sign_in_with_second_factor(Client(), world["deputyship"].user)
        pages = {name: ("secretariat", path) for name, path in _admin_pages(world).items()}
        pages.update(_site_pages(world))
        measured = {name: [] for name in pages}
        for step, size in enumerate(SIZES):
            missing = size - Registration.objects.count()
            if missing > 0:
                own = _own_rows(world, size=missing, step=step)
                volume_seed(registrations=missing - own, seed=72 + step)
            assert Registration.objects.count() == max(size, FIRST_STEP_ROWS)
            for name, (who, path) in pages.items():
                measured[name].append(_queries(clients[who], path, warm=step == 0))
        transaction.set_rollback(True)
    return measured


def _page_names() -> list[str]:
    """The pages' names, known before the data is built (a page not measured is skipped)."""
    names = ["admin index", *(name for name in _STATIC_ADMIN_PAGES)]
    for model in admin.site._registry:
        names.append(f"admin {model._meta.app_label} app")
        names += [f"admin {model._meta.label} {page}" for page in ("list", "add", "change", "history")]
    names += [
        f"admin meeting {name}"
        for name in ("participants", "badges", "attendance_sheet", "participant_list_pdf", "participant_list_xlsx")
    ]
    names += ["admin meeting badge", "admin check-in", "admin check-in desk", "admin pilot report"]
    return [*dict.fromkeys(names), *_SITE_PAGES]


def test_every_page_runs_as_many_queries_with_1_100_and_10000_registrations(counts):
    grown = {page: queries for page, queries in counts.items() if len(set(queries)) != 1}
    assert grown == {}, f"queries at {SIZES} registrations, by page"


def test_every_admin_list_and_site_page_is_measured(counts):
    """Add, change and history pages exist only where the admin allows them; every list and site page does."""
    lists = {f"admin {model._meta.label} list" for model in admin.site._registry}
    assert lists | set(_SITE_PAGES) <= set(counts)


def test_every_page_measured_has_its_test(counts):
    assert set(counts) <= set(_page_names())
