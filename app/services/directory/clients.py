"""Clients (counterparties): the card, its contacts, and who may see it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from app.core.errors import FieldError, NotFound
from app.models.clients import Client, ClientContact, Potential, PurchaseFrequency
from app.models.directory import Employee, Role
from app.schemas.clients import ClientCreate, ClientUpdate, ContactCreate, ContractTerms, CreditTerms
from app.services.kernel.common import ensure_version, touch, within_window
from app.services.kernel.history import HistoryService, snapshot, snapshot_values
from app.services.kernel.pagination import Page, decode_cursor, page_of
from app.services.kernel.scope import Scope
from app.services.kernel.unit_of_work import UnitOfWork

# Credit terms are approved for what comes: from today, and not from further than a year ahead.
TERMS_AHEAD = timedelta(days=366)


def _contact_row(data: ContactCreate) -> ClientContact:
    return ClientContact(**data.model_dump(mode="json"))


def _full_snapshot(client: Client) -> dict[str, Any]:
    return snapshot(client) | {"contacts": [snapshot(c) for c in client.contacts]}


class ClientService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.history = HistoryService(uow)

    @property
    def actor(self) -> Employee:
        assert self.uow.actor is not None, "client operations need an actor"
        return self.uow.actor

    def _scoped(self, query: Select[Any]) -> Select[Any]:
        return Scope(self.uow).clients(query)

    async def get_for_system(self, client_id: int) -> Client:
        """The card whoever acts (a job of the worker), not for what a user may read."""
        client = await self.uow.session.get(Client, client_id)
        if client is None:
            raise NotFound("client", client_id)
        return client

    def visible_ids(self) -> Select[Any]:
        """The ids of the clients the actor may see, as a subquery."""
        return self._scoped(select(Client.id))

    async def of_clients(
        self, query: Select[Any], client_column: InstrumentedAttribute[int], client_id: int | None
    ) -> Select[Any]:
        """``query`` over a client's rows (credit requests, payments, acts, cases) narrowed to the
        clients the actor may see, or to one of them: a client that does not exist, or that the
        actor may not see, is a 404."""
        if client_id is not None:
            await self.get(client_id)
            return query.where(client_column == client_id)
        return query.where(client_column.in_(self.visible_ids()))

    async def get(self, client_id: int) -> Client:
        return await Scope(self.uow).client(client_id)

    async def page(
        self,
        *,
        q: str | None,
        inn: str | None,
        manager_id: int | None,
        assistant_id: int | None,
        potential: Potential | None,
        ids: Sequence[int] | None = None,
        purchase_frequency: PurchaseFrequency | None,
        cursor: str | None,
        limit: int,
    ) -> Page[Client]:
        query = self._scoped(select(Client).options(selectinload(Client.contacts)))
        if q:
            needle = q.strip().lower()
            query = query.where(
                or_(
                    Client.name_search.contains(needle, autoescape=True),
                    Client.inn.startswith(needle, autoescape=True),
                )
            )
        if inn:
            query = query.where(Client.inn == inn)
        if ids:
            query = query.where(Client.id.in_(set(ids)))
        if manager_id is not None:
            query = query.where(Client.manager_id == manager_id)
        if assistant_id is not None:
            query = query.where(Client.assistant_id == assistant_id)
        if potential is not None:
            query = query.where(Client.potential == potential)
        if purchase_frequency is not None:
            query = query.where(Client.purchase_frequency == purchase_frequency)
        if cursor is not None:
            name, after_id = decode_cursor(cursor, [str, int])
            query = query.where(
                or_(Client.name_search > name, (Client.name_search == name) & (Client.id > after_id))
            )
        query = query.order_by(Client.name_search, Client.id).limit(limit + 1)
        rows = (await self.uow.session.scalars(query)).all()
        return page_of(rows, limit, lambda c: [c.name_search, c.id])

    async def _check_people(self, manager_id: int | None, assistant_id: int | None) -> None:
        for field, ident, role in (
            ("manager_id", manager_id, Role.MANAGER),
            ("assistant_id", assistant_id, Role.ASSISTANT),
        ):
            if ident is None:
                continue
            employee = await self.uow.session.scalar(
                select(Employee).options(selectinload(Employee.roles)).where(Employee.id == ident)
            )
            if employee is None:
                raise FieldError(field, f"employee {ident} does not exist")
            if role not in employee.role_set or not employee.is_active:
                raise FieldError(field, f"employee {ident} is not an active {role}")

    async def _check_unique(self, values: dict[str, Any], exclude: int | None) -> None:
        checks: list[tuple[str, Any]] = []
        if values.get("inn") is not None:
            checks.append(
                (
                    "inn",
                    (Client.inn == values["inn"]) & (Client.kpp == values.get("kpp"))
                    if values.get("kpp")
                    else (Client.inn == values["inn"]) & Client.kpp.is_(None),
                )
            )
        for field, column in (("onec_id", Client.onec_id), ("amocrm_id", Client.amocrm_id)):
            if values.get(field) is not None:
                checks.append((field, column == values[field]))
        for field, condition in checks:
            query = select(Client.id).where(condition)
            if exclude is not None:
                query = query.where(Client.id != exclude)
            if await self.uow.session.scalar(query) is not None:
                raise FieldError(field, "another client already has this value", code="duplicate")

    @staticmethod
    def _check_inn_kpp(inn: str, kpp: str | None) -> None:
        if len(inn) == 12 and kpp is not None:
            raise FieldError("kpp", "an entrepreneur (12-digit INN) has no KPP")
        if len(inn) == 10 and kpp is None:
            raise FieldError("kpp", "an organisation (10-digit INN) needs its KPP")

    async def create(self, data: ClientCreate) -> Client:
        client = await self.create_unchecked(data)
        return await self._reload_visible(client.id)

    async def create_unchecked(self, data: ClientCreate) -> Client:
        """A new card, checked (INN/KPP, people, uniqueness) but not against who is asking: for
        the system itself (amoCRM intake), which has no department."""
        values = data.model_dump(exclude={"contacts"}, mode="json")
        self._check_inn_kpp(data.inn, data.kpp)
        await self._check_people(data.manager_id, data.assistant_id)
        await self._check_unique(values, exclude=None)
        now = self.uow.clock.now()
        values["delivery_addresses"] = values.get("delivery_addresses") or []
        client = Client(
            **values,
            name_search=data.name.lower(),
            contacts=[_contact_row(c) for c in data.contacts],
            created_at=now,
            updated_at=now,
        )
        self.uow.session.add(client)
        await self.uow.session.flush()
        self.history.record("client", client.id, "created", None, _full_snapshot(client))
        return client

    async def _reload_visible(self, client_id: int) -> Client:
        try:
            return await self.get(client_id)
        except NotFound:
            raise FieldError(
                "manager_id",
                "the client would leave your department's list: assign someone of your department",
            ) from None

    async def set_credit_terms(self, client_id: int, data: CreditTerms, if_match: int | None) -> Client:
        """The terms approved by the director or the department head (the permission says who):
        invoices issued from ``effective_from`` are due after the deferment."""
        client = await self.get(client_id)
        ensure_version(client, if_match, "client")
        await self.apply_terms(client, data)
        return client

    async def apply_terms(self, client: Client, data: CreditTerms, request_id: int | None = None) -> None:
        today = self.uow.calendar.local_date(self.uow.clock.now())
        if data.effective_from < today:
            raise FieldError(
                "effective_from", f"must be today ({today}) or later: issued invoices keep their terms"
            )
        within_window(data.effective_from, "effective_from", today, back=timedelta(0), ahead=TERMS_AHEAD)

        def terms() -> dict[str, Any]:
            return {
                "deferment_days": client.deferment_days,
                "credit_limit": client.credit_limit,
                "discount_percent": client.discount_percent,
                "terms_from": client.terms_from,
            }

        before = terms()
        client.deferment_days = data.deferment_days
        client.credit_limit = data.credit_limit
        discount = data.discount_percent
        client.discount_basis_points = None if discount is None else int(discount * 100)
        client.terms_from = data.effective_from
        touch(client, self.uow)
        await self.uow.session.flush()
        after = terms() | {"reason": data.reason, "credit_request_id": request_id}
        self.history.record(
            "client", client.id, "credit_terms_set", snapshot_values(before), snapshot_values(after)
        )

    async def set_contract_terms(self, client_id: int, data: ContractTerms, if_match: int | None) -> Client:
        """The contract and its penalty for late payment (the lawyer or a head): a claim letter
        charges that penalty instead of the interest of art. 395 (art. 395 p. 4)."""
        client = await self.get(client_id)
        ensure_version(client, if_match, "client")
        self._check_contract_terms(data)

        def terms() -> dict[str, Any]:
            return {
                "contract_number": client.contract_number,
                "contract_date": client.contract_date,
                "penalty_rate_per_day_percent": client.penalty_rate_per_day_percent,
                "penalty_cap_percent": client.penalty_cap_percent,
            }

        before = terms()
        rate, cap = data.penalty_rate_per_day_percent, data.penalty_cap_percent
        client.contract_number = data.contract_number
        client.contract_date = data.contract_date
        client.penalty_rate_ppm = None if rate is None else int(rate * 10_000)
        client.penalty_cap_basis_points = None if cap is None else int(cap * 100)
        touch(client, self.uow)
        await self.uow.session.flush()
        self.history.record(
            "client", client.id, "contract_terms_set", snapshot_values(before), snapshot_values(terms())
        )
        return client

    def _check_contract_terms(self, data: ContractTerms) -> None:
        """The rules of the penalty calculator's contractual method (its bounds are the schema's): a
        penalty rests on a contract the claim can cite, a cap on a rate."""
        today = self.uow.calendar.local_date(self.uow.clock.now())
        if data.contract_date is not None and data.contract_date > today:
            raise FieldError("contract_date", f"must be today ({today}) or earlier")
        if data.penalty_rate_per_day_percent is not None and (
            data.contract_number is None or data.contract_date is None
        ):
            raise FieldError(
                "penalty_rate_per_day_percent",
                "needs the contract that sets it: contract_number and contract_date",
            )
        if data.penalty_cap_percent is not None and data.penalty_rate_per_day_percent is None:
            raise FieldError("penalty_cap_percent", "caps a penalty rate: needs penalty_rate_per_day_percent")
        if data.contract_date is not None and data.contract_number is None:
            raise FieldError("contract_date", "needs contract_number")

    async def update(self, client_id: int, data: ClientUpdate, if_match: int | None) -> Client:
        client = await self.get(client_id)
        ensure_version(client, if_match, "client")
        changes = data.model_dump(exclude_unset=True, mode="json")
        for required in ("name", "inn"):
            if required in changes and changes[required] is None:
                raise FieldError(required, "cannot be null")
        if changes.get("delivery_addresses", 0) is None:
            changes["delivery_addresses"] = []
        merged = {"inn": client.inn, "kpp": client.kpp} | {
            k: v for k, v in changes.items() if k in ("inn", "kpp")
        }
        self._check_inn_kpp(merged["inn"], merged["kpp"])
        await self._check_people(changes.get("manager_id"), changes.get("assistant_id"))
        if {"inn", "kpp", "onec_id", "amocrm_id"} & changes.keys():
            await self._check_unique(merged | changes, exclude=client.id)
        before = _full_snapshot(client)
        for key, value in changes.items():
            setattr(client, key, value)
        if "name" in changes:
            client.name_search = client.name.lower()
        if changes:
            client.updated_at = self.uow.clock.now()
            await self.uow.session.flush()
            self.history.record_change("client", client.id, before, _full_snapshot(client))
            return await self._reload_visible(client.id)
        return client

    async def add_contact(self, client_id: int, data: ContactCreate, if_match: int | None) -> Client:
        client = await self.get(client_id)
        ensure_version(client, if_match, "client")
        contact = _contact_row(data)
        client.contacts.append(contact)
        touch(client, self.uow)
        await self.uow.session.flush()
        self.history.record("client", client.id, "contact_added", None, snapshot(contact))
        return client

    async def replace_contact(
        self, client_id: int, contact_id: int, data: ContactCreate, if_match: int | None
    ) -> Client:
        client = await self.get(client_id)
        ensure_version(client, if_match, "client")
        contact = next((c for c in client.contacts if c.id == contact_id), None)
        if contact is None:
            raise NotFound("contact", contact_id)
        before = snapshot(contact)
        for key, value in data.model_dump(mode="json").items():
            setattr(contact, key, value)
        touch(client, self.uow)
        await self.uow.session.flush()
        self.history.record("client", client.id, "contact_changed", before, snapshot(contact))
        return client

    async def remove_contact(self, client_id: int, contact_id: int, if_match: int | None) -> Client:
        client = await self.get(client_id)
        ensure_version(client, if_match, "client")
        contact = next((c for c in client.contacts if c.id == contact_id), None)
        if contact is None:
            raise NotFound("contact", contact_id)
        before = snapshot(contact)
        client.contacts.remove(contact)
        touch(client, self.uow)
        await self.uow.session.flush()
        self.history.record("client", client.id, "contact_removed", before, None)
        return client
