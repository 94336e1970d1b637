"""`make bench-onec`: the 1C adapter's own CPU against bare httpx calls making the same requests.

The fake 1C (`pomoshnik fake-1c`, seeded with the demo catalogue) runs as its own process on
loopback, so this process's CPU time (`time.process_time`) is the client's alone. Two operations of
the OData adapter, each done in rounds and each followed by its bare twin in the same round:
- a catalogue search of 20 results (`ODataCatalogue.search_products`);
- an order's invoice written to 1C (`ODataDocuments.create_invoice`: the counterparty, the posted
  ЗаказКлиента with its lines and its bill), a new invoice number every round.
The adapter's HTTP requests are recorded as it sends them; the bare twin sends exactly those
requests (method, URL, headers, body) with one plain `httpx.AsyncClient`, reads each answer and
decodes its JSON. The adapter's overhead is the difference of the medians of CPU per operation, also given per
HTTP request. Goal: at most 2 ms of CPU per operation beyond the bare round trips.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from app.adapters.onec.odata import ODataClient, RetryPolicy  # noqa: E402
from app.adapters.onec.odata_catalogue import ODataCatalogue  # noqa: E402
from app.adapters.onec.odata_documents import ODataDocuments  # noqa: E402
from app.core.config import OneCMapping  # noqa: E402
from app.fake_onec.store import demo_mapping  # noqa: E402
from app.services.kernel.ports import ErpInvoice, ErpInvoiceLine  # noqa: E402
from bench.common import cpu_steadiness, free_port, machine, shown, verdict, write_result  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ONEC_ROUNDS", "30"))
GOAL_MS = 2.0
USER, PASSWORD = "odata", "odata"
QUERY = os.environ.get("BENCH_ONEC_QUERY", "рабочий")
RESULTS_WANTED = 20
INVOICE_LINES = 5


@dataclass
class Sent:
    method: str
    url: str
    headers: list[tuple[bytes, bytes]]
    body: bytes


class Recording(httpx.AsyncBaseTransport):
    """The adapter's transport: every request passed on to a plain HTTP transport and kept."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent: list[Sent] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = request.content
        self.sent.append(Sent(request.method, str(request.url), list(request.headers.raw), body))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Timing:
    cpu_ms: float
    wall_ms: float


async def timed(call: Callable[[], Awaitable[object]]) -> Timing:
    cpu, wall = time.process_time(), time.perf_counter()
    await call()
    return Timing((time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000)


async def bare(client: httpx.AsyncClient, requests: list[Sent], refused: list[str]) -> None:
    """The same requests, one after another as the adapter sent them, each answer read and its JSON
    decoded (as any caller of 1C does; what the adapter does beyond that is its own). A write sent
    again may be refused (a PATCH whose data version 1C has moved on: 412); its round trip is made
    all the same, and it is counted."""
    for sent in requests:
        response = await client.request(sent.method, sent.url, headers=sent.headers, content=sent.body)
        await response.aread()
        if response.headers.get("content-type", "").startswith("application/json"):
            response.json()
        if response.status_code >= 400:
            refused.append(f"{sent.method} {response.status_code}")


def start_fake(tmp: Path, port: int) -> subprocess.Popen[bytes]:
    data = str(tmp / "1c.sqlite3")
    args = [sys.executable, "-m", "app.cli", "fake-1c", "--port", str(port), "--data", data,
            "--user", USER, "--password", PASSWORD]  # fmt: skip
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    url = f"http://127.0.0.1:{port}/base/odata/standard.odata/"
    while time.monotonic() < deadline:
        try:
            httpx.get(url, auth=(USER, PASSWORD), timeout=2)
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the fake 1C did not start")


def summarise(own: list[Timing], base: list[Timing], requests: int) -> dict[str, Any]:
    own_cpu = statistics.median(t.cpu_ms for t in own)
    base_cpu = statistics.median(t.cpu_ms for t in base)
    overhead = own_cpu - base_cpu
    return {
        "http_requests": requests,
        "adapter_cpu_ms": round(own_cpu, 2),
        "bare_cpu_ms": round(base_cpu, 2),
        "ratio": round(own_cpu / base_cpu, 2),
        "overhead_cpu_ms": round(overhead, 2),
        "overhead_cpu_ms_per_http_request": round(overhead / requests, 3),
        "adapter_wall_ms": round(statistics.median(t.wall_ms for t in own), 2),
        "bare_wall_ms": round(statistics.median(t.wall_ms for t in base), 2),
        "rounds": len(own),
        "goal_ms": GOAL_MS,
    }


async def load(url: str) -> dict[str, Any]:
    mapping = OneCMapping.model_validate(demo_mapping())
    recording = Recording()
    async with (
        ODataClient(url, USER, PASSWORD, retry=RetryPolicy(backoff=0), transport=recording) as odata,
        httpx.AsyncClient() as plain,
    ):
        catalogue = ODataCatalogue(odata, mapping)
        documents = ODataDocuments(odata, mapping)
        found = await catalogue.search_products(QUERY, limit=RESULTS_WANTED)
        if len(found) != RESULTS_WANTED:
            raise RuntimeError(f"the search for {QUERY!r} found {len(found)}, not {RESULTS_WANTED}")
        counterparty = await documents.upsert_counterparty("ООО «Нагрузка»", "3525000020", "352501001")

        def invoice(number: str) -> ErpInvoice:
            return ErpInvoice(
                number=number,
                date=date(2026, 12, 7),
                counterparty_id=counterparty.id,
                counterparty_name=counterparty.name,
                counterparty_kpp=counterparty.kpp,
                lines=tuple(
                    ErpInvoiceLine(product_id=p.id, name=p.name, quantity=1 + i, price=Decimal("2320.00"),
                                   vat_rate=Decimal("20"), procure=i % 2 == 1)
                    for i, p in enumerate(found[:INVOICE_LINES])
                ),
            )  # fmt: skip

        await documents.create_invoice(invoice("БЕНЧ-00000"))  # warm: the owners and VAT refs cached
        samples: dict[str, tuple[list[Timing], list[Timing], list[int]]] = {
            "search": ([], [], []),
            "invoice": ([], [], []),
        }
        refused: dict[str, list[str]] = {"search": [], "invoice": []}
        for round_ in range(ROUNDS):
            operations: dict[str, Callable[[], Awaitable[object]]] = {
                "search": lambda: catalogue.search_products(QUERY, limit=RESULTS_WANTED),
                "invoice": lambda number=f"БЕНЧ-{round_ + 1:05d}": documents.create_invoice(invoice(number)),
            }
            for name, operation in operations.items():
                own, base, counts = samples[name]
                recording.sent.clear()
                own.append(await timed(operation))
                sent = list(recording.sent)
                counts.append(len(sent))
                base.append(await timed(lambda sent=sent, name=name: bare(plain, sent, refused[name])))  # type: ignore[misc]
    return {
        name: summarise(own, base, int(statistics.median(counts)))
        | {
            "bare_refused_per_round": round(len(refused[name]) / ROUNDS, 2),
            "bare_refused": sorted(set(refused[name])),
        }
        for name, (own, base, counts) in samples.items()
    } | {"search_results": RESULTS_WANTED, "invoice_lines": INVOICE_LINES, "query": QUERY}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pomoshnik-bench-onec-") as tmp:
        port = free_port()
        fake = start_fake(Path(tmp), port)
        try:
            steadiness = cpu_steadiness()
            result = asyncio.run(load(f"http://127.0.0.1:{port}/base/odata/standard.odata/"))
        finally:
            fake.terminate()
            fake.wait(timeout=20)
    result |= {
        "cpu_steadiness": steadiness,
        "machine": machine(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out = write_result("onec", result)
    for name, label in (("search", f"catalogue search, {RESULTS_WANTED} results"),
                        ("invoice", f"invoice written to 1C, {INVOICE_LINES} lines")):  # fmt: skip
        r = result[name]
        print(
            f"{label}: {r['http_requests']} HTTP requests; CPU {r['adapter_cpu_ms']} ms against "
            f"{r['bare_cpu_ms']} ms bare (ratio {r['ratio']}), overhead {r['overhead_cpu_ms']} ms "
            f"({r['overhead_cpu_ms_per_http_request']} ms a request; goal ≤ {GOAL_MS:g} ms: "
            f"{verdict(r['overhead_cpu_ms'] <= GOAL_MS)}); "
            f"wall {r['adapter_wall_ms']} / {r['bare_wall_ms']} ms"
        )
    print(f"written to {shown(out)}")


if __name__ == "__main__":
    main()
