"""The benchmark's people, written into the running site's database by the site's own models, each
with a signed-in session of their own (and a CSRF token), as the wrk clients present them.

Run in the site's environment, after ``seed_demo`` and ``seed_volume`` (bench/run.py does it)::

    manage.py shell -c "from bench.people import people_write; people_write('/tmp/people.json', ...)"

Sessions are created server-side, exactly as a sign-in leaves them: Django's auth keys, and for focal
points and the secretariat allauth's record of an authenticator-app code (the second factor they pass
before deciding or opening the admin). Signing thousands of people in through the sign-in form would
measure the sign-in, not the pages.

- ``representatives``: ready to register (verified address, profile, an SME of an Administration
  with its two demo focal points, privacy notice accepted), one each per registration POST;
- ``approvals``: a pending registration each, in an Administration given ``deciders`` focal points,
  and the session of one of them: one approve POST each;
- ``focal_points``: those focal points' sessions, each with a validation link to one of the
  pending registrations (a GET: reusable);
- ``staff``: secretariat staff (the Secretariat group) for the admin pages.
"""

import json
import time
from datetime import timedelta
from decimal import Decimal

from allauth.account.internal.flows.login import record_authentication
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Count
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import RequestFactory
from django.utils import timezone
from django.utils.crypto import get_random_string

from focalpoints.links import link_token_make
from focalpoints.models import Administration, FocalPoint
from meetings.secretariat import SECRETARIAT_GROUP_NAME
from meetings.selectors import pilot_current, pilot_study_groups_with_coming_meetings
from registration.models import SME, AttendanceMode, Eligibility, ParticipantProfile, Registration, RegistrationStatus
from tests.second_factor import authenticator_app_give

BATCH = 2000
PASSWORD = "bench-password-not-secret"  # noqa: S105 - the benchmark's throwaway database only


def _meeting_open():
    today = timezone.localdate()
    groups = pilot_study_groups_with_coming_meetings(pilot=pilot_current(today=today), today=today)
    return next(row.meeting for group in groups for row in group.meetings)


def _administrations(count: int) -> list[Administration]:
    """Pilot Administrations with active focal points, the most-designated first (Kenya has two)."""
    return list(
        Administration.objects.filter(in_pilot=True, focal_points__is_active=True)
        .annotate(deciders=Count("focal_points"))
        .order_by("-deciders", "pk")[:count]
    )


def _users_create(prefix: str, count: int, hashed: str, **fields) -> list:
    users = [
        get_user_model()(username=f"{prefix}-{number}", email=f"{prefix}-{number}@bench.example.org", password=hashed)
        for number in range(count)
    ]
    for user in users:
        for name, value in fields.items():
            setattr(user, name, value)
    users = get_user_model().objects.bulk_create(users, batch_size=BATCH)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users], batch_size=BATCH
    )
    return users


def _representatives_create(prefix: str, count: int, hashed: str, administration: Administration) -> list:
    sme = SME.objects.create(
        administration=administration,
        name=f"Benchmark SME {prefix}",
        employees=20,
        annual_revenue=Decimal("1000000"),
        revenue_currency="USD",
        address="1 Benchmark Street",
        eligibility=Eligibility.CONFIRMED,
    )
    users = _users_create(prefix, count, hashed)
    profiles = ParticipantProfile.objects.bulk_create(
        [
            ParticipantProfile(
                user=user,
                given_name="Benchmark",
                family_name=f"Person {prefix} {number}",
                administration=administration,
                sme=sme,
                privacy_consent_at=timezone.now(),
            )
            for number, user in enumerate(users)
        ],
        batch_size=BATCH,
    )
    return list(zip(users, profiles, strict=True))


def _signed_in(users, *, second_factor: bool) -> list[dict]:
    """A session per user as a sign-in leaves it, and a CSRF cookie; ``{"cookie", "csrf"}`` each."""
    expire = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    factory = RequestFactory()
    backend = settings.AUTHENTICATION_BACKENDS[0]
    authenticators = {user.pk: authenticator_app_give(user) for user in users} if second_factor else {}
    sessions, clients = [], []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if second_factor:
            request = factory.get("/")
            request.session, request.user = session, user
            authenticator = authenticators[user.pk]
            record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        sessions.append(
            Session(session_key=key, session_data=session.encode(dict(session.items())), expire_date=expire)
        )
        secret = _get_new_csrf_string()
        clients.append(
            {
                "cookie": f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={secret}",
                "csrf": _mask_cipher_secret(secret),
            }
        )
    Session.objects.bulk_create(sessions, batch_size=BATCH)
    return clients


def _focal_points_create(administration: Administration, count: int, hashed: str) -> list:
    users = _users_create(f"bench-fp-{administration.pk}", count, hashed)
    FocalPoint.objects.bulk_create(
        [
            FocalPoint(
                administration=administration, name=f"Benchmark focal point {number}", email=user.email, user=user
            )
            for number, user in enumerate(users)
        ],
        batch_size=BATCH,
    )
    return list(FocalPoint.objects.filter(user__in=users).select_related("user").order_by("pk"))


def _search_name() -> str:
    """The family name most registrations share: the admin's search by name finds many rows."""
    row = (
        Registration.objects.values("participant__family_name")
        .annotate(rows=Count("pk"))
        .order_by("-rows", "participant__family_name")
        .first()
    )
    return row["participant__family_name"].split()[0] if row else "Person"


def _pending_create(people, meeting) -> list[Registration]:
    return Registration.objects.bulk_create(
        [
            Registration(
                participant=profile,
                sme_id=profile.sme_id,
                meeting=meeting,
                attendance_mode=AttendanceMode.IN_PERSON,
                status=RegistrationStatus.PENDING,
            )
            for _user, profile in people
        ],
        batch_size=BATCH,
    )


def people_make(*, representatives: int, approvals: int, deciders: int, staff: int, notify: int) -> dict:
    hashed = make_password(PASSWORD)  # once: hashing is slow on purpose
    meeting = _meeting_open()
    registering, deciding = _administrations(2)
    started = time.monotonic()
    with transaction.atomic():
        people = _representatives_create("bench-rep", representatives, hashed, registering)
        clients = _signed_in([user for user, _profile in people], second_factor=False)

        focal_points = _focal_points_create(deciding, deciders, hashed)
        fp_clients = _signed_in([focal_point.user for focal_point in focal_points], second_factor=True)
        pending_people = _representatives_create("bench-pending", approvals, hashed, deciding)
        pending = _pending_create(pending_people, meeting)
        # Registrations whose focal points the email arm notifies again and again (bench/run.py).
        _pending_create(_representatives_create("bench-notify", notify, hashed, registering), meeting)

        staff_users = _users_create("bench-staff", staff, hashed, is_staff=True)
        Group.objects.get(name=SECRETARIAT_GROUP_NAME).user_set.add(*staff_users)
        staff_clients = _signed_in(staff_users, second_factor=True)

    links = [
        {
            **client,
            "token": link_token_make(
                registration_ids=[pending[number % len(pending)].pk],
                focal_point_id=focal_point.pk,
                administration_id=deciding.pk,
            )
            if pending
            else "",
        }
        for number, (focal_point, client) in enumerate(zip(focal_points, fp_clients, strict=True))
    ]
    approvals_out = [
        {**fp_clients[number % len(fp_clients)], "registration": registration.pk}
        for number, registration in enumerate(pending)
    ]
    return {
        "meeting": meeting.pk,
        "attendance": AttendanceMode.IN_PERSON.value,
        "representatives": clients,
        "approvals": approvals_out,
        "focal_points": links,
        "staff": staff_clients,
        "search_name": _search_name(),
        "seconds": round(time.monotonic() - started, 1),
    }


def people_write(path: str, **counts):
    with open(path, "w") as out:
        json.dump(people_make(**counts), out)
    print(f"people written to {path}")  # noqa: T201
