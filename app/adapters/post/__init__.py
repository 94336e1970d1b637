"""Russian Post adapters: identifier validation, its tracking service (SOAP) and a tracking stub."""

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
from app.adapters.post.tracking import RussianPostTracker
from app.core.clock import Clock
from app.core.config import PostSettings
from app.services.kernel.ports import PostTracker

__all__ = [
    "Barcode",
    "RussianPostTracker",
    "StubPostTracker",
    "build_post_tracker",
    "domestic_check_digit",
    "is_valid_barcode",
    "normalize_barcode",
    "parse_barcode",
    "s10_check_digit",
    "validate_barcode",
]


def build_post_tracker(settings: PostSettings, clock: Clock | None = None) -> PostTracker:
    if settings.adapter == "stub":
        return StubPostTracker(clock=clock)
    if settings.adapter == "russianpost":
        return RussianPostTracker(settings)
    raise ValueError(f"unknown Russian Post adapter {settings.adapter!r}")
