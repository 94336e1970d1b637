"""What the webhooks keep of a delivery they refuse, and how many they take from one address.

The webhooks answer anyone who knows their URL, so a refusal (a wrong secret or account, a wrong
content type, a malformed body) must not let an anonymous caller grow the database: a refused
delivery keeps only the beginning of its body and its length, one source address has only so many
refusals kept per window (beyond them it is answered 429 and nothing is stored), and the sweep
deletes refusals past their keeping time.

The count is read from the deliveries themselves, in the database every API process shares, not
from Redis: it holds across processes and keeps working while Redis is down. Parallel refusals from
one address may each see the count just under the limit, so it can be passed by at most the number
of requests in flight, each of them a bounded excerpt. Accepted deliveries are never limited:
amoCRM and Telegram send from addresses shared by all their customers, and a stranger's misdirected
hook must not stop ours."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import delete, func, select

from app.core.config import WebhookSettings
from app.core.errors import TooManyRequests
from app.core.logging import get_logger
from app.models.orders import DeliveryStatus, WebhookDelivery
from app.services.kernel.common import storable
from app.services.kernel.unit_of_work import UnitOfWork

log = get_logger(__name__)

REASON_CHARS = 500


class RefusedDeliveries:
    def __init__(self, uow: UnitOfWork, settings: WebhookSettings) -> None:
        self.uow = uow
        self.settings = settings

    def excerpt(self, body: bytes) -> str:
        """The beginning of a refused body, as text every backend stores."""
        return storable(body[: self.settings.refused_excerpt_bytes].decode("utf-8", errors="replace"))

    @staticmethod
    def reason(text: str) -> str:
        # A reason may quote the body (an account id, a parser's complaint): it is bounded too.
        return storable(text[:REASON_CHARS])

    async def check_limit(self, address: str) -> None:
        """Refuse (429, nothing stored) an address that had its share of refusals in the window."""
        now = self.uow.clock.now()
        window = timedelta(seconds=self.settings.refused_window_seconds)
        limit = self.settings.refused_per_window
        recent = (
            select(WebhookDelivery.received_at)
            .where(
                WebhookDelivery.source_address == address,
                WebhookDelivery.received_at > now - window,
                WebhookDelivery.status == DeliveryStatus.REJECTED,
            )
            .order_by(WebhookDelivery.received_at.desc())
            .limit(limit)
            .subquery()
        )
        count, oldest = (
            await self.uow.session.execute(select(func.count(), func.min(recent.c.received_at)))
        ).one()
        if count < limit or oldest is None:
            return
        # The address is under the limit again when the oldest of the last `limit` leaves the window.
        wait = math.ceil((oldest + window - now).total_seconds())
        log.info("webhook.refusals_limited", address=address, retry_after=wait)
        raise TooManyRequests(
            f"too many refused deliveries from {address}; try again in {max(wait, 1)} s", retry_after=wait
        )

    async def prune(self, batch: int) -> int:
        """Delete refused deliveries past their keeping time (at most ``batch`` at a time)."""
        cutoff = self.uow.clock.now() - timedelta(days=self.settings.refused_keep_days)
        old = (
            select(WebhookDelivery.id)
            .where(WebhookDelivery.status == DeliveryStatus.REJECTED, WebhookDelivery.received_at < cutoff)
            .order_by(WebhookDelivery.id)
            .limit(batch)
        )
        ids = list((await self.uow.session.scalars(old)).all())
        if ids:
            await self.uow.session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
        return len(ids)
