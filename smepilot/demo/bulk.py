"""rows_insert(): many rows of one model in few statements, for the volume data (smepilot.demo.volume).

Django's bulk_create builds a model instance per row and passes each value through its field; at
100,000 registrations, their people and their history records, that was two thirds of the load's
time. On PostgreSQL the rows go as they are through COPY (three times faster than multi-row INSERTs),
their keys taken from the table's sequence first: the database's constraints and triggers see every
row exactly as they see the ORM's, the no-decision-making triggers included. On SQLite (``make run``'s database,
small loads) bulk_create does it.

A row is a dict of field attnames with plain values (text, numbers, booleans, dates, aware
datetimes, None). A field it leaves out takes its default, the load's "now" for auto_now and
auto_now_add fields, or NULL when it may be empty; leaving out any other field is an error, so
that a field added to a model later stops the load with its name instead of being written empty.
"""

import datetime
import io
from contextlib import contextmanager
from decimal import Decimal

from django.db import connection
from django.db.models import NOT_PROVIDED

BATCH_SIZE = 2000
COPY_ROWS = 20_000
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class MissingValue(ValueError):
    """A row leaves out a field that has no default and may not be empty."""


def _stamp(field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _fill(model, rows: list[dict], now) -> tuple[list, list[tuple]]:
    """The columns to write and each row's values in their order, missing ones filled once per field."""
    given = set(rows[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.attname in given]
    filler = {}
    for field in fields:
        if field.attname in given:
            continue
        if _stamp(field):
            filler[field.attname] = now
        elif field.has_default():
            filler[field.attname] = field.get_default()
        elif field.db_default is not NOT_PROVIDED or field.null:
            filler[field.attname] = None
        else:
            raise MissingValue(f"{model._meta.label}.{field.attname} needs a value")
    values = [tuple(row[f.attname] if f.attname in given else filler[f.attname] for f in fields) for row in rows]
    return fields, values


def rows_insert(model, rows: list[dict], *, now) -> list[int]:
    """Insert ``rows`` of ``model``; returns their primary keys in the same order."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _postgresql_insert(model, rows, now=now)
    return _orm_insert(model, rows, now=now)


def _postgresql_insert(model, rows, *, now) -> list[int]:
    fields, values = _fill(model, rows, now)
    meta, quote = model._meta, connection.ops.quote_name
    with connection.cursor() as cursor:
        if meta.pk not in fields:
            # Keys taken from the table's own sequence, so that the site's inserts carry on after them.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(values)],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
            fields = [meta.pk, *fields]
            values = [(pk, *row) for pk, row in zip(ids, values, strict=True)]
        else:
            position = fields.index(meta.pk)
            ids = [row[position] for row in values]
        # Names from the model's own metadata, quoted; the values go as COPY's data, escaped.
        copy = f"COPY {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
        for start in range(0, len(values), COPY_ROWS):
            data = "".join("\t".join(map(_copy_text, row)) + "\n" for row in values[start : start + COPY_ROWS])
            cursor.cursor.copy_expert(copy, io.StringIO(data))
    return ids


def _copy_text(value) -> str:
    """A value in COPY's text format: NULL as \\N, booleans as t/f, dates in ISO 8601, text escaped."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime.date):  # datetimes too, with their offset
        return value.isoformat()
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    if isinstance(value, int | Decimal):
        return str(value)
    raise TypeError(f"No COPY text for {type(value).__name__}")


def _orm_insert(model, rows, *, now) -> list[int]:
    fields, values = _fill(model, rows, now)
    names = [f.attname for f in fields]
    objects = [model(**dict(zip(names, row, strict=True))) for row in values]
    with _stamps_as_given(model):
        created = model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    return [obj.pk for obj in created]


@contextmanager
def _stamps_as_given(model):
    """bulk_create with the ``created_at`` (and the like) each row was given: auto_now_add would stamp them
    all with the moment of the insert, and the volume data's registrations span months."""
    stamps = [(f, f.auto_now, f.auto_now_add) for f in model._meta.concrete_fields if _stamp(f)]
    for field, _auto_now, _auto_now_add in stamps:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in stamps:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def history_rows_insert(model, rows: list[dict], ids: list[int], *, dates, now) -> None:
    """The "created" history records (django-simple-history) of rows just inserted, each dated as given."""
    historical = model.history.model
    tracked = {f.attname for f in historical._meta.concrete_fields} - {"history_id"}
    fields, values = _fill(model, rows, now)  # as written, defaults and stamps included
    names = [f.attname for f in fields]
    records = []
    for row, pk, date in zip(values, ids, dates, strict=True):
        record = {name: value for name, value in zip(names, row, strict=True) if name in tracked}
        record.update(id=pk, history_date=date, history_type="+", history_change_reason=None, history_user_id=None)
        records.append(record)
    rows_insert(historical, records, now=now)
