"""The API's contract, one line per declared response: what a change to the routes must keep.

Each operation of an OpenAPI document gives a line per response it declares: the method and path,
the operationId, the status, and the response's schemas by media type (a `$ref` by its name). Two
listings differ only where an operationId, a declared status or a schema changed, so a refactoring
of the routes that should change nothing is checked by comparing the listing before and after::

    python -m tests.support.operations > /tmp/before.txt          # openapi/openapi.json
    python -m tests.support.operations --app > /tmp/after.txt     # built from the app
    python -m tests.support.operations --against /tmp/before.txt  # what was lost or added

With ``--against`` it prints the lines only in the old listing (``-``, lost) and only in the new one
(``+``), and exits 1 if any was lost.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

OPENAPI_FILE = Path(__file__).parents[2] / "openapi" / "openapi.json"


def _schema(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref.rsplit("/", 1)[-1]
    return json.dumps(schema, sort_keys=True, ensure_ascii=False)


def listing(document: dict[str, Any]) -> list[str]:
    """One sorted line per (operation, declared response)."""
    lines = []
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            operation_id = operation.get("operationId", "-")
            for status, response in operation.get("responses", {}).items():
                content = response.get("content") or {}
                schemas = " ".join(
                    f"{media}={_schema(body.get('schema', {}))}" for media, body in sorted(content.items())
                )
                lines.append(f"{method.upper()} {path} {operation_id} {status} {schemas}".rstrip())
    return sorted(lines)


def _current(from_app: bool) -> dict[str, Any]:
    if not from_app:
        document: dict[str, Any] = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
        return document
    from app.core.config import Settings
    from app.main import create_app

    return create_app(Settings()).openapi()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", action="store_true", help="build the document from the app")
    parser.add_argument("--against", type=Path, help="a listing saved before, to compare with")
    args = parser.parse_args(argv)
    lines = listing(_current(args.app))
    if args.against is None:
        sys.stdout.write("".join(f"{line}\n" for line in lines))
        return 0
    before = set(args.against.read_text(encoding="utf-8").splitlines())
    lost = sorted(before - set(lines))
    added = sorted(set(lines) - before)
    sys.stdout.write("".join(f"- {line}\n" for line in lost) + "".join(f"+ {line}\n" for line in added))
    return 1 if lost else 0


if __name__ == "__main__":
    raise SystemExit(main())
