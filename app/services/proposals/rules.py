"""The proposal's rules as data: its state machine, the deadlines of the regulation, the price rules."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from app.core.db import KOPECK
from app.models.directory import Employee
from app.models.proposals import (
    PriceSource,
    Proposal,
    ProposalLine,
    ProposalStatus,
)
from app.services.kernel.permissions import Permission, has
from app.services.kernel.state_machine import StateMachine

SUPPLY_CHANNEL = "nonstandard_items"  # «Нестандартные позиции»
# Step 18–19: after sending, the client's answer is asked for within this many working days.
CLIENT_ANSWER_WORKING_DAYS = 2
# Step 17–18: the manager checks the proposal and says whom to send it to.
MANAGER_CHECK_WORKING_DAYS = 1

EDITABLE = frozenset(
    {
        ProposalStatus.DRAFT,
        ProposalStatus.PRICED,
        ProposalStatus.SENT_TO_MANAGER,
        ProposalStatus.APPROVED,
        ProposalStatus.SENT_TO_CLIENT,
    }
)

# The proposal's state machine: action -> (states it is allowed from, state it leads to).
# "edit" leads to draft or priced, as the lines are; a change after sending makes a new revision.
TRANSITIONS: dict[str, tuple[frozenset[ProposalStatus], ProposalStatus | None]] = {
    "edit": (EDITABLE, None),
    "send_to_manager": (
        frozenset({ProposalStatus.PRICED, ProposalStatus.SENT_TO_MANAGER}),
        ProposalStatus.SENT_TO_MANAGER,
    ),
    "approve": (frozenset({ProposalStatus.SENT_TO_MANAGER}), ProposalStatus.APPROVED),
    "send_to_client": (
        frozenset({ProposalStatus.APPROVED, ProposalStatus.SENT_TO_CLIENT}),
        ProposalStatus.SENT_TO_CLIENT,
    ),
    "accept": (frozenset({ProposalStatus.SENT_TO_CLIENT}), ProposalStatus.ACCEPTED),
    "decline": (frozenset({ProposalStatus.SENT_TO_CLIENT}), ProposalStatus.DECLINED),
    "expire": (frozenset({ProposalStatus.SENT_TO_CLIENT}), ProposalStatus.EXPIRED),
    "convert": (frozenset({ProposalStatus.ACCEPTED}), ProposalStatus.CONVERTED),
}
# Taken by the minute sweep, never asked for through the API.
SYSTEM_ACTIONS = frozenset({"expire"})


ACTIONS = StateMachine(
    "proposal",
    TRANSITIONS,
    {"edit": None, "send_to_manager": "send-to-manager", "send_to_client": "send-to-client"}
    | dict.fromkeys(SYSTEM_ACTIONS),
    kind="proposal",
)


def allowed_actions(status: ProposalStatus) -> list[str]:
    """What may be done to the proposal now (editing, a PATCH of it or its lines, is not named)."""
    return ACTIONS.allowed(status)


def may_approve(actor: Employee, proposal: Proposal) -> bool:
    """Only the proposal's manager (or a head) approves it."""
    return actor.id == proposal.manager_id or has(actor, Permission.ORDERS_READ_ALL)


def round_price(value: Decimal, rounding: str) -> Decimal:
    """A selling price rounded as the company rounds: to the kopeck or to the whole ruble."""
    step = Decimal(1) if rounding == "ruble" else KOPECK
    return value.quantize(step, rounding=ROUND_HALF_UP).quantize(KOPECK)


def markup_price(purchase: Decimal, markup_basis_points: int, rounding: str) -> Decimal:
    """Purchase price plus the manager's markup (regulation, process 2, step 14)."""
    return round_price(purchase * (1 + Decimal(markup_basis_points) / 10_000), rounding)


def below_cost_pending(line: ProposalLine) -> bool:
    """A price given by hand below the purchase price waits for a head's approval (regulation,
    process 2: selling below cost is a head's decision); catalogue and markup prices never do."""
    return (
        line.price_source == PriceSource.MANUAL
        and line.price is not None
        and line.purchase_price is not None
        and line.price < line.purchase_price
        and line.below_cost_approved_by_id is None
    )


def pending_positions(proposal: Proposal) -> list[int]:
    """The positions whose below-cost price waits for a head."""
    return [line.position for line in proposal.lines if below_cost_pending(line)]


def line_amount(line: ProposalLine) -> Decimal | None:
    return None if line.price is None else (line.price * line.quantity).quantize(KOPECK)


def line_margin(line: ProposalLine) -> Decimal | None:
    if line.price is None or line.purchase_price is None:
        return None
    return line.price - line.purchase_price


def proposal_total(proposal: Proposal) -> Decimal | None:
    amounts = [line_amount(line) for line in proposal.lines]
    if not amounts or any(a is None for a in amounts):
        return None
    return sum((a for a in amounts if a is not None), Decimal("0.00"))


def proposal_margin(proposal: Proposal) -> Decimal | None:
    margins = [line_margin(line) for line in proposal.lines]
    if not margins or any(m is None for m in margins):
        return None
    return sum(
        ((m * line.quantity) for m, line in zip(margins, proposal.lines, strict=True) if m is not None),
        Decimal("0.00"),
    )
