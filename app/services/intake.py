"""Orders from amoCRM: the webhook delivery is stored first and answered at once; a job then reads
each lead through the amoCRM API and makes the order (never two for one lead)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qsl

from sqlalchemy import select, update

from app.adapters.amocrm.webhook import parse_webhook_form
from app.core.config import AmoCrmSettings
from app.core.security import constant_time_equals
from app.models.clients import Client
from app.models.orders import DeliveryStatus, OrderChannel, WebhookDelivery
from app.schemas.orders import OrderCreate
from app.services.orders import OrderService
from app.services.ports import CrmLead, Erp
from app.services.unit_of_work import UnitOfWork

SOURCE = "amocrm"
PROCESS_JOB = "process_amocrm_delivery"
MAX_ATTEMPTS = 10
# A delivery still "received" this long after its last try is taken again by the sweep.
RETRY_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class Verdict:
    delivery: WebhookDelivery
    rejected: str | None  # the reason, when the delivery is refused
    status: int


def _form_pairs(body: str) -> list[tuple[str, str]]:
    return parse_qsl(body, keep_blank_values=True, strict_parsing=False)


class AmoCrmIntake:
    def __init__(self, uow: UnitOfWork, settings: AmoCrmSettings) -> None:
        self.uow = uow
        self.settings = settings

    async def receive(self, token: str, body: bytes, content_type: str | None) -> Verdict:
        """Store the raw delivery (always), then judge it: wrong secret or account, or malformed,
        is refused and kept as rejected; a good one is queued for processing."""
        text = body.decode("utf-8", errors="replace")
        delivery = WebhookDelivery(
            source=SOURCE,
            received_at=self.uow.clock.now(),
            content_type=(content_type or "")[:200],
            body=text,
            status=DeliveryStatus.RECEIVED,
            attempts=0,
            order_ids=[],
        )
        self.uow.session.add(delivery)
        reason, status = self._judge(token, text, content_type)
        if reason is not None:
            delivery.status = DeliveryStatus.REJECTED
            delivery.reason = reason
        await self.uow.session.flush()
        if reason is None:
            self.uow.after_commit(PROCESS_JOB, delivery.id, job_id=f"amocrm:{delivery.id}:0")
        return Verdict(delivery, reason, status)

    def _judge(self, token: str, text: str, content_type: str | None) -> tuple[str | None, int]:
        if not constant_time_equals(token, self.settings.webhook_secret.get_secret_value()):
            return "the secret in the URL is wrong", 403
        if not (content_type or "").startswith("application/x-www-form-urlencoded"):
            return "the body must be application/x-www-form-urlencoded", 415
        try:
            parsed = parse_webhook_form(_form_pairs(text))
        except ValueError as exc:
            return f"malformed delivery: {exc}", 422
        if self.settings.account_id is None:
            return "no amoCRM account is configured (APP_AMOCRM__ACCOUNT_ID)", 403
        if not constant_time_equals(parsed.account_id, self.settings.account_id):
            return f"account {parsed.account_id} is not the configured one", 403
        return None, 200

    def lead_ids_to_order(self, delivery: WebhookDelivery) -> list[int]:
        """Which leads of the delivery make orders: new leads, and leads moved to a configured status."""
        parsed = parse_webhook_form(_form_pairs(delivery.body))
        wanted: list[int] = []
        for event in parsed.leads:
            if (event.action == "add" and self.settings.create_on_add) or (
                event.action == "status" and event.status_id in self.settings.order_status_ids
            ):
                wanted.append(event.lead_id)
        return list(dict.fromkeys(wanted))

    async def due(self, batch: int) -> list[tuple[int, int]]:
        """Deliveries whose processing did not finish (the job was lost, or amoCRM was down)."""
        cutoff = self.uow.clock.now() - RETRY_AFTER
        rows = await self.uow.session.execute(
            select(WebhookDelivery.id, WebhookDelivery.attempts)
            .where(WebhookDelivery.status == DeliveryStatus.RECEIVED, WebhookDelivery.received_at <= cutoff)
            .order_by(WebhookDelivery.id)
            .limit(batch)
        )
        return [(row.id, row.attempts) for row in rows]

    async def claim(self, delivery_id: int) -> WebhookDelivery | None:
        delivery = await self.uow.session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.status != DeliveryStatus.RECEIVED:
            return None
        return delivery

    async def make_orders(self, delivery_id: int, leads: list[CrmLead], erp: Erp) -> list[int]:
        """One order per lead (the unique (source, external id) makes a repeat a no-op)."""
        delivery = await self.claim(delivery_id)
        if delivery is None:
            return []
        orders = OrderService(self.uow, erp)
        order_ids: list[int] = []
        for lead in leads:
            client = await self._match_client(lead)
            data = OrderCreate(
                channel=OrderChannel.AMOCRM,
                client_id=client.id if client else None,
                raw_text=_describe(lead),
                lines=[],
            )
            order, _ = await orders.create_once(data, source=SOURCE, external_id=str(lead.id))
            order_ids.append(order.id)
        delivery.status = DeliveryStatus.PROCESSED
        delivery.processed_at = self.uow.clock.now()
        delivery.order_ids = order_ids
        return order_ids

    async def record_failure(self, delivery_id: int, error: str) -> None:
        delivery = await self.uow.session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return
        delivery.attempts += 1
        delivery.reason = error[:2000]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            await self.uow.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id)
                .values(received_at=self.uow.clock.now())
            )

    async def _match_client(self, lead: CrmLead) -> Client | None:
        inn = next(iter(_field(lead, "ИНН", "INN")), None)
        if inn:
            found: Client | None = await self.uow.session.scalar(
                select(Client).where(Client.inn == inn).order_by(Client.id).limit(1)
            )
            if found is not None:
                return found
        return None


def _field(lead: CrmLead, *names: str) -> list[str]:
    for name in names:
        values = lead.custom_fields.get(name)
        if values:
            return [str(v) for v in values]
    return []


def _describe(lead: CrmLead) -> str:
    """The lead as the assistant reads it: name, amount, fields and contacts."""
    lines = [f"Сделка amoCRM №{lead.id}: {lead.name}", f"Бюджет: {lead.price} ₽"]
    lines += [f"{name}: {', '.join(map(str, values))}" for name, values in lead.custom_fields.items()]
    for contact in lead.contacts:
        reach = ", ".join([*contact.phones, *contact.emails])
        lines.append(f"Контакт: {contact.name}" + (f" ({reach})" if reach else ""))
    return "\n".join(lines)
