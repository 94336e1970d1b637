"""The Excel order for the warehouse chat: layout, cell types, totals, print setup, reproducible bytes."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest

from app.services.documents.warehouse_xlsx import (
    WarehouseLine,
    WarehouseOrderView,
    build_warehouse_xlsx,
    warehouse_filename,
)

HEADERS = [
    "№",
    "Артикул",
    "Наименование",
    "Модель",
    "Цвет",
    "Размер",
    "Рост",
    "Ед.",
    "Кол-во",
    "Обеспечение",
    "Ожидается",
]
TABLE_HEADER_ROW = 8
FIRST_LINE_ROW = 9
TRICKY_NAME = 'Костюм «Мастер» <летний> & куртка "Профи" =СУММ(A1)'


def make_view(**changes: Any) -> WarehouseOrderView:
    view = WarehouseOrderView(
        invoice_number="2026-000015",
        invoice_date=date(2026, 1, 15),
        client_name='ООО "Ромашка" <Север> & Ко',
        manager="Иванова Мария",
        assistant="Петров Илья",
        delivery_method="Самовывоз",
        comment="Отгрузить до обеда",
        lines=[
            WarehouseLine(
                row=1,
                sku="КС-101",
                name="Костюм рабочий летний",
                model="Мастер",
                color="Синий",
                size="52-54",
                height="170-176",
                unit="шт",
                quantity=10,
                fulfilment="reserve",
                expected_on=None,
            ),
            WarehouseLine(
                row=2,
                sku="БТ-7",
                name="Ботинки кожаные",
                model="Профи",
                color="Чёрный",
                size="43",
                height="—",
                unit="пар",
                quantity=4,
                fulfilment="procure",
                expected_on=date(2026, 2, 3),
            ),
            WarehouseLine(
                row=3,
                sku="ПЧ-12",
                name="Перчатки х/б",
                model="Стандарт",
                color="Белый",
                size="10",
                height="—",
                unit="пар",
                quantity=120,
                fulfilment="reserve",
                expected_on=None,
            ),
        ],
    )
    return replace(view, **changes)


def open_sheet(data: bytes) -> Any:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Заявка"]
    return workbook["Заявка"]


def row_values(sheet: Any, row: int) -> list[Any]:
    return [sheet.cell(row=row, column=column).value for column in range(1, len(HEADERS) + 1)]


def test_sheet_title_and_header_block() -> None:
    sheet = open_sheet(build_warehouse_xlsx(make_view()))

    assert sheet.title == "Заявка"
    assert sheet["A1"].value == "Заявка на склад по счёту № 2026-000015 от 15.01.2026"
    assert sheet["A1"].font.bold
    header = {sheet.cell(row=row, column=1).value: sheet.cell(row=row, column=3).value for row in range(2, 7)}
    assert header == {
        "Клиент": 'ООО "Ромашка" <Север> & Ко',
        "Менеджер": "Иванова Мария",
        "Помощник": "Петров Илья",
        "Доставка": "Самовывоз",
        "Комментарий": "Отгрузить до обеда",
    }


def test_missing_delivery_and_comment_are_shown_as_dashes() -> None:
    sheet = open_sheet(build_warehouse_xlsx(make_view(delivery_method=None, comment=None)))

    assert sheet["A5"].value == "Доставка"
    assert sheet["C5"].value == "—"
    assert sheet["A6"].value == "Комментарий"
    assert sheet["C6"].value == "—"


def test_table_header_is_bold_bordered_and_frozen() -> None:
    sheet = open_sheet(build_warehouse_xlsx(make_view()))

    assert row_values(sheet, TABLE_HEADER_ROW) == HEADERS
    for column in range(1, len(HEADERS) + 1):
        cell = sheet.cell(row=TABLE_HEADER_ROW, column=column)
        assert cell.font.bold, cell.coordinate
        assert cell.border.left.style == "thin", cell.coordinate
        assert cell.border.bottom.style == "thin", cell.coordinate
    assert sheet.freeze_panes == f"A{FIRST_LINE_ROW}"


def test_every_cell_of_the_lines() -> None:
    sheet = open_sheet(build_warehouse_xlsx(make_view()))

    assert row_values(sheet, FIRST_LINE_ROW) == [
        1,
        "КС-101",
        "Костюм рабочий летний",
        "Мастер",
        "Синий",
        "52-54",
        "170-176",
        "шт",
        10,
        "Резерв",
        None,
    ]
    assert row_values(sheet, FIRST_LINE_ROW + 1) == [
        2,
        "БТ-7",
        "Ботинки кожаные",
        "Профи",
        "Чёрный",
        "43",
        "—",
        "пар",
        4,
        "Обеспечить обособленно",
        datetime(2026, 2, 3),
    ]
    assert row_values(sheet, FIRST_LINE_ROW + 2) == [
        3,
        "ПЧ-12",
        "Перчатки х/б",
        "Стандарт",
        "Белый",
        "10",
        "—",
        "пар",
        120,
        "Резерв",
        None,
    ]
    for row in range(FIRST_LINE_ROW, FIRST_LINE_ROW + 3):
        for column in (1, 9):
            value = sheet.cell(row=row, column=column).value
            assert type(value) is int, (row, column, value)
        assert sheet.cell(row=row, column=6).data_type == "s"  # a size of "43" stays text
        for column in range(1, len(HEADERS) + 1):
            assert sheet.cell(row=row, column=column).border.top.style == "thin"

    expected = sheet.cell(row=FIRST_LINE_ROW + 1, column=11)
    assert type(expected.value) is datetime
    assert expected.is_date
    assert expected.number_format == "DD.MM.YYYY"


def test_total_row_sums_quantities() -> None:
    sheet = open_sheet(build_warehouse_xlsx(make_view()))

    total_row = FIRST_LINE_ROW + 3
    assert sheet.cell(row=total_row, column=1).value == "Итого, шт."
    total = sheet.cell(row=total_row, column=9)
    assert total.value == 134
    assert type(total.value) is int
    assert total.font.bold
    assert sheet.max_row == total_row


def test_print_setup_is_landscape_a4_fit_to_width() -> None:
    sheet = open_sheet(build_warehouse_xlsx(make_view()))

    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == f"${TABLE_HEADER_ROW}:${TABLE_HEADER_ROW}"


def test_column_widths_are_set() -> None:
    sheet = open_sheet(build_warehouse_xlsx(make_view()))

    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJK"}
    assert all(5 <= width <= 50 for width in widths.values()), widths
    assert widths["C"] > widths["A"]  # the name column is wider than the row number


def test_workbook_properties_come_from_the_invoice() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(build_warehouse_xlsx(make_view())))

    assert workbook.properties.creator == "Помощник"
    assert workbook.properties.created == datetime(2026, 1, 15)
    assert workbook.properties.modified == datetime(2026, 1, 15)


def test_same_input_gives_identical_bytes() -> None:
    first = build_warehouse_xlsx(make_view())
    second = build_warehouse_xlsx(make_view())

    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 1, 15, 0, 0, 0)}
    assert build_warehouse_xlsx(make_view(comment="Другой комментарий")) != first


def test_cyrillic_and_special_characters_round_trip() -> None:
    view = make_view()
    line = replace(view.lines[0], name=TRICKY_NAME, sku="=1+1")
    sheet = open_sheet(build_warehouse_xlsx(replace(view, lines=[line], client_name=TRICKY_NAME)))

    assert sheet.cell(row=FIRST_LINE_ROW, column=3).value == TRICKY_NAME
    assert sheet["C2"].value == TRICKY_NAME
    sku = sheet.cell(row=FIRST_LINE_ROW, column=2)
    assert sku.value == "=1+1"  # text from the catalogue is never turned into a formula
    assert sku.data_type == "s"


def test_control_characters_are_dropped_instead_of_breaking_the_file() -> None:
    view = make_view(comment="Позвонить\x07 заранее")
    sheet = open_sheet(build_warehouse_xlsx(view))

    assert sheet["C6"].value == "Позвонить заранее"


def test_unknown_fulfilment_is_refused() -> None:
    view = make_view()
    line = replace(view.lines[0], fulfilment="transit")

    with pytest.raises(ValueError, match="transit"):
        build_warehouse_xlsx(replace(view, lines=[line]))


@pytest.mark.parametrize(
    ("number", "filename"),
    [
        ("2026-000015", "Заявка_на_склад_2026-000015.xlsx"),
        ("2026/000015", "Заявка_на_склад_2026_000015.xlsx"),
        ('С-15 <"копия">', "Заявка_на_склад_С-15_копия.xlsx"),
        ("../..", "Заявка_на_склад_без_номера.xlsx"),
    ],
)
def test_filename_keeps_safe_characters_only(number: str, filename: str) -> None:
    assert warehouse_filename(make_view(invoice_number=number)) == filename
