"""The write side of the ``Erp`` port over OData: counterparties (Партнер + Контрагент by ИНН/КПП),
the invoice as a ЗаказКлиента with its СчетНаОплатуКлиенту based on it, its revision and the
reserve; the requisition book as one-line ЗаказПоставщику, receipts (ПриобретениеТоваровУслуг), the
УПД (РеализацияТоваровУслуг based on the order), incoming payments
(ПоступлениеБезналичныхДенежныхСредств) and credit terms (ДоговорыКонтрагентов).

1C has no idempotency key, so every document we create carries our number in ``Комментарий``
(:func:`marker`) and is looked for by it before it is created: a create retried after a timeout (the
document was made, the answer lost) finds the first one instead of making a second.

The order's lines carry the reserve choice in ``ВариантОбеспечения``: a line to reserve from stock is
``СоСклада``, a line procured separately ``КОбеспечению``. Posting the order is what reserves in 1C
(``ТоварыНаСкладах.КОтгрузке``); 1C refuses the posting when a reserved line exceeds the free stock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.adapters.onec.odata import (
    EMPTY_REF,
    Guid,
    ODataClient,
    ODataConflict,
    ODataError,
    OneCUnavailable,
    Ref,
    all_of,
    any_of,
    eq,
    ge,
    substringof,
)
from app.adapters.onec.odata_catalogue import CHARACTERISTICS, STOCK
from app.adapters.onec.stub import REQUISITION_ORDERED, REQUISITION_PARTLY_RECEIVED, REQUISITION_RECEIVED
from app.core.config import OneCMapping
from app.services.kernel.ports import (
    ErpCounterparty,
    ErpInvoice,
    ErpInvoiceLine,
    ErpPayment,
    RequisitionEntry,
)

PARTNERS = "Catalog_Партнеры"
COUNTERPARTIES = "Catalog_Контрагенты"
VAT_RATES = "Catalog_СтавкиНДС"
ORDERS = "Document_ЗаказКлиента"
BILLS = "Document_СчетНаОплатуКлиенту"
SALES = "Document_РеализацияТоваровУслуг"
SUPPLY_ORDERS = "Document_ЗаказПоставщику"
RECEIPTS = "Document_ПриобретениеТоваровУслуг"
PAYMENTS = "Document_ПоступлениеБезналичныхДенежныхСредств"
CONTRACTS = "Catalog_ДоговорыКонтрагентов"
EMPTY_DATE = "0001-01-01T00:00:00"

RESERVE = "СоСклада"
PROCURE = "КОбеспечению"
RESERVING = ("СоСклада", "Отгрузить")

ORDER_FIELDS = ("Ref_Key", "DataVersion", "Number", "Posted", "Комментарий", "Товары")
SUPPLY_FIELDS = ("Ref_Key", "Date", "Комментарий", "ЖелаемаяДатаПоступления", "Товары")
CONFLICT_RETRIES = 3
INN_BATCH = 20  # counterparties read per request, to keep the URL short
CENT = Decimal("0.01")


def marker(number: str) -> str:
    """Our number as it is written into a document's ``Комментарий`` and looked for there."""
    return f"Помощник № {number}"


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _moment(day: date) -> str:
    return datetime.combine(day, time()).isoformat()


def _is_guid(value: str) -> bool:
    try:
        Guid(value)
    except ValueError:
        return False
    return True


class ODataDocuments:
    """Every writing method of the ``Erp`` port, and the reads of what it wrote."""

    def __init__(self, client: ODataClient, mapping: OneCMapping) -> None:
        self.client = client
        self.mapping = mapping
        self._vat: dict[Decimal, str] = {Decimal(rate): str(ref) for rate, ref in mapping.vat_rates.items()}
        self._owners: dict[str, str] = {}

    # -- counterparties --

    async def upsert_counterparty(self, name: str, inn: str, kpp: str | None) -> ErpCounterparty:
        """Find the Контрагент by ИНН+КПП and rename it, or make a Партнер and its Контрагент."""
        inn = inn.strip()
        kpp = (kpp or "").strip()
        if not inn:
            raise ValueError("a counterparty needs an INN")
        found = await self.client.query(
            COUNTERPARTIES,
            select=["Ref_Key", "Description", "Партнер_Key"],
            filter=all_of(eq("ИНН", inn), eq("КПП", kpp), eq("DeletionMark", False)),
            orderby=["Ref_Key"],
            top=1,
        )
        if found:
            row = found[0]
            if row["Description"] != name:
                await self.client.update(COUNTERPARTIES, row["Ref_Key"], {"Description": name})
            return ErpCounterparty(id=row["Ref_Key"], name=name, inn=inn, kpp=kpp or None)
        # A partner left by a create whose counterparty never came is used rather than doubled.
        partners = await self.client.query(
            PARTNERS,
            select=["Ref_Key"],
            filter=all_of(eq("Description", name), eq("Клиент", True), eq("DeletionMark", False)),
            orderby=["Ref_Key"],
            top=1,
        )
        if partners:
            partner = partners[0]["Ref_Key"]
        else:
            partner = (await self.client.create(PARTNERS, {"Description": name, "Клиент": True}))["Ref_Key"]
        kind = "ЮрЛицо" if len(inn) == 10 else "ФизЛицо"
        created = await self.client.create(
            COUNTERPARTIES,
            {"Description": name, "ИНН": inn, "КПП": kpp, "Партнер_Key": partner, "ЮрФизЛицо": kind},
        )
        return ErpCounterparty(id=created["Ref_Key"], name=name, inn=inn, kpp=kpp or None)

    # -- the invoice --

    async def create_invoice(self, invoice: ErpInvoice) -> str:
        """The ЗаказКлиента (posted, which reserves its СоСклада lines) and its СчетНаОплатуКлиенту;
        each found by our number first. The order's ``Ref_Key`` is the invoice's 1C id."""
        counterparty = await self._invoice_counterparty(invoice)
        header = await self._order_header(invoice, counterparty)
        existing = await self._find(ORDERS, invoice.number)
        if existing is None:
            lines = await self._lines(invoice.lines, reserved=None)
            order = await self.client.create(
                ORDERS, {**header, "Date": _moment(invoice.date), "Товары": lines}
            )
        else:
            order = await self._rewrite(existing["Ref_Key"], invoice, header)
        await self._post_reserving(order["Ref_Key"])
        await self._bill(order["Ref_Key"], invoice, counterparty)
        return str(order["Ref_Key"])

    async def update_invoice(self, invoice_id: str, invoice: ErpInvoice) -> None:
        """Write the order's lines and the bill's sum again (PATCH with ``If-Match``); lines already
        reserved stay reserved unless they are now procured."""
        counterparty = await self._invoice_counterparty(invoice)
        header = await self._order_header(invoice, counterparty)
        order = await self._rewrite(invoice_id, invoice, header)
        if order.get("Posted"):
            await self._post_reserving(order["Ref_Key"])
        await self._bill(order["Ref_Key"], invoice, counterparty)

    async def reserve(self, invoice_id: str, product_id: str, quantity: int) -> bool:
        """Reserve ``quantity`` of the product in the invoice's order (found by its 1C id or by our
        number; made when 1C has none yet): the product's line becomes ``СоСклада`` with that
        quantity and the order is posted. False, with the line left ``КОбеспечению``, when the free
        stock is short. Reserving the same again changes nothing."""
        if quantity <= 0:
            raise ValueError("quantity to reserve must be positive")
        key = Guid(product_id)
        order = await self._order_of(invoice_id)
        if order is None:
            if await self._free(key) < quantity:
                return False
            line = await self._line(1, key, quantity, Decimal("0"), Decimal("0"), RESERVE)
            body = {
                **self._common(),
                "Date": datetime.now().replace(microsecond=0).isoformat(),
                "Комментарий": marker(invoice_id),
                "Товары": [line],
            }
            created = await self.client.create(ORDERS, body)
            await self._post(created["Ref_Key"])
            return True
        for _ in range(CONFLICT_RETRIES):
            rows = [dict(row) for row in order["Товары"]]
            mine = [row for row in rows if row["Характеристика_Key"] == str(key) and not row.get("Отменено")]
            if (
                order.get("Posted")
                and mine
                and all(row["ВариантОбеспечения"] in RESERVING for row in mine)
                and sum(Decimal(str(row["Количество"])) for row in mine) == quantity
            ):
                return True
            already = sum(
                Decimal(str(row["Количество"]))
                for row in mine
                if order.get("Posted") and row["ВариантОбеспечения"] in RESERVING
            )
            enough = await self._free(key) + already >= quantity
            if mine:
                first = mine[0]
                if enough:
                    first.update(ВариантОбеспечения=RESERVE, Количество=quantity)
                    self._amounts(first)
                    for row in mine[1:]:
                        row["Отменено"] = True
                else:
                    for row in mine:
                        row["ВариантОбеспечения"] = PROCURE
            elif enough:
                rows.append(
                    await self._line(len(rows) + 1, key, quantity, Decimal("0"), Decimal("0"), RESERVE)
                )
            else:
                return False
            try:
                await self.client.update(
                    ORDERS, order["Ref_Key"], {"Товары": rows}, data_version=order["DataVersion"]
                )
            except ODataConflict:
                fresh = await self.client.get(ORDERS, order["Ref_Key"], select=ORDER_FIELDS)
                if fresh is None:
                    raise
                order = fresh
                continue
            await self._post(order["Ref_Key"])
            return enough
        raise ODataConflict(412, None, f"the order {order['Number']} kept changing in 1C")

    # -- the requisition book, the sale, receipts --

    async def add_requisition(
        self, invoice_id: str, product_id: str | None, name: str, quantity: int, requested_on: date
    ) -> RequisitionEntry:
        """A ЗаказПоставщику of one line, its ``Комментарий`` naming our invoice and the item; the
        same entry again (invoice, item, quantity, day) is found, not made twice."""
        if quantity <= 0:
            raise ValueError("requisition quantity must be positive")
        comment = f"{marker(invoice_id)}: {name}"
        for row in await self._requisition_orders(invoice_id):
            goods = row["Товары"]
            if (
                row["Комментарий"] == comment
                and row["Date"][:10] == requested_on.isoformat()
                and goods
                and Decimal(str(goods[0]["Количество"])) == quantity
            ):
                return await self._requisition_entry(invoice_id, row)
        key = Guid(product_id) if product_id else None
        line = await self._line(1, key, quantity, Decimal("0"), Decimal("0"), PROCURE)
        line.pop("ВариантОбеспечения")
        created = await self.client.create(
            SUPPLY_ORDERS,
            {**self._common(), "Date": _moment(requested_on), "Комментарий": comment, "Товары": [line]},
        )
        return await self._requisition_entry(invoice_id, created)

    async def requisitions(self, invoice_id: str) -> list[RequisitionEntry]:
        return [
            await self._requisition_entry(invoice_id, row)
            for row in await self._requisition_orders(invoice_id)
        ]

    async def create_upd(self, invoice_id: str) -> str:
        """A РеализацияТоваровУслуг based on the invoice's order (its lines not cancelled), posted in
        the regular mode; the order's sale already in 1C is found instead of made again."""
        order = await self._order_of(invoice_id)
        if order is None:
            raise ODataError(404, None, f"1C has no order for the invoice {invoice_id}")
        basis = Ref(Guid(order["Ref_Key"]), ORDERS)
        found = await self.client.query(
            SALES,
            select=["Ref_Key", "Posted"],
            filter=all_of(eq("ЗаказКлиента", basis), eq("DeletionMark", False)),
            orderby=["Date", "Ref_Key"],
            top=1,
        )
        if found:
            sale = found[0]
        else:
            header = await self.client.get(
                ORDERS,
                order["Ref_Key"],
                select=["Партнер_Key", "Контрагент_Key", "Организация_Key", "Склад_Key"],
            )
            if header is None:
                raise ODataError(404, None, f"1C has no order {order['Ref_Key']}")
            rows = [
                {
                    **{
                        k: v for k, v in row.items() if k not in ("Ref_Key", "ВариантОбеспечения", "Отменено")
                    },
                    "LineNumber": number,
                    "ЗаказКлиента": order["Ref_Key"],
                    "ЗаказКлиента_Type": f"StandardODATA.{ORDERS}",
                }
                for number, row in enumerate((r for r in order["Товары"] if not r.get("Отменено")), start=1)
            ]
            total = sum((Decimal(str(row["Сумма"])) for row in rows), Decimal("0"))
            sale = await self.client.create(
                SALES,
                {
                    **header,
                    "Date": datetime.now().replace(microsecond=0).isoformat(),
                    "ЗаказКлиента": order["Ref_Key"],
                    "ЗаказКлиента_Type": f"StandardODATA.{ORDERS}",
                    "Статус": "Отгружено",
                    "СуммаДокумента": float(total),
                    "Комментарий": order["Комментарий"],
                    "Товары": rows,
                },
            )
        if not sale.get("Posted"):
            await self.client.post_document(SALES, sale["Ref_Key"])
        return str(sale["Ref_Key"])

    async def post_receipt(self, requisition_id: str, quantity: int) -> str:
        """A ПриобретениеТоваровУслуг for the requisition's ЗаказПоставщику, posted: the goods come to
        the warehouse. A receipt of the same quantity for the same requisition already in 1C is taken
        for this one (a retried job), so two equal partial receipts of one entry are not told apart."""
        if quantity <= 0:
            raise ValueError("received quantity must be positive")
        supply = await self.client.get(SUPPLY_ORDERS, requisition_id, select=SUPPLY_FIELDS)
        if supply is None:
            raise ODataError(404, None, f"1C has no supplier order {requisition_id}")
        basis = Ref(Guid(requisition_id), SUPPLY_ORDERS)
        for receipt in await self._receipts([requisition_id]):
            if sum(Decimal(str(row["Количество"])) for row in receipt["Товары"]) == quantity:
                if not receipt["Posted"]:
                    await self.client.post_document(RECEIPTS, receipt["Ref_Key"])
                return str(receipt["Ref_Key"])
        line = {
            k: v
            for k, v in supply["Товары"][0].items()
            if k not in ("Ref_Key", "ДатаПоступления", "ВариантОбеспечения")
        }
        line.update(LineNumber=1, Количество=quantity)
        self._amounts(line)
        created = await self.client.create(
            RECEIPTS,
            {
                **self._common(),
                "Date": datetime.now().replace(microsecond=0).isoformat(),
                "ЗаказПоставщику": str(basis.guid),
                "ЗаказПоставщику_Type": f"StandardODATA.{SUPPLY_ORDERS}",
                "Комментарий": supply["Комментарий"],
                "Товары": [line],
            },
        )
        await self.client.post_document(RECEIPTS, created["Ref_Key"])
        return str(created["Ref_Key"])

    # -- payments and credit terms --

    async def payments_since(self, since: datetime) -> list[ErpPayment]:
        """Posted incoming bank payments dated on or after ``since``'s day (1C keeps local time
        without a zone: the day in UTC is never later than the local one, so nothing is missed;
        the import records each payment once by its id)."""
        day = (since.astimezone(UTC) if since.tzinfo is not None else since).date()
        rows = await self.client.all(
            PAYMENTS,
            select=[
                "Ref_Key",
                "Date",
                "Контрагент_Key",
                "СуммаДокумента",
                "НазначениеПлатежа",
                "РасшифровкаПлатежа",
            ],
            filter=all_of(ge("Date", day), eq("Posted", True), eq("DeletionMark", False)),
            orderby=["Date", "Ref_Key"],
        )
        inns = await self._inns({row["Контрагент_Key"] for row in rows})
        payments = []
        for row in rows:
            lines = row.get("РасшифровкаПлатежа") or []
            amount = (
                sum((Decimal(str(line["Сумма"])) for line in lines), Decimal("0"))
                if lines
                else Decimal(str(row["СуммаДокумента"]))
            )
            payments.append(
                ErpPayment(
                    id=row["Ref_Key"],
                    counterparty_id=row["Контрагент_Key"],
                    amount=_money(amount),
                    paid_on=date.fromisoformat(row["Date"][:10]),
                    purpose=row["НазначениеПлатежа"],
                    counterparty_inn=inns.get(row["Контрагент_Key"]),
                )
            )
        return payments

    async def _inns(self, refs: set[str]) -> dict[str, str]:
        """The counterparties' ИНН by their Ref_Key, a page of them per request."""
        inns: dict[str, str] = {}
        wanted = sorted(refs - {EMPTY_REF})
        for start in range(0, len(wanted), INN_BATCH):
            rows = await self.client.query(
                COUNTERPARTIES,
                select=["Ref_Key", "ИНН"],
                filter=any_of(*(eq("Ref_Key", Guid(ref)) for ref in wanted[start : start + INN_BATCH])),
            )
            inns.update({row["Ref_Key"]: row["ИНН"] for row in rows if row.get("ИНН")})
        return inns

    async def set_credit_terms(
        self, counterparty_id: str, deferment_days: int, credit_limit: Decimal, discount_percent: Decimal
    ) -> None:
        """The deferment (СрокОплаты) and the credit limit (ДопустимаяСуммаЗадолженности) on the
        counterparty's contract with our organisation, made when it has none. The discount is not a
        contract's property in 1C (it belongs to the agreement) and is kept here only."""
        if deferment_days < 0 or credit_limit < 0 or not (0 <= discount_percent <= 100):
            raise ValueError("credit terms out of range")
        counterparty = await self._counterparty(counterparty_id)
        conditions = [eq("Контрагент_Key", Guid(counterparty["Контрагент_Key"])), eq("DeletionMark", False)]
        if self.mapping.organisation is not None:
            conditions.append(eq("Организация_Key", Guid(str(self.mapping.organisation))))
        found = await self.client.query(
            CONTRACTS, select=["Ref_Key"], filter=all_of(*conditions), orderby=["Дата", "Ref_Key"], top=1
        )
        terms = {"СрокОплаты": deferment_days, "ДопустимаяСуммаЗадолженности": float(credit_limit)}
        if found:
            await self.client.update(CONTRACTS, found[0]["Ref_Key"], terms)
            return
        today = date.today()
        await self.client.create(
            CONTRACTS,
            {
                **self._organisation(),
                **counterparty,
                "Description": f"Основной договор от {today:%d.%m.%Y}",
                "Номер": "б/н",
                "Дата": _moment(today),
                "Статус": "Действует",
                **terms,
            },
        )

    # -- helpers --

    async def _requisition_orders(self, invoice_id: str) -> list[dict[str, Any]]:
        prefix = f"{marker(invoice_id)}: "
        rows = await self.client.all(
            SUPPLY_ORDERS,
            select=SUPPLY_FIELDS,
            filter=all_of(substringof(prefix, "Комментарий"), eq("DeletionMark", False)),
            orderby=["Date", "Ref_Key"],
        )
        return [row for row in rows if row["Комментарий"].startswith(prefix)]

    async def _receipts(self, supply_refs: Sequence[str]) -> list[dict[str, Any]]:
        if not supply_refs:
            return []
        return await self.client.all(
            RECEIPTS,
            select=["Ref_Key", "Posted", "ЗаказПоставщику", "Товары"],
            filter=all_of(
                eq("DeletionMark", False),
                any_of(*(eq("ЗаказПоставщику", Ref(Guid(ref), SUPPLY_ORDERS)) for ref in supply_refs)),
            ),
            orderby=["Date", "Ref_Key"],
        )

    async def _requisition_entry(self, invoice_id: str, row: dict[str, Any]) -> RequisitionEntry:
        goods = row["Товары"][0] if row["Товары"] else {}
        quantity = int(Decimal(str(goods.get("Количество", 0))))
        received = sum(
            Decimal(str(line["Количество"]))
            for receipt in await self._receipts([row["Ref_Key"]])
            if receipt["Posted"]
            for line in receipt["Товары"]
        )
        status = (
            REQUISITION_RECEIVED
            if received >= quantity > 0
            else REQUISITION_PARTLY_RECEIVED
            if received > 0
            else REQUISITION_ORDERED
        )
        expected = row.get("ЖелаемаяДатаПоступления") or EMPTY_DATE
        product = goods.get("Характеристика_Key") or EMPTY_REF
        return RequisitionEntry(
            id=row["Ref_Key"],
            invoice_id=invoice_id,
            product_id=None if product == EMPTY_REF else product,
            name=row["Комментарий"].removeprefix(f"{marker(invoice_id)}: "),
            quantity=quantity,
            requested_on=date.fromisoformat(row["Date"][:10]),
            expected_on=None if expected.startswith(EMPTY_DATE[:10]) else date.fromisoformat(expected[:10]),
            status=status,
        )

    async def _find(self, entity: str, number: str) -> dict[str, Any] | None:
        rows = await self.client.query(
            entity,
            select=ORDER_FIELDS if entity == ORDERS else ["Ref_Key", "DataVersion", "Number"],
            filter=all_of(eq("Комментарий", marker(number)), eq("DeletionMark", False)),
            orderby=["Date", "Ref_Key"],
            top=1,
        )
        return rows[0] if rows else None

    async def _order_of(self, invoice_id: str) -> dict[str, Any] | None:
        if _is_guid(invoice_id):
            order = await self.client.get(ORDERS, invoice_id, select=ORDER_FIELDS)
            if order is not None:
                return order
        return await self._find(ORDERS, invoice_id)

    async def _rewrite(self, ref: str, invoice: ErpInvoice, header: dict[str, Any]) -> dict[str, Any]:
        """PATCH the order with the invoice's lines under ``If-Match``, read again on a conflict."""
        for _ in range(CONFLICT_RETRIES):
            current = await self.client.get(ORDERS, ref, select=ORDER_FIELDS)
            if current is None:
                raise ODataError(404, None, f"1C has no order {ref}")
            reserved = (
                {
                    row["Характеристика_Key"]
                    for row in current["Товары"]
                    if row["ВариантОбеспечения"] in RESERVING
                }
                if current.get("Posted")
                else None
            )
            lines = await self._lines(invoice.lines, reserved=reserved)
            try:
                updated = await self.client.update(
                    ORDERS, ref, {**header, "Товары": lines}, data_version=current["DataVersion"]
                )
            except ODataConflict:
                continue
            return {**current, **updated}
        raise ODataConflict(412, None, f"the order {ref} kept changing in 1C")

    async def _bill(self, order_ref: str, invoice: ErpInvoice, counterparty: dict[str, Any]) -> None:
        total = _money(sum((line.price * line.quantity for line in invoice.lines), Decimal("0")))
        body = {
            **self._organisation(),
            **counterparty,
            "ДокументОснование": order_ref,
            "ДокументОснование_Type": f"StandardODATA.{ORDERS}",
            "СуммаДокумента": float(total),
            "Комментарий": marker(invoice.number),
            "ЭтапыГрафикаОплаты": [
                {
                    "LineNumber": 1,
                    "ДатаПлатежа": _moment(invoice.date),
                    "ПроцентПлатежа": 100,
                    "СуммаПлатежа": float(total),
                }
            ],
        }
        existing = await self._find(BILLS, invoice.number)
        if existing is None:
            await self.client.create(BILLS, {**body, "Date": _moment(invoice.date)})
        else:
            await self.client.update(BILLS, existing["Ref_Key"], body)

    async def _order_header(self, invoice: ErpInvoice, counterparty: dict[str, Any]) -> dict[str, Any]:
        total = _money(sum((line.price * line.quantity for line in invoice.lines), Decimal("0")))
        return {
            **self._common(),
            **counterparty,
            "Статус": "КОтгрузке",
            "Согласован": True,
            "СуммаДокумента": float(total),
            "Комментарий": marker(invoice.number),
        }

    def _organisation(self) -> dict[str, Any]:
        if self.mapping.organisation is None:
            return {}
        return {"Организация_Key": str(self.mapping.organisation)}

    def _common(self) -> dict[str, Any]:
        return {**self._organisation(), "Склад_Key": str(self.mapping.warehouse)}

    async def _invoice_counterparty(self, invoice: ErpInvoice) -> dict[str, Any]:
        """The invoice's counterparty; one 1C does not know by that INN is made (Партнер +
        Контрагент) when the invoice names the client."""
        if _is_guid(invoice.counterparty_id) or not invoice.counterparty_name:
            return await self._counterparty(invoice.counterparty_id)
        made = await self.upsert_counterparty(
            invoice.counterparty_name, invoice.counterparty_id, invoice.counterparty_kpp
        )
        return await self._counterparty(made.id)

    async def _counterparty(self, counterparty_id: str) -> dict[str, Any]:
        """``Контрагент_Key`` and ``Партнер_Key`` of the counterparty with that id, or with that INN."""
        select = ["Ref_Key", "Партнер_Key"]
        row: dict[str, Any] | None = None
        if _is_guid(counterparty_id):
            row = await self.client.get(COUNTERPARTIES, counterparty_id, select=select)
        else:
            rows = await self.client.query(
                COUNTERPARTIES,
                select=select,
                filter=all_of(eq("ИНН", counterparty_id.strip()), eq("DeletionMark", False)),
                orderby=["Ref_Key"],
                top=1,
            )
            row = rows[0] if rows else None
        if row is None:
            raise ODataError(404, None, f"1C has no counterparty {counterparty_id}")
        return {"Контрагент_Key": row["Ref_Key"], "Партнер_Key": row["Партнер_Key"]}

    async def _lines(
        self, lines: Sequence[ErpInvoiceLine], *, reserved: set[str] | None
    ) -> list[dict[str, Any]]:
        """The order's Товары: procured lines ``КОбеспечению``, the others ``СоСклада`` (when the
        order is rewritten, a line stays ``СоСклада`` only if it was reserved)."""
        rows = []
        for number, line in enumerate(lines, start=1):
            key = Guid(line.product_id) if line.product_id else None
            if line.procure or key is None:
                variant = PROCURE
            elif reserved is None or str(key) in reserved:
                variant = RESERVE
            else:
                variant = PROCURE
            rows.append(await self._line(number, key, line.quantity, line.price, line.vat_rate, variant))
        return rows

    async def _line(
        self, number: int, key: Guid | None, quantity: int, price: Decimal, vat_rate: Decimal, variant: str
    ) -> dict[str, Any]:
        row: dict[str, Any] = {
            "LineNumber": number,
            "Номенклатура_Key": await self._owner(key) if key is not None else EMPTY_REF,
            "Характеристика_Key": str(key) if key is not None else EMPTY_REF,
            "Количество": quantity,
            "Цена": float(price),
            "СтавкаНДС_Key": await self._vat_rate(vat_rate),
            "Склад_Key": str(self.mapping.warehouse),
            "ВариантОбеспечения": variant,
            "КодСтроки": number,
        }
        self._amounts(row, vat_rate)
        return row

    @staticmethod
    def _amounts(row: dict[str, Any], vat_rate: Decimal | None = None) -> None:
        """Сумма, СуммаНДС (VAT included in the price), СуммаСНДС of a row."""
        amount = _money(Decimal(str(row["Цена"])) * Decimal(str(row["Количество"])))
        if vat_rate is None:
            old_amount = Decimal(str(row.get("Сумма") or 0))
            old_vat = Decimal(str(row.get("СуммаНДС") or 0))
            vat_rate = (old_vat * 100 / (old_amount - old_vat)) if old_amount > old_vat > 0 else Decimal("0")
        vat = _money(amount * vat_rate / (100 + vat_rate))
        row.update(Сумма=float(amount), СуммаНДС=float(vat), СуммаСНДС=float(amount))

    async def _owner(self, key: Guid) -> str:
        """The Номенклатура of a characteristic (a product's id is its characteristic)."""
        if str(key) not in self._owners:
            row = await self.client.get(CHARACTERISTICS, key, select=["Ref_Key", "Owner"])
            if row is None:
                raise ODataError(404, None, f"1C has no characteristic {key}")
            self._owners[str(key)] = str(row["Owner"])
        return self._owners[str(key)]

    async def _vat_rate(self, rate: Decimal) -> str:
        rate = rate.normalize()
        if rate not in self._vat:
            rows = await self.client.query(
                VAT_RATES,
                select=["Ref_Key"],
                filter=all_of(eq("Ставка", rate), eq("DeletionMark", False)),
                orderby=["Ref_Key"],
                top=1,
            )
            self._vat[rate] = str(rows[0]["Ref_Key"]) if rows else EMPTY_REF
        return self._vat[rate]

    async def _free(self, key: Guid) -> Decimal:
        rows = await self.client.balance(
            STOCK,
            select=["ВНаличииBalance", "КОтгрузкеBalance"],
            condition=all_of(
                eq("Склад_Key", Guid(str(self.mapping.warehouse))), eq("Характеристика_Key", key)
            ),
        )
        return sum(
            (Decimal(str(r["ВНаличииBalance"])) - Decimal(str(r["КОтгрузкеBalance"])) for r in rows),
            Decimal("0"),
        )

    async def _post(self, ref: str) -> None:
        await self.client.post_document(ORDERS, ref)

    async def _post_reserving(self, ref: str) -> None:
        """Post the order; when 1C refuses (a reserved line beyond the free stock), the lines the
        stock cannot serve become ``КОбеспечению`` and the order is posted again."""
        try:
            await self._post(ref)
            return
        except OneCUnavailable:
            raise
        except ODataError:
            pass
        order = await self.client.get(ORDERS, ref, select=ORDER_FIELDS)
        if order is None:
            raise ODataError(404, None, f"1C has no order {ref}")
        rows = [dict(row) for row in order["Товары"]]
        for row in rows:
            if (
                row["ВариантОбеспечения"] in RESERVING
                and row["Характеристика_Key"] != EMPTY_REF
                and await self._free(Guid(row["Характеристика_Key"])) < Decimal(str(row["Количество"]))
            ):
                row["ВариантОбеспечения"] = PROCURE
        await self.client.update(ORDERS, ref, {"Товары": rows}, data_version=order["DataVersion"])
        await self._post(ref)
