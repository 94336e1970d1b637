"""Where documents are rendered: in worker processes of their own, one render per process at a time.

WeasyPrint, Pango and fontconfig are not thread-safe: two renders at once in one process can corrupt
fontconfig's state and take the whole process down (a general protection fault in
libfontconfig.so, seen with two proposals rendered at once on two threads). So every render runs in
a small pool of warm processes (``Renderer``), and a process lays out one document at a time:

- the processes are forked from a server that has already imported WeasyPrint and the document
  modules and laid out a one-line document (``forkserver``: no thread of ours is ever forked;
  ``documents.warmup``), so they start with fonts, Pango and the stylesheets loaded, in pages shared
  with the server; each still lays out that line before its first render (where there is no fork
  server, it is where they are loaded);
- a process is replaced after ``RENDERS_PER_PROCESS`` renders: what WeasyPrint frees goes back to
  the C allocator, not to the system, and a new process gives all of it back;
- documents that grow with their data, such as a year's reconciliation act (a 500-line act holds
  some 30-40 MB of layout until its PDF is written), render one at a time (``render_large``), so two
  of them never lay out at once, and after each the process collects the layout's reference cycles
  and hands the allocator's free memory back to the system (``malloc_trim``; glibc only);
- a process that dies in a render (a signal, a fault in a C library) fails that render with
  ``RendererCrashed`` (a 503 problem for a request, a retry for a job) and the pool is built again
  for the next render: the API and the worker stay up.

What crosses to a process is pickled: a render function is a module-level function, its arguments
plain views and the bytes of the pictures it may fetch (the URL fetchers are built in the process).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache
from typing import Any, TypeVar

from app.core.errors import Unavailable
from app.core.logging import get_logger
from app.services.kernel import fork_server

T = TypeVar("T")
log = get_logger(__name__)

RENDER_PROCESSES = 2
RENDERS_PER_PROCESS = 100
SHUTDOWN_GRACE_SECONDS = 3.0
# Imported once by the fork server, so that a new render process starts with them loaded.
PRELOAD = (
    "app.services.documents.collection",
    "app.services.documents.daily_report",
    "app.services.documents.invoice",
    "app.services.documents.proposal",
    "app.services.documents.reconciliation",
    "app.services.documents.spec",
    "app.services.documents.statistics",
    "app.services.documents.warehouse_check",
    "app.services.documents.warmup",  # last: lays out a document in the server (see there)
)

Call = Callable[[Callable[..., Any], tuple[Any, ...], Mapping[str, Any]], Any]


# What a request told of a crashed render is told to wait: the pool is being built again.
RETRY_AFTER_SECONDS = 1


class RendererCrashed(Unavailable):
    code = "renderer_crashed"
    title = "The document renderer is unavailable"


def run_render(function: Callable[..., T], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> T:
    """What a render process runs for each document: the render function itself."""
    return function(*args, **kwargs)


def _start() -> None:
    """Each render process, before its first render: bound to the life of the process it renders
    for, then fonts, Pango and the stylesheets loaded."""
    _exit_with_parent()
    from app.services.documents.invoice import html_to_pdf

    html_to_pdf('<p lang="ru">Прогрев</p>')


def _exit_with_parent() -> None:
    """A render process waits for work on a queue it also holds the writing end of, and holds the
    fork server's end too: were the process it renders for killed (no shutdown), it would wait
    forever and keep the fork server alive. So a thread of its own, which touches nothing else,
    ends it when that process is gone."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="render-parent-watch", daemon=True).start()


def _ready() -> bool:
    return True


def _then_trim(call: Call, function: Callable[..., T], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> T:
    try:
        result: T = call(function, args, kwargs)
        return result
    finally:
        gc.collect()  # the layout's boxes refer to each other: freed only by the collector
        release_free_memory()


fork_server.preload(*PRELOAD)


def _context() -> Any:
    return fork_server.context() or multiprocessing.get_context("spawn")


class Renderer:
    """A warm pool of render processes, built again after a crash; ``shutdown`` stops them.

    ``call`` is what a process runs for each render (``run_render``); it is a module-level function,
    since it is pickled to the process."""

    def __init__(
        self,
        processes: int = RENDER_PROCESSES,
        renders_per_process: int | None = RENDERS_PER_PROCESS,
        call: Call = run_render,
    ) -> None:
        self.processes = processes
        self.renders_per_process = renders_per_process
        self.call = call
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        # One large document at a time; a semaphore belongs to its event loop, so one per loop.
        self._large_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=_context(),
                    initializer=_start,
                    max_tasks_per_child=self.renders_per_process,
                )
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def start(self) -> None:
        """Start the processes now (they warm up in the background) instead of at the first render."""
        pool = self._executor()
        for _ in range(self.processes):
            pool.submit(_ready)  # each submit while none is idle starts one more process

    async def _run(self, call: Callable[..., T], *args: Any) -> T:
        pool = self._executor()
        try:
            result: T = await asyncio.wrap_future(pool.submit(call, *args))
            return result
        except BrokenProcessPool as exc:
            self._discard(pool)
            log.error("render.crashed", error=str(exc))
            raise RendererCrashed(
                "the document renderer stopped while making this document and has been restarted; try again",
                retry_after=RETRY_AFTER_SECONDS,
            ) from exc

    async def render(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)`` in a render process: a document's bytes."""
        return await self._run(self.call, function, args, kwargs)

    async def render_large(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A document that grows with its data: one at a time, then its memory given back."""
        loop = asyncio.get_running_loop()
        gate = self._large_gates.get(loop)
        if gate is None:
            gate = self._large_gates[loop] = asyncio.Semaphore(1)
        async with gate:
            return await self._run(_then_trim, self.call, function, args, kwargs)

    def pids(self) -> list[int]:
        """The render processes running now."""
        pool = self._pool
        if pool is None:
            return []
        processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
        return [pid for pid, process in list(processes.items()) if process.is_alive()]

    def shutdown(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Stop the processes; a later render starts them again. Called when the API or the worker
        stops, after its requests and jobs are done: what may still run then is a warm-up, so a
        process gets ``grace`` seconds to finish and is then killed, and a stop under load never
        waits on WeasyPrint being loaded."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + grace
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():
                log.warning("render.killed_at_shutdown", pid=process.pid)
                process.kill()
                process.join(1)


_default: Renderer | None = None
_default_lock = threading.Lock()


def default_renderer() -> Renderer:
    """The process's renderer, shared by the app, the worker and the services built without one."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Renderer()
        return _default


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
