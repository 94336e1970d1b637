"""The `pomoshnik` command: serve, worker, migrate, seed-demo, users, rates, openapi, dev."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, TypeVar
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import httpx
import typer
from pydantic import ValidationError
from sqlalchemy import select

from app import devimap
from app.adapters.cbr import build_key_rate_source
from app.core.calendar import BusinessCalendar
from app.core.clock import Clock, FixedClock, system_clock
from app.core.config import ROOT, VAR_DIR, Settings, get_settings
from app.core.db import create_engine, create_session_factory, is_sqlite
from app.models.directory import Department, Role
from app.models.rates import RateSource
from app.schemas.directory import EmployeeCreate
from app.services.directory.employees import AuthService, EmployeeService
from app.services.kernel.ports import KeyRateError, KeyRateObservation
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.receivables.rates import KeyRateService, RatesFileError, parse_rates_csv
from app.services.seed import DEMO_PASSWORD, EMPLOYEES, seed_demo, seed_reference
from app.supervise import Children

T = TypeVar("T")
DEMO_AMOCRM_ACCOUNT = "29001234"

cli = typer.Typer(
    help="Pomoshnik: the sales service department's assistant.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
users = typer.Typer(help="Employees who can log in, and their tokens.", no_args_is_help=True)
cli.add_typer(users, name="users")
rates = typer.Typer(help="The Bank of Russia key rate table used for penalties.", no_args_is_help=True)
cli.add_typer(rates, name="rates")


def _say(message: str) -> None:
    typer.echo(message, err=True)


@cli.callback()
def _settings_first() -> None:
    """Refuse settings before any command starts, in a sentence rather than a traceback."""
    try:
        get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = "__".join(str(part) for part in error["loc"]).upper()
            where = f"APP_{name}: " if name else ""
            _say(f"error: {where}{str(error['msg']).removeprefix('Value error, ')}")
        raise typer.Exit(2) from None


async def _in_uow(settings: Settings, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    engine = create_engine(settings.db.url)
    try:
        async with create_session_factory(engine)() as session:
            uow = UnitOfWork(
                session=session,
                clock=system_clock(settings.clock.offset),
                calendar=BusinessCalendar(ZoneInfo(settings.company.timezone)),
            )
            result = await work(uow)
            await uow.commit(None)
            return result
    finally:
        await engine.dispose()


def _ensure_var(settings: Settings) -> None:
    if is_sqlite(settings.db.url):
        path = settings.db.url.split("///", 1)[-1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def run_migrations(settings: Settings, revision: str = "head", downgrade: bool = False) -> None:
    from alembic.config import Config

    from alembic import command

    _ensure_var(settings)
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["url"] = settings.db.url
    config.attributes["configure_logger"] = False
    if downgrade:
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


@cli.command()
def migrate(
    revision: Annotated[str, typer.Option(help="Target revision")] = "head",
    down: Annotated[bool, typer.Option("--down", help="Downgrade to the revision instead")] = False,
) -> None:
    """Bring the database schema to a revision (head by default) and load the reference data."""
    settings = get_settings()
    run_migrations(settings, revision, downgrade=down)
    if not down:
        asyncio.run(_in_uow(settings, seed_reference))
    _say(f"database at {revision if down else 'head'}: {_safe_url(settings.db.url)}")


@cli.command("seed-demo")
def seed_demo_cmd() -> None:
    """Load the demo directory and clients once (invented people and companies)."""
    loaded = asyncio.run(_in_uow(get_settings(), seed_demo))
    _say("demo data loaded" if loaded else "demo data already present; nothing changed")


@users.command("add")
def users_add(
    name: Annotated[str, typer.Option(help="Full name")],
    email: Annotated[str, typer.Option(help="Email, also the login")],
    role: Annotated[list[Role], typer.Option(help="Role; repeat for several")],
    department: Annotated[str, typer.Option(help="Department code")] = "service",
    position: Annotated[str | None, typer.Option(help="Position; the first role if omitted")] = None,
    initials: Annotated[
        str | None, typer.Option(help="Initials code, e.g. ИПС; derived from the name")
    ] = None,
    password: Annotated[
        str | None, typer.Option(help="Password for login (or set none and use tokens)")
    ] = None,
    print_token: Annotated[
        bool, typer.Option("--print-token", help="Issue a token and print it last")
    ] = False,
    token_days: Annotated[int, typer.Option(help="Token lifetime in days")] = 90,
) -> None:
    """Add an employee; with --print-token the last line of output is a bearer token."""

    async def work(uow: UnitOfWork) -> str | None:
        dept_id = await uow.session.scalar(select(Department.id).where(Department.code == department))
        if dept_id is None:
            raise typer.BadParameter(f"no department '{department}' (run `pomoshnik migrate` first)")
        derived = "".join(part[0] for part in name.split()[:3]).upper()
        employee = await EmployeeService(uow).create(
            EmployeeCreate.model_validate(
                {
                    "full_name": name,
                    "email": email,
                    "roles": role,
                    "department_id": dept_id,
                    "position": position or role[0].value,
                    "initials": initials or derived,
                    "password": password,
                }
            )
        )
        _say(f"added employee {employee.id}: {employee.full_name} <{employee.email}> roles={','.join(role)}")
        if print_token:
            return await AuthService(uow).issue_for_cli(employee.id, token_days)
        return None

    try:
        token = asyncio.run(_in_uow(get_settings(), work))
    except ValidationError as exc:
        _say(f"error: {_what_to_pass(exc)}")
        raise typer.Exit(2) from None
    except Exception as exc:
        _say(f"error: {exc}")
        raise typer.Exit(2) from None
    if token:
        typer.echo(token)


# What `users add` says when a value it was given (or derived) is refused: the option to change.
_USER_OPTIONS = {
    "full_name": "--name",
    "email": "--email",
    "roles": "--role",
    "position": "--position",
    "password": "--password",
}


def _what_to_pass(exc: ValidationError) -> str:
    sentences = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        if field == "initials":
            sentences.append(
                "the initials code must be 2 to 4 capital letters: give the full name of two or three "
                "words (--name 'Петров Иван Сергеевич') or pass the code itself (--initials ПИС)."
            )
        else:
            option = _USER_OPTIONS.get(field, field)
            sentences.append(f"{option}: {str(error['msg']).removeprefix('Value error, ')}.")
    return " ".join(sentences)


@users.command("token")
def users_token(
    email: Annotated[str, typer.Option(help="The employee's email")],
    days: Annotated[int, typer.Option(help="Lifetime in days")] = 90,
) -> None:
    """Issue a personal token for an existing employee and print it."""

    async def work(uow: UnitOfWork) -> str:
        employee = await EmployeeService(uow).by_email(email)
        if employee is None:
            raise typer.BadParameter(f"no employee with email {email}")
        return await AuthService(uow).issue_for_cli(employee.id, days)

    typer.echo(asyncio.run(_in_uow(get_settings(), work)))


@rates.command("import")
def rates_import(
    file: Annotated[Path, typer.Argument(help="CSV: effective_from,rate_percent[,status]; # comments")],
) -> None:
    """Add or correct key rates from a CSV file (rows not in the file stay as they are)."""
    try:
        rows = parse_rates_csv(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, RatesFileError) as exc:
        _say(f"error: {file}: {exc}")
        raise typer.Exit(2) from None

    async def work(uow: UnitOfWork) -> int:
        service = KeyRateService(uow)
        changed = await service.upsert(rows, RateSource.IMPORT)
        await service.record_refresh(RateSource.IMPORT, ok=True, changed=changed)
        return changed

    changed = asyncio.run(_in_uow(get_settings(), work))
    last = rows[-1]
    _say(
        f"key rates: {len(rows)} rows read, {changed} added or changed; "
        f"latest {last.rate_percent}% from {last.effective_from.isoformat()}"
    )


@rates.command("refresh")
def rates_refresh(
    days: Annotated[
        int, typer.Option(min=1, max=5000, help="Days back to read (4000 checks the whole history)")
    ] = 45,
) -> None:
    """Read the published key rates now (APP_RATES__ADAPTER: `cbr` or the `stub`) and store what changed,
    as the worker's daily job does."""
    settings = get_settings()

    source = build_key_rate_source(settings.rates)

    async def fetch() -> list[KeyRateObservation]:
        try:
            today = BusinessCalendar().local_date(system_clock(settings.clock.offset).now())
            return await source.key_rates(today - timedelta(days=days), today)
        finally:
            close = getattr(source, "aclose", None)
            if close is not None:
                await close()

    try:
        observations = asyncio.run(fetch())
    except KeyRateError as exc:
        _say(f"error: {exc}")
        raise typer.Exit(1) from None
    if not observations:
        _say(f"error: no key rates published in the last {days} days")
        raise typer.Exit(1)

    async def work(uow: UnitOfWork) -> int:
        service = KeyRateService(uow)
        changed = await service.merge_observations(observations, authoritative=source.authoritative)
        await service.record_refresh(RateSource.CBR, ok=True, changed=changed)
        return changed

    changed = asyncio.run(_in_uow(settings, work))
    first, last = observations[0], observations[-1]
    _say(
        f"key rates: {len(observations)} published days from {first.day.isoformat()} to "
        f"{last.day.isoformat()} read, {changed} rows added or changed; now {last.rate_percent}%"
    )


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO-8601 time (e.g. 2027-01-15T09:00 or 2027-01-15T06:00Z)"
        ) from None
    # A time without an offset is the department's wall clock, as the regulation's deadlines are.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=BusinessCalendar().tz)


@cli.command("sweep")
def sweep_cmd(
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="ISO-TIME",
            help="Sweep as of this time (without an offset: Moscow time); now if omitted",
        ),
    ] = None,
) -> None:
    """Run the worker's minute sweep once, now or as of a time: reminders, cases, acts and tasks that
    are due by then are made, and their messages and jobs queued for the worker."""
    from app.worker.context import build_job_context, close_job_context
    from app.worker.jobs import sweep_now

    settings = get_settings()
    clock: Clock = system_clock(settings.clock.offset) if at is None else FixedClock(_moment(at))

    async def run() -> dict[str, int]:
        app = build_job_context(settings, clock)
        try:
            return await sweep_now(app)
        finally:
            await close_job_context(app)
            await asyncio.to_thread(app.renderer.shutdown)

    made = asyncio.run(run())
    if "skipped" in made:
        _say("another sweep is running now (a worker's); try again in a minute")
        raise typer.Exit(1)
    done = ", ".join(f"{name} {count}" for name, count in made.items() if count) or "nothing was due"
    _say(f"swept as of {clock.now().isoformat()}: {done}")


@cli.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="worker processes, each with its own socket on the port")
    ] = 1,
) -> None:
    """Run the API with uvicorn."""
    from app.serve import serve as run

    raise typer.Exit(run(host, port, workers))


onec = typer.Typer(help="The 1C base over its standard OData interface.", no_args_is_help=True)
cli.add_typer(onec, name="onec")


@onec.command("check")
def onec_check() -> None:
    """Check the configured 1C base (APP_ONEC__ODATA__*): what it publishes against what the adapter
    reads, the credentials, the mapping and one product with its prices and stock."""
    from app.adapters.onec.check import check
    from app.adapters.onec.odata import client_from_settings

    settings = get_settings().onec.odata

    async def run() -> bool:
        async with client_from_settings(settings) as client:
            result = await check(client, settings.mapping)
        for line in result.ok:
            _say(f"ok      {line}")
        for line in result.problems:
            _say(f"missing {line}")
        return not result.problems

    _say(f"==> checking 1C at {settings.url}")
    if not asyncio.run(run()):
        raise typer.Exit(1)


@cli.command("fake-1c")
def fake_onec(
    port: Annotated[int, typer.Option()] = 8090,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    data: Annotated[
        Path, typer.Option(help="SQLite file of its state (created and seeded on first use)")
    ] = VAR_DIR / "fake-1c.sqlite3",
    user: Annotated[str, typer.Option(help="The OData user (HTTP Basic)")] = "odata",
    password: Annotated[
        str, typer.Option(help="The OData user's password (a local demo's, not a secret)")
    ] = "odata",  # noqa: S107
) -> None:
    """Run a local stand-in for 1C:Управление торговлей 11 over its standard OData interface, at
    http://HOST:PORT/base/odata/standard.odata/, seeded with the demo catalogue."""
    import uvicorn

    from app.fake_onec.server import create_app, open_fake

    data.parent.mkdir(parents=True, exist_ok=True)
    fake = open_fake(data, users={user: password})
    _say(f"==> fake 1C at http://{host}:{port}/base/odata/standard.odata/ (state in {data})")
    uvicorn.run(create_app(fake), host=host, port=port, log_level="warning", access_log=False)


@cli.command()
def worker() -> None:
    """Run the arq worker (jobs and the minute sweep); it waits out a Redis outage and reconnects."""
    from app.core.logging import configure_logging
    from app.worker.runner import ReconnectingWorker
    from app.worker.settings import WorkerSettings

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    asyncio.run(ReconnectingWorker(WorkerSettings).run())


@cli.command()
def openapi(
    out: Annotated[Path, typer.Option(help="Where to write the schema")] = ROOT / "openapi" / "openapi.json",
) -> None:
    """Write the OpenAPI document (committed as openapi/openapi.json; a test fails on drift)."""
    from app.main import create_app

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(create_app(Settings()).openapi(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    _say(f"wrote {out}")


def _safe_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def _redis_answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1
        ) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _start_mail_sink(children: Children, settings: Settings, mail_dir: Path) -> str:
    """A local SMTP server that keeps each message as an .eml in ``mail_dir``, for the worker's mail
    unless the user named a server of their own; returns where the e-mail goes, to be said."""
    if {"host", "port"} & settings.smtp.model_fields_set:
        return f"sent to {settings.smtp.host}:{settings.smtp.port} (APP_SMTP__HOST / APP_SMTP__PORT)"
    mail_port = settings.smtp.port
    if not _port_free(mail_port):  # another installation's sink, say: take any free port
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            mail_port = probe.getsockname()[1]
    _say(f"==> starting the mail server on 127.0.0.1:{mail_port} (messages in {mail_dir})")
    children.start(
        "the mail server",
        [sys.executable, "-m", "app.mailsink", "--port", str(mail_port), "--dir", str(mail_dir)],
    )
    # The API and the worker, started next, read their settings from this environment.
    os.environ["APP_SMTP__HOST"] = "127.0.0.1"
    os.environ["APP_SMTP__PORT"] = str(mail_port)
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", mail_port)) == 0:
                break
        time.sleep(0.1)
    return f"each message kept as an .eml file in {mail_dir} (SMTP on 127.0.0.1:{mail_port})"


def _start_mailbox(children: Children, settings: Settings, directory: Path) -> str:
    """A local IMAP server (dovecot, when installed) with the demo mailbox, read by the worker,
    unless the user named a mailbox of their own; returns what to say about it."""
    if settings.mailbox.enabled:
        return f"read from {settings.mailbox.host}:{settings.mailbox.port} (APP_MAILBOX__*)"
    if not devimap.available():
        return (
            "not read: install dovecot-imapd for a local one, or set APP_MAILBOX__HOST, __PORT, "
            "__USERNAME, __PASSWORD (see docs/mailbox.md)"
        )
    port = 1143 if _port_free(1143) else _free_port()
    _say(f"==> starting the local IMAP server on 127.0.0.1:{port} (the shared mailbox, in {directory})")
    children.start(
        "the IMAP server",
        [sys.executable, "-m", "app.devimap", "--port", str(port), "--dir", str(directory), "--demo"],
    )
    # The worker, started next, reads its settings from this environment.
    os.environ.update(
        {
            "APP_MAILBOX__HOST": "127.0.0.1",
            "APP_MAILBOX__PORT": str(port),
            "APP_MAILBOX__TLS": "false",
            "APP_MAILBOX__USERNAME": devimap.USER,
            "APP_MAILBOX__PASSWORD": devimap.PASSWORD,
        }
    )
    # Mail nobody owns goes to the demo assistant, as the demo amoCRM orders do.
    os.environ.setdefault("APP_MAILBOX__DEFAULT_ASSIGNEE", os.environ.get("APP_AMOCRM__DEFAULT_ASSIGNEE", ""))
    return (
        f"{devimap.USER} / {devimap.PASSWORD} on IMAP 127.0.0.1:{port} (no TLS); the worker takes "
        "its demo order at start, and whatever a mail client puts in its INBOX"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_fake_onec(children: Children, settings: Settings, port: int, data: Path) -> str:
    """The local 1C (``pomoshnik fake-1c``, its state in ``data``) for the API and the worker,
    unless the user named an adapter of their own (APP_ONEC__ADAPTER); returns where 1C is, to be
    said. Both processes get the same base through the environment: one 1C for the whole demo."""
    if "adapter" in settings.onec.model_fields_set:
        if settings.onec.adapter == "odata":
            return f"{settings.onec.odata.url} (APP_ONEC__ADAPTER=odata)"
        return f"the in-memory stub, one copy per process (APP_ONEC__ADAPTER={settings.onec.adapter})"
    from app.fake_onec.store import demo_mapping

    if not _port_free(port):  # another installation's 1C, say: take any free port
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    data.parent.mkdir(parents=True, exist_ok=True)
    _say(f"==> starting the local 1C on 127.0.0.1:{port} (its base in {data})")
    children.start(
        "the local 1C",
        [sys.executable, "-m", "app.cli", "fake-1c", "--port", str(port), "--data", str(data)],
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/base/odata/standard.odata/"
    user, password = "odata", "odata"  # the local demo's, not a secret
    # The API and the worker, started next, read their settings from this environment.
    os.environ.update(
        {
            "APP_ONEC__ADAPTER": "odata",
            "APP_ONEC__ODATA__URL": url,
            "APP_ONEC__ODATA__USER": user,
            "APP_ONEC__ODATA__PASSWORD": password,
            "APP_ONEC__ODATA__MAPPING": json.dumps(demo_mapping(), ensure_ascii=False),
        }
    )
    for _ in range(100):
        try:
            if httpx.get(url + "$metadata", auth=(user, password), timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return f"{url} (user {user}, password {password}; the local 1C, APP_ONEC__ADAPTER=odata)"


def _demo_assistant() -> str:
    """The demo assistant's login: the first assistant of the demo directory."""
    handle = next(h for _n, _i, _d, _p, roles, h in EMPLOYEES if Role.ASSISTANT in roles)
    return f"{handle.replace('_', '.')}@example.com"


def _demo_logins() -> str:
    """The demo people to log in as, one per role, with the shared password."""
    lines = [f"    Demo logins (password '{DEMO_PASSWORD}'):"]
    seen: set[str] = set()
    for _name, _initials, _dept, position, roles, handle in EMPLOYEES:
        role = str(roles[0])
        if role in seen:
            continue
        seen.add(role)
        lines.append(f"      {handle.replace('_', '.')}@example.com".ljust(34) + f" {position}")
    return "\n".join(lines) + "\n"


@cli.command()
def dev(
    port: Annotated[int, typer.Option()] = 8000,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    mail_dir: Annotated[
        Path, typer.Option(help="Where the local mail server keeps each e-mail as an .eml file")
    ] = VAR_DIR / "mail",
    onec_port: Annotated[int, typer.Option(help="The local 1C's port (any free one if taken)")] = 8090,
    onec_data: Annotated[
        Path, typer.Option(help="The local 1C's base (SQLite), seeded with the demo catalogue once")
    ] = VAR_DIR / "fake-1c.sqlite3",
    imap_dir: Annotated[
        Path, typer.Option(help="The local IMAP server's folder: its configuration and the demo mailbox")
    ] = VAR_DIR / "imap",
) -> None:
    """Everything for a newcomer: migrate, demo data, Redis if none answers, a local mail server
    (unless APP_SMTP__HOST or APP_SMTP__PORT names one), a local 1C over OData (unless
    APP_ONEC__ADAPTER names an adapter), a local IMAP server with the demo mailbox (when dovecot is
    installed and APP_MAILBOX__HOST names none), the API and the worker."""
    # The demo amoCRM account: a webhook to /webhooks/amocrm/<secret> with this account id makes
    # an order from the stub's leads (see docs/api.md). Real installations set their own.
    os.environ.setdefault("APP_AMOCRM__ACCOUNT_ID", DEMO_AMOCRM_ACCOUNT)
    # Its orders nobody owns go to the demo assistant, who logs in first and finds them on «Сегодня».
    os.environ.setdefault("APP_AMOCRM__DEFAULT_ASSIGNEE", _demo_assistant())
    get_settings.cache_clear()
    settings = get_settings()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _say(f"==> migrating {_safe_url(settings.db.url)}")
    run_migrations(settings)
    asyncio.run(_in_uow(settings, seed_reference))
    _say("==> loading demo data (once)")
    asyncio.run(_in_uow(settings, seed_demo))

    children = Children(say=_say)
    if _redis_answers(settings.redis.url):
        _say(f"==> Redis answers at {settings.redis.url}")
    else:
        redis_bin = shutil.which("redis-server")
        if redis_bin is None:
            _say("error: no Redis answers and redis-server is not installed (make run installs it)")
            raise typer.Exit(1)
        parsed = urlparse(settings.redis.url)
        redis_dir = VAR_DIR / "redis"
        redis_dir.mkdir(exist_ok=True)
        _say(f"==> starting redis-server on port {parsed.port or 6379} (data in {redis_dir})")
        children.start(
            "redis-server",
            [
                redis_bin,
                "--port",
                str(parsed.port or 6379),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(redis_dir),
                "--save",
                "60 1",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(50):
            if _redis_answers(settings.redis.url):
                break
            time.sleep(0.1)

    async def admin_token(uow: UnitOfWork) -> str:
        admin = await EmployeeService(uow).by_email("kiselev.av@example.com")
        assert admin is not None
        return await AuthService(uow).issue_for_cli(admin.id, 30)

    token = asyncio.run(_in_uow(settings, admin_token))
    mail = _start_mail_sink(children, settings, mail_dir)
    onec = _start_fake_onec(children, settings, onec_port, onec_data)
    mailbox = _start_mailbox(children, settings, imap_dir)
    exe = [sys.executable, "-m", "app.cli"]
    children.start("the API", [*exe, "serve", "--host", host, "--port", str(port)])
    children.start("the worker", [*exe, "worker"])
    base = f"http://{host}:{port}"
    console = (
        f"{base}/"
        if (settings.api.console_dir / "index.html").is_file()
        else "not built (make run builds it)"
    )
    _say(
        f"\n==> Pomoshnik is running\n"
        f"    Console:   {console}\n{_demo_logins()}"
        f"    API docs:  {base}/docs\n    OpenAPI:   {base}/openapi.json\n    Health:    {base}/readyz\n"
        f"    Admin token (30 days):\n      {token}\n"
        f"    Try: curl -H 'Authorization: Bearer {token}' {base}/api/v1/clients\n"
        f"    amoCRM webhook: {base}/webhooks/amocrm/{settings.amocrm.webhook_secret.get_secret_value()}"
        f" (account {settings.amocrm.account_id})\n"
        f"    E-mail:    {mail}\n"
        f"    1C:        {onec}\n"
        f"    Mailbox:   {mailbox}\n"
        f"    Ctrl-C stops everything started here; a process that dies is started again.\n"
    )

    stop = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    status = 1
    try:
        status = children.run(lambda: stop)
    finally:
        children.stop()
        _say("==> stopped")
    raise typer.Exit(status)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
