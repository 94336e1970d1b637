"""Document PDFs with WeasyPrint, warm, medians over N runs, each against the engine's floor measured
in the same run: a minimal one-page HTML document with the same stylesheet. The ratio says how much
heavier the document is than that floor; the absolute milliseconds are the goals:

- the commercial proposal, 20 lines with 20 phone photos read through the storage port: < 500 ms;
  one line with a photo: < 100 ms (the pieces of bench/proposal_pdf.py);
- the reconciliation act of 500 lines (250 sales and 250 payments over a year): < 2 s;
- the claim letter of a case with two overdue invoices, one page with its calculation (the page
  count of the PDF is checked; a letter that is not one page is reported as failed): < 100 ms, the
  goal of quality.md;
- the claim letter of a case with 12 overdue invoices and the interest of art. 395 by period:
  < 500 ms (a goal set here: a letter of two or three pages); both claim letters are reported as
  'not built' if their module is ever missing.

Run: .venv/bin/python bench/documents.py [--runs 10] (about two minutes)
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.adapters.storage import LocalStorage  # noqa: E402
from app.services.documents.company import CompanyRequisites  # noqa: E402
from app.services.documents.engine import TEMPLATES_DIR  # noqa: E402
from app.services.documents.invoice import html_to_pdf  # noqa: E402
from app.services.documents.reconciliation import (  # noqa: E402
    ActEntryView,
    ActParty,
    ActView,
    render_act_pdf,
)
from bench.common import machine, paired_ms, shown, summary_ms, verdict, write_result  # noqa: E402
from bench.proposal_pdf import phone_photo, render_from_storage, upload, view  # noqa: E402

ACT_LINES = 500
# The module the claim letter (претензия) is rendered by, and the function that renders it.
CLAIM_MODULE = "app.services.documents.collection"
CLAIM_RENDER = "render_claim_pdf"
CLAIM_TEXT_MODULE = "app.services.receivables.collection"


@dataclass(frozen=True)
class Document:
    """One document to time: how to render it, the stylesheet of its baseline, its goal in ms, and
    the pages it must fit in when the goal names them."""

    key: str
    label: str
    render: Callable[[], bytes]
    stylesheet: str
    goal_ms: float
    max_pages: int | None = None


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def baseline_html(stylesheet: str) -> str:
    """A minimal one-page document with the document's own stylesheet: the engine's floor."""
    css = (TEMPLATES_DIR / stylesheet).read_text(encoding="utf-8")
    return (
        '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>Базовая страница</title>'
        f"<style>\n{css}\n</style></head><body><p>Одна страница, один абзац текста.</p></body></html>"
    )


def act_view(lines: int = ACT_LINES) -> ActView:
    """An act over a year as ReconciliationService makes it from a client's ledger: alternating sales
    and their payments, numbered as the service numbers them, with an opening debt."""
    start, end = date(2025, 10, 1), date(2026, 9, 30)
    step = (end - start).days / max(1, lines)
    entries: list[ActEntryView] = []
    for index in range(1, lines + 1):
        on = start + timedelta(days=int((index - 1) * step))
        amount = Decimal(18_000 + (index * 7_919) % 240_000) + Decimal(index % 100) / 100
        if index % 2:
            document = f"Продажа (счёт № 2026-{index:06d} от {on:%d.%m.%Y})"
            entries.append(ActEntryView(index, on, document, amount, Decimal("0.00")))
        else:
            document = f"Оплата (п/п {4100 + index} от {on:%d.%m.%Y})"
            entries.append(ActEntryView(index, on, document, Decimal("0.00"), entries[-1].debit))
    opening = Decimal("125400.00")
    debit = sum((e.debit for e in entries), Decimal("0.00"))
    credit = sum((e.credit for e in entries), Decimal("0.00"))
    return ActView(
        company=CompanyRequisites(
            name="ООО «Спецодежда-Север»",
            inn="3525000013",
            kpp="352501001",
            address="160000, г. Вологда, ул. Промышленная, д. 1",
            phone="+7 (8172) 00-00-00",
            email="sales@example.com",
            director_name="Смирнов А. В.",
            accountant_name="Кузнецова О. П.",
        ),
        client=ActParty(
            name="ООО «Лесной терминал»",
            inn="3525000020",
            kpp="352501001",
            address="160012, г. Вологда, ул. Складская, д. 7",
        ),
        number="1187",
        issued_on=date(2026, 10, 1),
        period_start=start,
        period_end=end,
        opening=opening,
        entries=tuple(entries),
        debit_total=debit,
        credit_total=credit,
        closing=opening + debit - credit,
    )


CLAIM_KEYS = ("claim_letter_one_page", "claim_letter")


def claim_letters() -> list[Document] | None:
    """The claim letters, if the code renders them yet: None (reported as 'not built') when there is
    no module ``CLAIM_MODULE`` with ``CLAIM_RENDER``. One of two overdue invoices, which must be one
    page (quality.md's "one-page claim letter"), and one of twelve."""
    if importlib.util.find_spec(CLAIM_MODULE) is None:
        return None
    render = getattr(importlib.import_module(CLAIM_MODULE), CLAIM_RENDER, None)
    if render is None:
        return None
    drafted = importlib.import_module(CLAIM_TEXT_MODULE).claim_text

    def letter(invoices: int) -> Callable[[], bytes]:
        claim: dict[str, Any] = claim_view(invoices=invoices)
        # The body as the worker drafts it for the lawyer (the requisites and tables print around it).
        text = str(drafted(claim))
        return lambda: bytes(render(claim, text))

    return [
        Document(
            key="claim_letter_one_page",
            label="claim letter, one page (2 invoices)",
            render=letter(2),
            stylesheet="collection.css",
            goal_ms=100,
            max_pages=1,
        ),
        Document(
            key="claim_letter",
            label="claim letter, 12 overdue invoices",
            render=letter(12),
            stylesheet="collection.css",
            goal_ms=500,
        ),
    ]


def claim_view(invoices: int) -> dict[str, Any]:
    """A claim's kept view as the collection case drafts it: overdue invoices with the interest of
    art. 395 by period."""
    rows: list[dict[str, Any]] = []
    periods: list[dict[str, Any]] = []
    debt = penalty = Decimal("0.00")
    for i in range(1, invoices + 1):
        issued = date(2026, 6, 1) + timedelta(days=5 * i)
        due = issued + timedelta(days=30)
        total = Decimal(95_000 + 4_321 * i)
        interest = (total * Decimal("0.21") * 60 / 365).quantize(Decimal("0.01"))
        rows.append(
            {
                "number": f"2026-{i:06d}",
                "issued_on": issued.isoformat(),
                "due_on": due.isoformat(),
                "total": str(total),
                "paid": "0.00",
                "debt": str(total),
                "days_overdue": 60,
                "penalty": str(interest),
            }
        )
        periods.append(
            {
                "invoice": f"2026-{i:06d}",
                "start": (due + timedelta(days=1)).isoformat(),
                "end": (due + timedelta(days=60)).isoformat(),
                "days": 60,
                "principal": str(total),
                "rate": "21.00",
                "days_in_year": 365,
                "amount": str(interest),
            }
        )
        debt += total
        penalty += interest
    return {
        "number": "41-1",
        "date": "2026-11-30",
        "until": "2026-11-30",
        "supplier": {
            "name": "ООО «Спецодежда-Север»",
            "inn": "3525000013",
            "kpp": "352501001",
            "address": "160000, г. Вологда, ул. Промышленная, д. 1",
            "bank_name": "ПАО «Примерный банк», г. Вологда",
            "bik": "041909000",
            "account": "40702810000000000001",
            "correspondent_account": "30101810000000000900",
            "director_name": "Смирнов А. В.",
        },
        "buyer": {
            "name": "ООО «Лесной терминал»",
            "inn": "3525000020",
            "kpp": "352501001",
            "address": "160012, г. Вологда, ул. Складская, д. 7",
        },
        "contract": None,
        "invoices": rows,
        "periods": periods,
        "debt": str(debt),
        "penalty": str(penalty),
        "total": str(debt + penalty),
        "days_overdue": 60,
        "pay_within_days": 10,
    }


def documents(storage: LocalStorage, keys: list[str], loop: asyncio.AbstractEventLoop) -> list[Document]:
    big, small = view(keys), view(keys[:1])
    act = act_view()
    return [
        Document(
            key="proposal_20_lines",
            label="proposal, 20 lines with 20 photos",
            render=lambda: loop.run_until_complete(render_from_storage(storage, big)),
            stylesheet="proposal.css",
            goal_ms=500,
        ),
        Document(
            key="proposal_1_line",
            label="proposal, 1 line with a photo",
            render=lambda: loop.run_until_complete(render_from_storage(storage, small)),
            stylesheet="proposal.css",
            goal_ms=100,
        ),
        Document(
            key="reconciliation_act_500_lines",
            label=f"reconciliation act, {ACT_LINES} lines",
            render=lambda: render_act_pdf(act),
            stylesheet="reconciliation_act.css",
            goal_ms=2000,
        ),
    ]


def time_document(document: Document, runs: int) -> dict[str, Any]:
    """The document and its baseline, taken in turn run by run so that both see the same machine."""
    floor = baseline_html(document.stylesheet)
    pdf = document.render()
    pages = page_count(pdf)
    if document.max_pages is not None and pages > document.max_pages:
        raise ValueError(f"{pages} pages, the goal is for {document.max_pages}")
    sizes = {"pdf": len(pdf), "baseline_pdf": len(html_to_pdf(floor))}
    budget = 60.0 if document.goal_ms < 1000 else 180.0
    own, base = paired_ms(document.render, lambda: html_to_pdf(floor), runs, budget)
    figures = summary_ms(own)
    baseline = summary_ms(base)
    return {
        "label": document.label,
        **figures,
        "baseline_median_ms": baseline["median_ms"],
        "baseline_runs": baseline["runs"],
        "ratio": round(float(figures["median_ms"]) / max(float(baseline["median_ms"]), 0.1), 2),
        "goal_ms": document.goal_ms,
        "met": float(figures["median_ms"]) < document.goal_ms,
        "pages": pages,
        "pdf_bytes": sizes["pdf"],
        "baseline_pdf_bytes": sizes["baseline_pdf"],
        "stylesheet": document.stylesheet,
    }


def measure(runs: int) -> dict[str, Any]:
    loop = asyncio.new_event_loop()
    try:
        with tempfile.TemporaryDirectory(prefix="pomoshnik-bench-") as tmp:
            storage = LocalStorage(Path(tmp))
            keys = [loop.run_until_complete(upload(storage, phone_photo(i))) for i in range(1, 21)]
            found = documents(storage, keys, loop)
            claims = claim_letters()
            found += claims or []
            timed: dict[str, Any] = {}
            failed: dict[str, str] = {}
            for document in found:
                try:
                    timed[document.key] = time_document(
                        document, runs * 3 if document.goal_ms <= 100 else runs
                    )
                except Exception as exc:  # the claim letters are another module's: report, time the rest
                    if document.key not in CLAIM_KEYS:
                        raise
                    failed[document.key] = repr(exc)[:300]
    finally:
        loop.close()
    return {
        "documents": timed,
        "not_built": [] if claims is not None else list(CLAIM_KEYS),
        "failed": failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--runs",
        type=int,
        default=int(os.environ.get("BENCH_DOC_RUNS", "10")),
        help="timed runs of each document, x3 for those under 100 ms (BENCH_DOC_RUNS)",
    )
    args = parser.parse_args()
    result = measure(max(3, min(args.runs, 200)))
    result |= {"machine": machine(), "runs": args.runs, "when": time.strftime("%Y-%m-%d %H:%M")}
    out = write_result("documents", result)
    print(f"\nDocument PDFs (WeasyPrint, warm, medians) — {result['machine']}")
    print(f"{'document':40} {'median ms':>10} {'baseline ms':>12} {'ratio':>7} {'pages':>6}  goal")
    for figures in result["documents"].values():
        goal = f"< {figures['goal_ms']:g} ms ({verdict(figures['met'])})"
        print(
            f"{figures['label']:40} {figures['median_ms']:10.1f} {figures['baseline_median_ms']:12.1f} "
            f"{figures['ratio']:7.2f} {figures['pages']:6d}  {goal}"
        )
    for key, error in result["failed"].items():
        print(f"{key.replace('_', ' '):40} failed: {error}")
    for key in result["not_built"]:
        print(f"{key.replace('_', ' '):40} not built ({CLAIM_MODULE}.{CLAIM_RENDER} is not in the code)")
    print("baseline: a one-page document with the same stylesheet, rendered in the same run")
    print(f"written to {shown(out)}")


if __name__ == "__main__":
    main()
