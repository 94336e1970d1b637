"""The CLI run in this process, through its own entry, with the environment given (as the program
reads it). tests/test_cli.py starts the real program where the process matters (the output streams,
signals, servers); elsewhere a new interpreter per command would spend seconds importing the
application each time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from typer.testing import CliRunner

from app.commands import cli
from app.core.config import get_settings


@dataclass
class Ran:
    returncode: int
    stderr: str


@pytest.fixture
def pomoshnik(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Ran]]:
    """Run `pomoshnik ARGS` in process with the environment given (as the program reads it)."""

    def run(env: dict[str, str], *args: str) -> Ran:
        for key, value in env.items():
            if key.startswith("APP_"):
                monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        result = CliRunner().invoke(cli, list(args))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Ran(result.exit_code, result.stderr)

    yield run
    get_settings.cache_clear()
