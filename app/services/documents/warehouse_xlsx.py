"""The Excel order the assistant posts to the «Заявки на склад» chat once the client approves an invoice.

Pure: a view model in, the bytes of an .xlsx out. The same view always gives the same bytes: the
document properties and every ZIP entry carry a time taken from the invoice date, not the clock.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

SHEET_TITLE = "Заявка"
AUTHOR = "Помощник"
DATE_FORMAT = "DD.MM.YYYY"
TOTAL_LABEL = "Итого, шт."
FULFILMENT_LABELS: dict[str, str] = {
    "reserve": "Резерв",
    "procure": "Обеспечить обособленно",
}
HEADER_LABELS = ("Клиент", "Менеджер", "Помощник", "Доставка", "Комментарий")
COLUMNS: tuple[tuple[str, int, int], ...] = (
    # (header, minimum width, maximum width) in characters
    ("№", 5, 6),
    ("Артикул", 10, 18),
    ("Наименование", 24, 50),
    ("Модель", 10, 20),
    ("Цвет", 10, 18),
    ("Размер", 8, 12),
    ("Рост", 8, 12),
    ("Ед.", 5, 8),
    ("Кол-во", 8, 10),
    ("Обеспечение", 14, 24),
    ("Ожидается", 12, 12),
)
WRAPPED_COLUMNS = frozenset({3, 10})  # Наименование, Обеспечение
EMPTY = "—"  # shown for a header field the invoice does not fill
_MAX_CELL_TEXT = 32_767  # Excel refuses longer cell texts
_ZIP_EPOCH = date(1980, 1, 1)  # ZIP cannot store earlier times

# The sheet layout: the title, the header block, a blank row, then the table.
TITLE_ROW = 1
TABLE_HEADER_ROW = TITLE_ROW + len(HEADER_LABELS) + 2
FIRST_LINE_ROW = TABLE_HEADER_ROW + 1
QUANTITY_COLUMN = 9
LAST_COLUMN = len(COLUMNS)

_UNSAFE_FILENAME_CHARS = re.compile(r"[^0-9A-Za-zА-Яа-яЁё._-]+")


@dataclass(frozen=True, slots=True)
class WarehouseLine:
    row: int
    sku: str
    name: str
    model: str
    color: str
    size: str
    height: str
    unit: str
    quantity: int
    fulfilment: str  # "reserve" | "procure"
    expected_on: date | None


@dataclass(frozen=True, slots=True)
class WarehouseOrderView:
    invoice_number: str
    invoice_date: date
    client_name: str
    manager: str
    assistant: str
    delivery_method: str | None
    comment: str | None
    lines: list[WarehouseLine]


def build_warehouse_xlsx(view: WarehouseOrderView) -> bytes:
    """The .xlsx bytes of the warehouse order; raises ValueError on an unknown fulfilment."""
    # openpyxl is imported here, not with the module: it pulls in numpy when numpy is installed,
    # some 15 MB in every process that never writes a spreadsheet.
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    stamp = datetime.combine(view.invoice_date, time())
    workbook = Workbook()
    workbook.properties.creator = AUTHOR
    workbook.properties.lastModifiedBy = AUTHOR
    workbook.properties.title = _title(view)
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    sheet = workbook.active
    sheet.title = SHEET_TITLE

    _write_header(sheet, view)
    _write_table(sheet, view.lines)
    _set_widths(sheet, view.lines)
    _set_print(sheet, last_row=FIRST_LINE_ROW + len(view.lines))

    # Not workbook.save(): it stamps the modification time with the clock.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).write_data()
    return _restamp(buffer.getvalue(), max(view.invoice_date, _ZIP_EPOCH))


def warehouse_filename(view: WarehouseOrderView) -> str:
    """`Заявка_на_склад_<number>.xlsx`, the number reduced to letters, digits, dots, dashes, underscores."""
    number = _UNSAFE_FILENAME_CHARS.sub("_", view.invoice_number).strip("._") or "без_номера"
    return f"Заявка_на_склад_{number}.xlsx"


def _title(view: WarehouseOrderView) -> str:
    return f"Заявка на склад по счёту № {view.invoice_number} от {view.invoice_date:%d.%m.%Y}"


def _write_header(sheet: Any, view: WarehouseOrderView) -> None:
    from openpyxl.styles import Alignment, Font

    title = _put(sheet, TITLE_ROW, 1, _title(view))
    title.font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=LAST_COLUMN)
    values = (view.client_name, view.manager, view.assistant, view.delivery_method, view.comment)
    for offset, (label, value) in enumerate(zip(HEADER_LABELS, values, strict=True), start=1):
        row = TITLE_ROW + offset
        _put(sheet, row, 1, label).font = Font(bold=True)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        _put(sheet, row, 3, value or EMPTY).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, start_column=3, end_row=row, end_column=LAST_COLUMN)


def _write_table(sheet: Any, lines: list[WarehouseLine]) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(bold=True)
    header_fill = PatternFill(fill_type="solid", start_color="D9D9D9", end_color="D9D9D9")
    for column, (header, _, _) in enumerate(COLUMNS, start=1):
        cell = _put(sheet, TABLE_HEADER_ROW, column, header)
        cell.font = bold
        cell.fill = header_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    for index, line in enumerate(lines):
        row = FIRST_LINE_ROW + index
        for column, value in enumerate(_line_values(line), start=1):
            cell = _put(sheet, row, column, value)
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=column in WRAPPED_COLUMNS)
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT

    total_row = FIRST_LINE_ROW + len(lines)
    for column in range(1, LAST_COLUMN + 1):
        sheet.cell(row=total_row, column=column).border = border
    label = _put(sheet, total_row, 1, TOTAL_LABEL)
    label.font = bold
    label.alignment = Alignment(horizontal="right")
    sheet.merge_cells(start_row=total_row, start_column=1, end_row=total_row, end_column=QUANTITY_COLUMN - 1)
    # A number, not =SUM(): chat previews and readers without a calculation engine show it as is.
    _put(sheet, total_row, QUANTITY_COLUMN, sum(line.quantity for line in lines)).font = bold

    sheet.freeze_panes = sheet.cell(row=FIRST_LINE_ROW, column=1).coordinate


def _line_values(line: WarehouseLine) -> tuple[str | int | date | None, ...]:
    try:
        fulfilment = FULFILMENT_LABELS[line.fulfilment]
    except KeyError:
        raise ValueError(f"line {line.row}: unknown fulfilment {line.fulfilment!r}") from None
    return (
        line.row,
        line.sku,
        line.name,
        line.model,
        line.color,
        line.size,
        line.height,
        line.unit,
        line.quantity,
        fulfilment,
        line.expected_on,
    )


def _put(sheet: Any, row: int, column: int, value: str | int | date | None) -> Any:
    """Write one cell; text always stays text, so «=…» from a client's name is never a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)[:_MAX_CELL_TEXT]
        cell.value = text or None
        if text:
            cell.data_type = "s"
    else:
        cell.value = value
    return cell


def _set_widths(sheet: Any, lines: list[WarehouseLine]) -> None:
    from openpyxl.utils import get_column_letter

    for column, (header, least, most) in enumerate(COLUMNS, start=1):
        texts = [header] + [_shown(value) for value in (_line_values(line)[column - 1] for line in lines)]
        longest = max(len(text) for text in texts)
        sheet.column_dimensions[get_column_letter(column)].width = min(max(longest + 2, least), most)


def _shown(value: str | int | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    return str(value)


def _set_print(sheet: Any, last_row: int) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"{TABLE_HEADER_ROW}:{TABLE_HEADER_ROW}"
    sheet.print_area = f"A1:{get_column_letter(LAST_COLUMN)}{last_row}"


def _restamp(data: bytes, day: date) -> bytes:
    """Rewrite the archive with every entry dated `day`, in the order openpyxl wrote them."""
    stamp = (day.year, day.month, day.day, 0, 0, 0)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            target.writestr(info, source.read(entry))
    return out.getvalue()
