"""The working day's documents from their view-models: the check sheet, the daily reports'
spreadsheet and the statistics report, read back."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree as ET

import openpyxl

from app.services.documents.daily_report import ReportView, render_reports_xlsx
from app.services.documents.statistics import StatisticsView, charts, render_statistics_pdf
from app.services.documents.warehouse_check import (
    CheckInvoiceView,
    CheckLineView,
    CheckSheetView,
    render_check_pdf,
)
from app.services.statistics.sections import OnTime, SectionResult
from tests.support.pdf import pdf_text


def test_an_empty_sheet_says_so_and_a_full_one_lists_every_mark() -> None:
    empty = pdf_text(render_check_pdf(CheckSheetView(date(2026, 12, 1), "Орлова Анна", "—", [])))
    assert "Счетов для сверки нет." in empty
    line = CheckLineView(1, "Костюм «Механик» <летний>", 4, "procure", date(2026, 12, 2), "set_aside_shop")
    sheet = CheckSheetView(
        date(2026, 12, 1),
        "Орлова Анна",
        "Котова Вера",
        [CheckInvoiceView(7, "С-2026-00012", "ООО «Ромашка»", [line])],
    )
    text = pdf_text(render_check_pdf(sheet))
    assert "Костюм «Механик» <летний>" in text  # escaped in the HTML, printed as written
    assert "Отложено в магазине" in text
    assert "02.12.2026" in text
    assert "Кладовщик: Котова Вера" in text


def _report(name: str, day: int, received: int) -> ReportView:
    return ReportView(
        employee=name,
        day=date(2026, 12, day),
        status="submitted",
        figures={"orders": {"received": received}, "payments": {"collected": Decimal("12.50")}},
        text="Текст\x07с управляющим символом",
        manager="Иванова Ирина",
        feedback=None,
    )


def test_a_sheet_per_person_with_excel_safe_unique_titles() -> None:
    long_name = "Константинопольская-Ворошиловградская Анастасия: [стажёр]"
    views = [_report(long_name, 1, 2), _report(long_name, 2, 5), _report(long_name[:28] + "Х", 1, 1)]
    book = openpyxl.load_workbook(io.BytesIO(render_reports_xlsx(views, ["orders", "payments"])))
    assert len(book.sheetnames) == 2
    assert all(len(title) <= 31 and not set(title) & set("[]:*?/\\") for title in book.sheetnames)
    first = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    assert first[0][:3] == ("Дата", "Получено заявок", "Оплачено, руб.")
    assert [(r[0].date(), r[1], r[2]) for r in first[1:]] == [
        (date(2026, 12, 1), 2, 12.5),
        (date(2026, 12, 2), 5, 12.5),
    ]
    assert first[1][3] == "Текстс управляющим символом"


def test_the_statistics_report_draws_a_chart_per_section_with_counts() -> None:
    sections = [
        SectionResult(
            "orders",
            "Обработка заявок",
            {"received": 0, "clarification_share": None},
            {"received_to_invoiced": None},
        ),
        SectionResult(
            "receivables",
            "Дебиторская задолженность",
            {"collected": Decimal("0.00")},
            on_time=OnTime(1, 2, 3),
        ),
        SectionResult("specs", "ТЗ в ШЦ", {"signed": 4, "not_named_yet": 7}, {"spec_to_signed": 5.5}),
    ]
    view = StatisticsView(date(2026, 12, 1), date(2026, 12, 31), "все сотрудники", sections, {})
    assert sorted(charts(view)) == ["orders-counts", "specs-counts", "specs-cycle"]
    pdf = render_statistics_pdf(view)
    text = pdf_text(pdf)
    assert "Доля на уточнении —" in text
    assert "Шагов с опозданием 2" in text
    assert "Подписано снабжением 4" in text
    assert "ТЗ → подпись, ч 5,5" in text
    assert "not_named_yet 7" in text  # a measure with no Russian label yet shows its own key
    # The charts are drawn as vectors, their titles and axes as text.
    assert "ТЗ в ШЦ: среднее время, ч" in text
    assert text.count("Подписано снабжением") == 2  # the table's row and the chart's bar


def test_the_statistics_report_prints_numbers_the_russian_way() -> None:
    sections = [
        SectionResult(
            "orders",
            "Обработка заявок",
            {"received": 12500, "clarification_share": 0.333},
            {"received_to_invoiced": 12.0, "invoiced_to_approved": 1234.56},
        ),
        SectionResult(
            "receivables",
            "Дебиторская задолженность",
            {"collected": Decimal("1234567.50"), "overdue_share": 1.0, "dso_days": 45.25},
            on_time=OnTime(1250, 0, 0),
        ),
    ]
    pdf = render_statistics_pdf(StatisticsView(date(2026, 12, 1), date(2026, 12, 31), "все", sections, {}))
    raw = pdf_text(pdf)
    text = " ".join(raw.split())
    for printed in (
        "Получено 12 500",
        "Доля на уточнении 33 %",
        "Заявка → счёт, ч 12,0",
        "Счёт → согласование, ч 1 234,6",
        "Собрано, руб. 1 234 567,50",
        "Доля просроченной 100 %",
        "DSO, дней 45,3",
        "Шагов в срок 1 250",
    ):
        assert printed in text, printed
    # Digits are grouped with a no-break space, so a number never wraps inside its cell.
    assert "1\u00a0234\u00a0567,50" in raw
    assert "33\u00a0%" in raw


def _axis_labels(svg: bytes) -> list[str]:
    """The value axis's tick labels of a chart, as the SVG writes them (its text kept as text)."""
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    axis = root.find(".//s:g[@id='matplotlib.axis_1']", ns)
    assert axis is not None
    return ["".join(t.itertext()).strip() for t in axis.iterfind(".//s:text", ns)]


def test_the_statistics_charts_count_in_whole_numbers_from_zero_and_write_shares_in_percent() -> None:
    sections = [
        SectionResult(
            "orders", "Обработка заявок", {"received": 3, "accepted": 1, "clarification_share": 1 / 3}
        ),
        SectionResult("specs", "ТЗ в ШЦ", {"signed": 0, "sent_to_workshop": 0}, {"spec_to_signed": 0.5}),
        SectionResult("collection", "Взыскание", {"cases_opened": 12500}),
    ]
    view = StatisticsView(date(2026, 12, 1), date(2026, 12, 31), "все", sections, {})
    drawn = charts(view)
    assert _axis_labels(drawn["orders-counts"]) == ["0", "1", "2", "3"]
    # Nothing counted: an axis from 0 to 1, not one from −0.04 to 0.04 around nothing.
    assert _axis_labels(drawn["specs-counts"]) == ["0", "1"]
    assert _axis_labels(drawn["orders-shares"]) == [f"{p}\u00a0%" for p in (0, 20, 40, 60, 80, 100)]
    assert _axis_labels(drawn["specs-cycle"]) == ["0,0", "0,1", "0,2", "0,3", "0,4", "0,5"]
    # Thousands grouped with a no-break space, the Russian way.
    assert _axis_labels(drawn["collection-counts"]) == ["0", "5\u00a0000", "10\u00a0000", "15\u00a0000"]

    # The PDF carries the same axes as text.
    text = " ".join(pdf_text(render_statistics_pdf(view)).split())
    assert "0 1 2 3" in text
    assert "0 % 20 % 40 % 60 % 80 % 100 %" in text
    assert "33 %" in text
    for wrong in ("0,04", "0.04", "0.5"):
        assert wrong not in text
