"""Commercial proposals (regulation, process 2, «Разработка КП»).

A manager asks for a proposal (client, kind of workwear, number of models, markup); the assistant
builds a table of photo, name and description, quantity and price. Catalogue prices already carry
the markup; a position the catalogue lacks is priced by supply (asked in the chat «Нестандартные
позиции») and gets the manager's markup. The proposal goes to the manager by email, then, once
approved, to the client; accepted, it becomes an order and that order's invoice.

rules: the state machine and the price rules as data; editing: the request and the lines;
printing: the document; service: the journey from the manager to the order.
"""

from app.services.proposals.rules import (
    SUPPLY_CHANNEL,
    TRANSITIONS,
    allowed_actions,
    below_cost_pending,
    line_amount,
    line_margin,
    markup_price,
    may_approve,
    pending_positions,
    proposal_margin,
    proposal_total,
    round_price,
)
from app.services.proposals.service import ProposalService

__all__ = [
    "SUPPLY_CHANNEL",
    "TRANSITIONS",
    "ProposalService",
    "allowed_actions",
    "below_cost_pending",
    "line_amount",
    "line_margin",
    "markup_price",
    "may_approve",
    "pending_positions",
    "proposal_margin",
    "proposal_total",
    "round_price",
]
