"""Benchmark: the pilot report's figures and the registrations export at growing sizes.

Builds the data with bulk_create inside a transaction that is rolled back at the end, so it can
run against any migrated database you are allowed to write to (never production):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smepilot_bench DEBUG=true \
        .venv/bin/python manage.py migrate --noinput
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smepilot_bench DEBUG=true \
        .venv/bin/python bench/bench_report.py 1000 10000 50000

Prints, per size, the time and number of queries of ``pilot_report_figures`` and of the export's
row generation, each as a ratio to a baseline measured in the same run (a plain read of the same
rows), then how each grew with the data. The query counts must be the same on every line.
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
from registration.models import SME, AttendanceMode, ParticipantProfile, Registration, RegistrationStatus  # noqa: E402

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
                         attendance_mode=rng.choice(list(AttendanceMode.values)), status=status,
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


def best_of(repeats: int, work) -> tuple[float, object, int]:
    """(fastest seconds, result, queries of one run): the fastest run is the least disturbed by noise."""
    best, result, query_count = float("inf"), None, 0
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            result = work()
            best = min(best, time.perf_counter() - began)
        query_count = len(queries.captured_queries)
    return best, result, query_count


def measure(size: int, repeats: int = 3) -> dict:
    """Time the report and the export at one size, against a baseline measured in the same run.

    The baseline reads the same registrations' rows with one plain query (values_list): the least
    any report or export of them could cost on this machine at this moment. The ratios to it are
    what to compare between runs and machines; seconds alone move with the machine's load.
    """
    rng = random.Random(size)
    bench_rows = Registration.objects.filter(sme__name__startswith="Bench")
    try:
        with transaction.atomic():
            pilot = build(size, rng)
            baseline, _rows, _queries = best_of(repeats, lambda: list(bench_rows.values_list()))
            report, figures, report_queries = best_of(
                repeats,
                lambda: pilot_report_figures(
                    pilot=pilot, period_start=datetime.date(2018, 1, 1), period_end=datetime.date(2018, 12, 31)
                ),
            )
            export, rows, export_queries = best_of(
                repeats, lambda: sum(1 for _row in registration_export_rows(queryset=bench_rows))
            )
            raise Rollback(
                {
                    "size": size,
                    "counted": figures.registrations_total,
                    "rows": rows - 1,
                    "baseline": baseline,
                    "report": report,
                    "report_queries": report_queries,
                    "export": export,
                    "export_queries": export_queries,
                }
            )
    except Rollback as done:
        return done.args[0]


def main(sizes: list[int]):
    print("registrations  baseline ms  report ms (x baseline, queries)  export ms (x baseline, queries)")
    results = [measure(size) for size in sizes]
    for r in results:
        print(
            f"{r['size']:>13}  {r['baseline'] * 1000:11.1f}  "
            f"{r['report'] * 1000:9.1f} ({r['report'] / r['baseline']:5.1f}x, {r['report_queries']})  "
            f"         {r['export'] * 1000:9.1f} ({r['export'] / r['baseline']:5.1f}x, {r['export_queries']})"
        )  # fmt: skip
    first, last = results[0], results[-1]
    growth = last["size"] / first["size"]
    same_queries = all(
        (r["report_queries"], r["export_queries"]) == (first["report_queries"], first["export_queries"])
        for r in results
    )
    print(
        f"From {first['size']} to {last['size']} registrations ({growth:.0f}x the data): the report took "
        f"{last['report'] / first['report']:.1f}x the time, the export {last['export'] / first['export']:.1f}x, "
        f"the baseline {last['baseline'] / first['baseline']:.1f}x; query counts "
        f"{'unchanged' if same_queries else 'CHANGED'}."
    )  # fmt: skip


if __name__ == "__main__":
    main([int(argument) for argument in sys.argv[1:] or ["1000", "10000"]])
