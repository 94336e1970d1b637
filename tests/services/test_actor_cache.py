"""The actor cache alone: a fresh copy per request, the token's expiry checked on every hit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect

from app.models.directory import Employee, EmployeeRole, Role
from app.services.kernel.actor_cache import ActorCache

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _employee() -> Employee:
    employee = Employee(
        id=7,
        full_name="Тестов Тест",
        initials="ТТ",
        department_id=1,
        position="manager",
        email="t@example.com",
        phone=None,
        chat_handle=None,
        is_active=True,
        password_hash=None,
        created_at=NOW,
        updated_at=NOW,
        version=3,
    )
    employee.roles = [EmployeeRole(employee_id=7, role=role) for role in (Role.MANAGER, Role.HEAD)]
    return employee


def test_each_hit_is_its_own_detached_copy() -> None:
    cache = ActorCache(seconds=60)
    cache.put("h", NOW + timedelta(days=1), _employee(), cache.generation)
    first, second = cache.get("h", NOW), cache.get("h", NOW)
    assert first is not None
    assert second is not None
    assert first is not second
    assert first.role_set == {Role.MANAGER, Role.HEAD}
    assert (first.id, first.version, first.full_name) == (7, 3, "Тестов Тест")
    assert inspect(first).detached
    assert all(inspect(role).detached for role in first.roles)


def test_an_expired_token_is_not_answered_from_the_cache() -> None:
    cache = ActorCache(seconds=60)
    cache.put("h", NOW + timedelta(minutes=1), _employee(), cache.generation)
    assert cache.get("h", NOW + timedelta(minutes=2)) is None
    assert cache.get("h", NOW) is None  # and it is gone


def test_nothing_is_kept_when_the_cache_is_off_or_cleared() -> None:
    off = ActorCache(seconds=0)
    off.put("h", NOW + timedelta(days=1), _employee(), off.generation)
    assert off.get("h", NOW) is None
    on = ActorCache(seconds=60, size=2)
    for key in ("a", "b", "c"):
        on.put(key, NOW + timedelta(days=1), _employee(), on.generation)
    assert on.get("a", NOW) is None  # full: started over
    assert on.get("c", NOW) is not None
    on.clear()
    assert on.get("c", NOW) is None


def test_a_check_that_read_before_a_clear_puts_nothing_back() -> None:
    cache = ActorCache(seconds=60)
    seen = cache.generation  # a request starts checking its token in the database...
    cache.clear()  # ...meanwhile the token is revoked, and the cache told
    cache.put("h", NOW + timedelta(days=1), _employee(), seen)
    assert cache.get("h", NOW) is None
    cache.put("h", NOW + timedelta(days=1), _employee(), cache.generation)  # a check after the clear
    assert cache.get("h", NOW) is not None
