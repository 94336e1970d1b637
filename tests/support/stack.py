"""The service as deployed, for fault tests: the API (`pomoshnik serve`) and the worker (`pomoshnik
worker`) as real processes on their own PostgreSQL database and Redis, started and killed at will."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def wait_for(check: Callable[[], Any], *, timeout: float, what: str, every: float = 0.2) -> Any:
    """Poll ``check`` until it returns a truthy value; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except (httpx.TransportError, OSError) as exc:
            last = exc
        else:
            if result:
                return result
            last = result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; last: {last!r}")


class ApiExited(AssertionError):
    """The API's process ended while it was waited for; the message carries its log."""


@dataclass
class Stack:
    env: dict[str, str]
    logs: Path
    port: int = field(default_factory=free_port)
    api: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    token: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "app.cli", *args],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start_api(self) -> None:
        self.spawn_api()
        self.wait_for_api()

    def spawn_api(self) -> None:
        """The API's process, started without waiting: it imports the app (seconds of CPU) while
        the caller prepares its database, which the API does not touch until its first request."""
        self.api = self._spawn("api", "serve", "--port", str(self.port))

    def wait_for_api(self, *, timeout: float = 120) -> None:
        """Until the API answers; a process that never does is stopped, not left running, and one
        that exits ends the wait at once with its log (a bad setting is not waited out). The
        bound is only for a process that hangs: four of them importing the application at once
        on a busy two-core machine have taken more than a minute."""
        api = self.api
        assert api is not None, "spawn_api first"

        def answers() -> bool:
            if (code := api.poll()) is not None:
                raise ApiExited(f"the API exited with status {code} before it answered:\n{self.log('api')}")
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200

        try:
            wait_for(answers, timeout=timeout, what=f"the API to start:\n{self.log('api')}")
        except BaseException:
            self.stop()
            raise

    def start_worker(self) -> None:
        self.worker = self._spawn("worker", "worker")

    def kill_worker(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost machine would: no shutdown code runs."""
        assert self.worker is not None
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=10)
        self.worker = None

    def stop(self) -> None:
        for process in (self.worker, self.api):
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.api = self.worker = None

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", headers=self.headers, timeout=10, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", headers=self.headers, timeout=10, **kwargs)
