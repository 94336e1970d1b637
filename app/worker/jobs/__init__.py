"""Jobs, a module per process beside the services they call, and the minute sweep (``sweeper``)
whose parts those modules hold. Each job takes ids, re-reads state, and exits when its work is
already done. The id of the request that queued a job travels beside its arguments
(``JOB_REQUEST_ID``) and is set by ``correlated``, which every job is wrapped in, so a job's own
parameters may have any name."""

from app.worker.jobs.invoices import issue_invoice_upd, register_invoice
from app.worker.jobs.orders import process_amocrm_delivery, sync_fulfilment
from app.worker.jobs.outbox import deliver_outbound
from app.worker.jobs.receivables import (
    draft_claim_letter,
    import_payments,
    push_credit_terms,
    refresh_key_rates,
    track_claim_letters,
)
from app.worker.jobs.specs import issue_spec_documents, post_spec_receipts
from app.worker.jobs.sweeper import SWEEP_TIMEOUT_SECONDS, sweep, sweep_now

# What the worker runs when asked (the cron jobs are in the worker's settings).
FUNCTIONS = (
    deliver_outbound,
    process_amocrm_delivery,
    sync_fulfilment,
    register_invoice,
    issue_invoice_upd,
    push_credit_terms,
    post_spec_receipts,
    issue_spec_documents,
    draft_claim_letter,
)

__all__ = [
    "FUNCTIONS",
    "SWEEP_TIMEOUT_SECONDS",
    "deliver_outbound",
    "draft_claim_letter",
    "import_payments",
    "issue_invoice_upd",
    "issue_spec_documents",
    "post_spec_receipts",
    "process_amocrm_delivery",
    "push_credit_terms",
    "refresh_key_rates",
    "register_invoice",
    "sweep",
    "sweep_now",
    "sync_fulfilment",
    "track_claim_letters",
]
