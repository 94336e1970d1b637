"""Departments, employees, authentication and tokens."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, EmailStr, Field, SecretStr, StringConstraints, field_validator

from app.models.directory import Role
from app.schemas.common import Id, Name, Phone, ReadModel, StrictModel, Timestamp

DepartmentCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{1,31}$"),
    Field(examples=["service"], description="Latin identifier: a-z, 0-9, underscore"),
]
Initials = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[А-ЯЁA-Z]{2,4}$"),
    Field(examples=["ИПС"], description="Initials code of 2–4 capitals (Cyrillic as in the regulation)"),
]
ChatHandle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Password = Annotated[SecretStr, Field(min_length=8, max_length=128)]


def _unique_roles(roles: list[Role]) -> list[Role]:
    if len(set(roles)) != len(roles):
        raise ValueError("lists a role twice")
    return sorted(roles)


Roles = Annotated[list[Role], Field(min_length=1, max_length=len(Role)), AfterValidator(_unique_roles)]


class DepartmentCreate(StrictModel):
    code: DepartmentCode
    name: Name


class DepartmentUpdate(StrictModel):
    code: DepartmentCode | None = None
    name: Name | None = None


class DepartmentRead(ReadModel):
    id: int
    code: str
    name: str
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class EmployeeCreate(StrictModel):
    full_name: Name
    initials: Initials
    department_id: Id
    position: Name
    roles: Roles
    email: EmailStr
    phone: Phone | None = None
    chat_handle: ChatHandle | None = None
    is_active: bool = True
    password: Password | None = None


class EmployeeUpdate(StrictModel):
    full_name: Name | None = None
    initials: Initials | None = None
    department_id: Id | None = None
    position: Name | None = None
    roles: Roles | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    chat_handle: ChatHandle | None = None
    is_active: bool | None = None
    password: Password | None = None


class EmployeeRead(ReadModel):
    id: int
    full_name: str
    initials: str
    department_id: int
    position: str
    roles: list[Role]
    email: str
    phone: str | None
    chat_handle: str | None
    is_active: bool
    version: int
    created_at: Timestamp
    updated_at: Timestamp

    @field_validator("roles", mode="before")
    @classmethod
    def _role_values(cls, value: Any) -> Any:
        return [getattr(r, "role", r) for r in value]


class MeRead(EmployeeRead):
    permissions: list[str]


class LoginRequest(StrictModel):
    email: EmailStr
    password: SecretStr = Field(min_length=1, max_length=128)


class TokenResponse(ReadModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: Timestamp


class PersonalTokenCreate(StrictModel):
    name: Name
    expires_in_days: int = Field(default=90, ge=1, le=3650)


class PersonalTokenRead(ReadModel):
    id: int
    name: str
    kind: str
    prefix: str
    created_at: Timestamp
    expires_at: Timestamp
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None


class PersonalTokenCreated(PersonalTokenRead):
    token: str = Field(description="Shown once; only its hash is kept")
