"""The claim letter and the reconciliation act read back from their PDFs: everything they print is
there, a small claim is one sheet, and the act's ruled lines meet its columns."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader
from weasyprint.formatting_structure import boxes

from app.services.documents import engine
from app.services.documents.collection import render_claim_pdf, render_guarantee_sample_pdf
from app.services.documents.reconciliation import (
    ACT_STYLESHEET,
    ActEntryView,
    ActView,
    render_act_html,
    render_act_pdf,
)
from app.services.money.format import format_rub
from app.services.receivables.collection import claim_text
from bench.documents import act_view, claim_view
from tests.support.pdf import pdf_text


def _words(text: str) -> str:
    """The words one space apart (justified lines come out with runs of spaces, amounts with
    no-break spaces)."""
    return " ".join(text.split())


def pages_text(pdf: bytes) -> list[str]:
    return [_words(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("invoices", [1, 2])
def test_the_claim_of_a_small_case_is_one_sheet_with_its_calculation(invoices: int) -> None:
    claim = claim_view(invoices=invoices)
    pages = pages_text(render_claim_pdf(claim, claim_text(claim)))
    assert len(pages) == 1
    [text] = pages
    for row in claim["invoices"]:
        assert f"№ {row['number']}" in text
        assert _words(format_rub(Decimal(row["debt"]))) in text
    for expected in (
        "ПРЕТЕНЗИЯ № 41-1",
        "Задолженность по счетам",
        "Реквизиты для оплаты",
        "Генеральный директор ООО «Спецодежда-Север»",
        "Приложение. Расчёт процентов по ст. 395 ГК РФ по 30.11.2026",
        "Итого процентов",
    ):
        assert expected in text, expected
    # The calculation comes after the signature, as the letter's appendix.
    assert text.index("Генеральный директор") < text.index("Приложение. Расчёт процентов")


def test_a_calculation_that_does_not_fit_moves_whole_to_the_next_page() -> None:
    claim = claim_view(invoices=12)
    pages = pages_text(render_claim_pdf(claim, claim_text(claim)))
    assert len(pages) == 2
    assert "Приложение. Расчёт процентов" not in pages[0]
    appendix = pages[1][pages[1].index("Приложение. Расчёт процентов") :]
    assert all(f"№ {row['invoice']} {row['start'][8:10]}." in appendix for row in claim["periods"])
    assert "Итого процентов" in appendix


def test_the_guarantee_sample_keeps_the_shared_stylesheet() -> None:
    sample: dict[str, Any] = {
        "supplier_name": "ООО «Спецодежда-Север»",
        "supplier_director": "Смирнов А. В.",
        "supplier_inn": "3525000013",
        "client_name": "ООО «Лесной терминал»",
        "client_inn": "3525000020",
        "client_kpp": None,
        "debt": "1500.00",
        "latest": "2026-12-07",
        "invoices": [
            {"number": "2026-000001", "issued_on": "2026-10-01", "due_on": "2026-10-31", "debt": "1500.00"}
        ],
    }
    text = _words(pdf_text(render_guarantee_sample_pdf(sample)))
    assert "ГАРАНТИЙНОЕ ПИСЬМО" in text
    assert "Генеральному директору ООО «Спецодежда-Север» Смирнову А. В." in text
    assert "№ 2026-000001 от 01.10.2026" in text
    assert "не позднее 07.12.2026" in text


@pytest.mark.parametrize(
    ("director", "dative"),
    [
        ("Лебедева И. П.", "Лебедевой И. П."),
        ("Лебедева Ирина Петровна", "Лебедевой Ирине Петровне"),
        ("Кузнецов Илья Андреевич", "Кузнецову Илье Андреевичу"),
    ],
)
def test_the_guarantee_sample_is_addressed_to_the_director_in_the_dative(director: str, dative: str) -> None:
    sample: dict[str, Any] = {
        "supplier_name": "ООО «Спецодежда-Север»",
        "supplier_director": director,
        "supplier_inn": "3525000013",
        "client_name": "ООО «Лесной терминал»",
        "client_inn": "3525000020",
        "client_kpp": None,
        "debt": "1500.00",
        "latest": "2026-12-07",
        "invoices": [],
    }
    text = _words(pdf_text(render_guarantee_sample_pdf(sample)))
    assert f"Генеральному директору ООО «Спецодежда-Север» {dative}" in text


def test_the_act_prints_every_line_and_its_totals() -> None:
    act = act_view(60)
    text = _words(pdf_text(render_act_pdf(act)))
    for entry in act.entries:
        assert entry.document in text, entry.document
    for heading in ("Сальдо начальное", "Обороты за период", "Сальдо конечное"):
        assert heading in text
    assert "По данным ООО «Лесной терминал», руб." in text  # the client's side, left to fill in
    for amount in (act.opening_debit, act.debit_total, act.credit_total, act.closing_debit):
        assert _words(format_rub(amount)) in text


def test_a_document_longer_than_its_column_wraps_and_keeps_every_word() -> None:
    long_name = "Продажа (счёт № 2026-000001 от 01.10.2025, спецодежда по договору № 17/2025 от 01.01.2025)"
    act = act_view(4)
    first = ActEntryView(1, date(2025, 10, 1), long_name, Decimal("10.00"), Decimal("0.00"))
    entries = (first, *act.entries[1:])
    text = _words(pdf_text(render_act_pdf(ActView(**{**_fields(act), "entries": entries}))))
    assert long_name in text


def _fields(act: ActView) -> dict[str, Any]:
    return {name: getattr(act, name) for name in ActView.__dataclass_fields__}


def test_the_acts_ruled_lines_fall_on_the_clients_column_edges() -> None:
    """The client's side of a line is one empty cell; the three lines inside it are the table's
    background, placed by the client's column widths. Laid out, they must meet the header's cells."""
    document = engine._DocumentHTML(string=render_act_html(act_view(3)), base_url=None).render(
        font_config=engine.font_config(), stylesheets=[engine.stylesheet(ACT_STYLESHEET)]
    )
    table = _first(document.pages[0]._page_box, boxes.TableBox)
    header = [row for group in table.children for row in group.children][1]
    theirs = header.children[5:]
    edges = [cell.border_box_x() + cell.border_width() for cell in theirs[:3]]
    lines = sorted(
        table.background.layers[i].positioning_area[0] + table.background.layers[i].position[0]
        for i in range(3)
    )
    assert len(theirs) == 4
    for edge, line in zip(edges, lines, strict=True):
        # The 0.6pt line (0.8px) is centred on the edge between two cells.
        assert abs(line + 0.4 - edge) < 0.5, (edges, lines)


def _first(box: Any, kind: type) -> Any:
    if isinstance(box, kind):
        return box
    for child in getattr(box, "children", []):
        found = _first(child, kind)
        if found is not None:
            return found
    return None


def test_the_engine_parses_a_stylesheet_once_and_drops_only_the_notes_from_weasyprints_own() -> None:
    assert engine.stylesheet("collection.css") is engine.stylesheet("collection.css")
    ours = engine._documents_ua()
    assert "\nli::marker {" in ours
    dropped = set(engine.UA.splitlines()) - set(ours.splitlines())
    assert {line.split(" ", 1)[0] for line in dropped} == {
        "::marker",
        "::footnote-call",
        "::footnote-marker",
        "::note-call",
        "::note-marker",
        "::note-callback",
    }


@pytest.mark.parametrize(
    ("opening", "printed"),
    [(Decimal("0.00"), "0,00"), (Decimal("125400.00"), "125 400,00"), (Decimal("-500.00"), "500,00")],
)
def test_the_acts_opening_balance_is_always_printed(opening: Decimal, printed: str) -> None:
    act = act_view(2)
    text = _words(pdf_text(render_act_pdf(ActView(**{**_fields(act), "opening": opening}))))
    opening_row = text[text.index("Сальдо начальное") : text.index(act.entries[0].document)]
    assert printed in opening_row, opening_row
