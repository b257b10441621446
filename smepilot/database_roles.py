"""The application's PostgreSQL role gets what the application needs, and nothing that could lift a rule.

SME representatives never hold a leadership role nor take part in adopting decisions (terms of
reference, point 3). Behind meetings.rules, PostgreSQL triggers refuse such rows. A role that owns
a table can ``ALTER TABLE ... DISABLE TRIGGER`` or ``DROP TRIGGER``, and a superuser can also
``SET session_replication_role = replica``; so in production the site and the Celery worker connect
as a role that owns nothing and is not a superuser (``DATABASE_URL``), while ``manage.py migrate``
connects as the owner of the schema, which creates (and owns) the tables, sequences and triggers.

When ``DATABASE_APP_ROLE`` names the application role, the owner grants it after every ``migrate``
exactly the data access the application uses: USAGE on schema public, SELECT/INSERT/UPDATE/DELETE
on its tables, USAGE/SELECT/UPDATE on its sequences, and the same on tables and sequences the owner
creates later (default privileges). CONNECT on the database is the DBA's, once (README, "Database
roles"). On SQLite (``make run``) there are no roles and nothing happens.
"""

import re

from django.apps import apps as global_apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction

SCHEMA = "public"

# An unquoted PostgreSQL identifier as created by `CREATE ROLE name` (folded to lower case), at
# most 63 bytes. The name is quoted with psycopg2.sql.Identifier as well; the pattern keeps out
# anything a DBA would not have meant (spaces, quotes, upper case that a quoted name would keep).
ROLE_NAME_PATTERN = re.compile(r"[a-z_][a-z0-9_$]{0,62}")
# Names PostgreSQL reads as something other than one ordinary role (GRANT ... TO public grants
# everyone); pg_* names are the built-in roles (pg_write_all_data and the like), never an application's.
RESERVED_ROLE_NAMES = {"public", "none", "current_user", "current_role", "session_user"}

# Each statement is run with {role} and {schema} quoted as identifiers. Revoking first makes the
# result exactly this set, whatever was granted before (TRUNCATE, TRIGGER, REFERENCES are not needed);
# it runs in one transaction, so the running application never sees the privileges missing.
GRANT_STATEMENTS = (
    "GRANT USAGE ON SCHEMA {schema} TO {role}",
    "REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
    "REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}",
    "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
    # Default privileges apply to what the current role (the owner running migrate) creates later.
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON TABLES FROM {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON SEQUENCES FROM {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
)

# What would let the role lift the triggers anyway: being a superuser, or being (or able to become,
# through role membership) the owner of the database, of the schema, or of any table or function in it.
ROLE_POWERS_SQL = """
SELECT r.rolname = current_user,
       r.rolsuper,
       pg_has_role(r.oid, (SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER')
       OR pg_has_role(r.oid, (SELECT nspowner FROM pg_namespace WHERE nspname = %(schema)s), 'MEMBER')
       OR EXISTS (
           SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = %(schema)s AND pg_has_role(r.oid, c.relowner, 'MEMBER')
       )
       OR EXISTS (
           SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = %(schema)s AND pg_has_role(r.oid, p.proowner, 'MEMBER')
       )
FROM pg_roles r
WHERE r.rolname = %(role)s
"""


def app_role_name_check(role: str) -> str:
    """Return the role name if it is a plain PostgreSQL role name, else raise ImproperlyConfigured."""
    if (
        not isinstance(role, str)
        or not ROLE_NAME_PATTERN.fullmatch(role)
        or role in RESERVED_ROLE_NAMES
        or role.startswith("pg_")
    ):
        raise ImproperlyConfigured(
            f"DATABASE_APP_ROLE={role!r} is not a PostgreSQL role name this project accepts: use lower-case "
            "letters, digits and underscores, starting with a letter or underscore, at most 63 characters "
            "(e.g. smepilot_app), and not a reserved name (public, pg_...)."
        )
    return role


def app_role_grant(role: str, *, using: str = "default") -> bool:
    """Grant ``role`` the application's data access on the schema the current connection owns.

    Returns False (and does nothing) on a database other than PostgreSQL. Refuses, with
    ImproperlyConfigured, a malformed name, a role that does not exist, the role this connection
    runs as (migrate run with the application's DATABASE_URL), and a role that could
    disable the triggers of the no-decision-making rule (terms of reference, point 3): a superuser,
    or the owner of the database, the schema, or a table or function in it (or a member of one).
    """
    app_role_name_check(role)
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    from psycopg2 import sql

    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(ROLE_POWERS_SQL, {"schema": SCHEMA, "role": role})
        row = cursor.fetchone()
        if row is None:
            raise ImproperlyConfigured(
                f"DATABASE_APP_ROLE names the role {role!r}, which does not exist in this PostgreSQL server: "
                "create it first (README, Database roles) or leave DATABASE_APP_ROLE empty."
            )
        is_current_user, is_superuser, can_act_as_owner = row
        if is_superuser or can_act_as_owner:
            raise ImproperlyConfigured(
                f"DATABASE_APP_ROLE names the role {role!r}, which is a superuser or owns (or can act as the owner "
                f"of) the database, schema {SCHEMA} or its tables: it could switch off the database rules. "
                "The application role must own nothing; run migrate as the owner role with DATABASE_URL set "
                "to the owner's URL (README, Database roles)."
            )
        if is_current_user:
            # The grants would silently do nothing: a role cannot grant itself what it does not own.
            raise ImproperlyConfigured(
                f"migrate connects as {role!r}, the role DATABASE_APP_ROLE names: run migrate with DATABASE_URL "
                "set to the owner role's URL (README, Database roles)."
            )
        names = {"role": sql.Identifier(role), "schema": sql.Identifier(SCHEMA)}
        for statement in GRANT_STATEMENTS:
            cursor.execute(sql.SQL(statement).format(**names))
    return True


def _last_migrated_app():
    # migrate sends post_migrate once per app with models, in INSTALLED_APPS order.
    return [app for app in global_apps.get_app_configs() if app.models_module is not None][-1]


def app_role_grant_post_migrate(sender, using="default", **kwargs):
    # Sent once per migrated app; grant once, after the last one, when every table exists.
    role = getattr(settings, "DATABASE_APP_ROLE", "")
    if not role:
        return
    app_role_name_check(role)  # a misconfiguration stops migrate at once, whichever app comes first
    if sender is _last_migrated_app():
        app_role_grant(role, using=using)
