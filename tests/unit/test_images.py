"""Uploaded pictures are told by their content; the print copy is a small JPEG."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfWriter
from weasyprint import HTML

from app.core.errors import FieldError
from app.services.images import check_image, pdf_print_copy, print_copy
from tests.support.logos import LOGO_BLUE, pdf_logo


def picture(kind: str, size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 128)).save(out, kind)
    return out.getvalue()


@pytest.mark.parametrize(
    ("kind", "content_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_jpeg_png_webp_are_taken(kind: str, content_type: str) -> None:
    checked = check_image(picture(kind), 1_000_000)
    assert checked.content_type == content_type
    assert (checked.width, checked.height) == (40, 30)
    assert checked.key.startswith("photos/")


def test_other_files_are_refused() -> None:
    for content in (b"%PDF-1.7 not a picture", b"GIF89a" + b"\x00" * 20, picture("GIF"), picture("BMP"), b""):
        with pytest.raises(FieldError) as caught:
            check_image(content, 1_000_000)
        assert caught.value.code == "not_an_image"


def test_a_truncated_picture_is_refused() -> None:
    with pytest.raises(FieldError):
        check_image(picture("PNG")[:60], 1_000_000)


def test_too_large_is_refused_before_decoding() -> None:
    with pytest.raises(FieldError) as caught:
        check_image(picture("JPEG"), 100)
    assert caught.value.code == "file_too_large"
    assert caught.value.field == "file"


def test_print_copy_is_a_small_jpeg_on_white() -> None:
    checked = check_image(picture("PNG", (2000, 1000), mode="RGBA"), 10_000_000)
    with Image.open(io.BytesIO(print_copy(checked))) as copy:
        assert copy.format == "JPEG"
        assert copy.size == (480, 240)


def test_a_pdf_logo_is_drawn_from_its_first_page_with_the_margins_trimmed() -> None:
    copy = pdf_print_copy(pdf_logo(page_mm=(200, 120), plate_mm=(120, 40)))
    assert copy is not None
    with Image.open(io.BytesIO(copy)) as drawn:
        assert drawn.format == "JPEG"
        assert max(drawn.size) == 480
        # The white page around the plate is cut off (a little margin stays): the picture has the
        # plate's proportions, 3:1, not the page's 5:3.
        assert 2.6 < drawn.width / drawn.height < 3.0
        rgb = drawn.convert("RGB")
        plate = rgb.getpixel((drawn.width // 8, drawn.height // 2))
        assert all(abs(got - want) < 25 for got, want in zip(plate, LOGO_BLUE, strict=True)), plate
        assert min(rgb.getpixel((1, 1))) > 240  # the margin left around it is white


def test_a_huge_or_tiny_pdf_page_makes_a_bounded_picture() -> None:
    for page, plate in (((5000, 5000), (4000, 4000)), ((10, 6), (8, 4))):
        copy = pdf_print_copy(pdf_logo(page_mm=page, plate_mm=plate))
        assert copy is not None
        with Image.open(io.BytesIO(copy)) as drawn:
            assert max(drawn.size) <= 480


def test_a_pdf_that_cannot_be_drawn_gives_no_print_copy() -> None:
    broken = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    blank = HTML(string="<p></p>").write_pdf()
    writer = PdfWriter(clone_from=io.BytesIO(pdf_logo()))
    writer.encrypt("секрет")
    locked = io.BytesIO()
    writer.write(locked)
    for content in (broken, blank, locked.getvalue(), b"%PDF-1.7\n" + b"\x00" * 100):
        assert pdf_print_copy(content) is None
