"""The department's directory: departments, employees, their roles and API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, Versioned, str_enum


class Role(StrEnum):
    ADMIN = "admin"
    DIRECTOR = "director"
    HEAD = "head"
    MANAGER = "manager"
    ASSISTANT = "assistant"
    LAWYER = "lawyer"
    ACCOUNTANT = "accountant"
    SUPPLY = "supply"
    WAREHOUSE = "warehouse"
    WORKSHOP = "workshop"
    DRIVER = "driver"


class Department(Versioned, Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Employee(Versioned, Base):
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    initials: Mapped[str] = mapped_column(String(8), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    position: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    chat_handle: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    roles: Mapped[list[EmployeeRole]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="EmployeeRole.role"
    )
    department: Mapped[Department] = relationship(lazy="raise")

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.roles)


class EmployeeRole(Base):
    __tablename__ = "employee_roles"

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(str_enum(Role), primary_key=True)


class ApiToken(Base):
    """A bearer credential: a login session or a personal API token. Only its hash is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # "session" | "personal"
    token_hash: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginCounter(Base):
    """Failed logins of one account or one source address (``key``), shared by every API process:
    the failures in the current window, and the lock-out they led to."""

    __tablename__ = "login_counters"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(400))  # "account:<email>" or "address:<ip or /64>"
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime]
    last_failure_at: Mapped[datetime] = mapped_column(index=True)
    lockouts: Mapped[int] = mapped_column(Integer)  # in a row: each one lasts twice as long
    locked_until: Mapped[datetime | None]
