"""Many rows in few statements: the first early-warning scan writes a whole backlog at once, the
nightly roll-forward of periods updates thousands of tasks.

On PostgreSQL each chunk of rows is one `INSERT … SELECT FROM unnest(arrays) [ON CONFLICT DO
NOTHING]` or one `UPDATE … FROM unnest(arrays)`: the values travel as one array per column (an
insert's as one array literal, a string), so neither Django nor the driver handles each value
on its own (bulk_create builds and adapts hundreds of thousands of model instances and
placeholders). Other databases (SQLite for `make run` and the tests) use bulk_create and
bulk_update.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model

CHUNK = 50_000  # rows per statement on PostgreSQL
BATCH = 1000  # rows per statement elsewhere


def insert_rows(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    ignore_conflicts: bool,
    **constants,
) -> None:
    """Insert `rows` (tuples in the order of `columns`, attribute names such as "task_id"),
    with `constants` for other fields; fields given neither take their default. With
    `ignore_conflicts`, rows that would break a unique constraint are skipped, as
    bulk_create(ignore_conflicts=True) does; without, they fail the statement (PostgreSQL then
    needs no speculative insertion per row, about half the time for a new alert's deliveries)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            (model(**dict(zip(columns, row, strict=True)), **constants) for row in rows),
            batch_size=BATCH,
            ignore_conflicts=ignore_conflicts,
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
        f"SELECT *{scalars} FROM unnest({arrays})"
    ) + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
    prepared = [fields[n].get_db_prep_save(value, connection) for n, value in fixed.items()]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            per_column = [array_literal(values) for values in zip(*chunk, strict=True)]
            cursor.execute(sql, [*prepared, *per_column])


def array_literal(values: Sequence) -> str:
    """A PostgreSQL array literal, '{"1","a b",NULL}', of numbers, strings, dates and times:
    the driver quotes one string per column at once, where it adapts a list value by value in
    Python (2 s for the first scan's 170,000 deliveries). Each distinct value is spelt once (a
    column of states or channels has a handful)."""
    spelt = {value: _element(value) for value in set(values)}
    return "{" + ",".join(map(spelt.__getitem__, values)) + "}"


def _element(value) -> str:
    if value is None:
        return "NULL"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def update_in_place(objs: Sequence[Model], fields: Sequence[str]) -> None:
    """Write `fields` of model instances (all of one model) that already exist, as bulk_update
    does. On PostgreSQL each chunk is one `UPDATE … FROM unnest(arrays)`: bulk_update's
    `CASE WHEN id = … THEN …` per row and field takes seconds to build and run for 2,000 rows."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, fields, batch_size=BATCH)
        return
    meta = model._meta
    targets = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in targets)
    names = ", ".join(quote(field.column) for field in targets)
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in targets[1:])
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    sql = (
        f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({names}) WHERE {table}.{pk} = v.{pk}"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objs), CHUNK):
            chunk = objs[start : start + CHUNK]
            cursor.execute(
                sql,
                [
                    [field.get_db_prep_save(getattr(o, field.attname), connection) for o in chunk]
                    for field in targets
                ],
            )
