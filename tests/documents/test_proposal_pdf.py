"""The proposal PDF: text read back from the real PDF, photos embedded, only our storage fetched."""

from __future__ import annotations

import dataclasses
import io
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image

from app.services.documents.company import CompanyRequisites
from app.services.documents.proposal import (
    ProposalLineView,
    ProposalView,
    StorageURLFetcher,
    render_proposal_html,
    render_proposal_pdf,
)
from app.services.money.format import format_rub
from app.services.proposals import markup_price, round_price
from tests.support.pdf import image_xobjects, pdf_text

COMPANY = CompanyRequisites(
    name="ООО «Спецодежда-Опт»",
    inn="7701234567",
    kpp="770101001",
    address="г. Москва, ул. Примерная, д. 1",
    phone="+7 495 000-00-00",
    email="opt@example.com",
    bank_name="ПАО «Условный банк»",
    bik="044525999",
    account="40702810900000012345",
    logo_key=None,
)


def photo(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (seed * 11 % 256, seed * 37 % 256, seed * 71 % 256)).save(out, "JPEG")
    return out.getvalue()


def make_view(count: int, *, photos: bool = True) -> ProposalView:
    lines = tuple(
        ProposalLineView(
            number=i,
            name=f"Костюм рабочий «Модель {i}»",
            description="Смесовая ткань, водоотталкивающая пропитка",
            unit="шт",
            quantity=i,
            price=Decimal("1999.90"),
            amount=Decimal("1999.90") * i,
            photo_key=f"photos/p{i}-print.jpg" if photos else None,
        )
        for i in range(1, count + 1)
    )
    return ProposalView(
        company=COMPANY,
        number="17",
        revision=2,
        issued_on=date(2026, 12, 1),
        valid_until=date(2026, 12, 15),
        client_name="АО «Северный завод»",
        contact_name="Петрова Анна Сергеевна",
        workwear_kind="рабочие костюмы",
        lines=lines,
        total=sum((x.amount for x in lines), Decimal("0.00")),
        vat_rate=Decimal(22),
        manager_name="Иванов Пётр Андреевич",
        manager_phone="+79215550123",
        manager_email="ivanov@example.com",
    )


def test_twenty_lines_with_twenty_photos() -> None:
    view = make_view(20)
    pictures = {f"photos/p{i}-print.jpg": photo(i) for i in range(1, 21)}
    pdf = render_proposal_pdf(view, pictures)
    text = pdf_text(pdf).replace("\n", " ")
    assert "Коммерческое предложение № 17" in text
    assert "редакция 2" in text
    assert "Костюм рабочий «Модель 20»" in text
    assert format_rub(Decimal("1999.90")) in text
    assert format_rub(view.total) in text
    assert "действительно до 15 декабря 2026 г." in text
    assert "Северный завод" in text
    assert image_xobjects(pdf) == 20


def test_a_missing_picture_leaves_its_cell_empty() -> None:
    pdf = render_proposal_pdf(make_view(2), {"photos/p1-print.jpg": photo(1)})
    assert image_xobjects(pdf) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.png",
        "https://example.com/a.jpg",
        "file:///etc/passwd",
        "data:image/png;base64,AA==",
    ],
)
def test_the_fetcher_serves_only_our_storage(url: str) -> None:
    with pytest.raises(ValueError, match="only our own storage"):
        StorageURLFetcher({}).fetch(url)


def test_client_text_is_escaped() -> None:
    view = make_view(1, photos=False)
    hostile = ProposalView.from_json(view.to_json() | {"client_name": '<img src="http://example.com/x.png">'})
    html = render_proposal_html(hostile)
    assert '<img src="http://example.com' not in html
    pdf = render_proposal_pdf(hostile, {})
    assert image_xobjects(pdf) == 0


def test_view_round_trips_through_json() -> None:
    view = make_view(3)
    assert ProposalView.from_json(view.to_json()) == view


def test_prices_rounded_as_the_company_rounds() -> None:
    assert round_price(Decimal("1543.125"), "kopeck") == Decimal("1543.13")
    assert round_price(Decimal("1543.5"), "ruble") == Decimal("1544.00")
    assert markup_price(Decimal("615.40"), 3000, "kopeck") == Decimal("800.02")
    assert markup_price(Decimal("615.40"), 3000, "ruble") == Decimal("800.00")
    assert markup_price(Decimal("100.00"), 0, "kopeck") == Decimal("100.00")


@pytest.mark.parametrize("kind", ["Летняя рабочая одежда", "рабочие костюмы", "Обувь"])
def test_the_kind_stands_as_a_label_and_is_never_put_in_a_case_it_was_not_typed_in(kind: str) -> None:
    view = dataclasses.replace(make_view(1, photos=False), workwear_kind=kind)
    text = " ".join(pdf_text(render_proposal_pdf(view, {})).split())
    assert f"Предмет предложения: {kind}. Предлагаем вам поставку на следующих условиях:" in text
    assert f"Предлагаем вам {kind}" not in text
