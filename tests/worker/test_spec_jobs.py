"""The 1C steps of a workshop spec survive a lost job: the minute sweep takes them again, and a job
run twice does its work once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from app.worker.jobs import issue_spec_documents, post_spec_receipts, sweep
from tests.api.test_spec_walk import JOBS, people, spec_at_goods_ready, spec_with_approved_invoice
from tests.conftest import RecordingQueue


async def test_lost_receipt_and_upd_jobs_are_taken_again_by_the_sweep(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, queue: RecordingQueue, clock: Any
) -> None:
    job_ctx.erp = app.state.erp
    p = await people(make_user)
    a = p.assistant.headers
    _, url = await spec_at_goods_ready(client, app, p, job_ctx, queue)
    spec_id = int(url.rsplit("/", 1)[1])
    assert [f for f, _, _ in queue.jobs] == ["post_spec_receipts"]
    queue.jobs.clear()  # Redis lost the job

    # Too early for the sweep; later it enqueues the receipt job, which posts once.
    assert not [j for j in job_ctx.queue.jobs if j[0] == "post_spec_receipts"]
    await sweep({"app": job_ctx})
    assert not [j for j in job_ctx.queue.jobs if j[0] == "post_spec_receipts"]
    clock.advance(timedelta(minutes=3))
    await sweep({"app": job_ctx})
    receipt_jobs = [j for j in job_ctx.queue.jobs if j[0] == "post_spec_receipts"]
    assert [args for _, args, _ in receipt_jobs] == [(spec_id,)]
    assert await post_spec_receipts({"app": job_ctx}, spec_id) == "posted"
    assert await post_spec_receipts({"app": job_ctx}, spec_id) == "skipped"
    assert len((await client.get(url, headers=a)).json()["receipts"]) == 2

    # The УПД: its job lost too, taken again by the sweep, made once.
    await client.post(f"{url}/shipping-documents", headers=a)
    queue.jobs.clear()
    job_ctx.queue.jobs.clear()
    clock.advance(timedelta(minutes=3))
    await sweep({"app": job_ctx})
    upd_jobs = [j for j in job_ctx.queue.jobs if j[0] == "issue_spec_documents"]
    assert [args for _, args, _ in upd_jobs] == [(spec_id,)]
    assert not [j for j in job_ctx.queue.jobs if j[0] == "post_spec_receipts"]
    assert await issue_spec_documents({"app": job_ctx}, spec_id) == "issued"
    assert await issue_spec_documents({"app": job_ctx}, spec_id) == "skipped"
    done = (await client.get(url, headers=a)).json()
    assert done["status"] == "documents_issued"
    job_ctx.queue.jobs.clear()
    clock.advance(timedelta(minutes=3))
    await sweep({"app": job_ctx})
    assert not [j for j in job_ctx.queue.jobs if j[0] in ("post_spec_receipts", "issue_spec_documents")]


async def test_requisitions_1c_missed_are_registered_then_received_before_the_upd(
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    job_ctx: Any,
    queue: RecordingQueue,
    clock: Any,
    monkeypatch: Any,
) -> None:
    """1C is down when the spec's requisitions are to be written there: the goods still come, but
    the УПД waits (409 no_receipt) until the sweep has registered the requisitions in 1C and
    posted their receipt; then it is made once."""
    erp = job_ctx.erp = app.state.erp
    p = await people(make_user)
    a = p.assistant.headers
    _, url = await spec_with_approved_invoice(client, app, p, "manufacturing")
    spec_id = int(url.rsplit("/", 1)[1])
    await client.post(f"{url}/sign", headers=p.supply.headers)
    await client.post(f"{url}/send", headers=a, json={})

    async def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise httpx.ConnectError("1C is not answering")

    add_requisition = erp.add_requisition
    monkeypatch.setattr(erp, "add_requisition", unavailable)
    while queue.jobs:
        function, args, _ = queue.jobs.pop(0)
        try:
            await JOBS[function]({"app": job_ctx}, *args)
        except httpx.ConnectError:
            assert function == "sync_fulfilment"
    await client.post(f"{url}/workshop-accepted", headers=p.workshop.headers)
    assert (await client.post(f"{url}/goods-ready", headers=p.keeper.headers)).status_code == 200
    # Nothing in 1C to receive against: the receipt job has nothing it can post yet.
    assert await post_spec_receipts({"app": job_ctx}, spec_id) == "skipped"
    refused = await client.post(f"{url}/shipping-documents", headers=a)
    assert (refused.status_code, refused.json()["code"]) == (409, "no_receipt")

    # 1C answers again: the sweep registers the requisitions, then the receipt is posted.
    monkeypatch.setattr(erp, "add_requisition", add_requisition)
    queue.jobs.clear()
    ran = []
    for _ in range(2):  # the requisitions, then (in the same sweep or the next) their receipt
        clock.advance(timedelta(minutes=5))
        await sweep({"app": job_ctx})
        while job_ctx.queue.jobs:
            function, args, _ = job_ctx.queue.jobs.pop(0)
            ran.append((function, await JOBS[function]({"app": job_ctx}, *args)))
    assert [r for r in ran if r[1] != "skipped"] == [
        ("sync_fulfilment", "synced"),
        ("post_spec_receipts", "posted"),
    ]
    assert len((await client.get(url, headers=a)).json()["receipts"]) == 2

    queue.jobs.clear()
    assert (await client.post(f"{url}/shipping-documents", headers=a)).status_code == 200
    assert [f for f, _, _ in queue.jobs] == ["issue_spec_documents"]
    assert await issue_spec_documents({"app": job_ctx}, spec_id) == "issued"
    assert (await client.get(url, headers=a)).json()["status"] == "documents_issued"
