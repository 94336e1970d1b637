"""Faults with real processes: the API and the worker run as deployed (`pomoshnik serve`, `pomoshnik
worker`) on a PostgreSQL server and a Redis server of their own, which these tests stop and start."""

from __future__ import annotations

import asyncio
import email
import email.policy
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from pytest_postgresql import factories as pg_factories
from pytest_redis import factories as redis_factories

from app.models.outbox import OutboundStatus
from tests.adapters.servers import FakeBotApi
from tests.conftest import AMOCRM_ACCOUNT, AMOCRM_SECRET, PG_CTL, _create_pg_database
from tests.support.servers import LoopbackServer, free_port
from tests.support.stack import Stack, wait_for

fault_pg = pg_factories.postgresql_proc(executable=str(PG_CTL), port=None, user="postgres")
fault_redis = redis_factories.redis_proc(executable=shutil.which("redis-server"), port=None)

BOT_TOKEN = "7000000001:AAFakeTokenForTheFaultTests"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
NEW_LEAD = "leads[add][0][id]=31000101&leads[add][0][status_id]=61000001&leads[add][0][pipeline_id]=7001001"
WON_LEAD = (
    "leads[status][0][id]=31000103&leads[status][0][status_id]=142&leads[status][0][pipeline_id]=7001001"
)
ACCOUNT = f"&account[id]={AMOCRM_ACCOUNT}&account[subdomain]=example"

_databases = iter(range(1, 1000))


def _env(db_url: str, redis_url: str, tmp: Path) -> dict[str, str]:
    import os

    return os.environ | {
        "APP_DB__URL": db_url,
        "APP_REDIS__URL": redis_url,
        "APP_CHAT__STUB_DIR": str(tmp / "chat"),
        "APP_STORAGE__LOCAL_DIR": str(tmp / "storage"),
        "APP_AMOCRM__WEBHOOK_SECRET": AMOCRM_SECRET,
        "APP_AMOCRM__ACCOUNT_ID": AMOCRM_ACCOUNT,
        "APP_AMOCRM__RETRY_AFTER_SECONDS": "1",  # the sweep takes over an unqueued delivery soon
        "APP_LOG_LEVEL": "WARNING",
        "APP_RATES__ADAPTER": "stub",
    }


@pytest.fixture(scope="module")
def template(fault_pg: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A migrated database with the demo data and a head's token, copied for each test. Made in this
    process, through the commands' own code: a `pomoshnik` process per step would import the
    application anew each time (seconds of CPU each on a busy machine)."""
    from typer.testing import CliRunner

    from app.commands import _in_uow, cli, run_migrations
    from app.core.config import DbSettings, Settings, get_settings
    from app.services.seed import seed_demo

    name = "pomoshnik_faults_template"
    url = _create_pg_database(fault_pg, name)
    settings = Settings(db=DbSettings(url=url))
    run_migrations(settings)
    asyncio.run(_in_uow(settings, seed_demo))
    get_settings.cache_clear()
    try:
        added = CliRunner().invoke(
            cli,
            ["users", "add", "--name", "Главная Ирина Петровна", "--email", "head@example.com",
             "--role", "head", "--print-token"],
            env={"APP_DB__URL": url},
        )  # fmt: skip
    finally:
        get_settings.cache_clear()
    assert added.exit_code == 0, added.output
    return name, added.stdout.strip().splitlines()[-1]


@pytest.fixture
def stack(fault_pg: Any, fault_redis: Any, template: tuple[str, str], tmp_path: Path) -> Iterator[Stack]:
    import psycopg
    import redis

    name = f"pomoshnik_faults_{next(_databases)}"
    with psycopg.connect(
        host=fault_pg.host, port=fault_pg.port, user=fault_pg.user, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template[0]}"')
    redis.Redis(host=fault_redis.host, port=fault_redis.port).flushall()
    db_url = f"postgresql+asyncpg://{fault_pg.user}@{fault_pg.host}:{fault_pg.port}/{name}"
    service = Stack(
        env=_env(db_url, f"redis://{fault_redis.host}:{fault_redis.port}/0", tmp_path),
        logs=tmp_path,
        token=template[1],
    )
    try:
        yield service
    finally:
        service.stop()


def _orders(stack: Stack) -> list[dict[str, Any]]:
    response = stack.get("/api/v1/orders", params={"limit": 100})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def _hook(stack: Stack, form: str) -> httpx.Response:
    return httpx.post(f"{stack.url}/webhooks/amocrm/{AMOCRM_SECRET}", content=form + ACCOUNT, headers=FORM)


def test_with_redis_stopped_the_api_keeps_taking_orders_and_the_work_goes_out_when_it_is_back(
    stack: Stack, fault_redis: Any
) -> None:
    stack.start_api()
    with fault_redis.stopped():
        ready = httpx.get(f"{stack.url}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text  # degraded, not down: the API still serves
        assert ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["redis"] == "unavailable"
        for form in (NEW_LEAD, WON_LEAD):
            taken = _hook(stack, form)
            assert taken.status_code == 200, taken.text
        clients = stack.get("/api/v1/clients")
        assert clients.status_code == 200, clients.text
        phone = stack.post(
            "/api/v1/orders",
            json={
                "channel": "phone",
                "client_id": clients.json()["items"][0]["id"],
                "raw_text": "Звонок: уточнить размеры",
            },
        )
        assert phone.status_code == 201, phone.text
        assert [o["channel"] for o in _orders(stack)] == ["phone"]  # the deliveries wait for the worker

    # Redis is back: the worker's sweep finds the deliveries the API could not enqueue.
    stack.start_worker()
    orders = wait_for(
        lambda: len(found := _orders(stack)) == 3 and found,
        timeout=60,
        what=f"the amoCRM orders after Redis came back\n{stack.log('worker')}",
    )
    assert sorted(o["external_id"] for o in orders if o["channel"] == "amocrm") == ["31000101", "31000103"]


def test_a_postgresql_restart_is_reported_answered_with_503_and_recovered_from(
    stack: Stack, fault_pg: Any
) -> None:
    stack.start_api()
    assert stack.get("/api/v1/clients").status_code == 200
    with fault_pg.stopped():
        ready = httpx.get(f"{stack.url}/readyz", timeout=10)
        assert ready.status_code == 503, ready.text
        assert ready.json()["checks"]["database"].startswith("unavailable")
        down = stack.get("/api/v1/clients")
        assert down.status_code == 503, down.text
        assert down.headers["content-type"].startswith("application/problem+json")
        assert down.json()["status"] == 503
        webhook = _hook(stack, NEW_LEAD)
        assert webhook.status_code == 503  # amoCRM retries a delivery it could not hand over
    # No restart of the API: its pool drops the dead connections and it serves again.
    wait_for(
        lambda: httpx.get(f"{stack.url}/readyz", timeout=5).status_code == 200,
        timeout=30,
        what="readiness after PostgreSQL came back",
    )
    assert stack.get("/api/v1/clients").status_code == 200
    stack.start_worker()
    assert _hook(stack, NEW_LEAD).status_code == 200
    wait_for(lambda: len(_orders(stack)) == 1, timeout=60, what="the order after the restart")


def test_fifty_identical_amocrm_deliveries_at_once_make_one_order(stack: Stack) -> None:
    stack.start_api()
    stack.start_worker()

    async def burst() -> list[int]:
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
            responses = await asyncio.gather(
                *[
                    http.post(f"/webhooks/amocrm/{AMOCRM_SECRET}", content=NEW_LEAD + ACCOUNT, headers=FORM)
                    for _ in range(50)
                ]
            )
        return [r.status_code for r in responses]

    assert set(asyncio.run(burst())) == {200}
    wait_for(lambda: _orders(stack), timeout=60, what=f"the order\n{stack.log('worker')}")

    def all_processed() -> bool:
        import psycopg

        with psycopg.connect(stack.env["APP_DB__URL"].replace("+asyncpg", "")) as conn:
            row = conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE status = 'processed') FROM webhook_deliveries"
            ).fetchone()
        assert row is not None
        return bool(row[0] == 50 and row[1] == 50)

    wait_for(all_processed, timeout=90, what=f"all 50 deliveries processed\n{stack.log('worker')}")
    assert [o["external_id"] for o in _orders(stack)] == ["31000101"]


def test_twenty_parallel_updates_with_the_same_if_match_one_wins_and_nothing_is_lost(stack: Stack) -> None:
    stack.start_api()
    card = stack.get("/api/v1/clients").json()["items"][0]
    url = f"/api/v1/clients/{card['id']}"
    version = stack.get(url).json()["version"]

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=stack.url, headers=stack.headers, timeout=30) as http:
            return list(
                await asyncio.gather(
                    *[
                        http.patch(
                            url,
                            json={"legal_address": f"г. Вологда, ул. Правки, д. {n}"},
                            headers={"If-Match": f'"{version}"'},
                        )
                        for n in range(20)
                    ]
                )
            )

    responses = asyncio.run(race())
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [412] * 19, [r.text for r in responses if r.status_code not in (200, 412)]
    winner = next(r for r in responses if r.status_code == 200).json()
    for lost in (r for r in responses if r.status_code == 412):
        assert lost.headers["content-type"].startswith("application/problem+json")
    after = stack.get(url).json()
    assert after["version"] == version + 1
    assert after["legal_address"] == winner["legal_address"]
    # The loser can re-read and apply its change on the new version.
    retried = stack.get(url)
    again = httpx.patch(
        f"{stack.url}{url}",
        json={"legal_address": "г. Вологда, ул. Повторная, д. 1"},
        headers=stack.headers | {"If-Match": retried.headers["ETag"]},
    )
    assert again.status_code == 200, again.text
    assert again.json()["version"] == version + 2


@pytest.fixture
def bot_api() -> Iterator[tuple[FakeBotApi, str]]:
    fake = FakeBotApi(token=BOT_TOKEN)
    with LoopbackServer(fake.app()) as server:
        yield fake, server.url


def test_a_worker_killed_while_posting_to_a_chat_posts_it_once_after_a_restart(
    stack: Stack, bot_api: tuple[FakeBotApi, str]
) -> None:
    fake, bot_url = bot_api
    stack.env |= {
        "APP_TELEGRAM__TOKEN": BOT_TOKEN,
        "APP_TELEGRAM__BASE_URL": bot_url,
        "APP_TELEGRAM__MAX_RETRIES": "0",
        "APP_CHAT__CHANNELS__DOCUMENT_ERRORS__ADAPTER": "telegram",
        "APP_CHAT__CHANNELS__DOCUMENT_ERRORS__CHAT_ID": "-1001234567890",
        "APP_CHAT__CHANNELS__DOCUMENT_ERRORS__TITLE": "Косяки в документах",
        # A claim older than this is taken for a dead worker's (minutes; short for the test).
        "APP_WORKER__STUCK_AFTER_MINUTES": "0.05",
    }
    stack.start_api()
    fake.holding = True  # the chat takes the request but answers nothing until told
    stack.start_worker()
    flagged = stack.post(
        "/api/v1/document-flags",
        json={
            "document_kind": "upd",
            "document_ref": "УПД-1207",
            "description": "В УПД неверный КПП покупателя",
        },
    )
    assert flagged.status_code == 201, flagged.text
    wait_for(lambda: fake.held >= 1, timeout=60, what=f"the worker's post\n{stack.log('worker')}")
    stack.kill_worker()
    fake.holding = False
    assert not [r for r in fake.requests if r.method == "sendMessage"]  # it never got through

    stack.start_worker()
    wait_for(
        lambda: len([r for r in fake.requests if r.method == "sendMessage"]) == 1,
        timeout=60,
        what=f"the post after the restart\n{stack.log('worker')}",
    )

    # The minute sweep may add its own rows (a task falling due by the wall clock): only the
    # flag's row is this test's.
    def flag_rows() -> list[dict[str, Any]]:
        params = {"limit": 100, "channel": "document_errors"}
        return list(stack.get("/api/v1/outbound", params=params).json()["items"])

    page = wait_for(
        lambda: (
            (rows := flag_rows()) and all(m["status"] == OutboundStatus.SENT.value for m in rows) and rows
        ),
        timeout=30,
        what="the outbound row marked sent",
    )
    assert len(page) == 1
    assert page[0]["attempts"] == 2
    # The killed job itself is retried by arq later and finds the row sent: still exactly one post.
    assert len([r for r in fake.requests if r.method == "sendMessage"]) == 1
    assert fake.requests[0].chat_id == "-1001234567890"
    assert "неверный КПП" in (fake.requests[0].text or "")


@dataclass
class SlowMailServer:
    """An SMTP server that takes the first message at once and holds every later one until the test
    opens ``gate``, so that sends are certainly in flight when a worker is killed (a held message
    whose client dies is never answered 250); records each message's Message-ID."""

    message_ids: list[str] = field(default_factory=list)
    # Every message whose data reached the server, in order, held or not: a held one is kept once
    # the gate opens, answered or not.
    arrived_ids: list[str] = field(default_factory=list)
    gate: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(bytes(envelope.content), policy=email.policy.default)
        self.arrived_ids.append(str(parsed["Message-ID"]))
        if len(self.arrived_ids) > 1:
            await asyncio.to_thread(self.gate.wait)
        self.message_ids.append(str(parsed["Message-ID"]))
        return "250 2.0.0 Ok: queued"


async def _approved_claims(db_url: str, count: int) -> list[int]:
    """Collection cases whose claim letter the lawyer has approved (the steps before are walked by
    the collection tests), one client each."""
    from app.core.db import create_engine, create_session_factory
    from app.models.clients import Client, ClientContact, ContactLevel
    from app.models.collection import CaseStage, CollectionCase
    from app.services.receivables.collection import claim_text
    from app.services.seed import inn10
    from tests.worker.test_claim_sent_once import _view

    engine = create_engine(db_url)
    now = datetime.now(UTC)
    try:
        async with create_session_factory(engine)() as session:
            cases = []
            for n in range(count):
                name = f"ООО «Должник {n + 1}»"
                client = Client(
                    name=name,
                    name_search=name.lower(),
                    inn=inn10(f"3528777{n:02d}"),
                    delivery_addresses=[],
                    created_at=now,
                    updated_at=now,
                    contacts=[
                        ClientContact(
                            name="Сорокина Вера",
                            level=ContactLevel.CHIEF_ACCOUNTANT,
                            phones=[],
                            emails=[f"buh{n}@debtor.example.ru"],
                            messengers=[],
                        )
                    ],
                )
                session.add(client)
                await session.flush()
                view = _view() | {"number": f"{n + 1}-1"}
                case = CollectionCase(
                    client_id=client.id,
                    episode=1,
                    stage=CaseStage.CLAIM_APPROVED,
                    opened_on=now.date(),
                    debt_at_open=view["debt"],
                    invoice_ids=[],
                    tracking=[],
                    hearings=[],
                    claim_view=view,
                    claim_text=claim_text(view),
                    claim_approved_at=now,
                    created_at=now,
                    updated_at=now,
                )
                session.add(case)
                cases.append(case)
            await session.commit()
            return [case.id for case in cases]
    finally:
        await engine.dispose()


def _send_invoice(api: Stack, invoice_id: int, to: str) -> httpx.Response:
    """The worker may write the new invoice meanwhile (its 1C registration): a 412 says so, and the
    client reads it again and tries again, as the problem tells it to."""
    return wait_for(
        lambda: (
            (sent := api.post(f"/api/v1/invoices/{invoice_id}/send", json={"email": to})).status_code != 412
            and sent
        ),
        timeout=30,
        what=f"invoice {invoice_id} sent",
    )


def _db(stack: Stack, query: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(stack.env["APP_DB__URL"].replace("+asyncpg", "")) as conn:
        return list(conn.execute(query).fetchall())


def test_two_apis_and_two_workers_do_each_job_once_and_send_each_email_once_though_a_worker_is_killed(
    stack: Stack, tmp_path: Path
) -> None:
    """The way the service scales past one machine: two API processes and two workers on one
    PostgreSQL and one Redis, under a load of amoCRM orders (each delivered twice, to both APIs),
    orders with invoices emailed, and claim letters emailed; one worker is killed (SIGKILL) while
    emails are going out and started again."""
    from app.adapters.post.barcodes import domestic_check_digit

    sink = SlowMailServer()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    stack.env |= {
        "APP_SMTP__HOST": "127.0.0.1",
        "APP_SMTP__PORT": str(controller.port),
        # A claim older than this is taken for a dead worker's (minutes; short for the test).
        "APP_WORKER__STUCK_AFTER_MINUTES": "0.02",
    }
    (tmp_path / "second").mkdir()
    second = Stack(env=stack.env, logs=tmp_path / "second", token=stack.token)
    try:
        # All four at once: they start in parallel.
        stack.api = stack._spawn("api", "serve", "--port", str(stack.port))
        second.api = second._spawn("api", "serve", "--port", str(second.port))
        stack.start_worker()
        second.start_worker()
        for api in (stack, second):
            api.wait_for_api()
        cases = asyncio.run(_approved_claims(stack.env["APP_DB__URL"], 4))
        clients = [c["id"] for c in stack.get("/api/v1/clients", params={"limit": 5}).json()["items"]]
        suit = stack.get("/api/v1/catalogue/products", params={"q": "Костюм", "limit": 1}).json()["items"][0]

        # The load, spread over both APIs: three amoCRM leads, each delivered to both; five orders
        # whose invoices are emailed; four claim letters emailed.
        for api in (stack, second):
            for form in (NEW_LEAD, WON_LEAD, NEW_LEAD.replace("31000101", "31000102")):
                assert _hook(api, form).status_code == 200
        for n, client_id in enumerate(clients):
            api = (stack, second)[n % 2]
            order = api.post(
                "/api/v1/orders",
                json={
                    "channel": "phone",
                    "client_id": client_id,
                    "lines": [{"product_id": suit["id"], "price_category": "Оптовая", "quantity": n + 1}],
                },
            )
            assert order.status_code == 201, order.text
            invoice = api.post(f"/api/v1/orders/{order.json()['id']}/invoice")
            email = f"buyer{n}@client.example.ru"
            assert invoice.status_code == 201, invoice.text
            sent = _send_invoice(api, invoice.json()["id"], email)
            assert sent.status_code == 200, sent.text
        for n, case_id in enumerate(cases):
            api = (stack, second)[n % 2]
            number = f"1010008765{n:03d}"
            claim = api.post(
                f"/api/v1/collection-cases/{case_id}/claim/send",
                json={"tracking_number": number + str(domestic_check_digit(number))},
            )
            assert claim.status_code == 200, claim.text
        emails = len(clients) + len(cases)

        # Mid-way: some emails are out, some not; the first worker dies with whatever it holds.
        wait_for(lambda: sink.message_ids, timeout=60, what=f"the first email\n{stack.log('worker')}")
        stack.kill_worker()
        arrived_at_kill = len(sink.arrived_ids)
        assert len(sink.message_ids) < emails  # mid-way
        sink.gate.set()
        stack.start_worker()  # its start-up sweep takes over what the dead one held

        def done() -> bool:
            outbound = _db(stack, "SELECT status FROM outbound_messages WHERE kind = 'email'")
            deliveries = _db(stack, "SELECT status FROM webhook_deliveries")
            return (
                len(outbound) == emails
                and all(status == "sent" for (status,) in outbound)
                and len(deliveries) == 6
                and all(status == "processed" for (status,) in deliveries)
            )

        wait_for(done, timeout=90, what=f"every email sent\n{stack.log('worker')}\n{second.log('worker')}")

        orders = _db(stack, "SELECT channel, external_id FROM orders")
        assert sorted(e for c, e in orders if c == "amocrm") == ["31000101", "31000102", "31000103"]
        assert len([c for c, _ in orders if c == "phone"]) == len(clients)
        rows = _db(stack, "SELECT external_id, attempts FROM outbound_messages WHERE kind = 'email'")
        sent_ids = Counter(sink.message_ids)
        assert set(sent_ids) == {external_id for external_id, _ in rows}
        # Each email once, but for what the guarantee allows: an email the dead worker had handed
        # to the server but not yet recorded goes again, with the same Message-ID, on a new attempt.
        attempts = dict(rows)
        repeated = {mid: n for mid, n in sent_ids.items() if n > 1}
        assert all(n == 2 and attempts[mid] >= 2 for mid, n in repeated.items()), (repeated, attempts)
        assert sum(sent_ids.values()) == emails + len(repeated)
        # A repeated email reached the server before the kill (taken, or held with no answer).
        assert set(repeated) <= set(sink.arrived_ids[:arrived_at_kill])
        claims = _db(stack, "SELECT count(*) FROM events WHERE action = 'send_claim'")
        assert claims == [(len(cases),)]
    finally:
        second.stop()
        controller.stop()
