"""Document renders run at most two at a time, large ones one at a time, off the event loop,
whoever asks."""

from __future__ import annotations

import asyncio
import sys
import threading
import time

import pytest

from app.services.documents.rendering import RENDER_THREADS, release_free_memory, render, render_large


async def test_renders_wait_their_turn_instead_of_all_laying_out_at_once() -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def layout(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return n * 2

    ticks = 0

    async def loop_stays_free() -> None:
        nonlocal ticks
        for _ in range(10):
            await asyncio.sleep(0.01)
            ticks += 1

    results, _ = await asyncio.gather(
        asyncio.gather(*[render(layout, n) for n in range(8)]), loop_stays_free()
    )
    assert results == [n * 2 for n in range(8)]
    assert most == RENDER_THREADS == 2
    assert ticks == 10  # the event loop kept running while the documents were laid out


async def test_large_documents_lay_out_one_at_a_time_beside_the_others() -> None:
    running: dict[str, int] = {"large": 0, "other": 0}
    most: dict[str, int] = {"large": 0, "other": 0}
    lock = threading.Lock()

    def layout(kind: str) -> str:
        with lock:
            running[kind] += 1
            most[kind] = max(most[kind], running[kind])
        time.sleep(0.03)
        with lock:
            running[kind] -= 1
        return kind

    done = await asyncio.gather(
        *[render_large(layout, "large") for _ in range(4)], *[render(layout, "other") for _ in range(4)]
    )
    assert done == ["large"] * 4 + ["other"] * 4
    assert most == {"large": 1, "other": 2}


async def test_a_failed_large_render_still_reaches_its_caller() -> None:
    def broken() -> None:
        raise ValueError("bad view")

    with pytest.raises(ValueError, match="bad view"):
        await render_large(broken)


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
