"""The statistics report as a PDF: a table and charts per process. Charts are drawn with
matplotlib (a bare Figure: no display) as SVG with their text kept as text, and served to
WeasyPrint by the page's own fetcher; their value axes read as the department counts: whole
numbers for counts, «33 %» for shares, from 0 even when a series is all zeros."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from app.services.documents.workday_pages import render_pdf
from app.services.money.format import format_number, format_rub, format_share

if TYPE_CHECKING:
    # Only a type here: importing the statistics package would import this module again, from
    # its service, in a render process that loads this module first to unpickle a render.
    from app.services.statistics.sections import SectionResult

MEASURE_LABELS = {
    "received": "Получено",
    "accepted": "Принято",
    "sent_for_clarification": "На уточнение",
    "invoiced": "Выставлен счёт",
    "approved": "Согласовано",
    "ready": "Готово",
    "delivered": "Доставлено",
    "closed": "Закрыто",
    "cancelled": "Отменено",
    "clarification_share": "Доля на уточнении",
    "requested": "Запрошено",
    "sent_to_manager": "Менеджеру",
    "sent_to_client": "Клиенту",
    "declined": "Отказ",
    "converted": "В счёт",
    "expired": "Истекло",
    "sent_by_deadline_share": "Доля в срок",
    "collected": "Собрано, руб.",
    "invoiced_approved": "Выставлено, руб.",
    "outstanding": "Задолженность, руб.",
    "overdue": "Просрочено, руб.",
    "overdue_invoices": "Просроченных счетов",
    "overdue_share": "Доля просроченной",
    "dso_days": "DSO, дней",
    "sheets": "Листов сверки",
    "started_by_9": "Начато до 9:00",
    "done": "Завершено",
    "positions": "Позиций",
    "marked_pending": "Без отметки",
    "marked_set_aside_warehouse": "Отложено на складе",
    "marked_set_aside_shop": "Отложено в магазине",
    "marked_arrived": "Пришло вчера",
    "marked_missing": "Нет в наличии",
    "started_by_9_share": "Доля начатых до 9:00",
    "reports": "Отчётов",
    "submitted": "Отправлено",
    "submitted_same_day": "В тот же день",
    "with_feedback": "С обратной связью",
    "submitted_same_day_share": "Доля в тот же день",
    "signed": "Подписано снабжением",
    "signed_on_paper": "Из них на бумаге",
    "sent_to_workshop": "Отправлено в цех",
    "accepted_by_workshop": "Принято цехом",
    "workshop_feedback": "Замечаний цеха",
    "goods_ready": "Товар готов",
    "documents_issued": "Документы оформлены",
    "cases_opened": "Открыто дел",
    "claims_sent": "Отправлено претензий",
    "closed_paid": "Закрыто оплатой",
    "closed_settled": "Закрыто соглашением",
    "closed_written_off": "Списано",
    "stage_guarantee_requested": "Запрошено гарантийное письмо",
    "stage_guarantee_received": "Получено гарантийное письмо",
    "stage_escalated": "Эскалация руководителю",
    "stage_waiting": "Ожидание после переговоров",
    "stage_claim_requested": "Претензия у юриста",
    "stage_claim_approved": "Претензия утверждена",
    "stage_claim_sent": "Претензия отправлена",
    "stage_delivered": "Претензия вручена",
    "stage_court_ready": "Готово к суду",
    "stage_in_court": "В суде",
}
CYCLE_LABELS = {
    "received_to_invoiced": "Заявка → счёт",
    "invoiced_to_approved": "Счёт → согласование",
    "approved_to_ready": "Согласование → готовность",
    "ready_to_delivered": "Готовность → доставка",
    "received_to_delivered": "Заявка → доставка",
    "requested_to_sent": "Запрос → отправка КП",
    "spec_to_signed": "ТЗ → подпись",
    "signed_to_sent": "Подпись → отправка в цех",
    "sent_to_accepted": "Отправка → принято цехом",
    "accepted_to_ready": "Принято цехом → готово",
    "spec_to_closed": "ТЗ → закрытие",
}


@dataclass(frozen=True)
class StatisticsView:
    date_from: date
    date_to: date
    scope: str
    sections: list[SectionResult]
    names: dict[int, str]


def label(key: str) -> str:
    return MEASURE_LABELS.get(key, CYCLE_LABELS.get(key, key))


def shown(value: Any, key: str = "") -> str:
    """A measure as the report prints it, in the Russian style: a share (a key ending in
    ``_share``) as whole percent «33 %», money as «1 234,50», hours and days with one decimal
    «12,5», counts grouped «1 250»; nothing measured as a dash."""
    if value is None:
        return "—"
    if key.endswith("_share"):
        return format_share(value)
    if isinstance(value, Decimal):
        return format_rub(value)
    if isinstance(value, float):
        return format_number(value, 1)
    if isinstance(value, int):
        return format_number(value)
    return str(value)


def _ticks(top: float, *, counts: bool) -> list[float]:
    """The value axis's ticks from 0: whole numbers for counts, steps of 1, 2 or 5 (times a power of
    ten) otherwise; 0 and 1 when there is nothing to draw, never matplotlib's −0.04…0.04 around zero."""
    from matplotlib.ticker import MaxNLocator

    locator = MaxNLocator(nbins=5, steps=[1, 2, 5, 10], integer=counts, min_n_ticks=2)
    ticks = [float(t) for t in locator.tick_values(0.0, top if top > 0 else 1.0) if t >= 0]
    return ticks if ticks[-1] >= top else [*ticks, ticks[-1] + (ticks[-1] - ticks[-2])]


def _tick_label(value: float, places: int, share: bool) -> str:
    return format_share(value) if share else format_number(value, places)


def _bar_chart(
    title: str,
    labels: list[str],
    values: list[float],
    places: int,
    *,
    counts: bool = False,
    share: bool = False,
) -> bytes:
    """Horizontal bars as SVG, their text kept as text (so the PDF carries the axis as words)."""
    # matplotlib (and numpy under it) is imported when a chart is drawn, not when the service starts:
    # together they are some 60 MB in every API and worker process that never draws one.
    from matplotlib import rc_context
    from matplotlib.figure import Figure  # a bare Figure draws with Agg: no display, no pyplot

    figure = Figure(figsize=(7.0, 0.4 + 0.32 * max(len(labels), 1)), dpi=110)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    axes.barh(positions, values, color="#4a78b5")
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_title(title, fontsize=10)
    ticks = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0] if share else _ticks(max(values, default=0.0), counts=counts)
    tick_places = 0 if all(t.is_integer() for t in ticks) else max(places, 1)
    axes.set_xticks(ticks, [_tick_label(t, tick_places, share) for t in ticks])
    axes.set_xlim(0, ticks[-1] * 1.08)  # room for the value written after the longest bar
    for y, value in zip(positions, values, strict=True):
        axes.annotate(
            _tick_label(value, places, share),
            (value, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    axes.tick_params(labelsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "statistics"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def charts(view: StatisticsView) -> dict[str, bytes]:
    """A chart of each section's counts, one of its shares and one of its cycle times (where it
    has any)."""
    drawn: dict[str, bytes] = {}
    for section in view.sections:
        counts = [
            (k, v) for k, v in section.measures.items() if isinstance(v, int) and not k.endswith("_share")
        ]
        if counts:
            drawn[f"{section.key}-counts"] = _bar_chart(
                section.title, [label(k) for k, _ in counts], [float(v) for _, v in counts], 0, counts=True
            )
        shares = [(k, v) for k, v in section.measures.items() if k.endswith("_share") and v is not None]
        if shares:
            drawn[f"{section.key}-shares"] = _bar_chart(
                f"{section.title}: доли",
                [label(k) for k, _ in shares],
                [float(v) for _, v in shares],
                0,
                share=True,
            )
        cycles = [(k, v) for k, v in section.cycle_hours.items() if v is not None]
        if cycles:
            drawn[f"{section.key}-cycle"] = _bar_chart(
                f"{section.title}: среднее время, ч", [label(k) for k, _ in cycles], [v for _, v in cycles], 1
            )
    return drawn


def render_statistics_pdf(view: StatisticsView) -> bytes:
    drawn = charts(view)
    return render_pdf("statistics.html", drawn, report=view, charts=sorted(drawn), label=label, shown=shown)
