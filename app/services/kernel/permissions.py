"""The permission matrix: one place says which role may do what. Everything else is denied."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from app.core.errors import Forbidden
from app.models.directory import Employee, Role


class Permission(StrEnum):
    DIRECTORY_READ = "directory:read"
    DIRECTORY_WRITE = "directory:write"
    CLIENTS_READ = "clients:read"
    CLIENTS_READ_ALL = "clients:read_all"
    CLIENTS_WRITE = "clients:write"
    CREDIT_TERMS_APPROVE = "credit_terms:approve"  # an order held for debt or limit goes on: a head
    CREDIT_VERDICT = "credit_terms:verdict"
    CREDIT_RECOMMEND = "credit_terms:recommend"  # the department head's recommendation
    CREDIT_TERMS_DECIDE = "credit_terms:decide"  # management: grants or refuses credit terms
    DISCOUNTS_APPROVE = "discounts:approve"  # management: a discount beyond the approved one
    CONTRACT_TERMS_WRITE = "contract_terms:write"  # the contract and its penalty: the lawyer, a head
    TASKS_READ_OWN = "tasks:read_own"
    TASKS_READ_ALL = "tasks:read_all"
    TASKS_WRITE = "tasks:write"
    REFERENCE_READ = "reference:read"
    REFERENCE_WRITE = "reference:write"
    CATALOGUE_READ = "catalogue:read"
    CHATS_READ = "chats:read"
    TOKENS_OWN = "tokens:own"
    ORDERS_READ = "orders:read"
    ORDERS_READ_ALL = "orders:read_all"
    ORDERS_WRITE = "orders:write"
    ORDERS_ASSIGN = "orders:assign"  # give an order to an assistant and a manager: a head
    REQUISITIONS_READ = "requisitions:read"
    REQUISITIONS_WRITE = "requisitions:write"
    WAREHOUSE_ACCEPT = "warehouse:accept"
    DOCUMENT_FLAGS = "document_flags:write"
    HISTORY_READ = "history:read"
    PAYMENTS_READ = "payments:read"
    PAYMENTS_WRITE = "payments:write"
    PROPOSALS_READ = "proposals:read"
    PROPOSALS_WRITE = "proposals:write"
    PROPOSALS_PRICE = "proposals:price"  # supply answers price requests of non-standard positions
    PROPOSALS_APPROVE_BELOW_COST = "proposals:approve_below_cost"
    PENALTIES_CALCULATE = "penalties:calculate"
    SPECS_READ = "specs:read"
    SPECS_WRITE = "specs:write"
    SPECS_SIGN = "specs:sign"  # only supply signs a workshop spec
    SPECS_WORKSHOP = "specs:workshop"  # the workshop's «принято» and remarks
    SPECS_GOODS_READY = "specs:goods_ready"  # the warehouse reports a spec's goods ready
    RECONCILIATION_WRITE = "reconciliation:write"  # make, send and record reconciliation acts
    RECEIVABLES_REPORTS = "reports:receivables"  # aging and DSO
    WAREHOUSE_CHECKS = "warehouse_checks:work"
    REPORTS_WRITE = "reports:write"
    REPORTS_READ_ALL = "reports:read_all"
    STATISTICS_READ = "statistics:read"
    STATISTICS_READ_ALL = "statistics:read_all"
    COLLECTION_READ = "collection:read"
    COLLECTION_WRITE = "collection:write"
    COLLECTION_CLAIM = "collection:claim"  # the lawyer: edits and approves claims, records the court
    COLLECTION_CLOSE = "collection:close"  # settled or written off: a head decides


_EVERYONE = {
    Permission.DIRECTORY_READ,
    Permission.TASKS_READ_OWN,
    Permission.TASKS_WRITE,
    Permission.REFERENCE_READ,
    Permission.TOKENS_OWN,
    Permission.CATALOGUE_READ,
    Permission.DOCUMENT_FLAGS,
}

_SALES = {
    Permission.PAYMENTS_READ,
    Permission.CLIENTS_READ,
    Permission.CLIENTS_WRITE,
    Permission.HISTORY_READ,
    Permission.ORDERS_READ,
    Permission.ORDERS_WRITE,
    Permission.REQUISITIONS_READ,
    Permission.PROPOSALS_READ,
    Permission.PROPOSALS_WRITE,
    Permission.PENALTIES_CALCULATE,
    Permission.SPECS_READ,
    Permission.SPECS_WRITE,
    Permission.RECONCILIATION_WRITE,
    Permission.WAREHOUSE_CHECKS,
    Permission.REPORTS_WRITE,
    Permission.STATISTICS_READ,
    Permission.COLLECTION_READ,
    Permission.COLLECTION_WRITE,
}
_HEADS = {
    Permission.COLLECTION_CLOSE,
    Permission.CREDIT_TERMS_APPROVE,
    Permission.CONTRACT_TERMS_WRITE,
    Permission.CLIENTS_READ_ALL,
    Permission.TASKS_READ_ALL,
    Permission.CHATS_READ,
    Permission.ORDERS_READ_ALL,
    Permission.ORDERS_ASSIGN,
    Permission.PROPOSALS_APPROVE_BELOW_COST,
    Permission.RECEIVABLES_REPORTS,
    Permission.REPORTS_READ_ALL,
    Permission.STATISTICS_READ_ALL,
}

# «Предоставление отсрочки, периода, лимита, увеличение скидки производится только по согласованию
# Руководства компании»: these belong to the roles configured as management (the director by
# default, APP_APPROVALS__MANAGEMENT_ROLES), to no role by the table below.
MANAGEMENT_PERMISSIONS = frozenset({Permission.CREDIT_TERMS_DECIDE, Permission.DISCOUNTS_APPROVE})
DEFAULT_MANAGEMENT = frozenset({Role.DIRECTOR})

_BY_ROLE: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission) - MANAGEMENT_PERMISSIONS,
    Role.DIRECTOR: frozenset(_EVERYONE | _SALES | _HEADS),
    Role.HEAD: frozenset(_EVERYONE | _SALES | _HEADS | {Permission.CREDIT_RECOMMEND}),
    Role.MANAGER: frozenset(_EVERYONE | _SALES | {Permission.CHATS_READ, Permission.REPORTS_READ_ALL}),
    Role.ASSISTANT: frozenset(_EVERYONE | _SALES | {Permission.CHATS_READ}),
    Role.LAWYER: frozenset(
        _EVERYONE
        | {
            Permission.CLIENTS_READ,
            Permission.CLIENTS_READ_ALL,
            Permission.HISTORY_READ,
            Permission.PAYMENTS_READ,
            Permission.CREDIT_VERDICT,
            Permission.CONTRACT_TERMS_WRITE,
            Permission.PENALTIES_CALCULATE,
            Permission.COLLECTION_READ,
            Permission.COLLECTION_WRITE,
            Permission.COLLECTION_CLAIM,
        }
    ),
    Role.ACCOUNTANT: frozenset(
        _EVERYONE
        | {
            Permission.CLIENTS_READ,
            Permission.CLIENTS_READ_ALL,
            Permission.HISTORY_READ,
            Permission.ORDERS_READ,
            Permission.ORDERS_READ_ALL,
            Permission.PAYMENTS_READ,
            Permission.PAYMENTS_WRITE,
            Permission.PENALTIES_CALCULATE,
            Permission.RECONCILIATION_WRITE,
            Permission.RECEIVABLES_REPORTS,
            Permission.COLLECTION_READ,
        }
    ),
    Role.SUPPLY: frozenset(
        _EVERYONE
        | {
            Permission.CHATS_READ,
            Permission.REQUISITIONS_READ,
            Permission.REQUISITIONS_WRITE,
            Permission.PROPOSALS_READ,
            Permission.PROPOSALS_PRICE,
            Permission.SPECS_READ,
            Permission.SPECS_SIGN,
        }
    ),
    Role.WAREHOUSE: frozenset(
        _EVERYONE
        | {
            Permission.CHATS_READ,
            Permission.ORDERS_READ,
            Permission.ORDERS_READ_ALL,
            Permission.WAREHOUSE_ACCEPT,
            Permission.WAREHOUSE_CHECKS,
            Permission.REQUISITIONS_READ,
            Permission.SPECS_READ,
            Permission.SPECS_GOODS_READY,
        }
    ),
    Role.WORKSHOP: frozenset(
        _EVERYONE | {Permission.CHATS_READ, Permission.SPECS_READ, Permission.SPECS_WORKSHOP}
    ),
    Role.DRIVER: frozenset(_EVERYONE),
}


def _matrix(management: frozenset[Role]) -> dict[Role, frozenset[Permission]]:
    return {
        role: granted | (MANAGEMENT_PERMISSIONS if role in management else frozenset())
        for role, granted in _BY_ROLE.items()
    }


MATRIX: dict[Role, frozenset[Permission]] = _matrix(DEFAULT_MANAGEMENT)
_management: list[frozenset[Role]] = [DEFAULT_MANAGEMENT]


def configure_management(roles: Iterable[str]) -> None:
    """Make ``roles`` the company's management (from the settings, when the app or the worker is
    built). Process-wide, as the matrix it changes: one installation has one management."""
    management = frozenset(Role(r) for r in roles)
    MATRIX.clear()
    MATRIX.update(_matrix(management))
    _management[0] = management


def management_roles() -> tuple[Role, ...]:
    """The roles configured as management, the director first (who gets management's tasks)."""
    return tuple(sorted(_management[0], key=lambda r: (r != Role.DIRECTOR, r.value)))


def permissions_of(roles: Iterable[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= MATRIX.get(role, frozenset())
    return frozenset(granted)


def has(actor: Employee, permission: Permission) -> bool:
    return actor.is_active and permission in permissions_of(actor.role_set)


def prices(actor: Employee) -> bool:
    """Who prices (sales set a proposal's prices, supply answers purchase prices) sees what goods
    cost us; drivers, the warehouse, the workshop, accounting and the lawyer do not."""
    return has(actor, Permission.PROPOSALS_WRITE) or has(actor, Permission.PROPOSALS_PRICE)


def require(actor: Employee, permission: Permission) -> None:
    if not has(actor, permission):
        raise Forbidden(f"the permission '{permission}' is required", permission=str(permission))
