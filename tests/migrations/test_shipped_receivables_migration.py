"""The migration to «receivables are shipped goods» on data made before it: due dates recomputed from
the shipment, cleared for goods not shipped on a deferment, and those invoices out of their cases."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.commands import run_migrations
from app.core.config import DbSettings, Settings
from app.core.db import create_engine, create_session_factory
from app.models.clients import Client
from app.models.collection import CaseStage, CollectionCase, CollectionCaseInvoice
from app.models.deliveries import Delivery, DeliveryMethod
from app.models.directory import Department, Employee
from app.models.events import Event
from app.models.invoices import Invoice, InvoiceStatus
from app.models.orders import Order, OrderChannel, OrderStatus
from app.models.payments import InvoiceReminder, ReminderStep
from app.models.tasks import Task, TaskKind, TaskStatus, TaskSubject
from tests.conftest import _create_pg_database

NOW = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'shipped.sqlite3'}"
    return _create_pg_database(request.getfixturevalue("pg_server"), "pomoshnik_shipped")


async def _old_data(url: str) -> dict[str, int]:
    """Invoices as the code before the rule left them: every one with a due date from its issue."""
    engine = create_engine(url)
    ids: dict[str, int] = {}
    async with create_session_factory(engine)() as session:
        stamp = {"created_at": NOW, "updated_at": NOW}
        department = Department(code="sales", name="Отдел продаж", **stamp)
        session.add(department)
        await session.flush()
        assistant = Employee(
            full_name="Ершова Анна",
            initials="ЕА",
            department_id=department.id,
            position="Помощник",
            email="ershova@example.ru",
            **stamp,
        )
        deferred = Client(
            name="Отсрочка", name_search="отсрочка", inn="3528000001", deferment_days=10, **stamp
        )
        mixed = Client(
            name="Смешанный", name_search="смешанный", inn="3528000002", deferment_days=10, **stamp
        )
        prepaying = Client(name="Предоплата", name_search="предоплата", inn="3528000003", **stamp)
        session.add_all([assistant, deferred, mixed, prepaying])
        await session.flush()

        async def invoice(name: str, client: Client, status: OrderStatus, due: date) -> Invoice:
            order = Order(
                channel=OrderChannel.PHONE, source="api", client_id=client.id, status=status, **stamp
            )
            session.add(order)
            await session.flush()
            seq = len(ids) + 1
            row = Invoice(
                number=f"2026-{seq:06d}",
                year=2026,
                seq=seq,
                order_id=order.id,
                client_id=client.id,
                issued_on=date(2026, 12, 1),
                due_on=due,
                vat_rate=22,
                total=Decimal("1000.00"),
                vat_total=Decimal("180.33"),
                status=InvoiceStatus.APPROVED,
                **stamp,
            )
            session.add(row)
            await session.flush()
            ids[name] = row.id
            ids[f"{name}_order"] = order.id
            return row

        shipped = await invoice("shipped", deferred, OrderStatus.CLOSED, date(2026, 12, 11))
        # Shipped just after midnight in Moscow on Thursday the 10th: + 10 days is Sunday the 20th.
        session.add(
            Event(
                occurred_at=datetime(2026, 12, 9, 21, 30, tzinfo=UTC),
                entity_type="order",
                entity_id=shipped.order_id,
                action="ship",
            )
        )
        unshipped = await invoice("unshipped", deferred, OrderStatus.APPROVED, date(2026, 12, 11))
        left = await invoice("left", mixed, OrderStatus.APPROVED, date(2026, 12, 11))
        delivered = await invoice("delivered", mixed, OrderStatus.DELIVERED, date(2026, 12, 11))
        # No «ship» step on record: the delivery's planned day (Saturday the 12th) stands for it.
        session.add(
            Delivery(
                order_id=delivered.order_id,
                method=DeliveryMethod.PICKUP,
                planned_on=date(2026, 12, 12),
                **stamp,
            )
        )
        await invoice("prepaid", prepaying, OrderStatus.APPROVED, date(2026, 12, 8))

        def case(client: Client, invoices: list[Invoice]) -> CollectionCase:
            return CollectionCase(
                client_id=client.id,
                episode=1,
                stage=CaseStage.GUARANTEE_REQUESTED,
                assignee_id=assistant.id,
                opened_on=date(2026, 12, 14),
                debt_at_open=Decimal("1000.00") * len(invoices),
                invoice_ids=[i.id for i in invoices],
                **stamp,
            )

        emptied, kept = case(deferred, [unshipped]), case(mixed, [left, delivered])
        session.add_all([emptied, kept])
        await session.flush()
        session.add_all(
            CollectionCaseInvoice(case_id=c.id, invoice_id=i.id, added_on=date(2026, 12, 14))
            for c, i in ((emptied, unshipped), (kept, left), (kept, delivered))
        )

        def task(subject: TaskSubject, subject_id: int) -> Task:
            return Task(
                kind=TaskKind.CALL,
                title="Задача",
                subject_type=subject,
                subject_id=subject_id,
                assignee_id=assistant.id,
                due_at=NOW,
                status=TaskStatus.OPEN,
                **stamp,
            )

        case_task, reminder_task = task(TaskSubject.DEBT, emptied.id), task(TaskSubject.INVOICE, unshipped.id)
        session.add_all([case_task, reminder_task])
        await session.flush()
        session.add(
            InvoiceReminder(
                invoice_id=unshipped.id, step=ReminderStep.DAY_AFTER, task_id=reminder_task.id, created_at=NOW
            )
        )
        ids |= {
            "emptied": emptied.id,
            "kept": kept.id,
            "case_task": case_task.id,
            "reminder_task": reminder_task.id,
        }
        await session.commit()
    await engine.dispose()
    return ids


async def test_due_dates_follow_the_shipment_and_unshipped_goods_leave_their_cases(fresh_url: str) -> None:
    settings = Settings(db=DbSettings(url=fresh_url))
    await asyncio.to_thread(run_migrations, settings)
    ids = await _old_data(fresh_url)
    # Back to the schema before the rule (every invoice due from its issue), and up again.
    await asyncio.to_thread(run_migrations, settings, "0027", True)
    await asyncio.to_thread(run_migrations, settings)

    engine = create_engine(fresh_url)
    try:
        async with create_session_factory(engine)() as session:
            invoices = {i.id: i for i in await session.scalars(select(Invoice))}

            def terms(name: str) -> tuple[Any, ...]:
                row = invoices[ids[name]]
                return row.deferment_days, row.shipped_on, row.due_on

            assert terms("shipped") == (10, date(2026, 12, 10), date(2026, 12, 21))
            assert terms("unshipped") == (10, None, None)
            assert terms("left") == (10, None, None)
            assert terms("delivered") == (10, date(2026, 12, 12), date(2026, 12, 22))
            assert terms("prepaid") == (None, None, date(2026, 12, 8))

            emptied = await session.get(CollectionCase, ids["emptied"])
            kept = await session.get(CollectionCase, ids["kept"])
            assert emptied is not None
            assert kept is not None
            assert (emptied.stage, emptied.close_reason, emptied.invoice_ids) == (
                "closed",
                "not_receivable",
                [],
            )
            assert (kept.stage, kept.invoice_ids) == ("guarantee_requested", [ids["delivered"]])
            links = (await session.scalars(select(CollectionCaseInvoice.invoice_id))).all()
            assert list(links) == [ids["delivered"]]
            tasks = {t.id: t.status for t in await session.scalars(select(Task))}
            assert tasks == {ids["case_task"]: "cancelled", ids["reminder_task"]: "cancelled"}
            assert (await session.scalars(select(InvoiceReminder))).all() == []
            closing = await session.scalar(
                select(Event).where(Event.entity_type == "collection_case", Event.entity_id == ids["emptied"])
            )
            assert closing is not None
            assert closing.action == "close"
    finally:
        await engine.dispose()
