"""The application's database role can do the application's work and cannot switch off the rule.

SME representatives never hold a leadership role nor take part in adopting decisions (terms of
reference, point 3); PostgreSQL triggers refuse such rows even from raw SQL. In production the
site connects as a role that owns nothing and is not a superuser, granted its data access after
every migrate (smepilot.database_roles): these tests act as such a role (SET ROLE) and show it
writes what the application writes but cannot disable, drop or replace the triggers.

The throwaway role is created inside the test's transaction (CREATE ROLE is transactional in
PostgreSQL), under a name unique to the run: no other session ever sees it, and the rollback that
ends every test, passed or failed, removes it with everything granted to it.
"""

import datetime
import uuid
from contextlib import contextmanager

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg2 import sql

from focalpoints.decisions import registration_decide
from meetings.leadership_services import appointment_create, appointment_end
from meetings.models import Appointment, LeadershipRole
from registration.models import Registration, RegistrationStatus
from smepilot.database_roles import _last_migrated_app, app_role_grant, app_role_grant_post_migrate
from tests.factories import ParticipantProfileFactory, StudyGroupFactory, UserFactory

pytestmark = pytest.mark.django_db

# Tables the no-decision-making triggers guard, at the least (migrations of the meetings app).
GUARDED_TABLES = ("meetings_appointment", "meetings_decisionparticipant", "registration_participantprofile")
REFUSED = ("must be owner", "permission denied")


def _execute(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


@pytest.fixture
def app_role():
    """A role created as the README's "Database roles" creates the application role, not yet granted."""
    name = f"smepilot_test_app_{uuid.uuid4().hex[:12]}"
    _execute(
        sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT").format(sql.Identifier(name))
    )
    return name


@pytest.fixture
def granted_role(app_role):
    assert app_role_grant(app_role) is True
    return app_role


@contextmanager
def acting_as(role):
    _execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    try:
        yield
    finally:
        _execute("RESET ROLE")


def _triggers():
    """Every trigger of the schema as it is now (names, functions and tables change with the migrations)."""
    return _execute(
        """
        SELECT c.relname, t.tgname, n.nspname, p.proname
        FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_proc p ON p.oid = t.tgfoid
        JOIN pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_namespace tn ON tn.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND tn.nspname = 'public'
        ORDER BY c.relname, t.tgname
        """
    )


@pytest.fixture
def triggers():
    rows = _triggers()
    assert {table for table, *_rest in rows} >= set(GUARDED_TABLES), "every guarded table has a trigger"
    return rows


def _refusal(statement):
    """Run ``statement`` in its own savepoint; return the database's refusal message (None if it ran)."""
    try:
        with transaction.atomic():
            _execute(statement)
    except DatabaseError as error:
        return str(error)
    return None


def _assert_all_refused(statements):
    outcomes = {
        statement.as_string(connection.connection) if isinstance(statement, sql.Composable) else statement: (
            _refusal(statement)
        )
        for statement in statements
    }
    not_refused = {
        statement: message
        for statement, message in outcomes.items()
        if message is None or not any(word in message for word in REFUSED)
    }
    assert not_refused == {}, "statements the application role could run (or that failed otherwise)"


def _enabled_triggers():
    # 'O': fires in the origin and local replication modes; 'D' would be disabled.
    return _execute(
        "SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND n.nspname = 'public'"
    )


# --- what the application does ----------------------------------------------------------------


def test_the_application_role_writes_and_reads_what_the_application_does(granted_role, registration, focal_point):
    person = UserFactory()
    study_group = StudyGroupFactory()
    today = timezone.localdate()
    with acting_as(granted_role):
        assert _execute("SELECT current_user")[0][0] == granted_role
        appointment = appointment_create(
            person=person, study_group=study_group, role=LeadershipRole.RAPPORTEUR, starts_on=today
        )
        appointment_end(appointment=appointment, ends_on=today + datetime.timedelta(days=30))
        registration_decide(registration=registration, decided_by=focal_point.user, approve=True)

        stored = Appointment.objects.get(pk=appointment.pk)
        assert (stored.person_id, stored.ends_on) == (person.pk, today + datetime.timedelta(days=30))
        assert stored.history.count() == 2  # the history tables are the application's too
        assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.VALIDATED


def test_the_triggers_still_refuse_an_sme_representative_for_the_application_role(granted_role, triggers):
    sme_representative = ParticipantProfileFactory().user
    study_group = StudyGroupFactory()
    with (
        acting_as(granted_role),
        pytest.raises(IntegrityError, match="terms of reference point 3"),
        transaction.atomic(),
    ):
        _execute(
            "INSERT INTO meetings_appointment (person_id, study_group_id, question, role, starts_on, notes) "
            "VALUES (%s, %s, '', 'chair', CURRENT_DATE, '')",
            [sme_representative.pk, study_group.pk],
        )
    assert not Appointment.objects.filter(person=sme_representative).exists()


def test_the_grant_is_exactly_the_data_access_on_every_table_and_sequence(app_role):
    # Whatever was granted before is replaced: TRUNCATE, TRIGGER and REFERENCES are not needed.
    _execute(sql.SQL("GRANT TRUNCATE, TRIGGER ON meetings_appointment TO {}").format(sql.Identifier(app_role)))
    app_role_grant(app_role)

    tables = _execute(
        """
        SELECT c.relname,
               ARRAY(SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES',
                                                'TRIGGER']) p
                     WHERE has_table_privilege(%s, c.oid, p) ORDER BY p)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        """,
        [app_role],
    )
    assert len(tables) > 20
    assert {name for name, privileges in tables if privileges != ["DELETE", "INSERT", "SELECT", "UPDATE"]} == set()

    sequences = _execute(
        """
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'S'
          AND NOT (has_sequence_privilege(%s, c.oid, 'USAGE') AND has_sequence_privilege(%s, c.oid, 'SELECT')
                   AND has_sequence_privilege(%s, c.oid, 'UPDATE'))
        """,
        [app_role, app_role, app_role],
    )
    assert sequences == []


def test_tables_and_sequences_a_later_migration_creates_are_covered(granted_role):
    # The owner (here the test's connection) creates them, as migrate will.
    _execute("CREATE TABLE smepilot_later_table (id bigserial PRIMARY KEY, note text)")
    with acting_as(granted_role):
        _execute("INSERT INTO smepilot_later_table (note) VALUES ('written by the application')")
        assert _execute("SELECT note FROM smepilot_later_table") == [("written by the application",)]
        assert _refusal("TRUNCATE smepilot_later_table") is not None


# --- what it cannot do ------------------------------------------------------------------------


def test_the_application_role_cannot_disable_the_triggers(granted_role, triggers):
    tables = sorted({table for table, *_rest in triggers})
    statements = [sql.SQL("ALTER TABLE {} DISABLE TRIGGER ALL").format(sql.Identifier(table)) for table in tables]
    statements += [sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.Identifier(table)) for table in tables]
    statements += [
        sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(sql.Identifier(table), sql.Identifier(name))
        for table, name, _schema, _function in triggers
    ]
    with acting_as(granted_role):
        _assert_all_refused(statements)
    assert {enabled for _name, enabled in _enabled_triggers()} == {"O"}


def test_the_application_role_cannot_drop_the_triggers(granted_role, triggers):
    statements = [
        sql.SQL("DROP TRIGGER {} ON {}").format(sql.Identifier(name), sql.Identifier(table))
        for table, name, _schema, _function in triggers
    ]
    with acting_as(granted_role):
        _assert_all_refused(statements)
    assert _triggers() == triggers


def test_the_application_role_cannot_turn_on_replica_mode(granted_role):
    # In replica mode ordinary triggers do not fire at all.
    with acting_as(granted_role):
        _assert_all_refused(
            [
                "SET session_replication_role = replica",
                "SET LOCAL session_replication_role = replica",
                "SELECT set_config('session_replication_role', 'replica', false)",
            ]
        )
    assert _execute("SHOW session_replication_role") == [("origin",)]


def test_the_application_role_cannot_change_or_replace_the_trigger_functions(granted_role, triggers):
    functions = sorted({(schema, function) for _table, _name, schema, function in triggers})
    statements = []
    for schema, function in functions:
        name = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(function))
        statements += [
            sql.SQL("ALTER FUNCTION {}() SECURITY DEFINER").format(name),
            sql.SQL("ALTER FUNCTION {}() RENAME TO {}").format(name, sql.Identifier(f"{function}_off")),
            sql.SQL(
                "CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$"
            ).format(name),
            sql.SQL("DROP FUNCTION {}() CASCADE").format(name),
        ]
    sources = _execute("SELECT proname, prosrc FROM pg_proc WHERE proname = ANY(%s)", [[f for _s, f in functions]])
    with acting_as(granted_role):
        _assert_all_refused(statements)
    assert _execute("SELECT proname, prosrc FROM pg_proc WHERE proname = ANY(%s)", [[f for _s, f in functions]]) == (
        sources
    )


# --- the post_migrate handler -----------------------------------------------------------------


def _has_table_privilege(role, table, privilege):
    return _execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege])[0][0]


def test_migrate_grants_the_configured_role_once(settings, app_role):
    assert not _has_table_privilege(app_role, "meetings_appointment", "INSERT")
    settings.DATABASE_APP_ROLE = app_role
    with CaptureQueriesContext(connection) as queries:
        call_command("migrate", verbosity=0)
    assert _has_table_privilege(app_role, "meetings_appointment", "INSERT")
    assert _has_table_privilege(app_role, "registration_participantprofile", "UPDATE")
    assert sum(query["sql"].startswith("GRANT USAGE ON SCHEMA") for query in queries.captured_queries) == 1


def test_the_handler_does_nothing_when_no_role_is_configured(settings):
    settings.DATABASE_APP_ROLE = ""
    with CaptureQueriesContext(connection) as queries:
        app_role_grant_post_migrate(sender=_last_migrated_app(), using="default")
    assert queries.captured_queries == []


@pytest.mark.parametrize(
    "role",
    [
        'smepilot_app"; DROP TABLE meetings_appointment; --',
        "smepilot app",
        "Smepilot_App",  # a quoted, case-sensitive name: the DBA meant smepilot_app
        "1smepilot",
        "x" * 64,
        "public",
        "pg_write_all_data",
    ],
)
def test_the_handler_rejects_a_malformed_role_name(settings, role):
    settings.DATABASE_APP_ROLE = role
    with CaptureQueriesContext(connection) as queries, pytest.raises(ImproperlyConfigured, match="DATABASE_APP_ROLE"):
        app_role_grant_post_migrate(sender=_last_migrated_app(), using="default")
    assert queries.captured_queries == []


def test_the_grant_refuses_a_superuser(settings):
    superuser = _execute("SELECT rolname FROM pg_roles WHERE rolname = current_user AND rolsuper")[0][0]
    settings.DATABASE_APP_ROLE = superuser
    with pytest.raises(ImproperlyConfigured, match="is a superuser or owns"):
        app_role_grant_post_migrate(sender=_last_migrated_app(), using="default")


def test_the_grant_refuses_a_role_that_can_act_as_the_owner(settings, app_role):
    # A member of the owner role could SET ROLE to it and then disable the triggers.
    owner = _execute("SELECT current_user")[0][0]
    _execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(owner), sql.Identifier(app_role)))
    settings.DATABASE_APP_ROLE = app_role
    with pytest.raises(ImproperlyConfigured, match="is a superuser or owns"):
        app_role_grant_post_migrate(sender=_last_migrated_app(), using="default")
    assert not _has_table_privilege(app_role, "meetings_appointment", "INSERT")


def test_the_grant_refuses_to_run_as_the_application_role_itself(app_role):
    # migrate run with the application's DATABASE_URL: the grants would silently grant nothing.
    with acting_as(app_role), pytest.raises(ImproperlyConfigured, match="migrate connects as"):
        app_role_grant(app_role)
    assert not _has_table_privilege(app_role, "meetings_appointment", "INSERT")


@pytest.mark.both_engines
def test_migrate_grants_on_postgresql_only(settings):
    settings.DATABASE_APP_ROLE = f"smepilot_absent_{uuid.uuid4().hex[:12]}"
    if connection.vendor == "postgresql":
        with pytest.raises(ImproperlyConfigured, match="does not exist"):
            call_command("migrate", verbosity=0)
    else:
        # SQLite has no roles: the same configuration migrates without a statement about them.
        with CaptureQueriesContext(connection) as queries:
            call_command("migrate", verbosity=0)
        assert not [query for query in queries.captured_queries if "GRANT" in query["sql"].upper()]
