"""Benchmark: the secretariat's admin pages with 100 registrations against the same pages with 100,000.

The admin's changelists must cost about the same whatever the size of the pilot: a page shows 100
rows, so its time should not follow the table's. This measures, through Django's test client in
one process, each page on two databases of the same shape and different sizes, alternating them
over rounds, and prints the median time and query count of each and their ratio:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/smepilot_bench_admin DEBUG=false SECRET_KEY=...
    .venv/bin/python bench/bench_admin.py build 100 100000   # two databases, *_100 and *_100000
    .venv/bin/python bench/bench_admin.py measure 100 100000 [--rounds 5] [--explain]

``build`` creates (or recreates) the databases ``<name>_<size>``, migrates them and loads ``size``
registrations with ``smepilot.demo.volume.volume_seed``; ``measure`` times the pages and, with
``--explain``, prints EXPLAIN ANALYZE of each page's slowest query on the largest database.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smepilot.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

# The test client's host, and static files as they are before collectstatic (as in the tests).
settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# (label, admin path, query string): the pages the secretariat works in all pilot long.
PAGES = [
    ("registrations", "/admin/registration/registration/", ""),
    ("search by name", "/admin/registration/registration/", "q={family_name}"),
    ("filter by status", "/admin/registration/registration/", "status__exact=pending"),
    ("participants", "/admin/registration/participantprofile/", ""),
    ("participants search", "/admin/registration/participantprofile/", "q={family_name}"),
    ("SMEs", "/admin/registration/sme/", ""),
    ("meetings", "/admin/meetings/meeting/", ""),
    ("appointment add", "/admin/meetings/appointment/add/", ""),
]


# DATABASE_URL names the base; each size has a database of its own beside it.
BASE_NAME = settings.DATABASES["default"]["NAME"]


def database_name(size: int) -> str:
    return f"{BASE_NAME}_{size}"


def use_database(size: int) -> None:
    connection.close()
    connection.settings_dict["NAME"] = database_name(size)


def build(sizes: list[int]) -> None:
    """Each size in a database of its own, migrated and loaded (run as child processes: one database each)."""
    base = settings.DATABASES["default"]
    client_tool = ["-h", base["HOST"], "-U", base["USER"]]
    for size in sizes:
        name = database_name(size)
        env = {**os.environ, "DATABASE_URL": f"postgres://{base['USER']}@{base['HOST']}:{base['PORT'] or 5432}/{name}"}
        manage = [sys.executable, str(BASE_DIR / "manage.py")]
        began = time.perf_counter()
        # Our own commands and PostgreSQL's client tools, with names built here: nothing untrusted.
        for command in [
            ["dropdb", "--if-exists", *client_tool, name],
            ["createdb", *client_tool, name],
            [*manage, "migrate", "--noinput", "-v", "0"],
            # Benchmark databases only: the volume accounts sign in with a published password.
            [*manage, "seed_volume", "--registrations", str(size), "--allow-production"],
            ["psql", *client_tool, name, "-qc", "VACUUM ANALYZE"],
        ]:
            subprocess.run(command, env=env, check=True)  # noqa: S603
        print(f"{name}: {size} registrations loaded in {time.perf_counter() - began:.0f} s")


def signed_in_client() -> Client:
    from django.contrib.auth import get_user_model

    from tests.second_factor import sign_in_with_second_factor

    user, _created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"email": "bench-admin@example.org", "is_staff": True, "is_superuser": True}
    )
    return sign_in_with_second_factor(Client(), user)


def a_family_name() -> str:
    """A participant's family name in the middle of the alphabet: a search a secretariat officer would type."""
    from registration.models import ParticipantProfile

    names = ParticipantProfile.objects.order_by("family_name").values_list("family_name", flat=True)
    return names[names.count() // 2]


def timed(client: Client, url: str) -> tuple[float, int, list[dict]]:
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - began
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, len(queries), queries.captured_queries


def measure(sizes: list[int], rounds: int, repeats: int, explain: bool) -> None:
    clients, urls = {}, {}
    for size in sizes:
        use_database(size)
        clients[size] = signed_in_client()
        family_name = a_family_name()
        urls[size] = [(label, f"{path}?{query.format(family_name=family_name)}") for label, path, query in PAGES]
        for _label, url in urls[size]:
            timed(clients[size], url)  # warm caches and the database's buffers
    times = {(size, label): [] for size in sizes for label, *_rest in PAGES}
    counts, captured = {}, {}
    for _round in range(rounds):
        for size in sizes:
            use_database(size)
            for label, url in urls[size]:
                for _repeat in range(repeats):
                    elapsed, count, queries = timed(clients[size], url)
                    times[size, label].append(elapsed)
                    counts[size, label] = count
                    captured[size, label] = queries
    small, large = sizes[0], sizes[-1]
    if explain:
        use_database(large)
        for label, *_rest in PAGES:
            queries = sorted(captured[large, label], key=lambda query: -float(query["time"]))
            print(f"\n--- {label}: its queries' times (ms) at {large}, slowest first")
            for query in queries[:5]:
                print(f"{float(query['time']) * 1000:8.1f}  {query['sql'][:150]}")
            query = queries[0]
            print(f"EXPLAIN ANALYZE of the slowest:\n{query['sql']}")
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                print("\n".join(row[0] for row in cursor.fetchall()))

    print(f"{'page':<22}{small:>10} ms{large:>10} ms   ratio  queries ({small} / {large})")
    for label, *_rest in PAGES:
        at_small = statistics.median(times[small, label]) * 1000
        at_large = statistics.median(times[large, label]) * 1000
        print(
            f"{label:<22}{at_small:13.1f}{at_large:13.1f}{at_large / at_small:8.2f}x  "
            f"{counts[small, label]} / {counts[large, label]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "measure"])
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--explain", action="store_true")
    arguments = parser.parse_args()
    sizes = sorted(arguments.sizes)
    if arguments.command == "build":
        build(sizes)
    else:
        measure(sizes, arguments.rounds, arguments.repeats, arguments.explain)


if __name__ == "__main__":
    main()
