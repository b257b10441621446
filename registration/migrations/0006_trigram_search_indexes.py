"""Trigram indexes for the secretariat's search by a person's or an SME's name, on PostgreSQL only.

The admin's search matches any part of a name (Django's ``icontains``: ``UPPER(column::text) LIKE
UPPER('%term%')``), which no B-tree index can serve: with 100,000 registrations a search by a
participant's name read every row of four tables (about 20 times the time of the same search on 100).
A GIN index of the column's upper-cased trigrams (``pg_trgm``) finds the matching rows directly; its
expression is the one Django's lookup writes, so the planner uses it. smepilot.admin_search writes
the search table by table so that each can use its index.

The e-mail address is auth's column; its index is created here, beside the others the search uses.
SQLite (``make run``, a few hundred rows) has no such index type: there this migration does nothing.
"""

from django.db import migrations

# (index name, table, column)
TRIGRAM_INDEXES = [
    ("reg_profile_given_name_trgm", "registration_participantprofile", "given_name"),
    ("reg_profile_family_name_trgm", "registration_participantprofile", "family_name"),
    ("reg_profile_job_title_trgm", "registration_participantprofile", "job_title"),
    ("reg_sme_name_trgm", "registration_sme", "name"),
    ("reg_auth_user_email_trgm", "auth_user", "email"),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # A trusted extension since PostgreSQL 13: the schema's owner, who runs migrate, may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    # The extension stays: another database object may have come to use it since.


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("registration", "0005_anonymised_at"),
    ]

    operations = [migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False)]
