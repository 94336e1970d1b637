"""Process 4's jobs: payments imported from 1C, approved credit terms written to it, the key
rates, the claim letter drafted and its PDF kept, the post's tracking; and the receivables' part of
the minute sweep."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from app.core.logging import get_logger
from app.models.rates import RateSource
from app.services.directory.onec_refusals import OneCRefusalService
from app.services.documents.collection import render_claim_pdf
from app.services.kernel.ports import Attachment, ErpRefused, KeyRateError, MailError, TrackingOperation
from app.services.receivables.collection import DRAFT_JOB, CollectionService
from app.services.receivables.credit import PUSH_JOB, CreditService
from app.services.receivables.limitation import LimitationService
from app.services.receivables.payments import PaymentScheduleService, PaymentService
from app.services.receivables.rates import KeyRateService
from app.services.receivables.reconciliations import ReconciliationService
from app.worker.context import JobContext
from app.worker.jobs.base import Swept, correlated, job_context

log = get_logger(__name__)


# 1C is asked for the payments of the last days each time; a payment is recorded once by its 1C id.
PAYMENTS_LOOKBACK = timedelta(days=3)


@correlated
async def import_payments(ctx: dict[str, Any]) -> dict[str, int]:
    """The payments 1C has seen lately, recorded and allocated (the cron every 10 minutes)."""
    app = job_context(ctx)
    entries = await app.erp.payments_since(app.clock.now() - PAYMENTS_LOOKBACK)
    async with app.unit_of_work() as uow:
        new, unmatched = await PaymentService(uow).import_from_erp(entries)
    if new or unmatched:
        log.info("payments.imported", new=new, unmatched=unmatched)
    return {"new": new, "unmatched": len(unmatched)}


@correlated
async def push_credit_terms(ctx: dict[str, Any], credit_request_id: int) -> str:
    """Approved credit terms written to the counterparty in 1C (the sweep retries what failed);
    terms 1C refuses are a task for whoever approved them."""
    app = job_context(ctx)
    try:
        async with app.unit_of_work() as uow:
            pushed = await CreditService(uow).push(credit_request_id, app.erp)
    except ErpRefused as refusal:
        async with app.unit_of_work() as uow:
            await OneCRefusalService(uow).credit_terms_refused(credit_request_id, refusal.message)
        log.warning(
            "credit.refused_by_1c", credit_request_id=credit_request_id, message=refusal.message[:200]
        )
        return "refused"
    return "pushed" if pushed else "skipped"


@correlated
async def refresh_key_rates(ctx: dict[str, Any]) -> dict[str, Any]:
    """The daily cron: read the Bank of Russia's key rates of the last weeks (no transaction open),
    store what changed, and warn when the table has not been refreshed for too long."""
    return await _refresh_key_rates(job_context(ctx))


async def _refresh_key_rates(app: JobContext, since: date | None = None) -> dict[str, Any]:
    """The refresh over the configured look-back, or from ``since`` when that is earlier."""
    today = app.calendar.local_date(app.clock.now())
    start = today - timedelta(days=app.settings.rates.lookback_days)
    if since is not None:
        start = min(start, since)
    error: str | None = None
    try:
        observations = await app.key_rates.key_rates(start, today)
        if not observations:
            error = f"no key rates published from {start.isoformat()} to {today.isoformat()}"
    except KeyRateError as exc:
        observations, error = [], str(exc)[:500]
    changed = 0
    async with app.unit_of_work() as uow:
        rates = KeyRateService(uow)
        if error is None:
            changed = await rates.merge_observations(observations, authoritative=app.key_rates.authoritative)
        await rates.record_refresh(RateSource.CBR, ok=error is None, changed=changed, error=error)
        staleness = await rates.staleness(timedelta(days=app.settings.rates.stale_after_days))
    if error is not None:
        log.warning("key_rates.refresh_failed", error=error)
    else:
        log.info("key_rates.refreshed", observations=len(observations), changed=changed)
    if staleness.stale:
        last = staleness.last_refresh.isoformat() if staleness.last_refresh else None
        log.warning(
            "key_rates.stale", last_refresh=last, stale_after_days=app.settings.rates.stale_after_days
        )
    return {"ok": error is None, "changed": changed, "stale": staleness.stale}


async def claim_pdf(app: JobContext, case_id: int) -> Attachment:
    """The claim as the lawyer approved it: made once, kept in storage byte for byte, and every
    attempt to send attaches the kept bytes."""
    async with app.unit_of_work() as uow:
        claim = await CollectionService(uow).claim_for_sending(case_id)
    if claim is None:
        raise MailError(f"collection case {case_id} has no approved claim letter", permanent=True)
    stored = await app.storage.get(claim.key) if claim.stored else None
    if stored is None:
        # Stored under a fixed key with no transaction open; recorded only after it is there, so a
        # repeat after a crash stores again before anything is sent.
        pdf = await app.renderer.render(render_claim_pdf, claim.view, claim.text)
        await app.storage.put(claim.key, pdf, "application/pdf")
        async with app.unit_of_work() as uow:
            await CollectionService(uow).record_claim_stored(case_id, hashlib.sha256(pdf).hexdigest())
        stored = await app.storage.get(claim.key)
        if stored is None:
            raise MailError(f"the claim letter of case {case_id} was not kept in storage")
    return Attachment(f"Претензия_{claim.number}.pdf", stored.content, "application/pdf")


@correlated
async def draft_claim_letter(ctx: dict[str, Any], case_id: int) -> str:
    """The claim letter's draft with the penalty calculation, for the lawyer to check (once)."""
    app = job_context(ctx)
    # A key rate still unconfirmed is checked against the Bank of Russia first when the source can
    # confirm (the stub cannot); what stays unconfirmed holds the letter with a task for the lawyer.
    authoritative = app.key_rates.authoritative
    async with app.unit_of_work() as uow:
        outcome = await CollectionService(uow).draft_claim(
            case_id, app.settings.company, hold=not authoritative
        )
    if outcome == "unconfirmed":
        async with app.unit_of_work() as uow:
            unconfirmed = await KeyRateService(uow).unconfirmed()
        await _refresh_key_rates(app, min(unconfirmed, default=None))
        async with app.unit_of_work() as uow:
            outcome = await CollectionService(uow).draft_claim(case_id, app.settings.company)
    return outcome


# track_claim_letters runs once an hour (worker/settings.py).
TRACKING_RUNS_A_DAY = 24


@correlated
async def track_claim_letters(ctx: dict[str, Any]) -> dict[str, int]:
    """The hourly cron: each posted claim letter's history from the post (no transaction open
    while asking), recorded; a letter handed over moves its case on. A run asks for no more than
    its share of the post's daily allowance (APP_POST__DAILY_REQUESTS), the letters checked
    longest ago first: with more letters on the way than that, each is checked less often."""
    app = job_context(ctx)
    share = app.settings.post.daily_requests // TRACKING_RUNS_A_DAY
    async with app.unit_of_work() as uow:
        letters = await CollectionService(uow).to_track(min(app.settings.worker.sweep_batch, share))
    tracked = failed = 0
    for case_id, barcode, posted_on in letters:
        try:
            operations: list[TrackingOperation] = await app.post.history(barcode, posted_on)
        except Exception as exc:
            failed += 1
            log.warning("post.tracking_failed", case_id=case_id, error=str(exc)[:200])
            continue
        async with app.unit_of_work() as uow:
            tracked += await CollectionService(uow).record_tracking(case_id, operations)
    return {"tracked": tracked, "failed": failed}


async def swept(app: JobContext, minute: str) -> Swept:
    """Payment reminders, reconciliation acts due, limitation warnings, collection cases opened and
    moved on by the regulation's steps, each in a unit of work of its own; then approved terms 1C
    has not got and claims waiting for their draft, asked for again this minute."""
    batch = app.settings.worker.sweep_batch
    async with app.unit_of_work() as uow:
        reminders = await PaymentScheduleService(uow).make_due_tasks(batch)
    async with app.unit_of_work() as uow:
        acts = await ReconciliationService(uow, app.settings.company).schedule_due(batch)
    async with app.unit_of_work() as uow:
        limitation = await LimitationService(uow).warn_due(batch)
    async with app.unit_of_work() as uow:
        cases_opened = await CollectionService(uow).open_due(batch)
        case_steps = await CollectionService(uow).advance(batch)
    async with app.unit_of_work() as uow:
        unpushed = await CreditService(uow).unpushed(batch)
        undrafted = await CollectionService(uow).undrafted(batch)
    done = Swept(
        counts={
            "payment_reminders": reminders,
            "reconciliation_acts": acts,
            "limitation_warnings": limitation,
            "cases_opened": cases_opened,
            "case_steps": case_steps,
        }
    )
    for credit_request_id in unpushed:
        done.run(PUSH_JOB, credit_request_id, minute)
    for case_id in undrafted:
        done.run(DRAFT_JOB, case_id, minute)
    return done
