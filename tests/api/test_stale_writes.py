"""A change sent without If-Match is applied or refused on its own merits, even when another
request wrote the same row between this one's read and its write: it is run again over the row as
it now stands. 412 is only for a change that named a version with If-Match, and that version is
stale."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.models.clients import Client
from app.models.directory import Role
from app.models.outbox import OutboundMessage
from app.models.specs import Spec
from app.worker.jobs import deliver_outbound
from tests.api.test_clients import URL, create
from tests.api.test_spec_chat import HEADERS, _workshop_chat_on_telegram, reply
from tests.api.test_spec_walk import people, png, spec_with_approved_invoice
from tests.conftest import RecordingQueue
from tests.support.helpers import problem

__all__ = ["_workshop_chat_on_telegram"]  # the Telegram settings, for the workshop's chat


@contextmanager
def another_writer(times: int, model: type[Any] = Client) -> Iterator[list[int]]:
    """Another request's write to the same row, landing just before this request's own (``times``
    times): the row's version moves under the request, as in a race between two."""
    bumped: list[int] = []
    table = model.__table__

    def write_first(session: Session, *_: Any) -> None:
        for row in list(session.dirty):
            if isinstance(row, model) and len(bumped) < times:
                bumped.append(row.id)
                session.connection().execute(
                    update(table).where(table.c.id == row.id).values(version=table.c.version + 1)
                )

    event.listen(Session, "before_flush", write_first)
    try:
        yield bumped
    finally:
        event.remove(Session, "before_flush", write_first)


async def test_a_change_without_if_match_is_applied_over_a_concurrent_write(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    created = await create(client, head.headers)
    url = f"{URL}/{created['id']}"
    with another_writer(times=1) as bumped:
        changed = await client.patch(url, json={"comment": "звонить после обеда"}, headers=head.headers)
    assert bumped == [created["id"]]
    assert changed.status_code == 200, changed.text
    assert (await client.get(url, headers=head.headers)).json()["comment"] == "звонить после обеда"


async def test_a_change_that_loses_every_race_is_a_conflict_not_a_412(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    created = await create(client, head.headers)
    url = f"{URL}/{created['id']}"
    with another_writer(times=100) as bumped:
        refused = await client.patch(url, json={"comment": "x"}, headers=head.headers)
    assert len(bumped) == 3  # tried three times
    assert problem(refused, 409)["code"] == "concurrent_change"
    after = (await client.get(url, headers=head.headers)).json()
    assert (after["comment"], after["version"]) == (created["comment"], created["version"])


async def test_a_change_with_if_match_over_a_concurrent_write_is_412(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    created = await create(client, head.headers)
    url = f"{URL}/{created['id']}"
    etag = f'"{created["version"]}"'
    with another_writer(times=1):
        stale = await client.patch(url, json={"comment": "x"}, headers={**head.headers, "If-Match": etag})
    problem(stale, 412)
    assert (await client.get(url, headers=head.headers)).json()["comment"] == created["comment"]


async def test_the_workshops_answer_in_telegram_is_taken_over_a_concurrent_write(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, queue: RecordingQueue
) -> None:
    p = await people(make_user)
    a = p.assistant.headers
    _, url = await spec_with_approved_invoice(client, app, p, "logo", received_via="in_person")
    await client.put(f"{url}/logo", headers=a, files={"file": ("logo.png", png())})
    await client.post(f"{url}/sign", headers=p.supply.headers)
    assert (await client.post(f"{url}/send", headers=a, json={})).status_code == 200
    for function, args, _ in list(queue.jobs):
        if function == "deliver_outbound":
            await deliver_outbound({"app": job_ctx}, *args)
    async with job_ctx.session_factory() as session:
        post = await session.scalar(
            select(OutboundMessage).where(OutboundMessage.channel == "workshop_logos")
        )
    assert post is not None
    with another_writer(times=1, model=Spec) as bumped:
        answered = await client.post(
            "/webhooks/telegram", json=reply("Принято", "master_shc", int(post.external_id)), headers=HEADERS
        )
    assert len(bumped) == 1
    assert answered.status_code == 200, answered.text
    assert answered.json()["outcome"].startswith("done:"), answered.text
    assert (await client.get(url, headers=a)).json()["status"] == "accepted_by_workshop"
