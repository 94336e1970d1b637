"""Every job the worker registers, and every cron job, run at least once by a real arq worker on a
real Redis, queued the way the service queues them (with the request id beside the arguments), with
the outside systems stubbed (1C, the chat, the post, the key rates) and mail to a real SMTP server.
A job whose arguments clash with what the queue adds fails here, not in production."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from arq.jobs import Job
from arq.worker import Worker, func
from sqlalchemy import select

from app.adapters.queue import ArqQueue
from app.core.logging import request_id_var
from app.models.directory import Role
from app.models.invoices import Invoice
from app.models.outbox import OutboundKind
from app.services.kernel.outbox import OutboxService
from app.worker.context import JobContext
from app.worker.settings import WorkerSettings
from tests.api.test_fulfilment import _approved_order

MISSING = 987_654


async def _arguments(
    job_ctx: JobContext, client: httpx.AsyncClient, app: Any, make_user: Any
) -> dict[str, tuple[Any, ...]]:
    """What each registered job is queued with in this test: a row that exists where the job needs
    one, an id that names nothing elsewhere (the job re-reads state and finds nothing to do)."""
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    order, _, _ = await _approved_order(client, app, assistant, head)
    fulfil = await client.post(f"/api/v1/orders/{order['id']}/fulfil", headers=assistant.headers)
    assert fulfil.status_code == 200, fulfil.text
    job_ctx.erp = app.state.erp  # one 1C for the API and the worker
    async with job_ctx.session_factory() as session:
        invoice_id = await session.scalar(select(Invoice.id).where(Invoice.order_id == order["id"]))
    async with job_ctx.unit_of_work() as uow:
        message, _ = await OutboxService(uow).add(
            kind=OutboundKind.EMAIL,
            channel="email",
            recipient="buh@client.example.ru",
            subject="Проверка",
            body="Письмо через очередь",
            dedupe_key=f"every-job:{uuid.uuid4().hex}",
        )
    return {
        "deliver_outbound": (message.id,),
        "process_amocrm_delivery": (MISSING,),
        "sync_fulfilment": (order["id"],),
        "register_invoice": (invoice_id,),
        "issue_invoice_upd": (invoice_id,),
        "push_credit_terms": (MISSING,),
        "post_spec_receipts": (MISSING,),
        "issue_spec_documents": (MISSING,),
        "draft_claim_letter": (MISSING,),
    }


async def test_every_registered_job_and_cron_job_runs_under_a_real_arq_worker(
    job_ctx: JobContext, client: httpx.AsyncClient, app: Any, redis_url: str, make_user: Any, smtp: Any
) -> None:
    handler, _ = smtp
    arguments = await _arguments(job_ctx, client, app, make_user)
    names = [getattr(f, "__qualname__", None) for f in WorkerSettings.functions]
    unknown = sorted(set(filter(None, names)) - set(arguments))
    assert not unknown, f"give the test the arguments of {unknown}"
    crons = [cron.name for cron in WorkerSettings.cron_jobs]
    assert len(crons) >= 4
    # A cron run's job id is named after its cron job: the installation's queue is in it.
    assert all(f":{WorkerSettings.queue_name}:" in name for name in crons)

    queue = ArqQueue(redis_url, f"pomoshnik:test:every:{uuid.uuid4().hex}")
    run = uuid.uuid4().hex
    token = request_id_var.set(f"req-{run}")
    queued: dict[str, str] = {}
    try:
        for name in filter(None, names):
            queued[name] = f"every:{run}:{name}"
            assert await queue.enqueue(name, *arguments[name], job_id=queued[name])
        for name in crons:
            queued[name] = f"every:{run}:{name}"
            assert await queue.enqueue(name, job_id=queued[name])
        done: list[str] = []

        async def finished(ctx: dict[str, Any]) -> None:
            done.append(ctx["job_id"])

        worker = Worker(
            # The cron jobs as jobs of their own names, queued above: not on a schedule, which
            # could start a second sweep beside the queued one.
            functions=[
                *WorkerSettings.functions,
                *(func(cron.coroutine, name=cron.name) for cron in WorkerSettings.cron_jobs),
            ],
            redis_settings=queue.settings,
            queue_name=queue.queue_name,
            burst=True,
            poll_delay=0.05,
            max_tries=1,
            ctx={"app": job_ctx},
            handle_signals=False,
            after_job_end=finished,
        )
        await worker.main()
        await worker.close()
        assert worker.jobs_failed == 0
        assert {queue.job_id(ident) for ident in queued.values()} <= set(done)
        # The results of the jobs (arq keeps no result of a cron job).
        pool = await queue._get_pool()
        assert pool is not None
        results: dict[str, Any] = {}
        for name in filter(None, names):
            job = Job(queue.job_id(queued[name]), pool, _queue_name=queue.queue_name)
            info = await job.result_info()
            assert info is not None, name
            results[name] = (info.success, info.result)
        assert {name for name, (ok, _) in results.items() if not ok} == set()
        assert results["deliver_outbound"] == (True, "sent")
        assert results["push_credit_terms"] == (True, "skipped")
        assert results["sync_fulfilment"] == (True, "synced")
        assert results["register_invoice"] == (True, "registered")
        assert len(handler.received) == 1
    finally:
        request_id_var.reset(token)
        await queue.aclose()
