"""SQLAlchemy models, one module per domain. Importing this package registers every table."""

from app.models.clients import Client, ClientContact
from app.models.collection import (
    CollectionCall,
    CollectionCase,
    CollectionCaseInvoice,
    CollectionFile,
    CollectionStep,
)
from app.models.credit import CreditFile, CreditRequest
from app.models.deliveries import Delivery
from app.models.directory import ApiToken, Department, Employee, EmployeeRole, Role
from app.models.events import Event
from app.models.flags import DocumentFlag
from app.models.idempotency import IdempotencyRecord
from app.models.invoices import Invoice, InvoiceCounter, InvoiceLine, InvoiceRevision
from app.models.mailbox import InboundEmail
from app.models.onec import OneCRefusal
from app.models.orders import Order, OrderAttachment, OrderLine, WebhookDelivery
from app.models.outbox import OutboundMessage
from app.models.payments import InvoiceReminder, Payment, PaymentAllocation
from app.models.proposals import Proposal, ProposalDocument, ProposalLine
from app.models.rates import KeyRate, KeyRateRefresh
from app.models.reconciliations import (
    DebtAcknowledgement,
    LimitationWarning,
    ReconciliationAct,
    SweepMark,
)
from app.models.reference import ReferenceLink, ReferenceTerm
from app.models.reports import DailyReport
from app.models.requisitions import Requisition
from app.models.seeds import AppliedSeed
from app.models.specs import Spec
from app.models.tasks import Task
from app.models.warehouse_checks import WarehouseCheck, WarehouseCheckItem

__all__ = [
    "ApiToken",
    "AppliedSeed",
    "Client",
    "ClientContact",
    "CollectionCall",
    "CollectionCase",
    "CollectionCaseInvoice",
    "CollectionFile",
    "CollectionStep",
    "CreditFile",
    "CreditRequest",
    "DailyReport",
    "DebtAcknowledgement",
    "Delivery",
    "Department",
    "DocumentFlag",
    "Employee",
    "EmployeeRole",
    "Event",
    "IdempotencyRecord",
    "InboundEmail",
    "Invoice",
    "InvoiceCounter",
    "InvoiceLine",
    "InvoiceReminder",
    "InvoiceRevision",
    "KeyRate",
    "KeyRateRefresh",
    "LimitationWarning",
    "OneCRefusal",
    "Order",
    "OrderAttachment",
    "OrderLine",
    "OutboundMessage",
    "Payment",
    "PaymentAllocation",
    "Proposal",
    "ProposalDocument",
    "ProposalLine",
    "ReconciliationAct",
    "ReferenceLink",
    "ReferenceTerm",
    "Requisition",
    "Role",
    "Spec",
    "SweepMark",
    "Task",
    "WarehouseCheck",
    "WarehouseCheckItem",
    "WebhookDelivery",
]
