"""Choose the database the tests run on, and say clearly when PostgreSQL is unreachable.

The whole suite runs on PostgreSQL, the production database. The tests marked ``both_engines``
(the no-decision-making rule, the admin's pages and write paths) run on SQLite too, since that is
the database ``make run`` uses: ``make test`` runs them a second time with
``DATABASE_URL=sqlite://... pytest -m both_engines``. Any other selection on SQLite is refused.
"""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

SQLITE_SELECTION = "both_engines"
# Row locks, trigram indexes, the JIT: a test of one of these in a both_engines module is left out of
# the SQLite run (deselected, so it shows as not run rather than as a skip counted among the passes).
POSTGRESQL_ONLY = "postgresql_only"


def _redis_database_of_this_worker():
    """Under pytest-xdist (`-n 2`) each worker gets a Redis database of its own, the next ones down.

    Tests clear the cache (allauth's sign-in counts) and purge the broker: in one shared database a
    worker would wipe the other's keys mid-test.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    offset = int(worker[2:])
    cache = settings.CACHES["default"]
    if "redis" in cache["BACKEND"].lower():
        cache["LOCATION"] = _other_database(cache["LOCATION"], offset)
    if settings.CELERY_BROKER_URL.startswith("redis"):
        settings.CELERY_BROKER_URL = _other_database(settings.CELERY_BROKER_URL, offset)
        from smepilot.celery import app

        app.conf.broker_url = settings.CELERY_BROKER_URL


def _other_database(url: str, offset: int) -> str:
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(database - offset) % 16}"))


def _catalogues_compiled():
    """The site reads the compiled catalogues (.mo, not committed): compile those older than their .po.

    `make install` compiles them too; this keeps a plain `pytest` run from testing stale ones.
    Written to a temporary file and renamed, so that two xdist workers never read half a file.
    """
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for source in Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"):
        compiled = source.with_suffix(".mo")
        if compiled.exists() and compiled.stat().st_mtime >= source.stat().st_mtime:
            continue
        with source.open("rb") as file:
            catalog = read_po(file)
        partial = compiled.with_suffix(f".mo.{os.getpid()}")
        with partial.open("wb") as file:
            write_mo(file, catalog)
        os.replace(partial, compiled)


def pytest_configure(config):
    _catalogues_compiled()
    _redis_database_of_this_worker()
    config.addinivalue_line("markers", f"{SQLITE_SELECTION}: also run on SQLite, the embedded database of `make run`")
    config.addinivalue_line("markers", "browser: drives Chromium against the site running as real processes")
    config.addinivalue_line(
        "markers", f"{POSTGRESQL_ONLY}: in a {SQLITE_SELECTION} module, tests of what only PostgreSQL has"
    )
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        if config.option.markexpr != SQLITE_SELECTION:
            raise pytest.UsageError(
                f"On SQLite only the tests marked {SQLITE_SELECTION} run: add `-m {SQLITE_SELECTION}`, "
                "or set DATABASE_URL=postgres://postgres@127.0.0.1:5432/smepilot for the whole suite."
            )
        return
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise pytest.UsageError(
            f"The tests run on PostgreSQL (all) and SQLite (-m {SQLITE_SELECTION}), not {database['ENGINE']}. "
            "Run them with `make test`, or set DATABASE_URL=postgres://postgres@127.0.0.1:5432/smepilot."
        )
    import psycopg2

    try:
        psycopg2.connect(
            host=database["HOST"] or None,
            port=database["PORT"] or None,
            user=database["USER"],
            password=database["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except psycopg2.OperationalError as error:
        raise pytest.UsageError(
            f"PostgreSQL is unreachable at {database['HOST']}:{database['PORT']} ({error}). "
            "Start it (see README, 'Running the tests') or point DATABASE_URL at a running server."
        ) from error


def pytest_collection_modifyitems(config, items):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    kept = [item for item in items if item.get_closest_marker(POSTGRESQL_ONLY) is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
