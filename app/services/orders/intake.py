"""Orders from amoCRM: the webhook delivery is stored first and answered at once; a job then reads
each lead through the amoCRM API and makes the order (never two for one lead)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qsl

from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.adapters.amocrm.webhook import parse_webhook_form
from app.core.config import AmoCrmSettings, WebhookSettings
from app.core.db import insert_persistent
from app.core.errors import FieldError
from app.core.logging import get_logger
from app.core.security import constant_time_equals
from app.models.clients import Client
from app.models.directory import Employee, Role
from app.models.orders import DeliveryStatus, OrderChannel, WebhookDelivery
from app.schemas.clients import ClientCreate, ContactCreate
from app.schemas.common import visible
from app.schemas.orders import OrderCreate
from app.services.directory.clients import ClientService
from app.services.directory.employees import first_active_with_role
from app.services.kernel.common import storable
from app.services.kernel.jobs import JobKind
from app.services.kernel.ports import CrmLead, Erp
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.orders.refused_deliveries import RefusedDeliveries
from app.services.orders.service import OrderService

log = get_logger(__name__)

SOURCE = "amocrm"
PROCESS_JOB = JobKind("process_amocrm_delivery", "amocrm")
MAX_ATTEMPTS = 10
# A delivery still "received" this long after its last try is taken again by the sweep.


@dataclass(frozen=True)
class Verdict:
    delivery: WebhookDelivery
    rejected: str | None  # the reason, when the delivery is refused
    status: int


def _form_pairs(body: str) -> list[tuple[str, str]]:
    return parse_qsl(body, keep_blank_values=True, strict_parsing=False)


class AmoCrmIntake:
    def __init__(
        self, uow: UnitOfWork, settings: AmoCrmSettings, webhooks: WebhookSettings | None = None
    ) -> None:
        self.uow = uow
        self.settings = settings
        self.webhooks = webhooks or WebhookSettings()

    async def receive(
        self, token: str, body: bytes, content_type: str | None, address: str = "unknown"
    ) -> Verdict:
        """Judge the delivery and store it: a good one whole, queued for processing; one with a
        wrong secret or account, or malformed, as rejected with only the beginning of its body —
        unless its address had too many refused lately (429, nothing stored)."""
        text = storable(body.decode("utf-8", errors="replace"))
        reason, status = self._judge(token, text, content_type)
        if reason is not None:
            refusals = RefusedDeliveries(self.uow, self.webhooks)
            await refusals.check_limit(address)
            text, reason = refusals.excerpt(body), refusals.reason(reason)
        row = {
            "source": SOURCE,
            "received_at": self.uow.clock.now(),
            "content_type": (content_type or "")[:200],
            "body": text,
            "body_length": len(body),
            "source_address": address,
            "status": DeliveryStatus.RECEIVED if reason is None else DeliveryStatus.REJECTED,
            "reason": reason,
            "attempts": 0,
            "processed_at": None,
            "order_ids": [],
        }
        (delivery,) = await insert_persistent(self.uow.session, WebhookDelivery, [row])
        if reason is None:
            self.uow.after_commit(PROCESS_JOB, delivery.id, 0)
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
        cutoff = self.uow.clock.now() - timedelta(seconds=self.settings.retry_after_seconds)
        rows = await self.uow.session.execute(
            select(WebhookDelivery.id, WebhookDelivery.attempts)
            .where(
                WebhookDelivery.source == SOURCE,
                WebhookDelivery.status == DeliveryStatus.RECEIVED,
                WebhookDelivery.received_at <= cutoff,
            )
            .order_by(WebhookDelivery.id)
            .limit(batch)
        )
        return [(row.id, row.attempts) for row in rows]

    async def claim(self, delivery_id: int) -> WebhookDelivery | None:
        delivery = await self.uow.session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.source != SOURCE or delivery.status != DeliveryStatus.RECEIVED:
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
            existing = await orders.by_external(SOURCE, str(lead.id))
            if existing is not None:
                order_ids.append(existing.id)
                continue
            manager = await self._responsible(lead)
            client = await self._match_client(lead) or await self._new_client(lead, manager)
            data = OrderCreate(
                channel=OrderChannel.AMOCRM,
                client_id=client.id if client else None,
                manager_id=manager.id if manager else None,
                raw_text=_describe(lead),
                lines=[],
            )
            order, _ = await orders.create_once(
                data,
                source=SOURCE,
                external_id=str(lead.id),
                taken_by_id=await self._fallback(manager, client),
            )
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

    async def _employee(self, email: str | None) -> Employee | None:
        if not email:
            return None
        found: Employee | None = await self.uow.session.scalar(
            select(Employee)
            .options(selectinload(Employee.roles))
            .where(func.lower(Employee.email) == email.strip().lower(), Employee.is_active.is_(True))
        )
        return found

    async def _responsible(self, lead: CrmLead) -> Employee | None:
        """The manager who owns the lead in amoCRM, through the configured user map."""
        if lead.responsible_user_id is None:
            return None
        employee = await self._employee(self.settings.responsible_users.get(lead.responsible_user_id))
        return employee if employee is not None and Role.MANAGER in employee.role_set else None

    async def _fallback(self, manager: Employee | None, client: Client | None) -> int | None:
        """Somebody must see an order that nobody owns: the configured employee, else the first
        active department head."""
        if manager is not None or (client is not None and (client.manager_id or client.assistant_id)):
            return None
        configured = await self._employee(self.settings.default_assignee)
        if configured is not None:
            return configured.id
        return await first_active_with_role(self.uow, Role.HEAD)

    async def _match_client(self, lead: CrmLead) -> Client | None:
        """The client card of the lead's company: by its amoCRM id, else by INN (and KPP)."""
        if lead.company is not None:
            found: Client | None = await self.uow.session.scalar(
                select(Client).where(Client.amocrm_id == str(lead.company.id))
            )
            if found is not None:
                return found
        inn = next(iter(_field(lead, "ИНН", "INN")), None)
        if not inn:
            return None
        kpp = next(iter(_field(lead, "КПП", "KPP")), None)
        query = select(Client).where(Client.inn == inn.strip())
        if kpp:
            query = query.where(Client.kpp == kpp.strip())
        return await self.uow.session.scalar(query.order_by(Client.id).limit(1))

    async def _new_client(self, lead: CrmLead, manager: Employee | None) -> Client | None:
        """A card for a company seen for the first time, when amoCRM gives enough to make a valid
        one (name, a checksum-valid INN, the KPP of an organisation); else the order waits for the
        client to be named by hand."""
        inn = next(iter(_field(lead, "ИНН", "INN")), None)
        if not inn:
            return None
        contacts: list[ContactCreate] = []
        for contact in lead.contacts:
            try:
                contacts.append(
                    ContactCreate(
                        name=visible(contact.name), phones=list(contact.phones), emails=list(contact.emails)
                    )
                )
            except ValidationError:
                try:  # a malformed phone or address must not lose the person
                    contacts.append(ContactCreate(name=visible(contact.name)))
                except ValidationError:
                    continue
        address = next(iter(_field(lead, "Юридический адрес", "Адрес")), None)
        try:
            data = ClientCreate(
                name=visible(lead.company.name if lead.company and lead.company.name else lead.name)[:300],
                inn=inn,
                kpp=next(iter(_field(lead, "КПП", "KPP")), None),
                legal_address=visible(address)[:500] if address else None,
                amocrm_id=str(lead.company.id) if lead.company else None,
                manager_id=manager.id if manager else None,
                contacts=contacts,
            )
            async with self.uow.session.begin_nested():
                return await ClientService(self.uow).create_unchecked(data)
        except IntegrityError:  # a parallel delivery made the same card first
            return await self._match_client(lead)
        except (ValidationError, FieldError) as exc:
            log.info("amocrm.client_not_created", lead=lead.id, reason=str(exc)[:300])
            return None


def _field(lead: CrmLead, *names: str) -> list[str]:
    """A field of the lead's company card, else of the lead itself."""
    sources = [lead.company.custom_fields] if lead.company else []
    for fields in [*sources, lead.custom_fields]:
        for name in names:
            values = fields.get(name)
            if values:
                return [str(v) for v in values]
    return []


def _describe(lead: CrmLead) -> str:
    """The lead as the assistant reads it: name, amount, fields and contacts."""
    lines = [f"Сделка amoCRM №{lead.id}: {lead.name}", f"Бюджет: {lead.price} ₽"]
    if lead.company is not None:
        lines.append(f"Компания: {lead.company.name}")
    lines += [f"{name}: {', '.join(map(str, values))}" for name, values in lead.custom_fields.items()]
    for contact in lead.contacts:
        reach = ", ".join([*contact.phones, *contact.emails])
        lines.append(f"Контакт: {contact.name}" + (f" ({reach})" if reach else ""))
    return visible("\n".join(lines))
