"""Choose the database the tests run on, and say clearly when PostgreSQL is unreachable.

The whole suite runs on PostgreSQL, the production database. The tests marked ``both_engines``
(the no-decision-making rule, the admin's pages and write paths) run on SQLite too, since that is
the database ``make run`` uses: ``make test`` runs them a second time with
``DATABASE_URL=sqlite://... pytest -m both_engines``. Any other selection on SQLite is refused.
"""

import pytest
from django.conf import settings

SQLITE_SELECTION = "both_engines"


def pytest_configure(config):
    config.addinivalue_line("markers", f"{SQLITE_SELECTION}: also run on SQLite, the embedded database of `make run`")
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
