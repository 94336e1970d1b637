"""Storage keys: relative paths of safe characters, the same rule for every backend."""

from __future__ import annotations

import re

_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}(/[A-Za-z0-9][A-Za-z0-9._-]{0,127}){0,7}")


def check_key(key: str) -> str:
    """The key itself, or ValueError: no absolute paths, no ``..``, no empty parts, no odd characters."""
    if len(key) > 512 or not _KEY.fullmatch(key) or any(part in {".", ".."} for part in key.split("/")):
        raise ValueError(f"not a storage key: {key!r}")
    return key
