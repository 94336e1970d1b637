"""Where documents are rendered: off the event loop, on threads of their own, so the default thread
pool stays free for the short things (files, passwords).

WeasyPrint holds a whole document's layout until its PDF is written (a 500-line act: some 30-40 MB
on top of the process), and what it frees goes back to the C allocator, not to the system. So:

- ordinary documents render two at a time (``render``): a letter does not wait behind another;
- documents that grow with their data, such as a year's reconciliation act, render one at a time
  on a lane of their own (``render_large``), so two of them never lay out at once; after each, the
  layout's reference cycles are collected and the allocator's free memory is handed back to the
  system (``malloc_trim``; glibc only, elsewhere nothing is done). Ten jobs wanting an act queue
  here instead of holding ten layouts. Two threads would not make a batch faster anyway: the
  layout is Python and holds the GIL.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache, partial
from typing import Any, TypeVar

T = TypeVar("T")

RENDER_THREADS = 2
LARGE_RENDER_THREADS = 1
_pool = ThreadPoolExecutor(max_workers=RENDER_THREADS, thread_name_prefix="render")
_large_pool = ThreadPoolExecutor(max_workers=LARGE_RENDER_THREADS, thread_name_prefix="render-large")


async def render(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a document's render (CPU-bound, blocking) off the event loop, at most two at a time."""
    return await asyncio.get_running_loop().run_in_executor(_pool, partial(function, *args, **kwargs))


async def render_large(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run the render of a document that grows with its data one at a time, then give the memory its
    layout used back to the system."""
    return await asyncio.get_running_loop().run_in_executor(
        _large_pool, partial(_then_trim, partial(function, *args, **kwargs))
    )


def _then_trim(function: Callable[[], T]) -> T:
    try:
        return function()
    finally:
        gc.collect()  # the layout's boxes refer to each other: freed only by the collector
        release_free_memory()


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None)
    if trim is None:  # not glibc (musl has none)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim  # type: ignore[no-any-return]


def release_free_memory() -> bool:
    """Hand the allocator's free pages back to the system; False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
