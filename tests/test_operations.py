"""The backup and restore drill of docs/OPERATIONS.md, run for real: scripts/backup.sh and scripts/restore.sh.

A PostgreSQL database of the test's own (named after DATABASE_URL's, plus a random suffix), with an
owner role and an application role of its own as the README's "Database roles" has them, is
migrated by the owner and seeded with the demo by the application role as production would be
(DEBUG off, so `--allow-production`), backed up with backup.sh and restored with restore.sh into a
second fresh database, which the owner migrates again to grant the application role its access.
The restored database must hold every table row for row and the triggers that keep SMEs out of
decision-making (terms of reference, point 3): a backup that lost them would restore a site where
the rule no longer holds. Both databases and both roles are dropped at the end, whatever happens.

The scripts use the client tools on the PATH; when their major version is not the server's, the
tests put the server's (/usr/lib/postgresql/<major>/bin) first, as docs/OPERATIONS.md tells IT to.
"""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from django.conf import settings
from psycopg2 import sql

SCRIPTS = Path(settings.BASE_DIR) / "scripts"
INITDB_SCRIPT = Path(settings.BASE_DIR) / "deploy" / "postgres" / "initdb.sh"
# The rule's triggers on PostgreSQL (meetings migrations 0005 and 0006), at the least.
RULE_TRIGGERS = {
    ("meetings_appointment", "smepilot_appointment_refuse_sme"),
    ("meetings_decisionparticipant", "smepilot_decision_participant_refuse_sme"),
    ("registration_participantprofile", "smepilot_profile_refuse_decision_maker"),
    ("registration_registration", "smepilot_registration_refuse_decision_maker"),
    ("meetings_meeting", "smepilot_meeting_refuse_reopening_for_decision_makers"),
}
# Tables the demo fills: a restore that kept the schema but lost the data must not pass as equal.
SEEDED_TABLES = (
    "auth_user",
    "account_emailaddress",
    "meetings_pilot",
    "meetings_meeting",
    "focalpoints_administration",
    "focalpoints_focalpoint",
    "registration_sme",
    "registration_registration",
)
ROLE_PASSWORD = "drill-" + secrets.token_hex(16)
THROWAWAY_SECRET_KEY = "backup-drill-" + "k3y-0f-th3-dr1ll-n3v3r-us3d-3ls3wh3r3-" * 2


def _configured_url():
    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme not in ("postgres", "postgresql"):
        pytest.fail("The backup drill needs DATABASE_URL to name a PostgreSQL server (postgres://...).")
    return url


def _url_of(database, role=None):
    """The configured server's URL for ``database``, as the configured user or as one of the drill's roles."""
    parts = urlsplit(_configured_url())._replace(path=f"/{database}")
    if role is not None:
        host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname or ""
        parts = parts._replace(netloc=f"{role}:{ROLE_PASSWORD}@{host}" + (f":{parts.port}" if parts.port else ""))
    return urlunsplit(parts)


def _connect(database, role=None):
    connection = psycopg2.connect(_url_of(database, role))
    connection.autocommit = True
    return connection


def _query(database, statement, params=None):
    connection = _connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else None
    finally:
        connection.close()


def _client_tools_path():
    """A PATH whose pg_dump/pg_restore/psql have the server's major version."""
    server_major = int(_query("postgres", "SHOW server_version_num")[0][0]) // 10000
    on_path = shutil.which("pg_dump")
    if on_path:
        version = subprocess.run([on_path, "--version"], capture_output=True, text=True, check=True).stdout
        if int(re.search(r"\(PostgreSQL\) (\d+)", version).group(1)) == server_major:
            return os.environ["PATH"]
    server_tools = Path(f"/usr/lib/postgresql/{server_major}/bin")
    if not (server_tools / "pg_dump").exists():
        pytest.fail(f"No pg_dump of PostgreSQL {server_major} (the server's) on the PATH nor in {server_tools}.")
    return f"{server_tools}{os.pathsep}{os.environ['PATH']}"


def _script_environment(**overrides):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DATABASE_APP_ROLE", "REDIS_URL", "CELERY_BROKER_URL")
    }
    return {**environment, "PATH": _client_tools_path(), **overrides}


def _run(command, **environment):
    return subprocess.run(
        command,
        cwd=settings.BASE_DIR,
        env=_script_environment(**environment),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _manage(database, *arguments, role=None, **environment):
    result = _run(
        [sys.executable, "manage.py", *arguments],
        **environment,
        DATABASE_URL=_url_of(database, role),
        DEBUG="false",
        SECRET_KEY=THROWAWAY_SECRET_KEY,
        EMAIL_URL="consolemail://",
        CELERY_TASK_ALWAYS_EAGER="true",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _row_counts(database):
    connection = _connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
            )
            tables = [name for (name,) in cursor.fetchall()]
            counts = {}
            for table in tables:
                cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                counts[table] = cursor.fetchone()[0]
            return counts
    finally:
        connection.close()


def _triggers(database):
    return set(
        _query(
            database,
            """
            SELECT c.relname, t.tgname, t.tgenabled
            FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE NOT t.tgisinternal AND n.nspname = 'public'
            """,
        )
    )


def _create_database(name, *, owner, app_role):
    """As the DBA creates it, and the compose database on its first start: deploy/postgres/initdb.sh
    (the README's "Database roles"); roles that exist already are kept."""
    server = urlsplit(_configured_url())
    created = _run(
        [str(INITDB_SCRIPT)],
        PGHOST=server.hostname or "127.0.0.1",
        PGPORT=str(server.port or 5432),
        POSTGRES_USER=server.username or "postgres",
        SMEPILOT_OWNER_ROLE=owner,
        SMEPILOT_APP_ROLE=app_role,
        SMEPILOT_DATABASE=name,
        SMEPILOT_OWNER_PASSWORD=ROLE_PASSWORD,
        SMEPILOT_APP_PASSWORD=ROLE_PASSWORD,
        SMEPILOT_CREATE_DATABASE_SQL=str(INITDB_SCRIPT.with_name("create-database.psql")),
    )
    assert created.returncode == 0, created.stdout + created.stderr


def _registrations_read_by(database, role):
    """What the application role gets when it reads registrations: their number, or the refusal."""
    try:
        connection = _connect(database, role)
    except psycopg2.Error as error:
        return str(error)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM registration_registration")
            return cursor.fetchone()[0]
    except psycopg2.Error as error:
        return str(error)
    finally:
        connection.close()


@pytest.fixture
def drill(tmp_path_factory):
    """docs/OPERATIONS.md's drill with its two roles: the owner migrates, the application role seeds;
    the owner backs up with backup.sh, restores into another fresh database with restore.sh, and
    migrates it again to grant the application role its access."""
    base = urlsplit(_configured_url()).path.strip("/")
    suffix = secrets.token_hex(4)
    source, target = f"{base}_{suffix}", f"{base}_{suffix}_restored"
    owner, app_role = f"{base}_{suffix}_owner", f"{base}_{suffix}_app"
    folder = tmp_path_factory.mktemp("backups")
    # Dropped at the end (IF EXISTS) whatever happened, even if creating them failed halfway.
    roles, databases = [owner, app_role], [source, target]
    try:
        for database in databases:
            _create_database(database, owner=owner, app_role=app_role)
        _manage(source, "migrate", "--noinput", "--verbosity", "0", role=owner, DATABASE_APP_ROLE=app_role)
        _manage(source, "seed_demo", "--allow-production", role=app_role)

        backup = _run([str(SCRIPTS / "backup.sh"), str(folder)], DATABASE_URL=_url_of(source, owner))
        assert backup.returncode == 0, backup.stderr
        dump = Path(backup.stdout.strip())
        restore = _run([str(SCRIPTS / "restore.sh"), str(dump), _url_of(target, owner)])
        assert restore.returncode == 0, restore.stderr
        read_before_migrate = _registrations_read_by(target, app_role)
        _manage(target, "migrate", "--noinput", "--verbosity", "0", role=owner, DATABASE_APP_ROLE=app_role)
        yield {
            "source": source,
            "target": target,
            "owner": owner,
            "app_role": app_role,
            "dump": dump,
            "folder": folder,
            "read_before_migrate": read_before_migrate,
        }
    finally:
        for database in databases:
            _query("postgres", sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        for role in reversed(roles):
            _query("postgres", sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def _backup_is_one_timestamped_custom_format_file(drill):
    assert [path.name for path in drill["folder"].iterdir()] == [drill["dump"].name]
    assert re.fullmatch(r"smepilot-\d{8}T\d{6}Z\.dump", drill["dump"].name)
    assert drill["dump"].read_bytes()[:5] == b"PGDMP", "pg_dump's custom format (-Fc)"


def _the_restored_database_holds_every_table_row_for_row(drill):
    source, restored = _row_counts(drill["source"]), _row_counts(drill["target"])

    assert {table for table in SEEDED_TABLES if source.get(table, 0) == 0} == set(), "the demo was seeded"
    assert restored == source


def _the_restored_database_keeps_the_rule_triggers_enabled(drill):
    restored = _triggers(drill["target"])

    assert {(table, name) for table, name, _enabled in restored} >= RULE_TRIGGERS
    assert {enabled for _table, _name, enabled in restored} == {"O"}, "every trigger fires ('O'), none disabled"
    assert restored == _triggers(drill["source"])


def _the_restored_database_refuses_what_the_triggers_refuse(drill):
    """Not only named: the rule's triggers act in the restored database (terms of reference, point 3)."""
    study_group = _query(drill["target"], "SELECT id FROM meetings_studygroup ORDER BY id LIMIT 1")
    representative = _query(
        drill["target"], "SELECT user_id FROM registration_participantprofile WHERE sme_id IS NOT NULL LIMIT 1"
    )
    assert study_group and representative, "the demo has a study group and an SME representative"
    connection = _connect(drill["target"])
    try:
        with connection.cursor() as cursor, pytest.raises(psycopg2.DatabaseError, match="cannot hold a decision"):
            cursor.execute(
                "INSERT INTO meetings_appointment (question, role, starts_on, notes, person_id, study_group_id) "
                "VALUES ('', 'rapporteur', current_date, '', %s, %s)",
                (representative[0][0], study_group[0][0]),
            )
    finally:
        connection.close()


def _the_application_role_reads_the_restored_database_once_migrate_granted_it(drill):
    """The restore keeps no privileges; the owner's migrate with DATABASE_APP_ROLE grants them again."""
    assert "permission denied" in str(drill["read_before_migrate"])
    assert (
        _registrations_read_by(drill["target"], drill["app_role"])
        == _row_counts(drill["source"])["registration_registration"]
    )
    owners = _query(
        drill["target"],
        "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public'",
    )
    assert owners == [(drill["owner"],)], "what was restored belongs to the owner role that restored it"


def _restore_refuses_a_database_that_is_not_empty_unless_forced(drill):
    before = _row_counts(drill["target"])

    refused = _run([str(SCRIPTS / "restore.sh"), str(drill["dump"]), _url_of(drill["target"], drill["owner"])])

    assert refused.returncode == 1
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    assert _row_counts(drill["target"]) == before

    _query(drill["target"], "INSERT INTO auth_group (name) VALUES ('Written after the backup')")
    forced = _run(
        [str(SCRIPTS / "restore.sh"), "--force", str(drill["dump"]), _url_of(drill["target"], drill["owner"])]
    )

    assert forced.returncode == 0, forced.stderr
    assert _row_counts(drill["target"]) == _row_counts(drill["source"])
    assert {(table, name) for table, name, _enabled in _triggers(drill["target"])} >= RULE_TRIGGERS


def test_the_backup_and_restore_drill(drill):
    """One drill, its checks in the order IT would make them (one test: the drill takes a minute)."""
    _backup_is_one_timestamped_custom_format_file(drill)
    _the_restored_database_holds_every_table_row_for_row(drill)
    _the_restored_database_keeps_the_rule_triggers_enabled(drill)
    _the_restored_database_refuses_what_the_triggers_refuse(drill)
    _the_application_role_reads_the_restored_database_once_migrate_granted_it(drill)
    _restore_refuses_a_database_that_is_not_empty_unless_forced(drill)


def test_backup_fails_loudly_and_leaves_no_file(tmp_path):
    missing_database = _url_of(f"smepilot_no_such_database_{secrets.token_hex(4)}")

    failed = _run([str(SCRIPTS / "backup.sh"), str(tmp_path)], DATABASE_URL=missing_database)

    assert failed.returncode != 0
    assert "does not exist" in failed.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("arguments", "environment", "message"),
    [
        ([], {"DATABASE_URL": "postgres://127.0.0.1/x"}, "usage"),
        (["{folder}"], {}, "DATABASE_URL is not set"),
        (["{folder}"], {"DATABASE_URL": "sqlite:///db.sqlite3"}, "not a PostgreSQL URL"),
        (["{folder}/missing"], {"DATABASE_URL": "postgres://127.0.0.1/x"}, "not a writable folder"),
    ],
)
def test_backup_says_what_is_wrong_with_its_arguments(tmp_path, arguments, environment, message):
    command = [str(SCRIPTS / "backup.sh"), *(argument.format(folder=tmp_path) for argument in arguments)]

    result = _run(command, **environment)

    assert result.returncode == 2
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_restore_says_what_is_wrong_with_its_arguments(tmp_path):
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("not a backup")
    target = _url_of("postgres")
    cases = {
        "usage": [str(not_a_backup)],
        "not a PostgreSQL URL": [str(not_a_backup), "sqlite:///db.sqlite3"],
        "cannot read": [str(tmp_path / "missing.dump"), target],
        "is not a pg_dump -Fc backup": [str(not_a_backup), target],
    }
    for message, arguments in cases.items():
        result = _run([str(SCRIPTS / "restore.sh"), *arguments])
        assert (result.returncode, message in result.stderr) == (2, True), (message, result.stderr)


def test_the_database_script_creates_two_roles_that_cannot_lift_the_rule():
    """deploy/postgres/initdb.sh: neither role is a superuser; the owner owns the database and its
    schema; the application role may only connect (migrate grants it the rest) and no one else may."""
    base = urlsplit(_configured_url()).path.strip("/")
    suffix = secrets.token_hex(4)
    database, owner, app_role = f"{base}_{suffix}_init", f"{base}_{suffix}_owner", f"{base}_{suffix}_app"
    try:
        _create_database(database, owner=owner, app_role=app_role)

        roles = _query(
            "postgres",
            "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolinherit, rolcanlogin FROM pg_roles "
            "WHERE rolname IN (%s, %s) ORDER BY rolname = %s",
            (owner, app_role, app_role),
        )
        assert roles == [(owner, False, False, False, True, True), (app_role, False, False, False, False, True)]
        assert _query(
            "postgres",
            "SELECT pg_get_userbyid(datdba), has_database_privilege(%s, datname, 'CONNECT'), "
            "has_database_privilege('public', datname, 'CONNECT') FROM pg_database WHERE datname = %s",
            (app_role, database),
        ) == [(owner, True, False)]
        assert _query(
            database,
            "SELECT pg_get_userbyid(nspowner), has_schema_privilege(%s, 'public', 'CREATE') "
            "FROM pg_namespace WHERE nspname = 'public'",
            (app_role,),
        ) == [(owner, False)]
    finally:
        _query("postgres", sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        for role in (app_role, owner):
            _query("postgres", sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
