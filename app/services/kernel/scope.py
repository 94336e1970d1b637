"""What the actor may see: one scoped look-up per kind (client, order, invoice, proposal).

Every read and every service that takes such an id from a caller resolves it here, so an id the
caller may not see is a 404, the same as one that does not exist: a manager of one department can
neither read another department's client nor make an order, a proposal or a task for it, and the
answer does not tell which ids exist. The system (a webhook, a job) acts without an actor and sees
everything.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from app.core.errors import NotFound
from app.models.clients import Client
from app.models.directory import Employee
from app.models.invoices import Invoice
from app.models.orders import Order
from app.models.proposals import Proposal
from app.models.specs import Spec
from app.services.kernel.permissions import Permission, has
from app.services.kernel.unit_of_work import UnitOfWork


class Scope:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def _colleagues(self) -> Select[Any]:
        """The actor's department as a subquery of employee ids. Asked only once ``_sees_all`` has
        said no (so there is an actor): a new order, above all, should not build it for nothing."""
        actor = self.uow.actor
        assert actor is not None
        return select(Employee.id).where(Employee.department_id == actor.department_id)

    def _sees_all(self, *permissions: Permission) -> bool:
        actor = self.uow.actor
        return actor is None or any(has(actor, p) for p in permissions)

    # --- filters: a query narrowed to what the actor may see ----------------------------------

    def clients(self, query: Select[Any]) -> Select[Any]:
        """A manager or an assistant sees the clients of their department, and the client of an
        order their department works (one given to them, or taken); lawyers, accountants, heads and
        the director see all."""
        if self._sees_all(Permission.CLIENTS_READ_ALL):
            return query
        colleagues = self._colleagues()
        worked = select(Order.client_id).where(
            Order.client_id.is_not(None),
            or_(
                Order.manager_id.in_(colleagues),
                Order.assistant_id.in_(colleagues),
                Order.taken_by_id.in_(colleagues),
            ),
        )
        return query.where(
            or_(
                Client.manager_id.in_(colleagues),
                Client.assistant_id.in_(colleagues),
                Client.id.in_(worked),
            )
        )

    def orders(self, query: Select[Any]) -> Select[Any]:
        """Heads, the warehouse and accounting see every order; others those their department
        manages, assists or took."""
        if self._sees_all(Permission.ORDERS_READ_ALL):
            return query
        colleagues = self._colleagues()
        return query.where(
            or_(
                Order.manager_id.in_(colleagues),
                Order.assistant_id.in_(colleagues),
                Order.taken_by_id.in_(colleagues),
            )
        )

    def invoices(self, query: Select[Any]) -> Select[Any]:
        """An invoice is seen with its order: of an order you cannot see it does not exist for you."""
        return query.where(Invoice.order_id.in_(self.orders(select(Order.id))))

    def proposals(self, query: Select[Any]) -> Select[Any]:
        """Heads and supply (who price them) see every proposal; others those their department
        works on."""
        if self._sees_all(Permission.ORDERS_READ_ALL, Permission.PROPOSALS_PRICE):
            return query
        colleagues = self._colleagues()
        return query.where(or_(Proposal.manager_id.in_(colleagues), Proposal.assistant_id.in_(colleagues)))

    def specs(self, query: Select[Any]) -> Select[Any]:
        """Sales staff see the specs of the orders they see; supply, the warehouse and the
        workshop work every spec."""
        actor = self.uow.actor
        if actor is None or not has(actor, Permission.ORDERS_READ) or has(actor, Permission.ORDERS_READ_ALL):
            return query
        return query.where(Spec.order_id.in_(self.orders(select(Order.id))))

    # --- look-ups by id: the row, or a 404 for what does not exist or may not be seen ---------

    async def _one(self, query: Select[Any], what: str, ident: int) -> Any:
        found = await self.uow.session.scalar(query)
        if found is None:
            raise NotFound(what, ident)
        return found

    async def client(self, client_id: int) -> Client:
        query = self.clients(
            select(Client).options(selectinload(Client.contacts)).where(Client.id == client_id)
        )
        client: Client = await self._one(query, "client", client_id)
        return client

    async def order(self, order_id: int) -> Order:
        query = self.orders(select(Order).options(selectinload(Order.lines)).where(Order.id == order_id))
        order: Order = await self._one(query, "order", order_id)
        return order

    async def invoice(self, invoice_id: int) -> Invoice:
        query = self.invoices(
            select(Invoice).options(selectinload(Invoice.lines)).where(Invoice.id == invoice_id)
        )
        invoice: Invoice = await self._one(query, "invoice", invoice_id)
        return invoice

    async def proposal(self, proposal_id: int) -> Proposal:
        query = self.proposals(
            select(Proposal).options(selectinload(Proposal.lines)).where(Proposal.id == proposal_id)
        )
        proposal: Proposal = await self._one(query, "proposal", proposal_id)
        return proposal
