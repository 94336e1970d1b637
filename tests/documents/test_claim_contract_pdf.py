"""A claim that charges the contract's penalty, read back from its PDF: one sheet for a case of one or
two invoices, the penalty, the contract and its rate named, and art. 395 nowhere."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from app.services.documents.collection import render_claim_pdf
from app.services.receivables.collection import claim_text
from bench.documents import claim_view


def pages_text(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def contract_view(invoices: int, cap: str | None) -> dict[str, Any]:
    claim = claim_view(invoices=invoices)
    claim |= {
        "basis": "contract",
        "contract": "договора поставки № ДП-2026/117 от 12.01.2026",
        "penalty_terms": {
            "contract_number": "ДП-2026/117",
            "contract_date": "2026-01-12",
            "rate_per_day_percent": "0.1",
            "cap_percent": cap,
        },
    }
    for period in claim["periods"]:
        period |= {"rate": "0.1", "days_in_year": None}
    for row in claim["invoices"]:
        row |= {"capped": cap is not None, "uncapped_penalty": row["penalty"]}
    return claim


@pytest.mark.parametrize("invoices", [1, 2])
@pytest.mark.parametrize("cap", [None, "10"])
def test_a_small_claim_of_the_contracts_penalty_is_one_sheet(invoices: int, cap: str | None) -> None:
    claim = contract_view(invoices, cap)
    pages = pages_text(render_claim_pdf(claim, claim_text(claim)))
    assert len(pages) == 1
    [text] = pages
    capped = ", не более 10 % суммы долга" if cap else ""
    for expected in (
        "В рамках договора поставки № ДП-2026/117 от 12.01.2026",
        "ст. 330 Гражданского кодекса РФ и договором № ДП-2026/117 от 12.01.2026",
        "0,1 % от неоплаченной суммы за каждый день просрочки"
        + (", но не более 10 % суммы долга" if cap else ","),
        "На основании ст. 309, 310, 330, 486 ГК РФ",
        "оплатить задолженность и неустойку",
        f"Неустойка по договору № ДП-2026/117 от 12.01.2026 (0,1 % за каждый день просрочки{capped})",
        "Приложение: расчёт неустойки; копии договора, счетов и УПД.",
        "Приложение. Расчёт неустойки (ст. 330 ГК РФ) по 30.11.2026",
        "Итого неустойки",
    ):
        assert expected in text, expected
    for row in claim["periods"]:
        assert f"№ {row['invoice']} {row['start'][8:10]}." in text
    assert ("ограничена: № 2026-000001" in text) == bool(cap)
    assert "ст. 395" not in text
    assert "Проценты" not in text
    assert text.index("Генеральный директор") < text.index("Приложение. Расчёт неустойки")
