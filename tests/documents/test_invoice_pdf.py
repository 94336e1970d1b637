"""The invoice PDF: text extracted from the real PDF, escaping of client data, no URL fetched."""

from __future__ import annotations

import io
import re
import socket
from datetime import date
from decimal import Decimal
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from app.services.documents.company import CompanyRequisites
from app.services.documents.invoice import (
    BuyerRequisites,
    InvoiceView,
    RefusingURLFetcher,
    build_invoice_view,
    html_to_pdf,
    render_invoice_html,
    render_invoice_pdf,
)
from app.services.money.totals import LineInput, compute_totals

D = Decimal

SUPPLIER = CompanyRequisites(
    name="ООО «Спецодежда-Опт»",
    inn="7701234567",
    kpp="770101001",
    address="г. Москва, ул. Примерная, д. 1",
    bank_name="ПАО «Условный банк», г. Москва",
    bik="044525999",
    account="40702810900000012345",
    correspondent_account="30101810400000000999",
)
BUYER = BuyerRequisites(
    name="АО «Северный завод»",
    inn="5012345678",
    kpp="501201001",
    address="Московская обл., г. Подольск, ул. Заводская, д. 7",
)
LINE_NAMES = (
    "Костюм рабочий «Механик» летний",
    "Ботинки кожаные с металлическим подноском",
    "Перчатки х/б с ПВХ-покрытием",
)


def _view(
    names: tuple[str, ...] = LINE_NAMES, vat_rate: Decimal = D("22"), **overrides: object
) -> InvoiceView:
    totals = compute_totals(
        [
            LineInput(names[0], "шт", 3, D("1234.56"), D("5")),
            LineInput(names[1], "пар", 10, D("3490.00")),
            LineInput(names[2], "пар", 250, D("38.90"), D("10")),
        ],
        vat_rate,
    )
    kwargs: dict[str, object] = {
        "supplier": SUPPLIER,
        "buyer": BUYER,
        "number": "2026-000015",
        "issued_on": date(2026, 1, 15),
        "due_on": date(2026, 1, 20),
        "totals": totals,
        "director_name": "Иванов И. И.",
        "accountant_name": "Петрова А. С.",
    }
    kwargs.update(overrides)
    return build_invoice_view(**kwargs)  # type: ignore[arg-type]


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    raw = "\n".join(page.extract_text() for page in reader.pages)
    # Wrapped cells and no-break spaces come out as line breaks and U+00A0: compare words only.
    return re.sub(r"\s+", " ", raw.replace("\u00a0", " "))


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_invoice_pdf(_view())


def test_pdf_is_one_a4_page(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    # A4 is 210 × 297 mm = 595.28 × 841.89 pt.
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_pdf_text(pdf: bytes) -> None:
    text = _text(pdf)

    assert "Счёт на оплату № 2026-000015 от 15 января 2026 г." in text
    assert "АО «Северный завод», ИНН 5012345678, КПП 501201001" in text
    assert "ООО «Спецодежда-Опт», ИНН 7701234567, КПП 770101001" in text
    for name in LINE_NAMES:
        assert name in text
    assert "№ Товары (работы, услуги) Кол-во Ед. Цена Сумма" in text
    assert "1 Костюм рабочий «Механик» летний 3 шт 1 172,83 3 518,49" in text
    assert "Итого: 47 170,99" in text
    assert "В том числе НДС (22%): 8 506,24" in text
    assert "Всего к оплате: 47 170,99" in text
    assert "Всего наименований 3, на сумму 47 170,99 руб." in text
    assert "Сорок семь тысяч сто семьдесят рублей 99 копеек" in text
    assert "Оплатить не позднее 20 января 2026 г." in text
    assert "Руководитель" in text
    assert "Иванов И. И." in text
    assert "Бухгалтер" in text
    assert "Петрова А. С." in text
    for requisite in ("044525999", "40702810900000012345", "30101810400000000999"):
        assert requisite in text


def test_pdf_embeds_dejavu(pdf: bytes) -> None:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    resources = cast(DictionaryObject, page["/Resources"].get_object())
    fonts = cast(DictionaryObject, resources["/Font"].get_object())
    # Embedded subsets are named "/ABCDEF+DejaVu-Sans": drop the subset tag.
    base_fonts = {str(font.get_object()["/BaseFont"]).split("+")[-1] for font in fonts.values()}
    assert base_fonts == {"DejaVu-Sans", "DejaVu-Sans-Bold"}


def test_view_numbers_rows_and_words_the_total() -> None:
    view = _view()
    assert [line.number for line in view.lines] == [1, 2, 3]
    assert view.total == D("47170.99")
    assert view.vat_total == D("8506.24")
    assert view.amount_in_words == "Сорок семь тысяч сто семьдесят рублей 99 копеек"


def test_html_escapes_client_data() -> None:
    view = _view(
        names=("Костюм <script>alert('x')</script>", *LINE_NAMES[1:]),
        buyer=BuyerRequisites(name="ООО «Рога & Копыта»", inn="5012345678", kpp=None, address="<b>ул.</b>"),
    )
    html = render_invoice_html(view)

    assert "<script>" not in html
    assert "Костюм &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "ООО «Рога &amp; Копыта»" in html
    assert "&lt;b&gt;ул.&lt;/b&gt;" in html


def test_html_without_due_date_kpp_or_vat() -> None:
    view = _view(
        vat_rate=D("0"),
        due_on=None,
        buyer=BuyerRequisites(name="ИП Сидоров П. П.", inn="501234567890", kpp=None, address="г. Тула"),
    )
    html = render_invoice_html(view)

    assert "ИП Сидоров П. П., ИНН 501234567890, г. Тула" in html
    assert "Оплатить не позднее" not in html
    assert "Без налога (НДС)" in html
    assert "В том числе НДС" not in html


def test_an_invoice_on_a_deferment_not_yet_shipped_gives_the_term_from_the_shipment() -> None:
    html = render_invoice_html(_view(due_on=None, deferment_days=14))

    assert "Оплата в течение 14 календарных дней с даты отгрузки" in html
    assert "Оплатить не позднее" not in html
    shipped = render_invoice_html(_view(due_on=date(2026, 1, 29), deferment_days=14))
    assert "Оплатить не позднее 29 января 2026 г." in shipped
    assert "с даты отгрузки" not in shipped


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/logo.png", "https://example.com/a.css", "file:///etc/passwd", "data:text/plain,x"],
)
def test_fetcher_refuses_every_url(url: str) -> None:
    with pytest.raises(ValueError, match="disabled"):
        RefusingURLFetcher().fetch(url)


def test_rendering_fetches_nothing() -> None:
    # A listening socket that nobody should connect to: a default fetcher would.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        port = listener.getsockname()[1]
        html = (
            f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{port}/a.css"></head>'
            f'<body><img src="http://127.0.0.1:{port}/logo.png">Текст</body></html>'
        )

        pdf = html_to_pdf(html)

        assert pdf.startswith(b"%PDF-")
        with pytest.raises(BlockingIOError):
            listener.accept()
