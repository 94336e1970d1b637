"""An in-memory 1C stand-in for the demo and tests, seeded from a JSON catalogue.

It behaves like the parts of 1C:Управление торговлей the services use: nomenclature with
characteristics and prices by price category, free stock, counterparties, invoices, reserves, the
requisition book, УПД, receipts, incoming payments and credit terms. Identifiers are GUID strings, as
1C's ``Ref_Key``.

The state lives in the process that holds the instance: an id this instance never issued (an invoice
created by another process, say) is accepted rather than refused, as a stand-in should be.

Every method is synchronous inside (no ``await`` between reading and writing state), and each
mutation runs under a ``threading.Lock``: that makes one instance safe to share between coroutines
of one event loop and also between loops or threads (an ASGI server and a worker in one process).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from app.services.kernel.ports import (
    ErpCounterparty,
    ErpInvoice,
    ErpPayment,
    PriceCategoryPrice,
    Product,
    RequisitionEntry,
)

CATALOGUE_FILE = Path(__file__).with_name("catalogue.json")
DEFAULT_PRICE_CATEGORIES = ("Розничная", "Оптовая", "Дилерская")

# Statuses of a requisition book entry, as the supply department sees them.
REQUISITION_ORDERED = "Заказано"
REQUISITION_PARTLY_RECEIVED = "Частично поступило"
REQUISITION_RECEIVED = "Поступило"


@dataclass(frozen=True)
class CreditTerms:
    counterparty_id: str
    deferment_days: int
    credit_limit: Decimal
    discount_percent: Decimal


@dataclass(frozen=True)
class Reservation:
    invoice_id: str
    product_id: str
    quantity: int


@dataclass(frozen=True)
class Upd:
    id: str
    invoice_id: str


@dataclass(frozen=True)
class Receipt:
    id: str
    requisition_id: str
    quantity: int


@dataclass(frozen=True)
class _RecordedPayment:
    payment: ErpPayment
    recorded_at: datetime


def _guid() -> str:
    return str(uuid.uuid4())


def _fold(text: str) -> str:
    """Case- and ё-insensitive form for matching Cyrillic and Latin text."""
    return text.casefold().replace("ё", "е")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _decimal(value: Any, where: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{where}: not a number: {value!r}") from exc
    if not result.is_finite() or result < 0:
        raise ValueError(f"{where}: must be a non-negative number: {value!r}")
    return result


def _product_from_json(item: Mapping[str, Any], index: int) -> Product:
    where = f"catalogue product #{index}"
    try:
        prices_raw = item.get("prices") or {}
        if not isinstance(prices_raw, Mapping):
            raise ValueError(f"{where}: prices must be an object")
        stock = int(item.get("stock", 0))
        if stock < 0:
            raise ValueError(f"{where}: stock must not be negative")
        return Product(
            id=str(item["id"]),
            sku=str(item["sku"]),
            name=str(item["name"]),
            model=str(item.get("model", "")),
            color=str(item.get("color", "")),
            size=str(item.get("size", "")),
            height=str(item.get("height", "")),
            unit=str(item.get("unit", "шт")),
            purchase_price=_decimal(item.get("purchase_price", "0"), f"{where} purchase_price"),
            prices=tuple(
                PriceCategoryPrice(category=str(category), price=_decimal(price, f"{where} price {category}"))
                for category, price in prices_raw.items()
            ),
            stock=stock,
        )
    except KeyError as exc:
        raise ValueError(f"{where}: missing field {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        if str(exc).startswith(where):
            raise
        raise ValueError(f"{where}: {exc}") from exc


class StubErp:
    """The ``Erp`` port in memory."""

    def __init__(self, products: Iterable[Product], price_categories: Iterable[str] | None = None) -> None:
        self._lock = threading.Lock()
        self._products: dict[str, Product] = {}
        for product in products:
            if product.id in self._products:
                raise ValueError(f"duplicate product id {product.id}")
            self._products[product.id] = product
        categories = list(price_categories) if price_categories is not None else []
        if not categories:
            seen: dict[str, None] = {}
            for product in self._products.values():
                for price in product.prices:
                    seen.setdefault(price.category, None)
            categories = list(seen) or list(DEFAULT_PRICE_CATEGORIES)
        self._price_categories = categories
        self._counterparties: dict[str, ErpCounterparty] = {}
        self._invoices: dict[str, ErpInvoice] = {}
        self._reservations: dict[str, list[Reservation]] = {}
        self._requisitions: dict[str, RequisitionEntry] = {}
        self._received: dict[str, int] = {}
        self._upds: dict[str, Upd] = {}
        self._receipts: dict[str, Receipt] = {}
        self._payments: list[_RecordedPayment] = []
        self._credit_terms: dict[str, CreditTerms] = {}

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: Path | str) -> StubErp:
        """Load a catalogue: ``{"price_categories": [...], "products": [{...}, ...]}``."""
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"cannot read the 1C stub catalogue {path}: {exc}") from exc
        if not isinstance(raw, Mapping) or not isinstance(raw.get("products"), list):
            raise ValueError(f"the 1C stub catalogue {path} must be an object with a 'products' list")
        products = []
        for index, item in enumerate(raw["products"]):
            if not isinstance(item, Mapping):
                raise ValueError(f"catalogue product #{index}: must be an object")
            products.append(_product_from_json(item, index))
        categories = raw.get("price_categories")
        return cls(products, [str(c) for c in categories] if isinstance(categories, list) else None)

    @classmethod
    def default(cls) -> StubErp:
        """The invented workwear catalogue shipped with the package."""
        return cls.from_file(CATALOGUE_FILE)

    # --- catalogue ----------------------------------------------------------------------------

    async def search_products(self, query: str, limit: int = 20) -> list[Product]:
        """Items whose name, model, SKU or color contain every word of the query (any case)."""
        if limit <= 0:
            return []
        words = _fold(query).split()
        found: list[Product] = []
        with self._lock:
            for product in self._products.values():
                haystack = _fold(" ".join((product.name, product.model, product.sku, product.color)))
                if all(word in haystack for word in words):
                    found.append(product)
                    if len(found) >= limit:
                        break
        return found

    async def get_product(self, product_id: str) -> Product | None:
        with self._lock:
            return self._products.get(product_id)

    async def price_categories(self) -> list[str]:
        return list(self._price_categories)

    async def stock(self, product_id: str) -> int:
        """Free stock; 0 for an unknown item."""
        with self._lock:
            product = self._products.get(product_id)
            return product.stock if product is not None else 0

    # --- counterparties and invoices ----------------------------------------------------------

    async def upsert_counterparty(self, name: str, inn: str, kpp: str | None) -> ErpCounterparty:
        """Find by ИНН+КПП (as 1C does for a legal entity's branch) and update the name, or create."""
        inn = inn.strip()
        kpp = kpp.strip() if kpp else None
        if not inn:
            raise ValueError("a counterparty needs an INN")
        with self._lock:
            for existing in self._counterparties.values():
                if existing.inn == inn and existing.kpp == kpp:
                    updated = replace(existing, name=name)
                    self._counterparties[existing.id] = updated
                    return updated
            created = ErpCounterparty(id=_guid(), name=name, inn=inn, kpp=kpp)
            self._counterparties[created.id] = created
            return created

    async def create_invoice(self, invoice: ErpInvoice) -> str:
        invoice_id = _guid()
        with self._lock:
            self._invoices[invoice_id] = invoice
            self._reservations[invoice_id] = []
        return invoice_id

    async def update_invoice(self, invoice_id: str, invoice: ErpInvoice) -> None:
        with self._lock:
            if invoice_id not in self._invoices:
                raise ValueError(f"1C has no invoice {invoice_id}")
            self._invoices[invoice_id] = invoice

    async def reserve(self, invoice_id: str, product_id: str, quantity: int) -> bool:
        """Take ``quantity`` from free stock for the invoice; False when there is not enough."""
        if quantity <= 0:
            raise ValueError("quantity to reserve must be positive")
        with self._lock:
            product = self._products.get(product_id)
            if product is None or product.stock < quantity:
                return False
            self._products[product_id] = replace(product, stock=product.stock - quantity)
            self._reservations.setdefault(invoice_id, []).append(
                Reservation(invoice_id=invoice_id, product_id=product_id, quantity=quantity)
            )
            return True

    async def add_requisition(
        self, invoice_id: str, product_id: str | None, name: str, quantity: int, requested_on: date
    ) -> RequisitionEntry:
        if quantity <= 0:
            raise ValueError("requisition quantity must be positive")
        entry = RequisitionEntry(
            id=_guid(),
            invoice_id=invoice_id,
            product_id=product_id,
            name=name,
            quantity=quantity,
            requested_on=requested_on,
            expected_on=None,
            status=REQUISITION_ORDERED,
        )
        with self._lock:
            self._requisitions[entry.id] = entry
            self._received[entry.id] = 0
        return entry

    async def requisitions(self, invoice_id: str) -> list[RequisitionEntry]:
        with self._lock:
            return [entry for entry in self._requisitions.values() if entry.invoice_id == invoice_id]

    async def create_upd(self, invoice_id: str) -> str:
        with self._lock:
            upd = Upd(id=_guid(), invoice_id=invoice_id)
            self._upds[upd.id] = upd
            return upd.id

    async def post_receipt(self, requisition_id: str, quantity: int) -> str:
        """Post goods received for a requisition: they go to free stock, the entry's status moves on."""
        if quantity <= 0:
            raise ValueError("received quantity must be positive")
        with self._lock:
            entry = self._requisitions.get(requisition_id)
            if entry is not None:
                received = self._received.get(requisition_id, 0) + quantity
                self._received[requisition_id] = received
                status = REQUISITION_RECEIVED if received >= entry.quantity else REQUISITION_PARTLY_RECEIVED
                self._requisitions[requisition_id] = replace(entry, status=status)
                if entry.product_id is not None and entry.product_id in self._products:
                    product = self._products[entry.product_id]
                    self._products[entry.product_id] = replace(product, stock=product.stock + quantity)
            receipt = Receipt(id=_guid(), requisition_id=requisition_id, quantity=quantity)
            self._receipts[receipt.id] = receipt
            return receipt.id

    # --- payments and credit terms ------------------------------------------------------------

    async def payments_since(self, since: datetime) -> list[ErpPayment]:
        """Payments that appeared in 1C at or after ``since`` (a naive moment is taken as UTC)."""
        since = _aware(since)
        with self._lock:
            return [entry.payment for entry in self._payments if entry.recorded_at >= since]

    async def set_credit_terms(
        self, counterparty_id: str, deferment_days: int, credit_limit: Decimal, discount_percent: Decimal
    ) -> None:
        if deferment_days < 0 or credit_limit < 0 or not (0 <= discount_percent <= 100):
            raise ValueError("credit terms out of range")
        with self._lock:
            self._credit_terms[counterparty_id] = CreditTerms(
                counterparty_id=counterparty_id,
                deferment_days=deferment_days,
                credit_limit=credit_limit,
                discount_percent=discount_percent,
            )

    # --- helpers for tests and the demo (not part of the port) --------------------------------

    def record_payment(
        self,
        counterparty_id: str,
        amount: Decimal,
        paid_on: date,
        purpose: str = "Оплата по счёту",
        *,
        payment_id: str | None = None,
        recorded_at: datetime | None = None,
    ) -> ErpPayment:
        """Register an incoming payment as if the accountant had loaded the bank statement."""
        payment = ErpPayment(
            id=payment_id or _guid(),
            counterparty_id=counterparty_id,
            amount=amount,
            paid_on=paid_on,
            purpose=purpose,
        )
        moment = _aware(recorded_at) if recorded_at is not None else datetime.now(UTC)
        with self._lock:
            self._payments.append(_RecordedPayment(payment=payment, recorded_at=moment))
            self._payments.sort(key=lambda entry: entry.recorded_at)
        return payment

    def credit_terms(self, counterparty_id: str) -> CreditTerms | None:
        with self._lock:
            return self._credit_terms.get(counterparty_id)

    def counterparty(self, counterparty_id: str) -> ErpCounterparty | None:
        with self._lock:
            return self._counterparties.get(counterparty_id)

    def invoice(self, invoice_id: str) -> ErpInvoice | None:
        with self._lock:
            return self._invoices.get(invoice_id)

    def reservations(self, invoice_id: str) -> list[Reservation]:
        with self._lock:
            return list(self._reservations.get(invoice_id, ()))

    def upds(self, invoice_id: str) -> list[Upd]:
        with self._lock:
            return [upd for upd in self._upds.values() if upd.invoice_id == invoice_id]

    def receipts(self, requisition_id: str) -> list[Receipt]:
        with self._lock:
            return [r for r in self._receipts.values() if r.requisition_id == requisition_id]

    def set_expected_date(self, requisition_id: str, expected_on: date | None) -> RequisitionEntry:
        """Supply writes the expected arrival date into the requisition book."""
        with self._lock:
            entry = self._requisitions.get(requisition_id)
            if entry is None:
                raise LookupError(f"no requisition {requisition_id} in 1C")
            updated = replace(entry, expected_on=expected_on)
            self._requisitions[requisition_id] = updated
            return updated

    def products(self) -> list[Product]:
        with self._lock:
            return list(self._products.values())
