"""The command line's entry module stays small: processes that multiprocessing starts from a fork
server or by spawning (the document renderers, the mailbox's reading process) import their parent's
main module again, `app.cli` when the API or the worker was started with `python -m app.cli`."""

from __future__ import annotations

import json
import subprocess
import sys


def test_importing_the_entry_module_loads_none_of_the_application() -> None:
    code = "import sys, json, app.cli; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = set(json.loads(done.stdout))
    assert "app.cli" in loaded
    assert not {m for m in loaded if m.startswith("app.") and m != "app.cli"}
    assert not loaded & {"sqlalchemy", "typer", "fastapi", "pydantic", "weasyprint"}
