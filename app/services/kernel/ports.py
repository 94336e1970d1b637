"""What the services need from the outside world, as Protocols. Adapters implement them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol


class JobQueue(Protocol):
    async def enqueue(self, function: str, *args: Any, job_id: str) -> bool:
        """Hand a job to the queue; False when the queue is unreachable (the sweep retries later)."""
        ...


class Notices(Protocol):
    """Short notices between the processes of the service ("who a token is has changed")."""

    async def publish(self, topic: str) -> bool:
        """Tell every listening process; False when the notice could not be sent (each process
        then relies on its own expiry)."""
        ...


# --- chat -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatReceipt:
    message_id: str


class ChatError(Exception):
    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class Chat(Protocol):
    async def send_message(self, chat_id: str, text: str) -> ChatReceipt: ...

    async def send_document(
        self, chat_id: str, filename: str, content: bytes, caption: str | None = None
    ) -> ChatReceipt: ...


# --- email ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class EmailMessage:
    to: list[str]
    subject: str
    text: str
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    message_id: str | None = None
    reply_to: str | None = None


class MailError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Mailer(Protocol):
    async def send(
        self, message: EmailMessage, *, accepted: Callable[[str], Awaitable[None]] | None = None
    ) -> str:
        """Send and return the Message-ID. ``accepted`` (given the Message-ID) is awaited the
        moment the server has taken the message, before anything else, so that the caller can
        record it as sent while the window for a duplicate after a crash is smallest."""
        ...


class MailboxError(Exception):
    """The mailbox could not be reached, refused a command, or the connection broke."""


@dataclass(frozen=True)
class MailboxFolder:
    name: str
    uidvalidity: int
    uids: list[int]  # the messages not yet taken, oldest first


class MailboxSession(Protocol):
    """One connection to the shared mailbox (IMAP), logged in."""

    async def open(self, folder: str, keyword: str) -> MailboxFolder:
        """Select ``folder``; the UIDs of its messages without ``keyword``."""
        ...

    async def sizes(self, uids: Sequence[int]) -> dict[int, int]: ...

    async def fetch(self, uid: int) -> bytes | None:
        """The whole message, not marking it read; None when it is gone."""
        ...

    async def fetch_many(self, uids: Sequence[int]) -> dict[int, bytes]:
        """The whole messages of ``uids`` in one round trip, not marking them read; those gone are
        left out."""
        ...

    async def mark(self, uids: Sequence[int], keyword: str, move_to: str | None) -> None:
        """Show people the messages were taken: the keyword, and a move when one is configured."""
        ...

    async def wait(self, seconds: float) -> bool:
        """Wait for new mail in the selected folder (IDLE where the server has it); whether any came."""
        ...

    async def close(self) -> None: ...


class Mailbox(Protocol):
    def connect(self) -> AbstractAsyncContextManager[MailboxSession]: ...


# --- 1C ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceCategoryPrice:
    category: str
    price: Decimal


@dataclass(frozen=True)
class Product:
    """A nomenclature item with its characteristic (model, color, size, height)."""

    id: str
    sku: str
    name: str
    model: str
    color: str
    size: str
    height: str
    unit: str
    purchase_price: Decimal
    prices: tuple[PriceCategoryPrice, ...]
    stock: int


@dataclass(frozen=True)
class ErpCounterparty:
    id: str
    name: str
    inn: str
    kpp: str | None


@dataclass(frozen=True)
class ErpInvoiceLine:
    product_id: str | None
    name: str
    quantity: int
    price: Decimal
    vat_rate: Decimal
    procure: bool


@dataclass(frozen=True)
class ErpInvoice:
    number: str
    date: date
    counterparty_id: str  # 1C's id of the counterparty, or its INN while 1C's id is unknown here
    lines: tuple[ErpInvoiceLine, ...]
    # The client as 1C should know it, for an adapter to find or make the counterparty by INN/KPP.
    counterparty_name: str = ""
    counterparty_kpp: str | None = None


@dataclass(frozen=True)
class ErpPayment:
    id: str
    counterparty_id: str
    amount: Decimal
    paid_on: date
    purpose: str
    # The payer's INN as 1C holds it, for a client whose 1C id is not known here yet.
    counterparty_inn: str | None = None


@dataclass(frozen=True)
class RequisitionEntry:
    id: str
    invoice_id: str
    product_id: str | None
    name: str
    quantity: int
    requested_on: date
    expected_on: date | None
    status: str


class ErpUnavailable(Exception):
    """1C did not answer (or its web server answered 5xx) after the adapter's retries: what needs it
    waits and is tried again; nothing was refused."""


class ErpRefused(Exception):
    """1C refused what it was asked (a document it will not take: no price for a characteristic,
    a closed period…) with ``message``, its own words; asking again will not help until someone
    fixes the cause in 1C. 1C not answering is not this: that is retried."""

    message: str


class Erp(Protocol):
    """1C:Enterprise: catalogue, stock, counterparties, invoices, reservations, requisitions, payments."""

    async def search_products(self, query: str, limit: int = 20) -> list[Product]: ...

    async def get_product(self, product_id: str) -> Product | None: ...

    async def price_categories(self) -> list[str]: ...

    async def stock(self, product_id: str) -> int: ...

    async def upsert_counterparty(self, name: str, inn: str, kpp: str | None) -> ErpCounterparty: ...

    async def create_invoice(self, invoice: ErpInvoice) -> str: ...

    async def update_invoice(self, invoice_id: str, invoice: ErpInvoice) -> None:
        """Write the invoice 1C has under ``invoice_id`` again (its lines' reserve / procure choice);
        the same document twice leaves 1C as once."""
        ...

    async def reserve(self, invoice_id: str, product_id: str, quantity: int) -> bool: ...

    async def add_requisition(
        self, invoice_id: str, product_id: str | None, name: str, quantity: int, requested_on: date
    ) -> RequisitionEntry: ...

    async def requisitions(self, invoice_id: str) -> list[RequisitionEntry]: ...

    async def create_upd(self, invoice_id: str) -> str: ...

    async def post_receipt(self, requisition_id: str, quantity: int) -> str: ...

    async def payments_since(self, since: datetime) -> list[ErpPayment]: ...

    async def set_credit_terms(
        self, counterparty_id: str, deferment_days: int, credit_limit: Decimal, discount_percent: Decimal
    ) -> None: ...


# --- Russian Post -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackingOperation:
    at: datetime
    operation: str
    attribute: str
    place: str


class TrackingError(Exception):
    """The post's tracking service could not answer (network, HTTP, a SOAP fault)."""


class PostTracker(Protocol):
    async def history(self, barcode: str, posted_on: date | None = None) -> list[TrackingOperation]:
        """The item's operations, oldest first. ``posted_on`` is the day we posted it: the post's
        own service ignores it (it knows), a stand-in starts its invented history there."""
        ...


# --- amoCRM -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrmContact:
    id: int
    name: str
    phones: tuple[str, ...]
    emails: tuple[str, ...]


@dataclass(frozen=True)
class CrmCompany:
    """The lead's company card: its name and custom fields (INN, KPP, addresses, as configured)."""

    id: int
    name: str
    custom_fields: dict[str, Any]


@dataclass(frozen=True)
class CrmLead:
    id: int
    name: str
    status_id: int
    pipeline_id: int
    price: int
    responsible_user_id: int | None
    custom_fields: dict[str, Any]
    contacts: tuple[CrmContact, ...]
    company: CrmCompany | None = None


class CrmError(Exception):
    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class Crm(Protocol):
    async def get_lead(self, lead_id: int) -> CrmLead | None: ...


# --- Bank of Russia key rate -----------------------------------------------------------------


@dataclass(frozen=True)
class KeyRateObservation:
    """The key rate in percent a year as published for one day."""

    day: date
    rate_percent: Decimal


class KeyRateError(Exception):
    pass


class KeyRateSource(Protocol):
    # True for the Bank of Russia's own service: its rates confirm the table's rows.
    authoritative: bool

    async def key_rates(self, start: date, end: date) -> list[KeyRateObservation]:
        """The published daily key rates from ``start`` to ``end`` inclusive (working days only)."""
        ...


class ChatGateway(Protocol):
    """Routes a message to the adapter and chat id configured for a channel of the registry."""

    def channels(self) -> dict[str, str]:
        """Channel key -> its title, as configured."""
        ...

    async def post(self, channel: str, recipient: str, text: str) -> ChatReceipt: ...

    async def post_document(
        self, channel: str, recipient: str, filename: str, content: bytes, caption: str | None = None
    ) -> ChatReceipt: ...


# --- file storage -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredObject:
    key: str
    content: bytes
    content_type: str


class StorageError(Exception):
    """The store could not be reached or refused the operation."""


class Storage(Protocol):
    """Files kept by key (photos, logos, documents as sent): a local folder or an S3 bucket.

    Keys are relative paths of safe characters (``photos/ab12….jpg``); putting a key again replaces
    the object, so a retried put is harmless."""

    async def put(self, key: str, content: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> StoredObject | None: ...

    async def delete(self, key: str) -> None: ...
