"""Benchmark: the pilot report's figures and the registrations export at growing sizes.

Builds the data with bulk_create inside a transaction that is rolled back at the end, so it can
run against any migrated database you are allowed to write to (never production):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smepilot_bench DEBUG=true \
        .venv/bin/python manage.py migrate --noinput
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smepilot_bench DEBUG=true \
        .venv/bin/python bench/bench_report.py 1000 10000 50000

Prints, per size, the number of queries and the time of ``pilot_report_figures`` and of the CSV
export's row generation. The query count must be the same on every line.
"""

import datetime
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smepilot.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from focalpoints.models import Administration, FocalPoint, ItuRegion  # noqa: E402
from meetings.models import Meeting, MeetingKind, Pilot, Sector, StudyGroup  # noqa: E402
from meetings.report import pilot_report_figures  # noqa: E402
from registration.exports import registration_export_rows  # noqa: E402
from registration.models import SME, Attendance, ParticipantProfile, Registration, RegistrationStatus  # noqa: E402

COUNTRIES = ["KE", "SN", "BR", "MX", "EG", "JO", "IN", "VN", "KZ", "RU", "DE", "FR", "GH", "AR", "TH", "NG"]
REGIONS = list(ItuRegion.values)


class Rollback(Exception):
    pass


def build(size: int, rng: random.Random):
    study_groups = [
        StudyGroup.objects.create(sector=Sector.ITU_D, number=90 + n, title=f"Bench SG{n}", study_period_start=2018,
                                  study_period_end=2021)
        for n in (1, 2)
    ]  # fmt: skip
    pilot = Pilot.objects.create(
        name="Bench pilot", starts_on=datetime.date(2018, 1, 1), ends_on=datetime.date(2018, 10, 28)
    )
    pilot.study_groups.set(study_groups)
    meetings = [
        Meeting.objects.create(
            study_group=study_groups[n % 2], kind=MeetingKind.STUDY_GROUP, title=f"Bench meeting {n}",
            starts_on=datetime.date(2018, 4, 1 + n), ends_on=datetime.date(2018, 4, 5 + n), place="Geneva",
            registration_opens_on=datetime.date(2018, 1, 18), registration_closes_on=datetime.date(2018, 3, 25),
        )
        for n in range(10)
    ]  # fmt: skip
    administrations = []
    for index, code in enumerate(COUNTRIES):
        administration, _created = Administration.objects.get_or_create(
            country=code, defaults={"itu_region": REGIONS[index % len(REGIONS)]}
        )
        administrations.append(administration)
        FocalPoint.objects.get_or_create(
            administration=administration, email=f"bench-focal-{code}@example.org", defaults={"name": "Focal"}
        )
    smes = SME.objects.bulk_create(
        SME(administration=administrations[n % len(administrations)], name=f"Bench SME {n}", employees=20,
            annual_revenue=Decimal("100000"), revenue_currency="USD", address="x",
            eligibility=rng.choice(["pending", "confirmed", "refused"]))
        for n in range(max(size // 5, 1))
    )  # fmt: skip
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench{n}", email=f"bench{n}@example.org") for n in range(size)
    )
    profiles = ParticipantProfile.objects.bulk_create(
        ParticipantProfile(user=user, given_name="Given", family_name=f"Family{n}", sme=smes[n % len(smes)],
                           administration_id=smes[n % len(smes)].administration_id)
        for n, user in enumerate(users)
    )  # fmt: skip
    registrations = []
    for n, profile in enumerate(profiles):
        status = rng.choice(list(RegistrationStatus.values))
        decided = status in (RegistrationStatus.VALIDATED, RegistrationStatus.REJECTED)
        registrations.append(
            Registration(participant=profile, sme=profile.sme, meeting=meetings[n % len(meetings)],
                         attendance=rng.choice(list(Attendance.values)), status=status,
                         decided_at=timezone.now() if decided else None, reason="bench" if decided else "")
        )  # fmt: skip
    created = Registration.objects.bulk_create(registrations)
    start = datetime.datetime(2018, 2, 1, tzinfo=datetime.UTC)
    for registration in created:
        registration.created_at = start + datetime.timedelta(hours=rng.randrange(24 * 100))
        if registration.decided_at:
            registration.decided_at = registration.created_at + datetime.timedelta(hours=rng.randrange(1, 24 * 20))
    Registration.objects.bulk_update(created, ["created_at", "decided_at"], batch_size=2000)
    return pilot


def measure(size: int):
    rng = random.Random(size)
    try:
        with transaction.atomic():
            pilot = build(size, rng)
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                figures = pilot_report_figures(
                    pilot=pilot, period_start=datetime.date(2018, 1, 1), period_end=datetime.date(2018, 12, 31)
                )
                report_seconds = time.perf_counter() - began
            report_queries = len(queries.captured_queries)
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                rows = sum(
                    1
                    for _row in registration_export_rows(
                        queryset=Registration.objects.filter(sme__name__startswith="Bench")
                    )
                )
                export_seconds = time.perf_counter() - began
            export_queries = len(queries.captured_queries)
            print(
                f"{size:>7} registrations: report {report_queries} queries {report_seconds * 1000:8.1f} ms "
                f"(total counted {figures.registrations_total}); export {rows - 1} rows, {export_queries} queries "
                f"{export_seconds * 1000:8.1f} ms"
            )  # fmt: skip
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    for argument in sys.argv[1:] or ["1000", "10000"]:
        measure(int(argument))
