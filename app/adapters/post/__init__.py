"""Russian Post adapters: identifier validation and a tracking stub (the SOAP client needs a login)."""

from __future__ import annotations

from app.adapters.post.barcodes import (
    Barcode,
    domestic_check_digit,
    is_valid_barcode,
    normalize_barcode,
    parse_barcode,
    s10_check_digit,
    validate_barcode,
)
from app.adapters.post.stub import StubPostTracker
from app.core.config import PostSettings
from app.services.ports import PostTracker

__all__ = [
    "Barcode",
    "StubPostTracker",
    "build_post_tracker",
    "domestic_check_digit",
    "is_valid_barcode",
    "normalize_barcode",
    "parse_barcode",
    "s10_check_digit",
    "validate_barcode",
]


def build_post_tracker(settings: PostSettings) -> PostTracker:
    if settings.adapter == "stub":
        return StubPostTracker()
    raise ValueError(f"unknown Russian Post adapter {settings.adapter!r}")
