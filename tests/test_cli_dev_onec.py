"""`pomoshnik dev` (make run) runs one local 1C for the whole demo: it starts `pomoshnik fake-1c`
on its own base under var/ and points the API and the worker at it with the OData adapter, so what
the worker reserves in 1C is what the API shows as stock."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import pytest
import typer

from app import commands, devimap
from app.adapters.onec import ODataErp, build_erp
from app.core.clock import FixedClock
from app.core.config import OneCSettings, Settings, get_settings
from app.fake_onec.store import demo_mapping
from app.main import Overrides, create_app
from app.models.directory import Role
from app.supervise import Children
from tests.conftest import RecordingQueue
from tests.support.servers import free_port

ONEC_KEYS = (
    "APP_ONEC__ADAPTER",
    "APP_ONEC__ODATA__URL",
    "APP_ONEC__ODATA__USER",
    "APP_ONEC__ODATA__PASSWORD",
    "APP_ONEC__ODATA__MAPPING",
)
NOT_STARTED = ("the API", "the worker")
MAILBOX_KEYS = ("APP_MAILBOX__HOST", "APP_MAILBOX__PORT", "APP_MAILBOX__DEFAULT_ASSIGNEE")
IMAP = "the IMAP server"  # recorded, not started: the mailbox's own tests start one


@dataclass
class DevRun:
    """What `dev` started (the local 1C really; the API and the worker only recorded, each with the
    environment it would have been given) and what it said."""

    started: list[tuple[str, list[str]]] = field(default_factory=list)
    environments: dict[str, dict[str, str]] = field(default_factory=dict)
    said: str = ""
    onec_port: int = 0
    onec_data: Path = Path()
    children: Children | None = None


def _onec_settings(environment: dict[str, str]) -> OneCSettings:
    """The 1C settings a process started with ``environment`` reads."""
    with mock.patch.dict(os.environ, environment, clear=True):
        return Settings(_env_file=None).onec  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def dev_run(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[DevRun]:
    """`dev` run once for the run (it migrates and seeds a base of its own: slow). Once for the
    run, not the module: the module's tests on each database are ordered apart from the others,
    and a module's fixture would be made again for each part. Its local 1C runs until the end."""
    tmp_path = tmp_path_factory.mktemp("dev")
    run = DevRun(onec_port=free_port(), onec_data=tmp_path / "var" / "fake-1c.sqlite3")
    said: list[str] = []

    class Recording(Children):
        def start(self, name: str, argv: Sequence[str], **options: Any) -> Any:
            run.started.append((name, list(argv)))
            run.environments[name] = dict(os.environ)
            if name in (*NOT_STARTED, IMAP):
                return None
            return super().start(name, argv, **options)

        def run(self, stopping: Any, every: float = 0.3) -> int:
            return 0

        def stop(self, timeout: float = 10.0) -> None:
            run.children = self  # stopped when the module's tests are done

    # `dev` sets what its children inherit in this process's environment: all of it is put back
    # when it returns, or the settings of every later test in this process would name the local 1C.
    with mock.patch.dict(os.environ), pytest.MonkeyPatch.context() as monkeypatch:
        for key in (*ONEC_KEYS, "APP_AMOCRM__ACCOUNT_ID", "APP_AMOCRM__DEFAULT_ASSIGNEE", *MAILBOX_KEYS):
            monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv("APP_DB__URL", f"sqlite+aiosqlite:///{tmp_path / 'dev.sqlite3'}")
        monkeypatch.setenv("APP_REDIS__URL", redis_url)
        monkeypatch.setenv("APP_CHAT__STUB_DIR", str(tmp_path / "chat"))
        monkeypatch.setenv("APP_SMTP__HOST", "127.0.0.1")  # no local mail server: not what is tested
        monkeypatch.setenv("APP_SMTP__PORT", "1")
        monkeypatch.setenv("APP_LOG_LEVEL", "WARNING")
        monkeypatch.setattr(commands.signal, "signal", lambda *_: None)
        monkeypatch.setattr(commands, "_say", said.append)
        monkeypatch.setattr(commands, "Children", Recording)
        get_settings.cache_clear()
        try:
            with pytest.raises(typer.Exit):
                commands.dev(
                    port=free_port(),
                    host="127.0.0.1",
                    mail_dir=tmp_path / "mail",
                    onec_port=run.onec_port,
                    onec_data=run.onec_data,
                )
            run.said = "\n".join(said)
        except BaseException:
            if run.children is not None:
                Children.stop(run.children)
            raise
        finally:
            get_settings.cache_clear()
    # The environment is back as it was: the tests read what `dev` gave each child (recorded).
    try:
        yield run
    finally:
        if run.children is not None:
            Children.stop(run.children)


def test_dev_starts_the_local_1c_and_points_the_api_and_the_worker_at_it(dev_run: DevRun) -> None:
    imap = [IMAP] if devimap.available() else []
    assert [name for name, _ in dev_run.started] == ["the local 1C", *imap, "the API", "the worker"]
    _, argv = dev_run.started[0]
    assert argv[-5:] == ["fake-1c", "--port", str(dev_run.onec_port), "--data", str(dev_run.onec_data)]
    assert dev_run.onec_data.is_file()  # its own base, seeded
    url = f"http://127.0.0.1:{dev_run.onec_port}/base/odata/standard.odata/"
    for name in NOT_STARTED:
        environment = dev_run.environments[name]
        assert environment["APP_ONEC__ADAPTER"] == "odata", name
        assert environment["APP_ONEC__ODATA__URL"] == url, name
        assert json.loads(environment["APP_ONEC__ODATA__MAPPING"]) == demo_mapping(), name
        onec = _onec_settings(environment)
        assert (onec.adapter, onec.odata.url) == ("odata", url)
        # The demo amoCRM order goes to the demo assistant, who logs in first.
        assert environment["APP_AMOCRM__DEFAULT_ASSIGNEE"] == "smirnova.dv@example.com", name
    # The banner says where 1C is.
    assert f"1C:        {url}" in dev_run.said, dev_run.said
    # The local 1C answers with the demo base: four price types.
    kinds = httpx.get(
        url + "Catalog_ВидыЦен",
        params={"$select": "Description", "$format": "json"},
        auth=("odata", "odata"),
        timeout=5,
    )
    assert len(kinds.json()["value"]) == 4


def test_dev_points_the_worker_at_a_local_mailbox_with_the_demo_letter(dev_run: DevRun) -> None:
    if not devimap.available():
        assert "Mailbox:   not read: install dovecot-imapd" in dev_run.said
        return
    (argv,) = [argv for name, argv in dev_run.started if name == IMAP]
    port = argv[argv.index("--port") + 1]
    assert argv[-1] == "--demo"
    environment = dev_run.environments["the worker"]
    with mock.patch.dict(os.environ, environment, clear=True):
        mailbox = Settings(_env_file=None).mailbox  # type: ignore[call-arg]
    assert (mailbox.host, str(mailbox.port), mailbox.tls) == ("127.0.0.1", port, False)
    assert (mailbox.username, mailbox.password.get_secret_value()) == (devimap.USER, devimap.PASSWORD)
    assert mailbox.default_assignee == "smirnova.dv@example.com"
    assert f"Mailbox:   {devimap.USER} / {devimap.PASSWORD} on IMAP 127.0.0.1:{port}" in dev_run.said


def test_dev_leaves_an_adapter_the_user_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APP_ONEC__ADAPTER", "stub")
    get_settings.cache_clear()
    started: list[str] = []

    class Recording(Children):
        def start(self, name: str, argv: Sequence[str], **options: Any) -> Any:
            started.append(name)

    try:
        said = commands._start_fake_onec(
            Recording(say=print), get_settings(), free_port(), tmp_path / "1c.sqlite3"
        )
    finally:
        get_settings.cache_clear()
    assert started == []
    assert "stub" in said
    assert not (tmp_path / "1c.sqlite3").exists()


@pytest.fixture
async def app(
    settings: Settings, session_factory: Any, clock: FixedClock, queue: RecordingQueue, dev_run: DevRun
) -> AsyncIterator[Any]:
    """The API as `dev` would start it: its 1C from the environment `dev` gave it."""
    onec = _onec_settings(dev_run.environments["the API"])
    application = create_app(settings.model_copy(update={"onec": onec}), Overrides(clock=clock, queue=queue))
    yield application
    await application.state.erp.aclose()
    await application.state.engine.dispose()


async def test_a_reserve_made_by_the_worker_shows_in_the_api_stock(
    client: httpx.AsyncClient, app: Any, make_user: Any, dev_run: DevRun
) -> None:
    assert isinstance(app.state.erp, ODataErp)
    worker_erp = build_erp(_onec_settings(dev_run.environments["the worker"]))
    assert isinstance(worker_erp, ODataErp)
    assert worker_erp is not app.state.erp
    headers = (await make_user(Role.ASSISTANT)).headers
    try:
        found = (
            await client.get(
                "/api/v1/catalogue/products", headers=headers, params={"q": "Костюм", "limit": 50}
            )
        ).json()["items"]
        product = next(p for p in found if p["stock"] >= 5)
        # The tests share the local 1C: a number of this test's own.
        assert await worker_erp.reserve(f"СЧ-{uuid.uuid4().hex[:8]}", product["id"], 3)
    finally:
        await worker_erp.aclose()
    after = (await client.get(f"/api/v1/catalogue/products/{product['id']}", headers=headers)).json()
    assert after["stock"] == product["stock"] - 3
