"""The no-decision-making invariant when a meeting that had ended is given a later end (terms of reference, point 3).

An active registration makes its person an SME representative only while its meeting is not
over (migration 0005). Moving the end of a past meeting to today or later brings its active
registrations back: refused when one of their people now holds a current leadership appointment
or is recorded in a decision. On PostgreSQL the trigger writes each such person's guard row first,
as the other triggers do, so it conflicts with a concurrent appointment at every isolation level.
"""

import importlib

from django.db import migrations

invariant = importlib.import_module("meetings.migrations.0005_rule_invariant_on_both_engines")

REGISTRANTS = f"""
    SELECT DISTINCT p.user_id FROM registration_registration r
    JOIN registration_participantprofile p ON p.id = r.participant_id
    WHERE r.meeting_id = NEW.id AND r.status IN {invariant.ACTIVE_STATUSES}
"""
REOPENS = "NEW.ends_on >= {today} AND OLD.ends_on < {today}"


def _pg_sql() -> str:
    today = invariant._pg_today()
    holds_role = invariant.HOLDS_DECISION_ROLE.format(person="person", today=today)
    return f"""
CREATE OR REPLACE FUNCTION smepilot_meeting_refuse_reopening_for_decision_makers() RETURNS trigger
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    person integer;
BEGIN
    IF NOT ({REOPENS.format(today=today)}) THEN
        RETURN NEW;
    END IF;
    FOR person IN {REGISTRANTS} ORDER BY 1 LOOP
        INSERT INTO smepilot_rule_guard (person_id, writes) VALUES (person, 1)
            ON CONFLICT (person_id) DO UPDATE SET writes = smepilot_rule_guard.writes + 1;
        IF {holds_role} THEN
            RAISE EXCEPTION '{invariant.ROLE_MESSAGE} (user %, meeting %)', person, NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
    END LOOP;
    RETURN NEW;
END;
$$;

CREATE TRIGGER smepilot_meeting_refuse_reopening_for_decision_makers
    BEFORE UPDATE OF ends_on ON meetings_meeting
    FOR EACH ROW EXECUTE FUNCTION smepilot_meeting_refuse_reopening_for_decision_makers();
"""


PG_REVERSE_SQL = """
DROP TRIGGER IF EXISTS smepilot_meeting_refuse_reopening_for_decision_makers ON meetings_meeting;
DROP FUNCTION IF EXISTS smepilot_meeting_refuse_reopening_for_decision_makers();
"""


def _sqlite_sql() -> str:
    today = invariant.SQLITE_TODAY
    holds_role = invariant.HOLDS_DECISION_ROLE.format(person="registrant.user_id", today=today)
    # SQLite has no loop: one EXISTS over the meeting's registrants.
    registrants = f"""
    SELECT 1 FROM registration_registration r
    JOIN registration_participantprofile registrant ON registrant.id = r.participant_id
    WHERE r.meeting_id = NEW.id AND r.status IN {invariant.ACTIVE_STATUSES} AND {holds_role}
"""
    return (
        "CREATE TRIGGER smepilot_meeting_refuse_reopening_for_decision_makers "
        "BEFORE UPDATE OF ends_on ON meetings_meeting "
        f"WHEN ({REOPENS.format(today=today)}) AND EXISTS ({registrants}) "
        f"BEGIN SELECT RAISE(ABORT, '{invariant.ROLE_MESSAGE}'); END"
    )


def _forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(_pg_sql(), params=None)
    elif vendor == "sqlite":
        schema_editor.execute(_sqlite_sql(), params=None)


def _reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE_SQL, params=None)
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS smepilot_meeting_refuse_reopening_for_decision_makers")


class Migration(migrations.Migration):
    dependencies = [("meetings", "0005_rule_invariant_on_both_engines")]

    operations = [migrations.RunPython(_forward, _reverse)]
