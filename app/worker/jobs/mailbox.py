"""The shared mailbox's job: read it once a minute (and wait for new mail with IDLE in between)."""

from __future__ import annotations

from typing import Any

from app.core.logging import get_logger
from app.services.kernel.ports import MailboxError
from app.services.mailbox import MailboxReader
from app.worker.context import JobContext
from app.worker.jobs.base import correlated

log = get_logger(__name__)
# The cron's timeout: the wait for new mail and the messages taken meanwhile.
READ_TIMEOUT_SECONDS = 30 * 60


def reader(app: JobContext) -> MailboxReader | None:
    if app.mailbox is None:
        return None
    return MailboxReader(
        app.mailbox,
        app.settings.mailbox,
        app.unit_of_work,
        app.storage,
        app.erp,
        app.settings.storage.max_document_bytes,
    )


@correlated
async def read_mailbox(ctx: dict[str, Any], wait_seconds: float | None = None) -> str:
    """Take the new messages of the shared mailbox; then wait for more (IDLE) until the next run."""
    app: JobContext = ctx["app"]
    read = reader(app)
    if read is None:
        return "skipped: no mailbox is configured (APP_MAILBOX__HOST)"
    wait = app.settings.mailbox.idle_seconds if wait_seconds is None else wait_seconds
    try:
        report = await read.run(wait)
    except MailboxError as exc:
        log.warning("mailbox.failed", error=str(exc)[:300])
        return f"failed: {exc}"
    return f"taken {report.taken}, marked {report.marked}"
