"""Each registration's choice of appearing in its meeting's list of participants (not listed by default).

On SQLite, adding a NOT NULL column or a CHECK constraint the usual way rebuilds the table, which the
no-decision-making triggers on registration_registration (meetings migrations 0005 and 0006) forbid:
the column is added with SQLite's ALTER TABLE ... ADD COLUMN (a constant default is allowed there), and
triggers refuse the rows the constraint refuses, with the constraint's name in their message.
"""

from django.db import migrations, models

CHOICES = [
    ("none", "Not listed"),
    ("participants", "Listed for the meeting's registered participants"),
    ("public", "Listed publicly"),
]
CONSTRAINT = "registration_list_consent_valid"
VALUES = "('none', 'participants', 'public')"


def _field():
    return models.CharField(choices=CHOICES, default="none", max_length=12, verbose_name="list of participants")


def _constraint():
    return models.CheckConstraint(
        condition=models.Q(("list_consent__in", ["none", "participants", "public"])), name=CONSTRAINT
    )


def _sqlite_triggers():
    refuse = f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {CONSTRAINT}'); END"
    when = f"WHEN NEW.list_consent NOT IN {VALUES}"
    table = "registration_registration"
    return [
        f"CREATE TRIGGER {CONSTRAINT}_insert BEFORE INSERT ON {table} {when} {refuse}",
        f"CREATE TRIGGER {CONSTRAINT}_update BEFORE UPDATE OF list_consent ON {table} {when} {refuse}",
    ]


def _forward(apps, schema_editor):
    model = apps.get_model("registration", "Registration")
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "ALTER TABLE registration_registration ADD COLUMN list_consent varchar(12) NOT NULL DEFAULT 'none'"
        )
        for sql in _sqlite_triggers():
            schema_editor.execute(sql, params=None)
        return
    schema_editor.add_field(model, model._meta.get_field("list_consent"))
    schema_editor.add_constraint(model, _constraint())


def _reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for suffix in ("insert", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {CONSTRAINT}_{suffix}")
        schema_editor.execute("ALTER TABLE registration_registration DROP COLUMN list_consent")
        return
    model = apps.get_model("registration", "Registration")
    schema_editor.remove_constraint(model, _constraint())
    schema_editor.remove_field(model, model._meta.get_field("list_consent"))


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0008_study_group_numbers_bounded"),
        ("registration", "0010_visa_letter_requests"),
    ]

    operations = [
        migrations.AddField(model_name="historicalregistration", name="list_consent", field=_field()),
        # The state first, so that the database operation below reads the field from the model.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(model_name="registration", name="list_consent", field=_field()),
                migrations.AddConstraint(model_name="registration", constraint=_constraint()),
            ],
        ),
        migrations.SeparateDatabaseAndState(database_operations=[migrations.RunPython(_forward, _reverse)]),
    ]
