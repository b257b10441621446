"""Refuse to run the tests anywhere but PostgreSQL, and say clearly when it is unreachable."""

import pytest
from django.conf import settings


def pytest_configure(config):
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise pytest.UsageError(
            f"The tests run on PostgreSQL only, not {database['ENGINE']}. "
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
