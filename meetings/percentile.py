"""Continuous percentiles in the database, on PostgreSQL and on SQLite with the same results."""

import math

from django.db.models import Aggregate


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``.

    Continuous percentile: the value at position ``fraction * (n - 1)`` of the sorted values,
    interpolated linearly between its two neighbours. Works on intervals as well as numbers.
    SQLite has no such aggregate: there the same computation runs as an aggregate function
    defined on the connection (``SQLitePercentileCont``), so the query and its result are the same.
    """

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    sqlite_template = "%(function)s(%(expressions)s, %(fraction)s)"

    def __init__(self, expression, fraction, **extra):
        fraction = float(fraction)
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile fraction lies between 0 and 1.")
        # A float we produced ourselves, so formatting it into the SQL is safe.
        super().__init__(expression, fraction=repr(fraction), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        _define_sqlite_percentile_cont(connection)
        # On a copy rather than through template=: Aggregate.as_sql passes its own template when
        # the aggregate has a filter, and two would clash.
        clone = self.copy()
        clone.template = self.sqlite_template
        return clone.as_sql(compiler, connection, **extra_context)


class SQLitePercentileCont:
    """``percentile_cont`` as a SQLite aggregate function, computed as PostgreSQL does.

    SQLite hands durations over as integer microseconds (how Django stores and subtracts them
    there); the interpolated value may fall between two microseconds, and Django's conversion of
    the result to a ``timedelta`` rounds it to the nearest one, as PostgreSQL's interval does.
    """

    def __init__(self):
        self.values = []
        self.fraction = 0.0

    def step(self, value, fraction):
        # NULLs are left out, as by every SQL aggregate.
        if value is not None:
            self.values.append(value)
            self.fraction = fraction

    def finalize(self):
        if not self.values:
            return None
        values = sorted(self.values)
        position = self.fraction * (len(values) - 1)
        lower, upper = values[math.floor(position)], values[math.ceil(position)]
        return lower + (upper - lower) * (position - math.floor(position))


def _define_sqlite_percentile_cont(connection):
    """Define PERCENTILE_CONT once on the open SQLite connection, before a query uses it.

    Once per connection: SQLite refuses to redefine a function while another statement on the
    connection is still being read (a streamed export, say). The wrapper remembers which raw
    connection it defined the function on, since it opens a new one after a close.
    """
    connection.ensure_connection()
    raw = connection.connection
    if getattr(connection, "_percentile_cont_defined_on", None) is not raw:
        raw.create_aggregate(PercentileCont.function, 2, SQLitePercentileCont)
        connection._percentile_cont_defined_on = raw
