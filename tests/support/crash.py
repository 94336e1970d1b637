"""Render calls that kill their render process, as a fault in fontconfig would. A module of its own
with nothing heavy to import: each new render process imports it to unpickle the call."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Mapping
from typing import Any


def segfault(function: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
    """A render process's call that dies of a segmentation fault instead of rendering."""
    os.kill(os.getpid(), signal.SIGSEGV)


def crash_once(flag: str) -> int:
    """Dies of a segmentation fault the first time (while ``flag`` exists), then answers its pid."""
    if os.path.exists(flag):
        os.unlink(flag)
        os.kill(os.getpid(), signal.SIGSEGV)
    return os.getpid()


def hang(started: str) -> None:
    """Says it has started (the file ``started`` appears), then never returns: a render stuck in a
    C library."""
    with open(started, "w") as mark:
        mark.write(str(os.getpid()))
    signal.pause()
