"""Where documents are rendered: WeasyPrint lays out a long document in hundreds of megabytes and
keeps much of it after, so renders run on a small pool of their own threads. Ten jobs wanting a
500-line act at once wait their turn instead of holding ten layouts in memory at the same time, and
the default thread pool stays free for the short things (files, passwords)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")

RENDER_THREADS = 2
_pool = ThreadPoolExecutor(max_workers=RENDER_THREADS, thread_name_prefix="render")


async def render(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a document's render (CPU-bound, blocking) off the event loop, at most two at a time."""
    return await asyncio.get_running_loop().run_in_executor(_pool, partial(function, *args, **kwargs))
