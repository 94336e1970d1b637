"""The document renderers and the mailbox's reading process share multiprocessing's one fork server,
which preloads only what it was asked for when it started: both ask when they are imported."""

from __future__ import annotations

import json
import subprocess
import sys


def test_the_fork_server_preloads_what_the_renderers_and_the_mailbox_reader_ask_for() -> None:
    code = (
        "import json, multiprocessing.forkserver as fs;"
        "import app.services.mailbox.reader, app.services.kernel.rendering as r;"
        "from app.services.kernel import fork_server;"
        "fork_server.context();"
        "print(json.dumps([fs._forkserver._preload_modules, list(r.PRELOAD)]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    given, rendering = json.loads(done.stdout)
    assert set(rendering) <= set(given)
    assert "app.services.mailbox.parsing" in given
