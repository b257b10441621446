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
from operator import itemgetter

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
    """The columns to write and each row's values in their order: the given ones (every row has the same
    keys), then the left-out ones, filled once per field. A field with a database default is left to it."""
    given = set(rows[0])
    unknown = given - {f.attname for f in model._meta.concrete_fields}
    if unknown:
        raise ValueError(f"{model._meta.label} has no field {', '.join(sorted(unknown))}")
    given_fields = [f for f in model._meta.concrete_fields if f.attname in given]
    filled_fields, filled = [], []
    for field in model._meta.concrete_fields:
        if field.attname in given or field.primary_key or field.db_default is not NOT_PROVIDED:
            continue
        if _stamp(field):
            value = now
        elif field.has_default():
            value = field.get_default()
        elif field.null:
            value = None
        else:
            raise MissingValue(f"{model._meta.label}.{field.attname} needs a value")
        filled_fields.append(field)
        filled.append(value)
    names = [f.attname for f in given_fields]
    pick = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    filled = tuple(filled)
    values = [pick(row) + filled for row in rows]
    return given_fields + filled_fields, values


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
        keyed = meta.pk in fields
        if keyed:
            position = fields.index(meta.pk)
            ids = [row[position] for row in values]
        else:
            # Keys taken from the table's own sequence, so that the site's inserts carry on after them.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(values)],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
        columns = [f.column for f in fields] if keyed else [meta.pk.column, *(f.column for f in fields)]
        # Names from the model's own metadata, quoted; the values go as COPY's data, escaped.
        copy = f"COPY {quote(meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
        for start in range(0, len(values), COPY_ROWS):
            chunk = values[start : start + COPY_ROWS]
            lines = ["\t".join(map(_copy_text, row)) for row in chunk]
            if not keyed:
                lines = [f"{pk}\t{line}" for pk, line in zip(ids[start : start + COPY_ROWS], lines, strict=True)]
            cursor.cursor.copy_expert(copy, io.StringIO("\n".join(lines) + "\n"))
    return ids


def _copy_text(value) -> str:
    """A value in COPY's text format: NULL as \\N, booleans as t/f, dates in ISO 8601, text escaped."""
    convert = COPY_TEXT.get(type(value))
    if convert is not None:
        return convert(value)
    for kind in (str, datetime.datetime, datetime.date, int, Decimal):  # subclasses: choices' str enums
        if isinstance(value, kind):
            COPY_TEXT[type(value)] = COPY_TEXT[kind]  # found once per type
            return COPY_TEXT[kind](value)
    raise TypeError(f"No COPY text for {type(value).__name__}")


# By exact type: one lookup per value (100,000 registrations and their history are ~5 million values).
COPY_TEXT = {
    type(None): lambda value: "\\N",
    bool: lambda value: "t" if value else "f",
    int: str,
    Decimal: str,
    str: lambda value: value.translate(COPY_ESCAPES),
    datetime.datetime: datetime.datetime.isoformat,  # with its offset
    datetime.date: datetime.date.isoformat,
}


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
    if not rows:
        return
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
