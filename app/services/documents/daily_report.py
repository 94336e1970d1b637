"""The assistant's daily report as a PDF, and the reports of a period as the department's
spreadsheet («Отчёт помощника МАП ОС»: a sheet per person, a row per day)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.services.documents.workday_pages import render_pdf

SECTION_LABELS = {
    "orders": "Заявки",
    "invoices": "Счета",
    "proposals": "КП",
    "specs": "ТЗ в ШЦ",
    "calls": "Звонки",
    "tasks": "Задачи",
    "payments": "Оплаты",
    "letters": "Письма",
}
MEASURE_LABELS = {
    ("orders", "received"): "Получено заявок",
    ("orders", "accepted"): "Принято заявок",
    ("orders", "sent_for_clarification"): "Отправлено на уточнение",
    ("invoices", "issued"): "Выставлено счетов",
    ("invoices", "approved"): "Согласовано счетов",
    ("proposals", "sent"): "Отправлено КП",
    ("specs", "signed"): "ТЗ подписано снабжением",
    ("specs", "sent"): "ТЗ отправлено в цех",
    ("calls", "made"): "Звонков сделано",
    ("calls", "reached"): "Дозвонились",
    ("calls", "not_reached"): "Не дозвонились",
    ("tasks", "done"): "Задач выполнено",
    ("tasks", "overdue"): "Задач просрочено",
    ("payments", "collected"): "Оплачено, руб.",
    ("payments", "payments"): "Платежей",
    ("letters", "sent"): "Писем отправлено",
}
STATUS_LABELS = {"draft": "черновик", "submitted": "отправлен", "reviewed": "получен ответ"}
Figures = dict[str, int | Decimal]


def measure_label(section: str, measure: str) -> str:
    return MEASURE_LABELS.get((section, measure), f"{SECTION_LABELS.get(section, section)}: {measure}")


def figure_labels(figures: dict[str, Figures]) -> dict[str, str]:
    """The names of the sections and figures of a report, keyed `section` and `section.measure`."""
    labels: dict[str, str] = {}
    for section, measures in figures.items():
        labels[section] = SECTION_LABELS.get(section, section)
        for measure in measures:
            labels[f"{section}.{measure}"] = measure_label(section, measure)
    return labels


@dataclass(frozen=True, slots=True)
class CallView:
    title: str
    reached: bool | None
    result: str | None


@dataclass(frozen=True, slots=True)
class ReportView:
    employee: str
    day: date
    status: str
    figures: dict[str, Figures]
    text: str | None
    manager: str | None
    feedback: str | None
    calls: tuple[CallView, ...] = ()

    def rows(self) -> list[tuple[str, int | Decimal]]:
        return [(measure_label(s, m), v) for s, measures in self.figures.items() for m, v in measures.items()]


def render_report_pdf(view: ReportView) -> bytes:
    return render_pdf("daily_report.html", report=view, status_labels=STATUS_LABELS)


def _cell(text: str | None) -> str | None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return None if text is None else ILLEGAL_CHARACTERS_RE.sub("", text)


def _sheet_title(name: str, taken: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ ; unique within the book.
    base = re.sub(r"[\[\]:*?/\\]", " ", name).strip()[:28] or "Сотрудник"
    title, n = base, 1
    while title in taken:
        n += 1
        title = f"{base[:25]} ({n})"
    taken.add(title)
    return title


def render_reports_xlsx(views: Sequence[ReportView], section_keys: Sequence[str]) -> bytes:
    """One sheet per person (named by the person), one row per day, a column per figure, then the
    assistant's text and the manager's feedback."""
    # Imported here: openpyxl pulls in numpy, which a process that never exports need not carry.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    people: dict[str, list[ReportView]] = {}
    for view in views:
        people.setdefault(view.employee, []).append(view)
    columns = [
        (s, m)
        for s in section_keys
        for m in sorted(
            {m for v in views for m in v.figures.get(s, {})},
            key=lambda m: list(MEASURE_LABELS).index((s, m)) if (s, m) in MEASURE_LABELS else 99,
        )
    ]
    taken: set[str] = set()
    for employee, rows in people.items() or {"Отчёты": []}.items():
        sheet = book.create_sheet(_sheet_title(employee, taken))
        header = [
            "Дата",
            *[measure_label(s, m) for s, m in columns],
            "Отчёт помощника",
            "Менеджер",
            "Обратная связь",
        ]
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for view in rows:
            sheet.append(
                [
                    view.day,
                    *[view.figures.get(s, {}).get(m, 0) for s, m in columns],
                    _cell(view.text),
                    _cell(view.manager),
                    _cell(view.feedback),
                ]
            )
            sheet.cell(row=sheet.max_row, column=1).number_format = "DD.MM.YYYY"
        sheet.column_dimensions["A"].width = 12
        sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
