"""A change sent without If-Match is applied or refused on its own merits, even when another
request wrote the same row between this one's read and its write: it is run again over the row as
it now stands. 412 is only for a change that named a version with If-Match, and that version is
stale."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from app.models.clients import Client
from app.models.directory import Role
from tests.api.test_clients import URL, create
from tests.support.helpers import problem


@contextmanager
def another_writer(times: int) -> Iterator[list[int]]:
    """Another request's write to the same client row, landing just before this request's own
    (``times`` times): the row's version moves under the request, as in a race between two."""
    bumped: list[int] = []
    table = Client.__table__

    def write_first(session: Session, *_: Any) -> None:
        for row in list(session.dirty):
            if isinstance(row, Client) and len(bumped) < times:
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
