"""Clients (counterparties) and their contact persons."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, Versioned, str_enum


class ContactLevel(StrEnum):
    """From the client's buyer up to its director: escalation calls go through every level."""

    BUYER = "buyer"
    SPECIALIST = "specialist"
    CHIEF_ACCOUNTANT = "chief_accountant"
    DEPUTY_DIRECTOR = "deputy_director"
    DIRECTOR = "director"


class PurchaseFrequency(StrEnum):
    ONE_OFF = "one_off"
    YEARLY = "yearly"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"
    WEEKLY = "weekly"


class Potential(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Client(Versioned, Base):
    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("inn", "kpp"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    # Lower-cased copy of the name: case-insensitive search that behaves the same on every backend
    # (SQLite's lower() does not fold Cyrillic).
    name_search: Mapped[str] = mapped_column(String(300), index=True)
    inn: Mapped[str] = mapped_column(String(12), index=True)
    kpp: Mapped[str | None] = mapped_column(String(9))
    legal_address: Mapped[str | None] = mapped_column(String(500))
    actual_address: Mapped[str | None] = mapped_column(String(500))
    delivery_addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    headcount: Mapped[int | None]
    potential: Mapped[Potential | None] = mapped_column(str_enum(Potential))
    purchase_frequency: Mapped[PurchaseFrequency | None] = mapped_column(str_enum(PurchaseFrequency))
    payment_day: Mapped[int | None] = mapped_column(Integer)
    # Credit terms approved by the director or the department head: payment deferment in calendar
    # days and the credit limit, in force from a date. None: prepayment by the company's default.
    deferment_days: Mapped[int | None] = mapped_column(Integer)
    credit_limit: Mapped[Decimal | None]
    terms_from: Mapped[date | None] = mapped_column(Date)
    discount_basis_points: Mapped[int | None] = mapped_column(Integer)  # the approved discount; 500 = 5 %
    # The supply contract and its penalty (неустойка) for late payment, set by the lawyer or a head:
    # a claim letter charges that penalty instead of the interest of art. 395 (art. 395 p. 4).
    contract_number: Mapped[str | None] = mapped_column(String(64))
    contract_date: Mapped[date | None] = mapped_column(Date)
    penalty_rate_ppm: Mapped[int | None] = mapped_column(Integer)  # of the debt a day; 1000 = 0.1 %
    penalty_cap_basis_points: Mapped[int | None] = mapped_column(Integer)  # of the debt; 1000 = 10 %
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL"), index=True
    )
    assistant_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL"), index=True
    )
    onec_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    amocrm_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    contacts: Mapped[list[ClientContact]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ClientContact.id"
    )

    @property
    def discount_percent(self) -> Decimal | None:
        bp = self.discount_basis_points
        return None if bp is None else Decimal(bp) / 100

    @property
    def penalty_rate_per_day_percent(self) -> Decimal | None:
        ppm = self.penalty_rate_ppm
        return None if ppm is None else Decimal(ppm) / 10_000

    @property
    def penalty_cap_percent(self) -> Decimal | None:
        bp = self.penalty_cap_basis_points
        return None if bp is None else Decimal(bp) / 100


class ClientContact(Base):
    __tablename__ = "client_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[ContactLevel] = mapped_column(str_enum(ContactLevel))
    phones: Mapped[list[str]] = mapped_column(JSON, default=list)
    emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    messengers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(Text)
