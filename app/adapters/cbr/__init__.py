"""The Bank of Russia: the DailyInfo web service client for the key rate, and a stub."""

from __future__ import annotations

from app.adapters.cbr.client import CbrKeyRates, parse_key_rates
from app.adapters.cbr.stub import StubKeyRates
from app.core.config import KeyRateSettings
from app.services.kernel.ports import KeyRateSource

__all__ = ["CbrKeyRates", "StubKeyRates", "build_key_rate_source", "parse_key_rates"]


def build_key_rate_source(settings: KeyRateSettings) -> KeyRateSource:
    """The key-rate adapter the settings name; the HTTP client owns a connection pool: close it with
    ``await source.aclose()`` on shutdown."""
    if settings.adapter == "stub":
        return StubKeyRates()
    if settings.adapter == "cbr":
        return CbrKeyRates(settings)
    raise ValueError(f"unknown key-rate adapter {settings.adapter!r}")
