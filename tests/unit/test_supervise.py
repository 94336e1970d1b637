"""`make run`'s children: one that keeps dying right after its start is started again after a pause
that doubles up to the cap, and after the allowed number of quick deaths everything stops."""

from __future__ import annotations

import sys
from pathlib import Path

from app.supervise import Children


def test_a_child_that_cannot_run_is_restarted_with_a_growing_pause_then_given_up(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    said: list[str] = []
    children = Children(say=said.append, first_pause=0.01, max_pause=0.04, max_restarts=4)
    script = f"open({str(starts)!r}, 'a').write('x'); raise SystemExit(3)"
    child = children.start("the worker", [sys.executable, "-c", script])
    try:
        assert children.run(lambda: False, every=0.005) == 1
    finally:
        children.stop()
    assert child.starts == 5
    assert starts.read_text() == "x" * 5
    assert said == [
        "==> the worker exited with status 3; starting it again in 0.01 s",
        "==> starting the worker again",
        "==> the worker exited with status 3; starting it again in 0.02 s",
        "==> starting the worker again",
        "==> the worker exited with status 3; starting it again in 0.04 s",
        "==> starting the worker again",
        "==> the worker exited with status 3; starting it again in 0.04 s",
        "==> starting the worker again",
        "==> the worker exited with status 3 5 times in a row; giving up",
    ]


def test_a_child_that_dies_once_is_started_again_and_left_running(tmp_path: Path) -> None:
    marker = tmp_path / "died"
    said: list[str] = []
    children = Children(say=said.append, first_pause=0.01)
    script = (
        "import pathlib, time\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "if not marker.exists():\n"
        "    marker.touch()\n"
        "    raise SystemExit(1)\n"
        "time.sleep(60)\n"
    )
    child = children.start("the API", [sys.executable, "-c", script])
    try:
        status = children.run(lambda: child.starts == 2, every=0.005)
        assert child.process is not None
        assert child.process.poll() is None  # the second one runs
    finally:
        children.stop()
    assert status == 0
    assert said == [
        "==> the API exited with status 1; starting it again in 0.01 s",
        "==> starting the API again",
    ]
