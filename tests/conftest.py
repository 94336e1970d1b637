"""Shared fixtures: real PostgreSQL and Redis servers started here, SQLite, the app, users with tokens.

Every test that asks for `db_url` runs twice: on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from pytest_postgresql import factories as pg_factories
from pytest_redis import factories as redis_factories
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import devimap
from app.adapters.amocrm.stub import StubCrm
from app.adapters.cbr import StubKeyRates
from app.adapters.chat import build_chat_gateway
from app.adapters.email import build_mailer
from app.adapters.mail_in import ImapMailbox
from app.adapters.onec.stub import StubErp
from app.adapters.storage import build_storage
from app.commands import run_migrations
from app.core.calendar import BusinessCalendar
from app.core.clock import FixedClock
from app.core.config import DbSettings, RedisSettings, Settings, SmtpSettings
from app.core.db import create_engine, create_session_factory
from app.devimap import LocalImap
from app.main import Overrides, create_app
from app.models.directory import Department, Role
from app.schemas.directory import EmployeeCreate
from app.services.directory.employees import AuthService, EmployeeService
from app.services.kernel.rendering import default_renderer
from app.services.kernel.unit_of_work import UnitOfWork
from app.worker.context import JobContext
from tests.adapters.onec_fake import RunningFake, running_fake
from tests.support.imap import new_folder
from tests.support.ordering import LONG_TESTS, long_tests_first
from tests.support.seeded import SeededDatabase
from tests.support.smtp import RecordingHandler, smtp_sink

# Records every response of the app under test; `make test` checks every declared problem was met.
pytest_plugins = ["tests.support.declared", "tests.support.cli"]

PG_CTL = Path(__file__).parent / "support" / "pg_ctl"
# 2026-12-01 is a Tuesday, a working day; 10:00 in Moscow.
NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
AMOCRM_SECRET = "s3cret-hook-token"
AMOCRM_ACCOUNT = "29001234"

pg_server = pg_factories.postgresql_proc(executable=str(PG_CTL), port=None, user="postgres")
redis_server = redis_factories.redis_proc(executable=shutil.which("redis-server"), port=None)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # xdist's workers do not see its `--dist` (set to "no" in them): any distribution takes the order.
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers < 2:
        return
    items[:] = long_tests_first(items, workers, LONG_TESTS)


def _create_pg_database(proc: Any, name: str, template: str | None = None) -> str:
    """A new database ``name`` on the server (a copy of the database ``template``, if named)."""
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(
        host=proc.host, port=proc.port, user=proc.user, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    return f"postgresql+asyncpg://{proc.user}@{proc.host}:{proc.port}/{name}"


def copy_sqlite(template: Path, to: Path) -> str:
    """The URL of a copy of the SQLite database ``template`` at ``to`` (through SQLite's backup, so
    that nothing of it left in a write-ahead log is lost)."""
    with sqlite3.connect(template) as source, sqlite3.connect(to) as target:
        source.backup(target)
    return f"sqlite+aiosqlite:///{to}"


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database made by the migrations once for the run (per xdist worker), copied by
    whatever needs a migrated database of its own (`copy_sqlite`) instead of migrating again."""
    path = tmp_path_factory.mktemp("migrated") / "template.sqlite3"
    run_migrations(Settings(db=DbSettings(url=f"sqlite+aiosqlite:///{path}")))
    return path


@pytest.fixture(scope="session")
def migrated_pg(pg_server: Any) -> str:
    """The name of a PostgreSQL database made by the migrations once for the run (per xdist
    worker), never connected to again: `CREATE DATABASE … TEMPLATE` copies it."""
    name = "pomoshnik_migrated"
    run_migrations(Settings(db=DbSettings(url=_create_pg_database(pg_server, name))))
    return name


@pytest.fixture(scope="session", autouse=True)
def render_processes() -> Iterator[None]:
    """The process's render processes stay warm from test to test and are stopped at the end."""
    yield
    default_renderer().shutdown()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database of each backend (schema made by the migrations, as in production)."""
    if request.param == "sqlite":
        return copy_sqlite(
            request.getfixturevalue("migrated_sqlite"),
            tmp_path_factory.mktemp("sqlite") / "pomoshnik.sqlite3",
        )
    return _create_pg_database(
        request.getfixturevalue("pg_server"), "pomoshnik_test", request.getfixturevalue("migrated_pg")
    )


@pytest.fixture(scope="session")
def redis_url(redis_server: Any) -> str:
    return f"redis://{redis_server.host}:{redis_server.port}/0"


class RecordingQueue:
    """Collects enqueued jobs instead of sending them to Redis; like arq, a job id is taken once."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[Any, ...], str]] = []
        self.seen: set[str] = set()

    async def enqueue(self, function: str, *args: Any, job_id: str) -> bool:
        if job_id not in self.seen:
            self.seen.add(job_id)
            self.jobs.append((function, args, job_id))
        return True

    async def ping(self) -> bool:
        return True


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        db=DbSettings(url=db_url, pool_size=5),
        redis=RedisSettings(url="redis://127.0.0.1:1/0"),
        chat={"stub_dir": tmp_path / "chat"},  # type: ignore[arg-type]
        storage={"local_dir": tmp_path / "storage"},  # type: ignore[arg-type]
        amocrm={"webhook_secret": AMOCRM_SECRET, "account_id": AMOCRM_ACCOUNT},  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
async def seeded_database(db_url: str) -> AsyncIterator[SeededDatabase]:
    """The reference seed, loaded once per backend and worker, on one engine kept for the session."""
    engine = create_engine(db_url, pool_size=5)
    seeded = await SeededDatabase.create(engine, create_session_factory(engine), FixedClock(NOW))
    yield seeded
    await engine.dispose()


@pytest.fixture
async def session_factory(seeded_database: SeededDatabase) -> async_sessionmaker[AsyncSession]:
    """Sessions on a database holding exactly the reference seed: what an earlier test wrote is gone."""
    await seeded_database.restore()
    return seeded_database.session_factory


@pytest.fixture
async def uow(
    session_factory: async_sessionmaker[AsyncSession], clock: FixedClock
) -> AsyncIterator[UnitOfWork]:
    async with session_factory() as session:
        yield UnitOfWork(session=session, clock=clock, calendar=BusinessCalendar())


@pytest.fixture
async def app(
    settings: Settings, session_factory: Any, clock: FixedClock, queue: RecordingQueue
) -> AsyncIterator[Any]:
    application = create_app(settings, Overrides(clock=clock, queue=queue))
    yield application
    await application.state.engine.dispose()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@dataclass
class User:
    id: int
    token: str
    email: str
    roles: list[Role]
    department_id: int
    headers: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def make_user(session_factory: async_sessionmaker[AsyncSession], clock: FixedClock) -> Any:
    counter = iter(range(1, 10_000))

    async def factory(
        *roles: Role, department: str = "service", password: str | None = None, chat_handle: str | None = None
    ) -> User:
        n = next(counter)
        async with session_factory() as session:
            uow = UnitOfWork(session=session, clock=clock, calendar=BusinessCalendar())
            dept = await session.get(Department, await _department_id(session, department))
            assert dept is not None
            email = f"{'-'.join(r.value for r in roles)}{n}@example.com"
            employee = await EmployeeService(uow).create(
                EmployeeCreate.model_validate(
                    {
                        "full_name": f"Тестов Тест {n}",
                        "initials": "ТТ",
                        "department_id": dept.id,
                        "position": roles[0].value,
                        "roles": list(roles),
                        "email": email,
                        "password": password,
                        "chat_handle": chat_handle,
                    }
                )
            )
            token = await AuthService(uow).issue_for_cli(employee.id, 30)
            await uow.commit(None)
        return User(employee.id, token, email, list(roles), dept.id, {"Authorization": f"Bearer {token}"})

    return factory


async def _department_id(session: AsyncSession, code: str) -> int:
    from sqlalchemy import select

    ident = await session.scalar(select(Department.id).where(Department.code == code))
    assert ident is not None, f"no department {code}"
    return int(ident)


@pytest.fixture
def smtp() -> Iterator[tuple[RecordingHandler, int]]:
    with smtp_sink() as sink:
        yield sink


@pytest.fixture
async def job_ctx(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    smtp: tuple[RecordingHandler, int],
) -> AsyncIterator[JobContext]:
    settings = settings.model_copy(update={"smtp": SmtpSettings(host="127.0.0.1", port=smtp[1])})
    chat = build_chat_gateway(settings)
    ctx = JobContext(
        settings=settings,
        engine=None,  # type: ignore[arg-type]
        session_factory=session_factory,
        clock=clock,
        calendar=BusinessCalendar(),
        chat=chat,
        mailer=build_mailer(settings.smtp),
        queue=RecordingQueue(),
        erp=StubErp.default(),
        crm=StubCrm(),
        storage=build_storage(settings.storage),
        key_rates=StubKeyRates(),
    )
    yield ctx
    await chat.aclose()


@pytest.fixture(scope="session")
def imap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalImap]:
    """One local IMAP server (Debian's dovecot) for the whole run; each test reads its own folder."""
    with devimap.running(tmp_path_factory.mktemp("dovecot")) as server:
        yield server


@pytest.fixture
async def mailbox_ctx(job_ctx: JobContext, imap_server: LocalImap) -> JobContext:
    """The worker's context reading a folder of its own on the local IMAP server."""
    folder = await new_folder(imap_server)
    settings = imap_server.mailbox(folder, timeout_seconds=10)
    job_ctx.settings = job_ctx.settings.model_copy(update={"mailbox": settings})
    job_ctx.mailbox = ImapMailbox(settings)
    return job_ctx


@pytest.fixture
def onec(tmp_path: Path) -> Iterator[RunningFake]:
    """A protocol-faithful 1C (the fake OData base) on loopback, with its own base for the test."""
    with running_fake(tmp_path / "1c.sqlite3") as running:
        yield running
