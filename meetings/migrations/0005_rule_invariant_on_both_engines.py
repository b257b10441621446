"""The no-decision-making rule held by the database, on PostgreSQL and on SQLite (terms of reference, point 3).

SMEs take part "with the exception of any role in decision-making, including leadership roles and
the adoption of resolutions or recommendations regardless of the approval procedures". The
invariant, for every person:

    nobody who holds a current leadership appointment or is recorded in a decision
    is an SME representative,

where an *SME representative* is a person whose participant profile names an SME, or who has an
active (pending or validated) registration for a meeting not yet over; an appointment is
*current* when it has no end or ends today or later, "today" being the date in settings.TIME_ZONE.

Each write that could break it is refused by a trigger, raising an error that starts with
meetings.rules.DB_ERROR_PREFIX (IntegrityError in Django on both engines):

* an appointment or a decision participant for an SME representative (an appointment's update is
  checked when it changes person or dates, so that an ended appointment's notes stay editable);
* a participant profile naming an SME, or an active registration for a coming meeting, for a
  person who holds a current appointment or is recorded in a decision.

PostgreSQL, at every isolation level: before checking, each trigger upserts the person's row in
smepilot_rule_guard. Two transactions writing opposite sides of the rule for one person therefore
write the same row: at READ COMMITTED the second waits for the first to commit, then its checks (a
new snapshot per statement in a volatile function) see the first's row; at REPEATABLE READ and
SERIALIZABLE the second fails with a serialization error instead of checking a stale snapshot.
Row locks live on the rows, not in the shared lock table, so a transaction may write any number
of people (migration 0003's advisory lock per row ran out of shared memory at ~16,000 profiles).

SQLite (`make run`) allows one writer at a time, so the checks alone hold it. Its "today" is
date('now', 'localtime'): Django sets the process's TZ to settings.TIME_ZONE, and `manage.py
dbshell`'s sqlite3 inherits it.
"""

import importlib
import re

from django.conf import settings
from django.db import migrations

ERROR_PREFIX = "smepilot: terms of reference point 3"
ACTIVE_STATUSES = "('pending', 'validated')"

# The two sides of the invariant, for the person whose id is {person}, on the date {today}.
IS_SME_REPRESENTATIVE = """(
    EXISTS (SELECT 1 FROM registration_participantprofile
            WHERE user_id = {person} AND sme_id IS NOT NULL)
    OR EXISTS (SELECT 1 FROM registration_registration r
               JOIN registration_participantprofile p ON p.id = r.participant_id
               JOIN meetings_meeting m ON m.id = r.meeting_id
               WHERE p.user_id = {person} AND r.status IN """ + ACTIVE_STATUSES + """ AND m.ends_on >= {today})
)"""
HOLDS_DECISION_ROLE = """(
    EXISTS (SELECT 1 FROM meetings_appointment
            WHERE person_id = {person} AND (ends_on IS NULL OR ends_on >= {today}))
    OR EXISTS (SELECT 1 FROM meetings_decisionparticipant WHERE person_id = {person})
)"""
SME_MESSAGE = ERROR_PREFIX + ": the person represents an SME and cannot hold a decision-making role"
ROLE_MESSAGE = ERROR_PREFIX + ": the person holds a decision-making role and cannot represent an SME"

# --- PostgreSQL --------------------------------------------------------------------------------


def _pg_today() -> str:
    time_zone = settings.TIME_ZONE
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", time_zone):  # an IANA name, quoted below
        raise ValueError(f"Unexpected TIME_ZONE {time_zone!r}")
    return f"(now() AT TIME ZONE '{time_zone}')::date"


def _pg_function(name: str, *, person_sql: str, condition: str, message: str, skip_sql: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    person integer;
BEGIN
    IF {skip_sql} THEN
        RETURN NEW;
    END IF;
    person := {person_sql};
    IF person IS NULL THEN
        RETURN NEW;
    END IF;
    INSERT INTO smepilot_rule_guard (person_id, writes) VALUES (person, 1)
        ON CONFLICT (person_id) DO UPDATE SET writes = smepilot_rule_guard.writes + 1;
    IF {condition.format(person="person", today=_pg_today())} THEN
        RAISE EXCEPTION '{message} (user %%, %%)', person, TG_TABLE_NAME USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
"""


def _pg_forward_sql() -> str:
    registration_becomes_active = (
        f"NEW.status NOT IN {ACTIVE_STATUSES} OR (TG_OP = 'UPDATE' AND OLD.status IN {ACTIVE_STATUSES}"
        " AND OLD.participant_id = NEW.participant_id AND OLD.meeting_id = NEW.meeting_id)"
    )
    appointment_unchanged = (
        "TG_OP = 'UPDATE' AND OLD.person_id = NEW.person_id AND OLD.starts_on = NEW.starts_on"
        " AND OLD.ends_on IS NOT DISTINCT FROM NEW.ends_on"
    )
    return f"""
DROP TRIGGER IF EXISTS registration_participantprofile_no_decision_maker ON registration_participantprofile;
DROP TRIGGER IF EXISTS meetings_decisionparticipant_no_sme ON meetings_decisionparticipant;
DROP TRIGGER IF EXISTS meetings_appointment_no_sme ON meetings_appointment;
DROP FUNCTION IF EXISTS smepilot_refuse_decision_maker_as_sme();
DROP FUNCTION IF EXISTS smepilot_refuse_sme_decision_maker();

CREATE TABLE smepilot_rule_guard (
    person_id integer PRIMARY KEY,
    writes bigint NOT NULL
);
COMMENT ON TABLE smepilot_rule_guard IS
    'One row per person written by the no-decision-making triggers, so that concurrent writes of both sides of the rule for one person conflict at every isolation level (terms of reference, point 3).';

{_pg_function(
    "smepilot_appointment_refuse_sme",
    person_sql="NEW.person_id",
    condition=IS_SME_REPRESENTATIVE,
    message=SME_MESSAGE,
    skip_sql=appointment_unchanged,
)}
{_pg_function(
    "smepilot_decision_participant_refuse_sme",
    person_sql="NEW.person_id",
    condition=IS_SME_REPRESENTATIVE,
    message=SME_MESSAGE,
    skip_sql="TG_OP = 'UPDATE' AND OLD.person_id = NEW.person_id",
)}
{_pg_function(
    "smepilot_profile_refuse_decision_maker",
    person_sql="NEW.user_id",
    condition=HOLDS_DECISION_ROLE,
    message=ROLE_MESSAGE,
    skip_sql="NEW.sme_id IS NULL",
)}
{_pg_function(
    "smepilot_registration_refuse_decision_maker",
    person_sql="(SELECT user_id FROM registration_participantprofile WHERE id = NEW.participant_id)",
    condition=HOLDS_DECISION_ROLE,
    message=ROLE_MESSAGE,
    skip_sql=registration_becomes_active,
)}

CREATE TRIGGER smepilot_appointment_refuse_sme
    BEFORE INSERT OR UPDATE ON meetings_appointment
    FOR EACH ROW EXECUTE FUNCTION smepilot_appointment_refuse_sme();
CREATE TRIGGER smepilot_decision_participant_refuse_sme
    BEFORE INSERT OR UPDATE ON meetings_decisionparticipant
    FOR EACH ROW EXECUTE FUNCTION smepilot_decision_participant_refuse_sme();
CREATE TRIGGER smepilot_profile_refuse_decision_maker
    BEFORE INSERT OR UPDATE OF sme_id, user_id ON registration_participantprofile
    FOR EACH ROW EXECUTE FUNCTION smepilot_profile_refuse_decision_maker();
CREATE TRIGGER smepilot_registration_refuse_decision_maker
    BEFORE INSERT OR UPDATE OF status, participant_id, meeting_id ON registration_registration
    FOR EACH ROW EXECUTE FUNCTION smepilot_registration_refuse_decision_maker();
"""


PG_REVERSE_SQL = """
DROP TRIGGER IF EXISTS smepilot_registration_refuse_decision_maker ON registration_registration;
DROP TRIGGER IF EXISTS smepilot_profile_refuse_decision_maker ON registration_participantprofile;
DROP TRIGGER IF EXISTS smepilot_decision_participant_refuse_sme ON meetings_decisionparticipant;
DROP TRIGGER IF EXISTS smepilot_appointment_refuse_sme ON meetings_appointment;
DROP FUNCTION IF EXISTS smepilot_registration_refuse_decision_maker();
DROP FUNCTION IF EXISTS smepilot_profile_refuse_decision_maker();
DROP FUNCTION IF EXISTS smepilot_decision_participant_refuse_sme();
DROP FUNCTION IF EXISTS smepilot_appointment_refuse_sme();
DROP TABLE IF EXISTS smepilot_rule_guard;
"""

# --- SQLite ------------------------------------------------------------------------------------

SQLITE_TODAY = "date('now', 'localtime')"


def _sqlite_trigger(name: str, *, event: str, table: str, when: str, condition: str, person: str, message: str):
    check = condition.format(person=person, today=SQLITE_TODAY)
    return (
        f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
        f"WHEN ({when}) AND {check} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )


def _sqlite_statements() -> list[str]:
    profile_user = "(SELECT user_id FROM registration_participantprofile WHERE id = NEW.participant_id)"
    registration_active = f"NEW.status IN {ACTIVE_STATUSES}"
    registration_becomes_active = (
        f"{registration_active} AND NOT (OLD.status IN {ACTIVE_STATUSES}"
        " AND OLD.participant_id = NEW.participant_id AND OLD.meeting_id = NEW.meeting_id)"
    )
    appointment_changed = (
        "OLD.person_id <> NEW.person_id OR OLD.starts_on <> NEW.starts_on OR OLD.ends_on IS NOT NEW.ends_on"
    )
    sme_side = {"condition": IS_SME_REPRESENTATIVE, "person": "NEW.person_id", "message": SME_MESSAGE}
    role_side = {"condition": HOLDS_DECISION_ROLE, "message": ROLE_MESSAGE}
    return [
        _sqlite_trigger(
            "smepilot_appointment_refuse_sme_insert",
            event="INSERT",
            table="meetings_appointment",
            when="1",
            **sme_side,
        ),
        _sqlite_trigger(
            "smepilot_appointment_refuse_sme_update",
            event="UPDATE",
            table="meetings_appointment",
            when=appointment_changed,
            **sme_side,
        ),
        _sqlite_trigger(
            "smepilot_decision_participant_refuse_sme_insert",
            event="INSERT",
            table="meetings_decisionparticipant",
            when="1",
            **sme_side,
        ),
        _sqlite_trigger(
            "smepilot_decision_participant_refuse_sme_update",
            event="UPDATE",
            table="meetings_decisionparticipant",
            when="OLD.person_id <> NEW.person_id",
            **sme_side,
        ),
        _sqlite_trigger(
            "smepilot_profile_refuse_decision_maker_insert",
            event="INSERT",
            table="registration_participantprofile",
            when="NEW.sme_id IS NOT NULL",
            person="NEW.user_id",
            **role_side,
        ),
        _sqlite_trigger(
            "smepilot_profile_refuse_decision_maker_update",
            event="UPDATE OF sme_id, user_id",
            table="registration_participantprofile",
            when="NEW.sme_id IS NOT NULL",
            person="NEW.user_id",
            **role_side,
        ),
        _sqlite_trigger(
            "smepilot_registration_refuse_decision_maker_insert",
            event="INSERT",
            table="registration_registration",
            when=registration_active,
            person=profile_user,
            **role_side,
        ),
        _sqlite_trigger(
            "smepilot_registration_refuse_decision_maker_update",
            event="UPDATE OF status, participant_id, meeting_id",
            table="registration_registration",
            when=registration_becomes_active,
            person=profile_user,
            **role_side,
        ),
    ]


SQLITE_TRIGGER_NAMES = [re.match(r"CREATE TRIGGER (\w+)", sql).group(1) for sql in _sqlite_statements()]

# --- Both --------------------------------------------------------------------------------------


def _forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # params=None: the SQL holds literal % (RAISE placeholders) that must not be interpolated.
        schema_editor.execute(_pg_forward_sql().replace("%%", "%"), params=None)
    elif vendor == "sqlite":
        for statement in _sqlite_statements():
            schema_editor.execute(statement, params=None)


def _reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE_SQL, params=None)
        # Back to migration 0003's triggers with 0004's date.
        previous = importlib.import_module("meetings.migrations.0004_trigger_uses_the_local_date")
        previous.previous._run(previous.previous.FORWARD_SQL)(apps, schema_editor)
        previous._forward(apps, schema_editor)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGER_NAMES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0004_trigger_uses_the_local_date"),
        ("registration", "0001_initial"),
    ]

    operations = [migrations.RunPython(_forward, _reverse)]
