"""The directory (departments, employees) and access (login sessions, personal API tokens)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, String, bindparam, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from app.core.config import AuthSettings
from app.core.errors import Conflict, FieldError, NotFound, Unauthenticated
from app.core.security import PasswordHashing, hash_password_off_loop, hash_token, new_token
from app.models.directory import ApiToken, Department, Employee, EmployeeRole, Role
from app.schemas.directory import (
    DepartmentCreate,
    DepartmentUpdate,
    EmployeeCreate,
    EmployeeUpdate,
    PersonalTokenCreate,
)
from app.services.directory.login_throttle import LoginThrottle, login_keys
from app.services.kernel.common import ensure_version, get_or_404, touch
from app.services.kernel.history import HistoryService, snapshot
from app.services.kernel.pagination import Page, decode_cursor, page_of
from app.services.kernel.unit_of_work import UnitOfWork

SESSION = "session"
PERSONAL = "personal"


@dataclass(frozen=True)
class Login:
    token: str | None
    row: ApiToken | None
    refused: str | None  # why, when the login is refused


async def first_active_with_role(uow: UnitOfWork, *roles: Role, excluding: int | None = None) -> int | None:
    """The longest-serving active employee with the first of ``roles`` anyone has (who gets what
    nobody else owns: a head, else the director), other than ``excluding`` (who asked)."""
    for role in roles:
        query = select(Employee.id).where(Employee.is_active.is_(True), Employee.roles.any(role=role))
        if excluding is not None:
            query = query.where(Employee.id != excluding)
        ident: int | None = await uow.session.scalar(query.order_by(Employee.id).limit(1))
        if ident is not None:
            return ident
    return None


# Built once: every request asks it.
_TOKEN_WITH_EMPLOYEE = (
    # The token's columns, not the entity: only the employee is kept for the request.
    select(ApiToken.id, ApiToken.revoked_at, ApiToken.expires_at, ApiToken.last_used_at, Employee)
    .join(Employee, Employee.id == ApiToken.employee_id)
    .options(joinedload(Employee.roles))
    .where(ApiToken.token_hash == bindparam("token_hash", type_=String))
)


class DepartmentService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.history = HistoryService(uow)

    async def all(self) -> Sequence[Department]:
        return (await self.uow.session.scalars(select(Department).order_by(Department.name))).all()

    async def get(self, department_id: int) -> Department:
        return await get_or_404(self.uow, Department, department_id, "department")

    async def _check_unique(self, code: str | None, name: str | None, exclude: int | None = None) -> None:
        for field, value, column in (("code", code, Department.code), ("name", name, Department.name)):
            if value is None:
                continue
            query = select(Department.id).where(column == value)
            if exclude is not None:
                query = query.where(Department.id != exclude)
            if await self.uow.session.scalar(query) is not None:
                raise FieldError(
                    field, f"a department with {field} '{value}' already exists", code="duplicate"
                )

    async def create(self, data: DepartmentCreate) -> Department:
        await self._check_unique(data.code, data.name)
        now = self.uow.clock.now()
        department = Department(code=data.code, name=data.name, created_at=now, updated_at=now)
        self.uow.session.add(department)
        await self.uow.session.flush()
        self.history.record("department", department.id, "created", None, snapshot(department))
        return department

    async def update(self, department_id: int, data: DepartmentUpdate, if_match: int | None) -> Department:
        department = await self.get(department_id)
        ensure_version(department, if_match, "department")
        changes = data.model_dump(exclude_unset=True, exclude_none=True)
        await self._check_unique(changes.get("code"), changes.get("name"), exclude=department.id)
        before = snapshot(department)
        for key, value in changes.items():
            setattr(department, key, value)
        if changes:
            department.updated_at = self.uow.clock.now()
            await self.uow.session.flush()
            self.history.record_change("department", department.id, before, snapshot(department))
        return department


class EmployeeService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.history = HistoryService(uow)

    def _query(self) -> Select[Any]:
        return select(Employee).options(selectinload(Employee.roles))

    async def get(self, employee_id: int) -> Employee:
        employee: Employee | None = await self.uow.session.scalar(
            self._query().where(Employee.id == employee_id)
        )
        if employee is None:
            raise NotFound("employee", employee_id)
        return employee

    async def by_email(self, email: str) -> Employee | None:
        result: Employee | None = await self.uow.session.scalar(
            self._query().where(func.lower(Employee.email) == email.lower())
        )
        return result

    async def page(
        self,
        *,
        department_id: int | None,
        role: Role | None,
        active: bool | None,
        q: str | None,
        cursor: str | None,
        limit: int,
    ) -> Page[Employee]:
        query = self._query().order_by(Employee.id).limit(limit + 1)
        if department_id is not None:
            query = query.where(Employee.department_id == department_id)
        if role is not None:
            query = query.where(Employee.roles.any(EmployeeRole.role == role))
        if active is not None:
            query = query.where(Employee.is_active == active)
        if q:
            pattern = f"%{q}%"
            query = query.where(
                Employee.full_name.ilike(pattern)
                | Employee.initials.ilike(pattern)
                | Employee.email.ilike(pattern)
            )
        if cursor is not None:
            (after_id,) = decode_cursor(cursor, [int])
            query = query.where(Employee.id > after_id)
        rows = (await self.uow.session.scalars(query)).all()
        return page_of(rows, limit, lambda e: [e.id])

    async def _check_department(self, department_id: int) -> None:
        if await self.uow.session.get(Department, department_id) is None:
            raise FieldError("department_id", f"department {department_id} does not exist")

    async def _check_email(self, email: str, exclude: int | None = None) -> None:
        existing = await self.by_email(email)
        if existing is not None and existing.id != exclude:
            raise FieldError("email", "is already used by another employee", code="duplicate")

    async def create(self, data: EmployeeCreate) -> Employee:
        await self._check_department(data.department_id)
        await self._check_email(data.email)
        now = self.uow.clock.now()
        employee = Employee(
            full_name=data.full_name,
            initials=data.initials,
            department_id=data.department_id,
            position=data.position,
            email=data.email.lower(),
            phone=data.phone,
            chat_handle=data.chat_handle,
            is_active=data.is_active,
            password_hash=await hash_password_off_loop(data.password.get_secret_value())
            if data.password
            else None,
            created_at=now,
            updated_at=now,
            roles=[EmployeeRole(role=r) for r in data.roles],
        )
        self.uow.session.add(employee)
        await self.uow.session.flush()
        after = snapshot(employee) | {"roles": [str(r) for r in data.roles]}
        self.history.record("employee", employee.id, "created", None, after)
        return employee

    async def update(self, employee_id: int, data: EmployeeUpdate, if_match: int | None) -> Employee:
        employee = await self.get(employee_id)
        ensure_version(employee, if_match, "employee")
        changes = data.model_dump(exclude_unset=True)
        for required in ("full_name", "initials", "department_id", "position", "roles", "email", "is_active"):
            if required in changes and changes[required] is None:
                raise FieldError(required, "cannot be null")
        if "department_id" in changes:
            await self._check_department(changes["department_id"])
        if "email" in changes:
            changes["email"] = changes["email"].lower()
            await self._check_email(changes["email"], exclude=employee.id)
        before = snapshot(employee) | {"roles": sorted(str(r) for r in employee.role_set)}
        roles = changes.pop("roles", None)
        password = changes.pop("password", None)
        for key, value in changes.items():
            setattr(employee, key, value)
        if roles is not None:
            keep = {r.role: r for r in employee.roles}
            employee.roles = [keep.get(r) or EmployeeRole(role=r) for r in roles]
        if data.password is not None:
            employee.password_hash = await hash_password_off_loop(data.password.get_secret_value())
        if changes or roles is not None or password is not None:
            self.uow.forget_actors = True  # its roles, department or access may have changed
            touch(employee, self.uow)
            await self.uow.session.flush()
            after = snapshot(employee) | {"roles": sorted(str(r) for r in employee.role_set)}
            self.history.record_change("employee", employee.id, before, after)
            if password is not None:
                self.history.record("employee", employee.id, "password_changed")
        if changes.get("is_active") is False:
            await AuthService(self.uow).revoke_all(employee.id)
        return employee


class AuthService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def login(
        self,
        email: str,
        password: str,
        ttl: timedelta,
        *,
        address: str,
        hashing: PasswordHashing,
        limits: AuthSettings,
    ) -> Login:
        """A login session for the right email and password. Failed logins are counted per
        account and per source address: past the limit both are locked out for a while (429
        with Retry-After, even with the right password), and the password is not even checked;
        when every password check of the process is busy the login is refused at once (429).
        A refusal is returned, not raised, so that its count is committed."""
        throttle = LoginThrottle(self.uow, limits)
        keys = login_keys(email, address)
        await throttle.check(keys)
        employee = await EmployeeService(self.uow).by_email(email)
        valid = await hashing.verify(password, employee.password_hash if employee else None)
        if employee is None or not valid or not employee.is_active:
            await throttle.failed(keys)
            return Login(None, None, "the email or the password is wrong, or the account is disabled")
        await throttle.succeeded(keys)
        token, row = self._issue(employee.id, "login", SESSION, ttl)
        return Login(token, row, None)

    def _issue(self, employee_id: int, name: str, kind: str, ttl: timedelta) -> tuple[str, ApiToken]:
        now = self.uow.clock.now()
        token = new_token()
        row = ApiToken(
            employee_id=employee_id,
            name=name,
            kind=kind,
            token_hash=hash_token(token),
            prefix=token[:12],
            created_at=now,
            expires_at=now + ttl,
        )
        self.uow.session.add(row)
        return token, row

    async def create_personal(
        self, employee_id: int, data: PersonalTokenCreate, max_days: int
    ) -> tuple[str, ApiToken]:
        if data.expires_in_days > max_days:
            raise FieldError("expires_in_days", f"must be at most {max_days}")
        token, row = self._issue(employee_id, data.name, PERSONAL, timedelta(days=data.expires_in_days))
        await self.uow.session.flush()
        HistoryService(self.uow).record("employee", employee_id, "token_created", None, {"token_id": row.id})
        return token, row

    async def issue_for_cli(self, employee_id: int, days: int) -> str:
        token, _ = self._issue(employee_id, "cli", PERSONAL, timedelta(days=days))
        await self.uow.session.flush()
        return token

    async def authenticate(self, token: str) -> Employee:
        """Resolve a bearer token to an active employee, or refuse with 401."""
        now = self.uow.clock.now()
        token_hash = hash_token(token)
        actors = self.uow.actors
        if actors is not None and (known := actors.get(token_hash, now)) is not None:
            return known
        generation = actors.generation if actors is not None else 0
        # One round trip for the token, its employee and the roles.
        found = (
            (await self.uow.session.execute(_TOKEN_WITH_EMPLOYEE, {"token_hash": token_hash}))
            .unique()
            .first()
        )
        if found is None:
            raise Unauthenticated("the token is unknown, expired or revoked")
        token_id, revoked_at, expires_at, last_used_at, employee = found
        if revoked_at is not None or expires_at <= now:
            raise Unauthenticated("the token is unknown, expired or revoked")
        if not employee.is_active:
            raise Unauthenticated("the account is disabled")
        if last_used_at is None or now - last_used_at > timedelta(minutes=5):
            # Coarse on purpose: a write per request would serialise every reader on one row.
            await self.uow.session.execute(
                update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
            )
        if actors is not None:
            actors.put(token_hash, expires_at, employee, generation)
        return employee

    async def list_tokens(self, employee_id: int) -> Sequence[ApiToken]:
        query = select(ApiToken).where(ApiToken.employee_id == employee_id).order_by(ApiToken.id.desc())
        return (await self.uow.session.scalars(query.limit(500))).all()

    async def revoke(self, employee_id: int, token_id: int) -> ApiToken:
        row = await self.uow.session.get(ApiToken, token_id)
        if row is None or row.employee_id != employee_id:
            raise NotFound("token", token_id)
        if row.revoked_at is not None:
            raise Conflict("the token is already revoked")
        row.revoked_at = self.uow.clock.now()
        self.uow.forget_actors = True
        HistoryService(self.uow).record("employee", employee_id, "token_revoked", None, {"token_id": row.id})
        return row

    async def revoke_all(self, employee_id: int) -> None:
        self.uow.forget_actors = True
        await self.uow.session.execute(
            update(ApiToken)
            .where(ApiToken.employee_id == employee_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=self.uow.clock.now())
        )
