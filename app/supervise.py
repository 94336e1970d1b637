"""The processes `pomoshnik dev` (`make run`) starts, kept running.

A child that dies is started again, and that is said: after a pause that doubles with each quick
death in a row (``first_pause``, twice that, … at most ``max_pause``). A child that dies
``max_restarts`` times in a row, each within ``steady_after`` seconds of its start, cannot run (a
taken port, a broken setting): then everything stops, with status 1, instead of a loop.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Child:
    name: str
    argv: Sequence[str]
    options: dict[str, Any] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    quick_deaths: int = 0
    restart_at: float | None = None
    starts: int = 0


@dataclass
class Children:
    say: Callable[[str], None]
    first_pause: float = 1.0
    max_pause: float = 30.0
    max_restarts: int = 5
    steady_after: float = 60.0
    children: list[Child] = field(default_factory=list)

    def start(self, name: str, argv: Sequence[str], **options: Any) -> Child:
        child = Child(name, list(argv), options)
        self._spawn(child)
        self.children.append(child)
        return child

    def _spawn(self, child: Child) -> None:
        child.process = subprocess.Popen(list(child.argv), **child.options)  # noqa: S603 (our own argv)
        child.started_at = time.monotonic()
        child.restart_at = None
        child.starts += 1

    def check(self) -> bool:
        """One look at every child: restart what died and is due. False when one cannot run."""
        now = time.monotonic()
        for child in self.children:
            process = child.process
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self.say(f"==> starting {child.name} again")
                    self._spawn(child)
                continue
            if process is None or process.poll() is None:
                continue
            if now - child.started_at >= self.steady_after:
                child.quick_deaths = 0
            child.quick_deaths += 1
            if child.quick_deaths > self.max_restarts:
                self.say(
                    f"==> {child.name} exited with status {process.returncode} {child.quick_deaths} times in "
                    f"a row; giving up"
                )
                return False
            pause = min(self.max_pause, self.first_pause * 2 ** (child.quick_deaths - 1))
            self.say(
                f"==> {child.name} exited with status {process.returncode}; starting it again in {pause:g} s"
            )
            child.restart_at = now + pause
        return True

    def run(self, stopping: Callable[[], bool], every: float = 0.3) -> int:
        """Watch the children until ``stopping()`` says so (0) or one cannot run (1)."""
        while not stopping():
            if not self.check():
                return 1
            time.sleep(every)
        return 0

    def stop(self, timeout: float = 10.0) -> None:
        for child in reversed(self.children):
            if child.process is not None and child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        for child in reversed(self.children):
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
