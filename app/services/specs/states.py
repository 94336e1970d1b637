"""The workshop spec's states and the machine that alone moves them (process 3). Kept apart from
the spec service so that the order's end (`spec_closing`) moves a spec without importing it."""

from __future__ import annotations

from app.models.specs import SpecStatus
from app.services.kernel.state_machine import StateMachine

LIVE = frozenset(SpecStatus) - {SpecStatus.CLOSED, SpecStatus.CANCELLED}
EDITABLE = frozenset(
    {SpecStatus.RECEIVED, SpecStatus.INVOICE_WITH_MANAGER, SpecStatus.INVOICE_CHECKED, SpecStatus.SIGNED}
)
# The spec's state machine: action -> (states it is allowed from, state it leads to or None).
TRANSITIONS: dict[str, tuple[frozenset[SpecStatus], SpecStatus | None]] = {
    "update": (EDITABLE, None),
    "upload_logo": (EDITABLE, None),
    "send_invoice_to_manager": (
        frozenset({SpecStatus.RECEIVED, SpecStatus.INVOICE_WITH_MANAGER}),
        SpecStatus.INVOICE_WITH_MANAGER,
    ),
    "invoice_checked": (frozenset({SpecStatus.INVOICE_WITH_MANAGER}), SpecStatus.INVOICE_CHECKED),
    "sign": (frozenset({SpecStatus.INVOICE_CHECKED}), SpecStatus.SIGNED),
    "upload_signed_scan": (frozenset({SpecStatus.INVOICE_CHECKED, SpecStatus.SIGNED}), SpecStatus.SIGNED),
    "send_to_workshop": (frozenset({SpecStatus.SIGNED}), SpecStatus.SENT_TO_WORKSHOP),
    "workshop_accept": (frozenset({SpecStatus.SENT_TO_WORKSHOP}), SpecStatus.ACCEPTED_BY_WORKSHOP),
    "workshop_feedback": (
        frozenset(
            {
                SpecStatus.SENT_TO_WORKSHOP,
                SpecStatus.ACCEPTED_BY_WORKSHOP,
                SpecStatus.GOODS_READY,
                SpecStatus.DOCUMENTS_ISSUED,
                SpecStatus.CLOSED,
            }
        ),
        None,
    ),
    "goods_ready": (frozenset({SpecStatus.ACCEPTED_BY_WORKSHOP}), SpecStatus.GOODS_READY),
    # The shipping documents are asked of 1C; the spec moves on when 1C has made them.
    "issue_documents": (frozenset({SpecStatus.GOODS_READY}), None),
    "cancel": (EDITABLE, SpecStatus.CANCELLED),
    # What other steps do to the spec: a change voids supply's signature; 1C's shipping documents
    # move a spec whose goods are ready on; the client's feedback on the order closes it, and a
    # cancelled order cancels it (recorded as the spec's own cancellation).
    "void_signature": (frozenset({SpecStatus.SIGNED}), SpecStatus.INVOICE_CHECKED),
    "documents_issued": (frozenset(SpecStatus), None),
    "close": (LIVE, SpecStatus.CLOSED),
    "cancel_with_order": (LIVE, SpecStatus.CANCELLED),
}


ACTIONS = StateMachine(
    "spec",
    TRANSITIONS,
    {
        "update": None,  # PATCH /specs/{id}
        "upload_logo": "logo",
        "send_invoice_to_manager": "invoice-to-manager",
        "invoice_checked": "invoice-checked",
        "upload_signed_scan": "signed-scan",
        "send_to_workshop": "send",
        "workshop_accept": "workshop-accepted",
        "workshop_feedback": "workshop-feedback",
        "goods_ready": "goods-ready",
        "issue_documents": "shipping-documents",
        "void_signature": None,
        "documents_issued": None,
        "close": None,
        "cancel_with_order": None,
    },
    kind="spec",
    recorded_as={"void_signature": "signature_void", "cancel_with_order": "cancel"},
)
