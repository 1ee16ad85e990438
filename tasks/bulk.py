"""Many rows in few statements: the first early-warning scan writes a whole backlog at once.

On PostgreSQL each chunk of rows is one `INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO
NOTHING`: the values travel as one array per column, so neither Django nor the driver handles
each value on its own (bulk_create builds and adapts hundreds of thousands of model instances and
placeholders). Other databases (SQLite for `make run` and the tests) use bulk_create.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model

CHUNK = 50_000  # rows per statement on PostgreSQL
BATCH = 1000  # rows per statement elsewhere


def insert_ignoring_conflicts(
    model: type[Model], columns: Sequence[str], rows: Sequence[tuple], **constants
) -> None:
    """Insert `rows` (tuples in the order of `columns`, attribute names such as "task_id"),
    with `constants` for other fields; fields given neither take their default. Rows that would
    break a unique constraint are skipped, as bulk_create(ignore_conflicts=True) does."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            (model(**dict(zip(columns, row, strict=True)), **constants) for row in rows),
            batch_size=BATCH,
            ignore_conflicts=True,
        )
        return
    fields = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    fixed = {
        name: constants[name] if name in constants else field.get_default()
        for name, field in fields.items()
        if name not in columns
    }
    names = [fields[c].column for c in columns] + [fields[n].column for n in fixed]
    arrays = ", ".join(f"%s::{fields[c].db_type(connection)}[]" for c in columns)
    scalars = "".join(f", %s::{fields[n].db_type(connection)}" for n in fixed)
    quote = connection.ops.quote_name
    targets = ", ".join(quote(n) for n in names)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({targets}) "
        f"SELECT *{scalars} FROM unnest({arrays}) ON CONFLICT DO NOTHING"
    )
    prepared = [
        fields[n].get_db_prep_save(value, connection) for n, value in fixed.items()
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            per_column = [list(values) for values in zip(*chunk, strict=True)]
            cursor.execute(sql, [*prepared, *per_column])
