"""SQL functions whose spelling differs between the two OPD stores (SQLite, PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction


class joined_text(GenericFunction[str]):  # noqa: N801 - SQL function naming
    """Aggregate: the group's values as one text joined by a separator (group_concat / string_agg)."""

    type = String()
    inherit_cache = True
    name = "joined_text"


@compiles(joined_text, "sqlite")
def _joined_sqlite(element: joined_text, compiler: Any, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)})"


@compiles(joined_text, "postgresql")
def _joined_pg(element: joined_text, compiler: Any, **kw: Any) -> str:
    value, sep = list(element.clauses)
    return f"string_agg(CAST({compiler.process(value, **kw)} AS TEXT), {compiler.process(sep, **kw)})"
