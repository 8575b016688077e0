"""Hand-built INSERT statements for the report's hot path (``actions.report_hazard``).

They write exactly what ``Model.save(force_insert=True)`` would write (the same
columns, each value as the ORM prepares it), skipping only the ORM's per-call
statement building; tests compare the rows with the ORM's on both databases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save

# Field classes whose database value may be the Python value itself, for values of
# the type named (``get_db_prep_save`` handing it back unchanged); which of them
# do on this database is checked once (``column``). Subclasses are not assumed
# to behave alike.
_PLAIN_TYPE: dict[type[Field[Any, Any]], type] = {
    **dict.fromkeys((models.CharField, models.TextField), str),
    **dict.fromkeys(
        (
            models.IntegerField,
            models.BigIntegerField,
            models.SmallIntegerField,
            models.PositiveIntegerField,
            models.PositiveSmallIntegerField,
            models.PositiveBigIntegerField,
            models.AutoField,
            models.BigAutoField,
        ),
        int,
    ),
    models.FloatField: float,
    models.BooleanField: bool,
}
_SAMPLE: dict[type, Any] = {str: "x", int: 7, float: 1.5, bool: True}


@dataclass(frozen=True)
class Column:
    field: Field[Any, Any]
    attname: str
    pre_save: bool  # the field computes its value on save (auto_now, files, …)
    passthrough: tuple[type, ...]  # types whose values are written as they are


def column(f: Field[Any, Any], conn: Any) -> Column:
    kind = type(f.target_field) if type(f) is models.ForeignKey else type(f)
    passthrough: list[type] = []
    plain = _PLAIN_TYPE.get(kind)
    if plain is not None:
        sample = _SAMPLE[plain]
        prepared = f.get_db_prep_save(sample, connection=conn)
        if type(prepared) is plain and prepared == sample:
            passthrough.append(plain)
    if not isinstance(f, models.JSONField) and f.get_db_prep_save(None, connection=conn) is None:
        passthrough.append(type(None))
    computes = type(f).pre_save is not Field.pre_save and not (
        type(f) in (models.DateField, models.DateTimeField) and not (f.auto_now or f.auto_now_add)  # type: ignore[attr-defined]
    )
    return Column(f, f.attname, computes, tuple(passthrough))


def db_values(obj: Model, plan: Sequence[Column], conn: Any) -> list[Any]:
    """Each column's value as ``f.get_db_prep_save(f.pre_save(obj, True))`` gives it."""
    values = []
    state = obj.__dict__
    for c in plan:
        if c.pre_save:
            value = c.field.pre_save(obj, True)
        else:
            value = state[c.attname] if c.attname in state else getattr(obj, c.attname)
        if type(value) not in c.passthrough:
            value = c.field.get_db_prep_save(value, connection=conn)
        values.append(value)
    return values


# Per model and database vendor: how an INSERT gets each column's value (None: the
# ORM must save it); per (model, vendor, which values are NULL): the statement.
_insert_plans: dict[tuple[type[Model], str], list[Column] | None] = {}
_insert_statements: dict[tuple[type[Model], str, tuple[bool, ...]], str] = {}


def insert_plan(model: type[Model], conn: Any) -> list[Column] | None:
    """The columns (all but the primary key) of a hand-built INSERT of ``model``,
    or None when the ORM must save it: a save signal is connected (its
    receivers must run), a field writes a placeholder of its own, or the
    database cannot return the new key."""
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        return None
    key = (model, conn.vendor)
    if key not in _insert_plans:
        fields = [
            f for f in model._meta.local_concrete_fields if not f.primary_key and not f.generated
        ]
        simple = not any(hasattr(f, "get_placeholder") for f in fields)
        _insert_plans[key] = (
            [column(f, conn) for f in fields]
            if simple and conn.features.can_return_columns_from_insert
            else None
        )
    return _insert_plans[key]


def insert_new(obj: Model) -> None:
    """INSERT a new row as ``obj.save(force_insert=True)`` would, in one statement
    kept per pattern of empty columns; the primary key is set on ``obj``. NULLs
    are written into the statement rather than bound: a new file leaves most
    of its 60 columns empty, and psycopg parses a statement of more than 50
    parameters again on every call."""
    model = type(obj)
    assert obj.pk is None and obj._state.adding, "only new rows"
    conn = connections[DEFAULT_DB_ALIAS]
    plan = insert_plan(model, conn)
    if plan is None:
        obj.save(force_insert=True)
        return
    obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]  # as save() does
    values = db_values(obj, plan, conn)
    nulls = tuple(v is None for v in values)
    sql = _insert_statements.get((model, conn.vendor, nulls))
    if sql is None:
        quote = conn.ops.quote_name
        sql = (
            f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(str(c.field.column)) for c in plan)}) "
            f"VALUES ({', '.join('NULL' if null else '%s' for null in nulls)}) "
            f"RETURNING {quote(str(model._meta.pk.column))}"
        )
        _insert_statements[(model, conn.vendor, nulls)] = sql
    with conn.cursor() as cursor:
        cursor.execute(sql, [v for v in values if v is not None])
        (obj.pk,) = cursor.fetchone()
    saved(obj, conn)


def insert_values(
    obj: Model, plan: Sequence[Column], conn: Any, computed: Mapping[str, tuple[str, list[Any]]]
) -> tuple[str, list[Any]]:
    """``INSERT INTO table (key, columns…) VALUES (…)`` of a new row for a larger
    statement (PostgreSQL: a data-modifying WITH): the values ``insert_new``
    would write, except those of the columns in ``computed`` (column → SQL
    expression and its parameters; the primary key's is required), e.g. ids
    drawn earlier in the statement. Related objects are not checked: their
    keys may be among the computed."""
    meta = type(obj)._meta
    quote = conn.ops.quote_name
    pk_column = str(meta.pk.column)
    pk_sql, params = computed[pk_column]
    columns, values = [quote(pk_column)], [pk_sql]
    params = list(params)
    for c, value in zip(plan, db_values(obj, plan, conn), strict=True):
        name = str(c.field.column)
        columns.append(quote(name))
        if name in computed:
            sql, extra = computed[name]
            values.append(sql)
            params += extra
        elif value is None:
            values.append("NULL")
        else:
            values.append("%s")
            params.append(value)
    sql = f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(values)})"
    return sql, params


def saved(obj: Model, conn: Any) -> None:
    """Mark ``obj`` (its primary key set) as a row of the database, as save() does."""
    obj._state.adding = False
    obj._state.db = conn.alias


def prepared_cursor(conn: Any) -> Any:
    """A cursor for a statement built once and run on every report: one the
    server keeps prepared where the backend offers it (``anxin.core.postgresql``),
    Django's own elsewhere."""
    prepared = getattr(conn, "prepared_cursor", None)
    return prepared() if prepared is not None else conn.cursor()
