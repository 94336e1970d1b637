"""Running the API: uvicorn, in one process or in several that share the port.

With several workers, uvicorn's own supervisor binds one socket and every worker accepts from it.
uvloop's accept is not fair: whichever worker wakes first takes the connection, and under load
that is nearly always the same one (measured: 950 of 1,000 requests on 20 connections went to
one of two workers, the other idled while the first queued). Here each worker binds its own
socket with SO_REUSEPORT, and the kernel spreads new connections over the workers' sockets.

The parent only supervises: it starts the workers, starts a new one in place of a worker that
died, and on SIGTERM or SIGINT asks each to finish its requests and waits for them.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from app.core.logging import get_logger

log = get_logger("pomoshnik.serve")

APP = "app.main:create_app"
# A worker that could not start (a taken port, a bad setting, the app failing to import) exits
# with this status, uvicorn's own for a failed start: the supervisor then stops, instead of
# starting it again and again. A worker that dies later is replaced.
BOOT_FAILURE = 3
RESTART_PAUSE_SECONDS = 1.0
STOP_TIMEOUT_SECONDS = 30.0


def serve(host: str, port: int, workers: int, app: str = APP, factory: bool = True) -> int:
    """Serve ``app`` (an import string) until stopped; the exit status."""
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        import uvicorn

        # Without SO_REUSEPORT (not Linux), uvicorn's own supervisor and its one shared socket.
        uvicorn.run(app, workers=workers, **_uvicorn_options(host, port, factory))
        return 0
    _configure_logging()
    return Supervisor(host, port, workers, app, factory).run()


def _uvicorn_options(host: str, port: int, factory: bool) -> dict[str, Any]:
    from app.core.config import get_settings

    level = get_settings().log_level.lower()
    return {
        "factory": factory,
        "host": host,
        "port": port,
        "proxy_headers": True,
        "access_log": False,
        "log_level": level,
    }


def _configure_logging() -> None:
    from app.core.config import get_settings
    from app.core.logging import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket of its own for one worker, sharing the port with the others."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def run_worker(host: str, port: int, app: str, factory: bool) -> None:
    """One worker process: its own socket, one uvicorn server on it."""
    import uvicorn

    _configure_logging()
    try:
        sock = bind(host, port)
    except OSError as error:
        log.error("cannot listen", host=host, port=port, error=str(error))
        sys.exit(BOOT_FAILURE)
    config = uvicorn.Config(app, **_uvicorn_options(host, port, factory))
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(BOOT_FAILURE)


@dataclass
class Supervisor:
    host: str
    port: int
    workers: int
    app: str = APP
    factory: bool = True
    processes: list[BaseProcess] = field(default_factory=list)
    stopping: bool = False

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop)
        context = multiprocessing.get_context("spawn")
        self.processes = [self._start(context) for _ in range(self.workers)]
        log.info("serving", host=self.host, port=self.port, workers=self.workers)
        status = 0
        while not self.stopping:
            time.sleep(0.5)
            for i, process in enumerate(self.processes):
                if process.is_alive() or self.stopping:
                    continue
                if process.exitcode == BOOT_FAILURE:
                    log.error("a worker could not start; stopping", pid=process.pid)
                    self.stopping, status = True, 1
                    break
                log.warning("worker exited; starting another", pid=process.pid, exitcode=process.exitcode)
                time.sleep(RESTART_PAUSE_SECONDS)
                self.processes[i] = self._start(context)
        for process in self.processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        return status

    def _start(self, context: multiprocessing.context.SpawnContext) -> BaseProcess:
        args = (self.host, self.port, self.app, self.factory)
        process = context.Process(target=run_worker, args=args, daemon=False)
        process.start()
        return process

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
