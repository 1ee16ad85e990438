"""Many rows in few statements: the first early-warning scan writes a whole backlog at once, the
nightly roll-forward of periods updates thousands of tasks.

On PostgreSQL each chunk of rows is one `INSERT … SELECT FROM unnest(arrays) [ON CONFLICT DO
NOTHING]` or one `UPDATE … FROM unnest(arrays)`: the values travel as one array per column (an
insert's as one array literal, a string), so neither Django nor the driver handles each value
on its own (bulk_create builds and adapts hundreds of thousands of model instances and
placeholders). Rows that are every member of a group times each member's few variants (a
warning's deliveries: each recipient, by each of their channels) travel as the groups and the
variants, and PostgreSQL makes the rows. Other databases (SQLite for `make run` and the tests)
use bulk_create and bulk_update.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

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
        _bulk_create(model, columns, rows, ignore_conflicts=ignore_conflicts, **constants)
        return
    sql, fixed = _insert_select(model, columns, ignore_conflicts=ignore_conflicts, **constants)
    arrays = ", ".join(f"%s::{_db_type(model, c)}[]" for c in columns)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            per_column = [array_literal(values) for values in zip(*chunk, strict=True)]
            cursor.execute(sql.format(source=f"unnest({arrays})"), [*fixed, *per_column])


def insert_fanned_out(
    model: type[Model],
    columns: Sequence[str],
    groups: Sequence[tuple[Hashable, Sequence[int]]],
    variants: dict[int, Sequence[tuple]],
    *,
    ignore_conflicts: bool,
    **constants,
) -> int:
    """Insert, for each (key, members) of `groups`, one row (key, member, *variant) for each
    variant of each member (`variants[member]`; a member without any gets no row), as
    `insert_rows` does: `columns` name the key, the member and the variant's values. Returns
    the number of rows inserted (elsewhere than PostgreSQL, made: bulk_create does not say
    which it skipped). On PostgreSQL the groups go as two arrays (each member list as a
    string) and the variants as a small table, and the database makes the rows."""
    if connection.vendor != "postgresql":
        rows = [
            (key, member, *variant)
            for key, members in groups
            for member in members
            for variant in variants.get(member, ())
        ]
        _bulk_create(model, columns, rows, ignore_conflicts=ignore_conflicts, **constants)
        return len(rows)
    table = [(m, *variant) for m, listed in variants.items() for variant in listed]
    if not groups or not table:
        return 0
    sql, fixed = _insert_select(model, columns, ignore_conflicts=ignore_conflicts, **constants)
    key, member, *rest = (_db_type(model, c) for c in columns)
    values = ", ".join(["g.key", "v.member", *(f"v.c{n}" for n in range(len(rest)))])
    names = ", ".join(["member", *(f"c{n}" for n in range(len(rest)))])
    arrays = "".join(f", %s::{db_type}[]" for db_type in rest)
    source = (
        f"(SELECT {values} FROM unnest(%s::{key}[], %s::text[]) AS g(key, members)"
        f" CROSS JOIN LATERAL unnest(g.members::{member}[]) AS m(member)"
        f" JOIN unnest(%s::{member}[]{arrays}) AS v({names}) ON v.member = m.member) AS s"
    )
    per_column = [array_literal(column) for column in zip(*table, strict=True)]
    count = 0
    with connection.cursor() as cursor:
        for start in range(0, len(groups), CHUNK):
            chunk = groups[start : start + CHUNK]
            keys = array_literal([k for k, _members in chunk])
            members = array_literal(["{" + ",".join(map(str, m)) + "}" for _key, m in chunk])
            cursor.execute(sql.format(source=source), [*fixed, keys, members, *per_column])
            count += cursor.rowcount
    return count


def _bulk_create(model, columns, rows, *, ignore_conflicts: bool, **constants) -> None:
    model.objects.bulk_create(
        (model(**dict(zip(columns, row, strict=True)), **constants) for row in rows),
        batch_size=BATCH,
        ignore_conflicts=ignore_conflicts,
    )


def _db_type(model: type[Model], attname: str) -> str:
    """The column's type ("task_id": the type of the task's key)."""
    field = next(f for f in model._meta.concrete_fields if f.attname == attname)
    return field.db_type(connection)


def _insert_select(
    model: type[Model], columns: Sequence[str], *, ignore_conflicts: bool, **constants
) -> tuple[str, list]:
    """`INSERT INTO table (columns, the other fields) SELECT *, <the others' values> FROM
    {source}` (a format field) and the others' values: `constants`, else the field's default."""
    fields = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    fixed = {
        name: constants[name] if name in constants else field.get_default()
        for name, field in fields.items()
        if name not in columns
    }
    quote = connection.ops.quote_name
    names = [fields[c].column for c in columns] + [fields[n].column for n in fixed]
    targets = ", ".join(quote(n) for n in names)
    scalars = "".join(f", %s::{fields[n].db_type(connection)}" for n in fixed)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({targets}) SELECT *{scalars} FROM {{source}}"
    ) + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
    prepared = [fields[n].get_db_prep_save(value, connection) for n, value in fixed.items()]
    return sql, prepared


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
