"""SQL pieces the statistics and the daily report share, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Float, Integer, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from app.core.db import KOPECK


class epoch(FunctionElement[float]):  # named like the SQL function it stands for
    """Seconds since 1970 of a stored timestamp: differences of two are durations in SQL."""

    type = Float()
    inherit_cache = True
    name = "epoch"


@compiles(epoch)
def _epoch_default(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTC timestamps as text; julianday reads them.
    return f"(julianday({compiler.process(element.clauses, **kw)}) * 86400.0)"


def kopecks(column: Any) -> ColumnElement[int]:
    """A Money column as the integer kopecks it is stored as (sums stay exact everywhere)."""
    return type_coerce(column, Integer)


def hours(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 1)


def roubles(kopecks_sum: Any) -> Decimal:
    """An SQL sum of kopecks as roubles (to the kopeck)."""
    return (Decimal(int(kopecks_sum or 0)) / 100).quantize(KOPECK)
