"""Who a bearer token is, remembered for a few seconds by each API process.

Every request authenticates; reading the token, its employee and the roles is a round trip and an
ORM load, about a sixth of the CPU of taking an order. Within ``seconds`` of a check, the same
token is answered from here: the token's own expiry is still checked each time, and each request
gets its own copy of the employee (detached, never shared), so nothing one request does to it is
seen by another. What changes a token or an employee through this process clears the cache when
its transaction commits, and the other processes are told (a notice over Redis, ACTORS_CHANGED);
a process that has not heard, Redis being down, forgets after at most ``seconds``.

A check that read the database before the cache was cleared must not put back what it read:
``generation`` is taken before the read and ``put`` keeps nothing if a clear came in between.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.models.directory import Employee, EmployeeRole, Role

_COLUMNS = tuple(attr.key for attr in inspect(Employee).column_attrs)
ACTORS_CHANGED = "actors-changed"  # the notice topic: a token or an employee changed somewhere


@dataclass(frozen=True)
class _Known:
    until: float  # time.monotonic()
    expires_at: datetime
    employee: dict[str, Any]
    roles: tuple[Role, ...]


class ActorCache:
    def __init__(self, seconds: float, size: int = 10_000) -> None:
        self.seconds = seconds
        self.size = size
        self._known: dict[str, _Known] = {}
        self.generation = 0  # one more at every clear

    def get(self, token_hash: str, now: datetime) -> Employee | None:
        """A fresh copy of the token's employee, if the token was checked lately and has not expired."""
        known = self._known.get(token_hash)
        if known is None:
            return None
        if known.until <= time.monotonic() or known.expires_at <= now:
            self._known.pop(token_hash, None)
            return None
        return _employee(known.employee, known.roles)

    def put(self, token_hash: str, expires_at: datetime, employee: Employee, generation: int) -> None:
        """Remember what a check read, unless the cache was cleared since ``generation`` was taken
        (before the read): what it read may be what the clear was about."""
        if self.seconds <= 0 or generation != self.generation:
            return
        if len(self._known) >= self.size:
            self._known.clear()  # a flood of distinct tokens: start over rather than grow
        self._known[token_hash] = _Known(
            until=time.monotonic() + self.seconds,
            expires_at=expires_at,
            employee={key: employee.__dict__[key] for key in _COLUMNS},
            roles=tuple(role.role for role in employee.roles),
        )

    def clear(self) -> None:
        self._known.clear()
        self.generation += 1


def _detached(cls: type[Any], values: dict[str, Any]) -> Any:
    """An instance as a query in another session would have left it: loaded, detached."""
    obj = inspect(cls).class_manager.new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    return obj


def _employee(values: dict[str, Any], roles: tuple[Role, ...]) -> Employee:
    employee: Employee = _detached(Employee, values)
    set_committed_value(
        employee,
        "roles",
        [_detached(EmployeeRole, {"employee_id": values["id"], "role": role}) for role in roles],
    )
    return employee
