"""Documents render in processes of their own, one render per process at a time: a process that
crashes fails its render with a 503-kind error and the pool is built again; processes are
replaced after a number of renders and stopped on shutdown."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services.documents.invoice import html_to_pdf
from app.services.kernel.rendering import Renderer, RendererCrashed, release_free_memory
from tests.support.crash import crash_once, hang, segfault
from tests.support.pdf import pdf_text
from tests.support.stack import wait_for

# Render functions run in another process: module-level, so that they can be pickled.


def broken() -> None:
    raise ValueError("bad view")


@pytest.fixture
def renderer() -> Iterator[Renderer]:
    made = Renderer(processes=2)
    yield made
    made.shutdown()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_many_documents_at_once_each_made_whole_in_a_render_process(renderer: Renderer) -> None:
    pages = [f'<p lang="ru">Документ номер {n}</p>' for n in range(12)]
    pdfs = await asyncio.gather(*[renderer.render(html_to_pdf, page) for page in pages])
    assert [pdf_text(pdf).strip() for pdf in pdfs] == [f"Документ номер {n}" for n in range(12)]
    pids = await asyncio.gather(*[renderer.render(os.getpid) for _ in range(6)])
    assert os.getpid() not in pids
    assert set(pids) <= set(renderer.pids())
    assert len(renderer.pids()) == 2


async def test_a_render_process_that_dies_fails_its_render_and_is_replaced(
    renderer: Renderer, tmp_path: Path
) -> None:
    flag = tmp_path / "crash"
    flag.touch()
    with pytest.raises(RendererCrashed) as crashed:
        await renderer.render(crash_once, str(flag))
    assert crashed.value.code == "renderer_crashed"
    # The pool was built again: the next render succeeds in a new process.
    pid = await renderer.render(crash_once, str(flag))
    assert pid != os.getpid()
    assert pid in renderer.pids()
    letter = await renderer.render(html_to_pdf, "<p>После сбоя</p>")
    assert "После сбоя" in pdf_text(letter)


async def test_a_renderer_whose_processes_always_crash_answers_each_render_with_the_error() -> None:
    crashing = Renderer(processes=1, call=segfault)
    try:
        for _ in range(2):
            with pytest.raises(RendererCrashed):
                await crashing.render(html_to_pdf, "<p>x</p>")
    finally:
        crashing.shutdown()


async def test_a_process_is_replaced_after_its_share_of_renders() -> None:
    recycled = Renderer(processes=1, renders_per_process=2)
    try:
        first, second, third = [await recycled.render(os.getpid) for _ in range(3)]
    finally:
        recycled.shutdown()
    assert first == second != third


async def test_shutdown_stops_every_render_process(renderer: Renderer) -> None:
    await asyncio.gather(*[renderer.render(os.getpid) for _ in range(4)])
    pids = renderer.pids()
    assert pids
    renderer.shutdown()
    assert renderer.pids() == []
    assert not any(alive(pid) for pid in pids)


async def test_shutdown_does_not_wait_for_a_render_that_never_ends(tmp_path: Path) -> None:
    """A stop of the API or the worker is not held by a render process that hangs (or is still
    loading WeasyPrint on a busy machine): it gets its grace, then it is killed."""
    stuck = Renderer(processes=1)
    started = tmp_path / "started"
    render = asyncio.ensure_future(stuck.render(hang, str(started)))
    await asyncio.to_thread(wait_for, started.exists, timeout=60, what="the render to start")
    pid = int(started.read_text())
    await asyncio.to_thread(stuck.shutdown, 0.2)
    assert not alive(pid)
    with pytest.raises(RendererCrashed):
        await render


def test_render_processes_end_with_the_process_they_render_for_even_when_it_is_killed() -> None:
    """No stray processes: a killed app (no shutdown, no exit handlers) takes its render processes
    and their fork server with it."""
    import subprocess

    probe = (
        "import asyncio, os, sys\n"
        "from app.services.kernel.rendering import Renderer\n"
        "async def main():\n"
        "    renderer = Renderer(processes=2)\n"
        "    await asyncio.gather(*[renderer.render(os.getpid) for _ in range(4)])\n"
        "    print(*renderer.pids(), flush=True)\n"
        "    sys.stdin.read()\n"
        "asyncio.run(main())\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", probe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as app:
        try:
            assert app.stdout is not None
            pids = [int(pid) for pid in app.stdout.readline().split()]
            assert len(pids) == 2
            assert all(alive(pid) for pid in pids)
        finally:
            app.kill()
    deadline = time.monotonic() + 60
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in pids)


async def test_a_failed_large_render_still_reaches_its_caller(renderer: Renderer) -> None:
    with pytest.raises(ValueError, match="bad view"):
        await renderer.render_large(broken)
    rows = "".join(f"<tr><td>Строка {n}</td></tr>" for n in range(1, 301))
    act = await renderer.render_large(html_to_pdf, f"<table>{rows}</table>")
    assert "Строка 300" in pdf_text(act)


def test_free_memory_goes_back_to_the_system_on_glibc() -> None:
    import platform

    assert release_free_memory() is (platform.libc_ver()[0] == "glibc")


def test_the_service_starts_without_the_chart_and_spreadsheet_libraries() -> None:
    """matplotlib and openpyxl (with numpy under them) load only when a chart or a sheet is made."""
    import subprocess

    probe = (
        "import sys; from app.main import create_app; from app.core.config import Settings; "
        "create_app(Settings()); "
        "print(sorted(m for m in ('matplotlib', 'numpy', 'openpyxl') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
