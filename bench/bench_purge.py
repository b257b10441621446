"""Benchmark: the personal data purge at growing numbers of people due for it.

Builds the data with bulk_create (history records, email addresses, stored emails and sessions
included) inside a transaction that is rolled back at the end, so it can run against any migrated
database you are allowed to write to (never production):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smepilot_bench DEBUG=true \
        .venv/bin/python manage.py migrate --noinput
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smepilot_bench DEBUG=true \
        .venv/bin/python bench/bench_purge.py 500 2000

Prints, per size, the purge's time, its number of queries, and what it anonymised. The queries grow
with the number of batches (BATCH_SIZE people each), not with the number of people.
"""

import datetime
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smepilot.settings")

import django  # noqa: E402

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from simple_history.utils import bulk_create_with_history  # noqa: E402

from focalpoints.models import Administration, ItuRegion  # noqa: E402
from meetings.models import Meeting, MeetingKind, Sector, StudyGroup  # noqa: E402
from registration.models import SME, AttendanceMode, ParticipantProfile, Registration, RegistrationStatus  # noqa: E402
from registration.retention import personal_data_purge  # noqa: E402
from smepilot.outbox.models import MessageStatus, OutgoingMessage  # noqa: E402

LONG_AGO = datetime.datetime(2018, 6, 1, 9, tzinfo=datetime.UTC)


class Rollback(Exception):
    pass


def build(size: int):
    study_group = StudyGroup.objects.create(
        sector=Sector.ITU_D, number=97, title="Bench SG", study_period_start=2018, study_period_end=2021
    )
    meeting = Meeting.objects.create(
        study_group=study_group, kind=MeetingKind.STUDY_GROUP, title="Bench meeting", place="Geneva",
        starts_on=datetime.date(2018, 5, 7), ends_on=datetime.date(2018, 5, 11),
        registration_opens_on=datetime.date(2018, 1, 18), registration_closes_on=datetime.date(2018, 4, 30),
    )  # fmt: skip
    administration, _created = Administration.objects.get_or_create(
        country="KE", defaults={"itu_region": ItuRegion.AFRICA}
    )
    password = make_password("bench-password")
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench-purge-{n}", email=f"bench-purge-{n}@example.org", password=password,
                         date_joined=LONG_AGO, last_login=LONG_AGO)
        for n in range(size)
    )  # fmt: skip
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    smes = bulk_create_with_history(
        [
            SME(administration=administration, name=f"Bench purge SME {n}", employees=10,
                annual_revenue=Decimal("100000"), revenue_currency="USD", address="1 Road")
            for n in range(size // 2 + 1)
        ],
        SME,
    )  # fmt: skip
    profiles = bulk_create_with_history(
        [
            ParticipantProfile(user=user, given_name="Given", family_name=f"Family {n}", job_title="Engineer",
                               administration=administration, sme=smes[n // 2])
            for n, user in enumerate(users)
        ],
        ParticipantProfile,
    )  # fmt: skip
    bulk_create_with_history(
        [
            Registration(participant=profile, sme=profile.sme, meeting=meeting,
                         attendance_mode=AttendanceMode.IN_PERSON, status=RegistrationStatus.VALIDATED,
                         decided_at=LONG_AGO)
            for profile in profiles
        ],
        Registration,
    )  # fmt: skip
    OutgoingMessage.objects.bulk_create(
        OutgoingMessage(to=user.email, template="emails/bench", subject="Bench", body_text="Dear Family",
                        status=MessageStatus.SENT)
        for user in users
        for _twice in range(2)
    )  # fmt: skip
    for user in users[: size // 10]:
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session.create()
    ParticipantProfile.objects.filter(pk__in=[profile.pk for profile in profiles]).update(
        created_at=LONG_AGO, updated_at=LONG_AGO
    )
    SME.objects.filter(pk__in=[sme.pk for sme in smes]).update(created_at=LONG_AGO, updated_at=LONG_AGO)
    Registration.objects.filter(meeting=meeting).update(created_at=LONG_AGO, updated_at=LONG_AGO)
    OutgoingMessage.objects.filter(template="emails/bench").update(created_at=LONG_AGO)


def measure(size: int):
    try:
        with transaction.atomic():
            build(size)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                figures = personal_data_purge()
                elapsed = time.perf_counter() - started
            print(f"{size:>7} people due: {elapsed:7.2f} s, {len(captured):5} queries; {figures.as_dict()}")
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    for size in [int(value) for value in sys.argv[1:]] or [500, 2000]:
        measure(size)
