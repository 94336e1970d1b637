"""What document views share: a view is kept as JSON with the document it printed, so a document
sent once can be printed again exactly as it was."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any


def plain(value: Any) -> Any:
    """Decimals as strings, dates as ISO strings, containers walked: what JSON can keep exactly."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def view_json(view: Any) -> dict[str, Any]:
    """A dataclass view as plain JSON."""
    return dict(plain(asdict(view)))
