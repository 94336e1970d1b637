"""The `pomoshnik` command as a newcomer uses it: users add --print-token, and `dev` (make run);
`serve` with several workers as the image runs it."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from app import devimap
from app.core.config import DbSettings, Settings
from app.main import create_app
from tests.conftest import copy_sqlite
from tests.support.cli import Ran
from tests.support.servers import free_port
from tests.support.stack import Stack, wait_for

ROOT = Path(__file__).parents[1]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return (
        os.environ
        | {
            "APP_DB__URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
            "APP_CHAT__STUB_DIR": str(tmp_path / "chat"),
            "APP_LOG_LEVEL": "WARNING",
        }
        | extra
    )


def _pomoshnik(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _stop(process: subprocess.Popen[Any], signum: int, failure: str) -> tuple[Any, Any]:
    """Signal a process started in its own session and collect its output; if it does not stop
    within 40 s, kill its whole group and fail with ``failure``."""
    process.send_signal(signum)
    try:
        return process.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(failure)


def test_users_add_prints_a_working_token_last(tmp_path: Path, pomoshnik: Callable[..., Ran]) -> None:
    env = _env(tmp_path)
    migrated = pomoshnik(env, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    # The real program: the token is the last line of its standard output.
    added = _pomoshnik(
        env,
        "users",
        "add",
        "--name",
        "Орлова Мария Степановна",
        "--email",
        "orlova@example.com",
        "--role",
        "assistant",
        "--role",
        "manager",
        "--print-token",
    )
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"pmk_[A-Za-z0-9_-]{40,}", token)

    async def who(token: str) -> httpx.Response:
        app = create_app(Settings(db=DbSettings(url=env["APP_DB__URL"])))
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        finally:
            await app.state.engine.dispose()

    me = asyncio.run(who(token))
    assert me.status_code == 200, me.text
    assert me.json()["roles"] == ["assistant", "manager"]
    assert me.json()["initials"] == "ОМС"

    duplicate = pomoshnik(
        env, "users", "add", "--name", "X Y", "--email", "orlova@example.com", "--role", "driver"
    )
    assert duplicate.returncode == 2
    assert "email" in duplicate.stderr
    # One surname gives one letter of initials: the program says what to pass, not pydantic's error.
    surname_only = pomoshnik(
        env, "users", "add", "--name", "Петров", "--email", "p@example.com", "--role", "driver"
    )
    assert surname_only.returncode == 2
    said = surname_only.stderr.strip()
    assert said.startswith("error: the initials code must be 2 to 4 capital letters"), said
    assert "--initials" in said
    assert "--name" in said
    assert "validation error" not in said
    assert "\n" not in said
    bad_email = pomoshnik(env, "users", "add", "--name", "Петров Иван", "--email", "p@", "--role", "driver")
    assert bad_email.returncode == 2
    assert bad_email.stderr.strip().startswith("error: --email: value is not a valid email address"), (
        bad_email.stderr
    )
    unknown_role = pomoshnik(
        env, "users", "add", "--name", "X Y", "--email", "x@example.com", "--role", "janitor"
    )
    assert unknown_role.returncode != 0


def test_dev_serves_the_demo_with_a_token_and_stops_on_ctrl_c(
    tmp_path: Path, redis_url: str, migrated_sqlite: Path
) -> None:
    port = free_port()
    env = _env(tmp_path, APP_REDIS__URL=redis_url)
    copy_sqlite(migrated_sqlite, tmp_path / "cli.sqlite3")
    mail = tmp_path / "mail"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "app.cli", "dev", "--port", str(port), "--mail-dir", str(mail)),
            *("--imap-dir", str(tmp_path / "imap")),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output = ""
        deadline = time.monotonic() + 60
        assert process.stdout is not None
        while "Ctrl-C" not in output and time.monotonic() < deadline:
            output += process.stdout.readline()
        token_match = re.search(r"(pmk_[A-Za-z0-9_-]{40,})", output)
        assert token_match, output
        base = f"http://127.0.0.1:{port}"
        # Where the console is (or that it is not built) and whom to log in as.
        assert re.search(rf"Console: +({re.escape(base)}/|not built)", output), output
        assert "smirnova.dv@example.com" in output, output
        assert "demo-password" in output, output
        # The API imports the whole app first: on a busy machine that takes a while.
        ready_by = time.monotonic() + 90
        while time.monotonic() < ready_by:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail(f"the API of `pomoshnik dev` did not become ready:\n{output}")
        headers = {"Authorization": f"Bearer {token_match.group(1)}"}
        clients = httpx.get(f"{base}/api/v1/clients", headers=headers, timeout=5)
        assert clients.status_code == 200, clients.text
        assert len(clients.json()["items"]) == 5
        anonymous = httpx.get(f"{base}/api/v1/clients", timeout=5)
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"].startswith("application/problem+json")
        assert httpx.get(f"{base}/docs", timeout=5).status_code == 200

        # The README's demo: a real-shaped amoCRM delivery; the worker makes the order.
        hook = re.search(r"amoCRM webhook: (\S+)", output)
        assert hook, output
        form = (
            "leads[add][0][id]=31000101&leads[add][0][status_id]=61000001&leads[add][0][pipeline_id]=7001001"
            "&account[id]=29001234&account[subdomain]=example"
        )
        delivered = httpx.post(
            hook.group(1),
            content=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=5,
        )
        assert delivered.status_code == 200, delivered.text
        orders: list[dict[str, object]] = []
        for _ in range(100):
            orders = _amocrm_orders(base, headers)
            if orders:
                break
            time.sleep(0.2)
        assert [o["external_id"] for o in orders] == ["31000101"]

        # The worker dies (the OOM killer, say): `make run` says so, starts it again, and carries on.
        [worker] = [p for p in psutil.Process(process.pid).children() if "worker" in p.cmdline()]
        worker.kill()
        output += _read_until(process, "starting the worker again", 60)
        assert "the worker exited with status -9; starting it again in 1 s" in output
        won = form.replace("leads[add][0][id]=31000101", "leads[add][0][id]=31000102")
        delivered = httpx.post(
            hook.group(1),
            content=won,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=5,
        )
        assert delivered.status_code == 200, delivered.text
        for _ in range(300):
            orders = _amocrm_orders(base, headers)
            if len(orders) == 2:
                break
            time.sleep(0.2)
        assert sorted(o["external_id"] for o in orders) == ["31000101", "31000102"]

        # An e-mail of the demo (a reconciliation act asked for) is sent to the local mail server,
        # which keeps it as an .eml file where the banner says.
        assert f"each message kept as an .eml file in {mail}" in output
        yesterday = datetime.now(UTC).date() - timedelta(days=1)
        act = httpx.post(
            f"{base}/api/v1/reconciliation-acts",
            headers=headers,
            json={
                "client_id": clients.json()["items"][0]["id"],
                "date_from": (yesterday - timedelta(days=60)).isoformat(),
                "date_to": yesterday.isoformat(),
                "email": "buh@demo.example.ru",
            },
            timeout=10,
        )
        assert act.status_code == 201, act.text
        kept = wait_for(lambda: list(mail.glob("*.eml")), timeout=90, what="the act's e-mail as an .eml file")
        assert b"X-Envelope-To: buh@demo.example.ru" in kept[0].read_bytes()

        # The demo mailbox (a local dovecot, where it is installed): its letter is an order «почта».
        if devimap.available():
            assert re.search(
                r"Mailbox: +shared@pomoshnik\.local / mailbox-demo on IMAP 127\.0\.0\.1:\d+", output
            )
            mailed = wait_for(
                lambda: [
                    o
                    for o in httpx.get(f"{base}/api/v1/orders", headers=headers, timeout=5).json()["items"]
                    if o["channel"] == "mailbox"
                ],
                timeout=90,
                what="the demo letter's order",
            )
            assert mailed[0]["status"] == "needs_clarification"
            assert mailed[0]["client_id"] is not None
        else:
            assert "Mailbox:   not read: install dovecot-imapd" in output
    finally:
        rest, _ = _stop(process, signal.SIGINT, "`pomoshnik dev` did not stop on Ctrl-C")
    assert "stopped" in rest
    assert process.returncode == 0


def _amocrm_orders(base: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = httpx.get(f"{base}/api/v1/orders", headers=headers, timeout=5).json()[
        "items"
    ]
    return [o for o in items if o["channel"] == "amocrm"]


def _read_until(process: subprocess.Popen[str], text: str, seconds: float) -> str:
    """What the process writes until a line with ``text`` (or ``seconds`` pass: then fail)."""
    import selectors

    assert process.stdout is not None
    said = ""
    deadline = time.monotonic() + seconds
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while text not in said:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(timeout=left):
                pytest.fail(f"waited {seconds:.0f} s for {text!r}; it said:\n{said}")
            line = process.stdout.readline()
            if not line:
                pytest.fail(f"it ended before saying {text!r}:\n{said}")
            said += line
    return said


def _workers(parent: psutil.Process) -> list[psutil.Process]:
    """The serving children of `pomoshnik serve` (not multiprocessing's resource tracker)."""
    return [p for p in parent.children() if "resource_tracker" not in " ".join(p.cmdline())]


def test_serve_spreads_connections_over_its_workers_and_replaces_a_dead_one(
    tmp_path: Path, migrated_sqlite: Path
) -> None:
    port = free_port()
    env = _env(tmp_path)
    copy_sqlite(migrated_sqlite, tmp_path / "cli.sqlite3")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    parent = psutil.Process(process.pid)
    base = f"http://127.0.0.1:{port}"

    def serving(count: int) -> bool:
        if len(_workers(parent)) != count:
            return False
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(lambda: serving(2), timeout=90, what="two workers serving")
        time.sleep(1)  # the second worker's socket may join a moment after the first answers
        # Sixteen clients, each on its own connection: each worker's socket takes some of them
        # (with one shared socket, uvloop's accept gives nearly all to one worker).
        clients = [httpx.Client(base_url=base, timeout=5) for _ in range(16)]
        try:
            for client in clients:
                assert client.get("/healthz").status_code == 200
            held = {
                worker.pid: sum(
                    1
                    for c in worker.net_connections("tcp")
                    if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port
                )
                for worker in _workers(parent)
            }
        finally:
            for client in clients:
                client.close()
        assert len(held) == 2, held
        assert all(held.values()), held
        assert sum(held.values()) == 16, held

        # A worker that dies is replaced; the port keeps answering.
        victim = _workers(parent)[0]
        victim.kill()
        victim.wait(10)
        wait_for(
            lambda: serving(2) and victim.pid not in {w.pid for w in _workers(parent)},
            timeout=90,
            what="a new worker in place of the dead one",
        )
    finally:
        _, err = _stop(process, signal.SIGTERM, "`pomoshnik serve` did not stop on SIGTERM")
    assert process.returncode == 0, err.decode(errors="replace")
    assert "starting another" in err.decode(errors="replace")


def test_serve_stops_when_its_workers_cannot_listen(tmp_path: Path) -> None:
    """A taken port is a failed start: the supervisor exits with an error, it does not respawn.
    (The supervisor is called without the CLI around it, which the test above goes through: each
    spawned worker imports its parent's main module, and the CLI's imports the whole app.)"""
    env = _env(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = f"import sys; from app.serve import serve; sys.exit(serve('127.0.0.1', {port}, 2))"
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=90
        )
    assert done.returncode == 1, done.stderr
    assert "cannot listen" in done.stderr


def test_serve_without_reuseport_keeps_the_worker_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the system has no SO_REUSEPORT, uvicorn's own supervisor runs the workers asked for."""
    import uvicorn

    from app import serve as serving

    ran: dict[str, Any] = {}
    monkeypatch.delattr(serving.socket, "SO_REUSEPORT")
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.update(options, app=app))
    assert serving.serve("127.0.0.1", 8000, 3) == 0
    assert (ran["app"], ran["workers"], ran["factory"]) == (serving.APP, 3, True)


def test_a_stack_whose_api_cannot_start_ends_the_wait_at_once_with_the_api_log(tmp_path: Path) -> None:
    """`serve` with a bad setting exits at its start: the wait for its answer ends then (it does
    not poll for the whole minute) and says why, with what the process wrote."""
    stack = Stack(env=_env(tmp_path, APP_DB__POOL_SIZE="0"), logs=tmp_path)
    stack.spawn_api()
    with pytest.raises(AssertionError) as failed:
        stack.wait_for_api()
    said = str(failed.value)
    assert "the API exited with status 2 before it answered" in said, said
    assert "APP_DB__POOL_SIZE: Input should be greater than or equal to 1" in said, said  # its own log
    assert stack.api is None
