"""Database primitives: the declarative base, column types, the engine and session factories."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar, TypeVar, cast

from sqlalchemy import (
    BigInteger,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    String,
    event,
    exc,
    insert,
    inspect,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    Session,
    declared_attr,
    mapped_column,
)
from sqlalchemy.orm.base import instance_state
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

KOPECK = Decimal("0.01")
# Identifiers are 32-bit integers on every backend: larger numbers are refused as input.
MAX_ID = 2_147_483_647


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """Roubles as Decimal in Python, integer kopecks in the database: exact sums on every backend."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(value) / 100).quantize(KOPECK)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), Decimal: Money()}  # noqa: RUF012


class KeptFile:
    """The columns of a file kept in the file storage for a record (an order's attachments, a
    collection case's scans, a credit request's dossier): what was stored, who uploaded it, when.
    `KeptDocument.row` (app/services/kernel/uploads.py) fills them."""

    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(300))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class Versioned:
    """Row version for optimistic concurrency; exposed to clients as the ETag.

    It is the version of what people edit, so a 412 means a person's data changed: the columns a
    model names in ``__bookkeeping__`` (what jobs record about outside systems: 1C ids and
    revisions, sent marks, push times) are written without moving it. Every UPDATE is still
    checked against the version it read."""

    __bookkeeping__: ClassVar[frozenset[str]] = frozenset()

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # The next version is chosen in _next_versions below, not by the mapper.
        return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}  # type: ignore[attr-defined]


@event.listens_for(Session, "before_flush")
def _next_versions(session: Session, _context: Any, _instances: Any) -> None:
    """Move the version of each changed row whose change is more than bookkeeping (touch() moves it
    for a change of the aggregate's children, as before)."""
    for row in session.dirty:
        if not isinstance(row, Versioned):
            continue
        state = inspect(row)
        changed = {
            attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes()
        }
        if changed - row.__bookkeeping__ - {"version"}:
            row.version = row.version + 1


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _json(value: Any) -> str:
    """A JSON column's value as text, as ``json.dumps`` writes it; the empty list and object, most
    of what a new order's lines hold (no suggestions, nothing not applicable), without the call."""
    kind = type(value)
    if kind is list and not value:
        return "[]"
    if kind is dict and not value:
        return "{}"
    return json.dumps(value)


def create_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, json_serializer=_json)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    # LIFO: the connection just returned is the next one out, so a quiet hour keeps one or two warm
    # connections and the rest go idle (and are checked before use) instead of all rotating.
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_use_lifo=True,
        json_serializer=_json,
    )
    dialect = engine.dialect

    def check_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        _check_if_idle(dialect, dbapi_connection, record)

    event.listen(engine.sync_engine, "checkin", _returned)
    event.listen(engine.sync_engine, "checkout", check_if_idle)
    return engine


# A pooled connection that has been idle this long is checked with a round trip before use.
IDLE_BEFORE_CHECK = 1.0


def _returned(dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info["returned_at"] = time.monotonic()


def _check_if_idle(dialect: Dialect, dbapi_connection: Any, record: Any) -> None:
    """The pool's check of a connection before use, for connections that sat idle: a dead one
    (after a restart of PostgreSQL) invalidates the pool instead of failing the request.

    SQLAlchemy's pre-ping checks every checkout, one round trip per request (three with the asyncpg
    adapter's own ping, which wraps it in BEGIN and ROLLBACK). A connection returned to the pool
    less than ``IDLE_BEFORE_CHECK`` ago was working then; if PostgreSQL went away since, the request
    using it fails as it would have failed mid-way, and the disconnect invalidates the pool for the
    next ones. A new connection is not checked at all: it has just connected."""
    returned_at = record.info.get("returned_at")
    if returned_at is None or time.monotonic() - returned_at < IDLE_BEFORE_CHECK:
        return
    if not _ping(dialect, dbapi_connection):
        raise exc.InvalidatePoolError("the connection did not answer its check")


def _ping(dialect: Dialect, dbapi_connection: Any) -> bool:
    """One round trip of the simple protocol; False when the connection is gone, the error when it
    is something else."""
    try:
        dbapi_connection.run_async(lambda connection: connection.execute("SELECT 1"))
    except Exception:
        # Said again by the adapter's own ping, in the terms the dialect judges (a disconnect or not).
        try:
            dbapi_connection.ping()
        except dbapi_connection.dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                return False
            raise
    return True


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def str_enum(enum_cls: type[Any], length: int = 32) -> Enum:
    """A StrEnum stored as its value in a plain VARCHAR: no native enum types to migrate."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


T = TypeVar("T", bound=Base)


@dataclass(frozen=True)
class _Insert:
    statement: ReturningInsert[Any]
    key: str  # the primary key's attribute
    required: frozenset[str]  # the columns with no default, which every row must give
    defaults: dict[str, Any]  # the others, with the model's default (a scalar, or None)
    factories: tuple[tuple[str, Callable[[], Any]], ...]  # the defaults made per row (``default=dict``)


_INSERTS: dict[type[Base], _Insert] = {}


def _insert_of(cls: type[Base]) -> _Insert:
    found = _INSERTS.get(cls)
    if found is None:
        mapper = inspect(cls)
        (column,) = mapper.primary_key
        key = mapper.get_property_by_column(column).key
        required: set[str] = set()
        defaults: list[tuple[str, Any]] = []
        factories: list[tuple[str, Callable[[], Any]]] = []
        for attr in mapper.column_attrs:
            (col,) = attr.columns
            if col is column:
                continue
            default = col.default
            if default is not None and default.is_scalar:
                defaults.append((attr.key, default.arg))
            elif default is not None and default.is_callable:
                # SQLAlchemy wraps ``default=dict`` as a function of the execution context.
                make = default.arg
                factories.append((attr.key, functools.partial(make, None)))
            elif default is None and col.nullable and col.server_default is None:
                defaults.append((attr.key, None))
            else:
                required.add(attr.key)
        statement = insert(cls).returning(column, sort_by_parameter_order=True)
        found = _Insert(statement, key, frozenset(required), dict(defaults), tuple(factories))
        _INSERTS[cls] = found
    return found


async def flushed_connection(session: AsyncSession) -> AsyncConnection:
    """The session's connection, in its transaction, with what is pending in the session flushed
    first, as before a query: for a hot path's Core statement, which goes to the database without
    the session's ORM execution (its compile state, its result loading, its autoflush call). A
    clean session, the usual case there, is not asked to flush at all."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    return await session.connection()


async def insert_persistent(
    session: AsyncSession, cls: type[T], rows: list[dict[str, Any]], *, attach: bool = True
) -> list[T]:
    """Insert rows with one Core statement and give them back as persistent objects of the session,
    as a query would have loaded them, in the order given; with ``attach=False``, as detached
    objects instead, for rows nothing changes before the commit (keeping objects in the session
    costs its bookkeeping at the add, the flush before the commit and the close: about a tenth of
    an order's CPU).

    For a hot path that writes many new rows: the unit of work (object construction, flush
    planning, attribute history) costs several times the statement itself. What is pending in the
    session is flushed first, as before a query. A row gives every column that has no default; the
    others take the model's default (``None`` for a nullable column without one) as the ORM would,
    so the objects are built from what the database keeps, not read back. Relationships are left
    unloaded (set them with ``set_committed_value``)."""
    if not rows:
        return []
    connection = await flushed_connection(session)  # what is pending goes first: rows may refer to it
    objects = await insert_detached(connection, cls, rows)
    if attach:
        session.add_all(objects)
    return objects


async def insert_detached(connection: AsyncConnection, cls: type[T], rows: list[dict[str, Any]]) -> list[T]:
    """``insert_persistent(..., attach=False)`` on a connection already taken from the session
    (``flushed_connection``): for a hot path that writes several tables, one checkout of the
    session's connection instead of one per table."""
    if not rows:
        return []
    plan = _insert_of(cls)
    if missing := plan.required - rows[0].keys():
        raise ValueError(f"{cls.__name__}: no value for {', '.join(sorted(missing))}")
    full = [{**plan.defaults, **{k: make() for k, make in plan.factories}, **row} for row in rows]
    idents = (await connection.execute(plan.statement, full)).scalars().all()
    mapper: Mapper[Any] = inspect(cls)
    new = mapper.class_manager.new_instance
    objects: list[T] = []
    for ident, values in zip(idents, full, strict=True):
        obj = cast(T, new())
        # Straight into the state, as loading does: no attribute events, no history. The state is
        # what make_transient_to_detached leaves of a new object with every column given (its
        # identity), without that function's pass over the attributes: nothing is expired here,
        # and the relationships are unloaded already.
        obj.__dict__.update(values)
        obj.__dict__[plan.key] = ident
        instance_state(obj).key = mapper.identity_key_from_primary_key((ident,))
        objects.append(obj)
    return objects
