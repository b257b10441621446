"""The trigger refusing a decision-maker as SME representative counts "today" as the application does.

Migration 0003 compared an appointment's end with CURRENT_DATE, which is the date in the
database session's time zone (UTC for Django's connections), while meetings.rules uses
timezone.localdate() (settings.TIME_ZONE, Geneva). For an hour or two around midnight the two
disagreed: the application let a person whose appointment had just ended choose an SME and the
trigger refused it, a 500 instead of a clear answer. Both now use the date in settings.TIME_ZONE.
"""

import importlib
import re

from django.conf import settings
from django.db import migrations

previous = importlib.import_module("meetings.migrations.0003_no_decision_making_triggers")


def _local_date_sql() -> str:
    time_zone = settings.TIME_ZONE
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", time_zone):  # an IANA name, quoted below
        raise ValueError(f"Unexpected TIME_ZONE {time_zone!r}")
    return f"(now() AT TIME ZONE '{time_zone}')::date"


def _function_sql(today_sql: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION smepilot_refuse_decision_maker_as_sme() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.sme_id IS NULL THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock({previous.LOCK_CLASS}, NEW.user_id::integer);
    IF EXISTS (
        SELECT 1 FROM meetings_appointment
        WHERE person_id = NEW.user_id AND (ends_on IS NULL OR ends_on >= {today_sql})
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
"""


def _forward(apps, schema_editor):
    previous._run(_function_sql(_local_date_sql()))(apps, schema_editor)


def _reverse(apps, schema_editor):
    previous._run(_function_sql("CURRENT_DATE"))(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0003_no_decision_making_triggers")]

    operations = [migrations.RunPython(_forward, _reverse)]
