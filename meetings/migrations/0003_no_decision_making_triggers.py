"""The no-decision-making rule in the database (terms of reference, point 3).

SMEs take part "with the exception of any role in decision-making, including leadership roles and
the adoption of resolutions or recommendations regardless of the approval procedures". The
application enforces this in meetings.rules; these PostgreSQL triggers make a raw SQL write fail
as well:

* an INSERT or UPDATE on meetings_appointment / meetings_decisionparticipant whose person is an
  SME representative (a participant profile with an SME) is refused;
* an INSERT or UPDATE on registration_participantprofile that sets sme_id for a user who holds a
  current appointment (ends_on null or >= today) or is recorded in a decision is refused: a
  person who becomes an SME representative while holding such a role is refused, not flagged.

Both triggers take the same transaction-level advisory lock per user first, so two concurrent
transactions (one appointing, one making the same person an SME representative) cannot both pass:
the second waits for the first to commit and then sees its row (READ COMMITTED).

The errors use SQLSTATE 23514 (check_violation), which Django raises as IntegrityError.
Only PostgreSQL: on SQLite (`make run`) nothing is installed and model validation still holds.
"""

from django.db import migrations

# Any constant shared by both triggers: the advisory lock key space (pg_advisory_xact_lock(int, int)).
LOCK_CLASS = 3017

FORWARD_SQL = f"""
CREATE OR REPLACE FUNCTION smepilot_refuse_sme_decision_maker() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK_CLASS}, NEW.person_id::integer);
    IF EXISTS (
        SELECT 1 FROM registration_participantprofile
        WHERE user_id = NEW.person_id AND sme_id IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'smepilot: terms of reference point 3: user % represents an SME and cannot be recorded in %',
            NEW.person_id, TG_TABLE_NAME
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION smepilot_refuse_decision_maker_as_sme() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.sme_id IS NULL THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock({LOCK_CLASS}, NEW.user_id::integer);
    IF EXISTS (
        SELECT 1 FROM meetings_appointment
        WHERE person_id = NEW.user_id AND (ends_on IS NULL OR ends_on >= CURRENT_DATE)
    ) OR EXISTS (
        SELECT 1 FROM meetings_decisionparticipant WHERE person_id = NEW.user_id
    ) THEN
        RAISE EXCEPTION 'smepilot: terms of reference point 3: user % holds a leadership appointment or is recorded in a decision and cannot represent an SME',
            NEW.user_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER meetings_appointment_no_sme
    BEFORE INSERT OR UPDATE ON meetings_appointment
    FOR EACH ROW EXECUTE FUNCTION smepilot_refuse_sme_decision_maker();

CREATE TRIGGER meetings_decisionparticipant_no_sme
    BEFORE INSERT OR UPDATE ON meetings_decisionparticipant
    FOR EACH ROW EXECUTE FUNCTION smepilot_refuse_sme_decision_maker();

CREATE TRIGGER registration_participantprofile_no_decision_maker
    BEFORE INSERT OR UPDATE OF sme_id, user_id ON registration_participantprofile
    FOR EACH ROW EXECUTE FUNCTION smepilot_refuse_decision_maker_as_sme();
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS registration_participantprofile_no_decision_maker ON registration_participantprofile;
DROP TRIGGER IF EXISTS meetings_decisionparticipant_no_sme ON meetings_decisionparticipant;
DROP TRIGGER IF EXISTS meetings_appointment_no_sme ON meetings_appointment;
DROP FUNCTION IF EXISTS smepilot_refuse_decision_maker_as_sme();
DROP FUNCTION IF EXISTS smepilot_refuse_sme_decision_maker();
"""


def _run(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        # params=None: the SQL holds literal % (RAISE placeholders) that must not be interpolated.
        schema_editor.execute(sql, params=None)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0002_leadership_decisions_reports"),
        ("registration", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD_SQL), _run(REVERSE_SQL)),
    ]
