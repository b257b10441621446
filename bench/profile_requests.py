"""Where the hot requests spend their time: each arm of ``make bench`` and its baseline, served in
process through the whole middleware stack (Django's test client), timed, with their queries, the
time the database took, and a profile of the arm's own code.

``make bench`` says how far each arm is from its baseline; this says why. Run it on a database of
its own, migrated and seeded with the demo (it adds the benchmark's people)::

    BENCHMARK_VIEWS=true DATABASE_URL=postgres://.../smepilot_profile \\
        .venv/bin/python manage.py shell -c "from bench.profile_requests import main; main()"

It prints one table (per request: wall time, database time, queries, rows written) and, for each arm,
the functions of the site that took the most time, cumulatively. Single-threaded and in process, so
its times are a floor: the gunicorn arms add the WSGI server and contention.
"""

import cProfile
import io
import os
import pstats
import time
from contextlib import contextmanager
from http.cookies import SimpleCookie
from statistics import median

from django.db import connection
from django.test import Client

from bench.people import people_make

REQUESTS = 60
# PROFILE_ALL=1 lists the framework's functions too (the middleware, the ORM, the template engine).
ALL = bool(os.environ.get("PROFILE_ALL"))
PROJECT_CODE = ("/registration/", "/focalpoints/", "/meetings/", "/smepilot/")


class DatabaseTimer:
    """Counts the queries and adds up the time the database took to answer them."""

    def __init__(self):
        self.queries = 0
        self.seconds = 0.0
        self.writes = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1
            self.writes += sql.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}


@contextmanager
def _measured(timer: DatabaseTimer):
    with connection.execute_wrapper(timer):
        yield


def _cookies(person: dict) -> SimpleCookie:
    cookies = SimpleCookie()
    for pair in person["cookie"].split("; "):
        name, value = pair.split("=", 1)
        cookies[name] = value
    return cookies


def _send(client: Client, cookies: SimpleCookie, method: str, path: str, data: dict, expected: set[int]) -> None:
    # One client, hence one handler whose middleware is loaded once, as in a gunicorn worker: a new
    # client per person would load it per request (WhiteNoise reads every static file then).
    client.cookies = cookies
    response = client.post(path, data) if method == "POST" else client.get(path)
    if response.status_code not in expected:
        raise SystemExit(f"{method} {path} answered {response.status_code}: not the arm's own work")


def _arm(client: Client, name: str, calls: list[tuple], expected: set[int], profile: bool) -> dict:
    timer, walls = DatabaseTimer(), []
    profiler = cProfile.Profile() if profile else None
    with _measured(timer):
        for cookies, method, path, data in calls:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            _send(client, cookies, method, path, data, expected)
            if profiler:
                profiler.disable()
            walls.append(time.perf_counter() - started)
    count = len(calls)
    return {
        "name": name,
        "wall_ms": median(walls) * 1000,
        "db_ms": timer.seconds / count * 1000,
        "queries": timer.queries / count,
        "writes": timer.writes / count,
        "profile": _top(profiler, count) if profiler else "",
    }


def _top(profiler: cProfile.Profile, count: int, lines: int = 45) -> str:
    """The site's functions by cumulative time per request (the framework's own are left out)."""
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, function), (_calls, _primitive, _own, cumulative, _callers) in stats.stats.items():
        if ALL or (any(part in filename for part in PROJECT_CODE) and "/.venv/" not in filename):
            short = filename.split("/work/", 1)[-1].split("/", 1)[-1] if "/work/" in filename else filename
            rows.append((cumulative / count * 1000, f"{short}:{line} {function}"))
    rows.sort(reverse=True)
    out = io.StringIO()
    for milliseconds, where in rows[:lines]:
        out.write(f"    {milliseconds:7.2f} ms  {where}\n")
    return out.getvalue()


def main(requests: int = REQUESTS) -> None:
    people = people_make(representatives=requests, approvals=requests, deciders=4, staff=1, notify=0)
    meeting, attendance = people["meeting"], people["attendance"]

    def post(person, path, **fields):
        return (_cookies(person), "POST", path, {"csrfmiddlewaretoken": person["csrf"], **fields})

    def get(person, path):
        return (_cookies(person), "GET", path, {})

    arms = [
        ("one INSERT (baseline)", [post(p, "/bench/insert/") for p in people["representatives"]], {302}),
        (
            "registration POST",
            [
                post(p, "/registrations/new/", **{f"meeting_{meeting}": "on", f"attendance_{meeting}": attendance})
                for p in people["representatives"]
            ],
            {302},
        ),
        ("one UPDATE (baseline)", [post(p, "/bench/update/") for p in people["focal_points"]] * 15, {302}),
        (
            "approve POST",
            [
                post(
                    p,
                    f"/focal-point/registrations/{p['registration']}/",
                    decision="approve",
                    registration=p["registration"],
                )
                for p in people["approvals"]
            ],
            {302},
        ),
        ("one SELECT (baseline)", [get(p, "/bench/select/") for p in people["focal_points"]] * 15, {200}),
        (
            "validation link GET",
            [get(p, f"/validation/{p['token']}/") for p in people["focal_points"]] * 15,
            {200},
        ),
    ]
    client = Client()
    client.get("/bench/select/")  # loads the middleware before anything is timed
    results = [_arm(client, name, calls, expected, profile="baseline" not in name) for name, calls, expected in arms]
    print("| request | wall ms (median) | database ms | queries | writes |")  # noqa: T201
    print("|---|---|---|---|---|")  # noqa: T201
    for row in results:
        figures = " | ".join(f"{row[key]:.1f}" for key in ("wall_ms", "db_ms", "queries", "writes"))
        print(f"| {row['name']} | {figures} |")  # noqa: T201
    for row in results:
        if row["profile"]:
            print(f"\n{row['name']}: the site's functions, cumulative ms per request\n{row['profile']}")  # noqa: T201
