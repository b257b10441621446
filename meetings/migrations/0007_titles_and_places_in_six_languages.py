"""Study group titles, meeting titles and places in ITU's six languages (meetings/translation.py).

One column per language beside each field; the existing values are English, copied into the English
column, which must then hold a value: the one every reader falls back to. The untranslated column
stays, as django-modeltranslation requires, and is not read.

The English columns' constraints are CHECK constraints on PostgreSQL. On SQLite, adding one would
rebuild the table, which the triggers of migrations 0005 and 0006 (on this table and naming it)
forbid: triggers refuse the same rows there, with the constraint's name in their message.
"""

from django.db import migrations, models
from django.db.models import F, Q


def in_english(field):
    return Q((f"{field}_en__isnull", False), ~Q((f"{field}_en", "")))


# (model, table, constraint name, field)
ENGLISH_REQUIRED = [
    ("meeting", "meetings_meeting", "meeting_title_in_english", "title"),
    ("meeting", "meetings_meeting", "meeting_place_in_english", "place"),
    ("studygroup", "meetings_studygroup", "studygroup_title_in_english", "title"),
]


def _constraint(name, field):
    return models.CheckConstraint(condition=in_english(field), name=name)


def _english_from_the_untranslated_columns(apps, schema_editor):
    apps.get_model("meetings", "StudyGroup").objects.update(title_en=F("title"))
    apps.get_model("meetings", "Meeting").objects.update(title_en=F("title"), place_en=F("place"))


def _untranslated_columns_from_english(apps, schema_editor):
    apps.get_model("meetings", "StudyGroup").objects.update(title=F("title_en"))
    apps.get_model("meetings", "Meeting").objects.update(title=F("title_en"), place=F("place_en"))


def _sqlite_triggers(table, name, field):
    column = f"{field}_en"
    refuse = f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
    when = f"WHEN NEW.{column} IS NULL OR NEW.{column} = ''"
    return [
        f"CREATE TRIGGER {name}_insert BEFORE INSERT ON {table} {when} {refuse}",
        f"CREATE TRIGGER {name}_update BEFORE UPDATE OF {column} ON {table} {when} {refuse}",
    ]


def _english_required(apps, schema_editor):
    for model_name, table, name, field in ENGLISH_REQUIRED:
        if schema_editor.connection.vendor == "sqlite":
            for sql in _sqlite_triggers(table, name, field):
                schema_editor.execute(sql, params=None)
        else:
            schema_editor.add_constraint(apps.get_model("meetings", model_name), _constraint(name, field))


def _english_no_longer_required(apps, schema_editor):
    for model_name, _table, name, field in ENGLISH_REQUIRED:
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_insert")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_update")
        else:
            schema_editor.remove_constraint(apps.get_model("meetings", model_name), _constraint(name, field))


class Migration(migrations.Migration):
    dependencies = [("meetings", "0006_rule_invariant_when_a_meeting_moves")]

    operations = [
        migrations.AddField(
            model_name='meeting',
            name='place_ar',
            field=models.CharField(max_length=200, null=True, verbose_name='place'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='place_en',
            field=models.CharField(max_length=200, null=True, verbose_name='place'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='place_es',
            field=models.CharField(max_length=200, null=True, verbose_name='place'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='place_fr',
            field=models.CharField(max_length=200, null=True, verbose_name='place'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='place_ru',
            field=models.CharField(max_length=200, null=True, verbose_name='place'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='place_zh_hans',
            field=models.CharField(max_length=200, null=True, verbose_name='place'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='title_ar',
            field=models.CharField(max_length=300, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='title_en',
            field=models.CharField(max_length=300, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='title_es',
            field=models.CharField(max_length=300, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='title_fr',
            field=models.CharField(max_length=300, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='title_ru',
            field=models.CharField(max_length=300, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='title_zh_hans',
            field=models.CharField(max_length=300, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='studygroup',
            name='title_ar',
            field=models.CharField(max_length=300, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='studygroup',
            name='title_en',
            field=models.CharField(max_length=300, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='studygroup',
            name='title_es',
            field=models.CharField(max_length=300, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='studygroup',
            name='title_fr',
            field=models.CharField(max_length=300, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='studygroup',
            name='title_ru',
            field=models.CharField(max_length=300, null=True, verbose_name='title'),
        ),
        migrations.AddField(
            model_name='studygroup',
            name='title_zh_hans',
            field=models.CharField(max_length=300, null=True, verbose_name='title'),
        ),
        migrations.RunPython(_english_from_the_untranslated_columns, _untranslated_columns_from_english),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(_english_required, _english_no_longer_required)],
            state_operations=[
                migrations.AddConstraint(model_name=model_name, constraint=_constraint(name, field))
                for model_name, _table, name, field in ENGLISH_REQUIRED
            ],
        ),
    ]
