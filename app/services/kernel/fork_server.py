"""multiprocessing's fork server, one per process and shared by whatever starts processes from it:
the document renderers and the mailbox's reading process.

It starts once, with the modules it was asked to preload by then, and a process it forks finds those
loaded. So each of its users names its modules when it is imported (``preload``), before any process
is started, and ``context`` gives them all to the server: whichever user starts it first, every
user's processes find their modules loaded (otherwise the first to start it decided for both).
"""

from __future__ import annotations

import multiprocessing
from typing import Any

_modules: list[str] = []


def preload(*modules: str) -> None:
    """Ask the fork server to load ``modules`` before it forks (in the order asked)."""
    _modules.extend(m for m in modules if m not in _modules)


def preloaded() -> list[str]:
    """The modules asked for so far."""
    return list(_modules)


def context() -> Any | None:
    """The fork server's context with every module asked for; None where there is no fork server."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    found = multiprocessing.get_context("forkserver")
    found.set_forkserver_preload(preloaded())
    return found
