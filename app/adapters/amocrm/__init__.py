"""amoCRM adapters: the API v4 client, an in-memory stub, and the webhook form parser."""

from __future__ import annotations

from app.adapters.amocrm.client import AmoCrmClient, RateLimiter
from app.adapters.amocrm.stub import StubCrm
from app.adapters.amocrm.webhook import LeadEvent, WebhookDelivery, parse_webhook_form
from app.core.config import AmoCrmSettings
from app.services.kernel.ports import Crm

__all__ = [
    "AmoCrmClient",
    "LeadEvent",
    "RateLimiter",
    "StubCrm",
    "WebhookDelivery",
    "build_crm",
    "parse_webhook_form",
]


def build_crm(settings: AmoCrmSettings) -> Crm:
    """The amoCRM adapter the settings name. The HTTP client owns a connection pool: build it once
    per process and close it with ``await crm.aclose()`` on shutdown."""
    if settings.adapter == "stub":
        return StubCrm()
    if settings.adapter == "http":
        return AmoCrmClient(settings)
    raise ValueError(f"unknown amoCRM adapter {settings.adapter!r}")
