"""Uploaded pictures are told by their content; the print copy is a small JPEG."""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys

import psutil
import pytest
from PIL import Image
from pypdf import PdfWriter
from structlog.testing import capture_logs
from weasyprint import HTML

from app.core.errors import FieldError
from app.services.media import images
from app.services.media.images import check_image, draw_pdf_logo, print_copy
from app.services.media.pdf_logo import pdf_print_copy
from tests.support.logos import LOGO_BLUE, bomb_png, pdf_logo


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


@pytest.mark.parametrize("side", [20_000, 10_000])  # past PIL's refusal, and past its warning
def test_a_decompression_bomb_is_too_large_not_an_error(side: int) -> None:
    with pytest.raises(FieldError) as caught:
        check_image(bomb_png(side), 10_000_000, "photo")
    assert (caught.value.field, caught.value.code) == ("photo", "file_too_large")
    assert "too large" in caught.value.reason


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


def _drawing_children() -> list[psutil.Process]:
    """This process's children running the drawing command (servers that other tests of the same
    process started are its children too)."""
    found = []
    for child in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            if child.cmdline() == list(images._DRAW_COMMAND) and child.status() != psutil.STATUS_ZOMBIE:
                found.append(child)
    return found


async def test_a_pdf_logo_is_drawn_in_a_process_of_its_own() -> None:
    content = pdf_logo(page_mm=(200, 120), plate_mm=(120, 40))
    assert await draw_pdf_logo(content) == pdf_print_copy(content)
    assert await draw_pdf_logo(b"%PDF-1.7\n" + b"\x00" * 100) is None  # undrawable: no picture
    assert _drawing_children() == []


async def test_a_drawing_that_overruns_its_time_is_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A PDF made to keep PDFium busy costs its own process, for ``seconds``, and no picture."""
    monkeypatch.setattr(images, "_DRAW_COMMAND", (sys.executable, "-c", "while True: pass"))
    with capture_logs() as logs:
        assert await draw_pdf_logo(pdf_logo(), seconds=0.5) is None
    assert _drawing_children() == []
    assert [entry["event"] for entry in logs] == ["pdf_logo.too_slow"]


async def test_a_drawing_given_up_by_its_request_is_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "_DRAW_COMMAND", (sys.executable, "-c", "import time; time.sleep(60)"))
    drawing = asyncio.create_task(draw_pdf_logo(pdf_logo()))
    for _ in range(100):  # the child started
        if _drawing_children():
            break
        await asyncio.sleep(0.05)
    (child,) = _drawing_children()
    drawing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await drawing
    assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE
    assert _drawing_children() == []


async def test_a_drawing_that_crashes_or_runs_out_of_memory_gives_no_picture(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PDFium dying on a hostile file, or reaching the child's memory bound, leaves the API running:
    the spec names the file, and the log says why."""
    crash = "import os; os.abort()"
    greedy = (
        "import sys; from app.services.media import pdf_logo; "
        "pdf_logo.pdf_print_copy = lambda content: bytes(2 * pdf_logo.MEMORY); "
        "sys.exit(pdf_logo.main())"
    )
    for code, error in ((crash, ""), (greedy, "MemoryError")):
        monkeypatch.setattr(images, "_DRAW_COMMAND", (sys.executable, "-c", code))
        with capture_logs() as logs:
            assert await draw_pdf_logo(pdf_logo()) is None
        (entry,) = logs
        assert entry["event"] == "pdf_logo.failed"
        assert entry["exit_code"] != 0
        assert error in entry["error"]
    assert _drawing_children() == []


async def test_the_drawing_child_gets_no_secrets_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PDFium reads a file from outside: the child that runs it is not given the database URL or
    any token of the service."""
    monkeypatch.setenv("APP_DB__URL", "postgresql://service:secret@db/pomoshnik")
    shown = "import os, sys; sys.stdout.write(repr(sorted(os.environ)))"
    monkeypatch.setattr(images, "_DRAW_COMMAND", (sys.executable, "-c", shown))
    seen = await draw_pdf_logo(pdf_logo())
    assert seen is not None
    assert b"APP_DB__URL" not in seen
    assert b"PATH" in seen


async def test_at_most_two_drawings_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "_DRAW_COMMAND", (sys.executable, "-c", "import time; time.sleep(0.6)"))
    drawings = [asyncio.create_task(draw_pdf_logo(pdf_logo())) for _ in range(5)]
    most = 0
    while not all(drawing.done() for drawing in drawings):
        most = max(most, len(_drawing_children()))
        await asyncio.sleep(0.02)
    assert await asyncio.gather(*drawings) == [None] * 5
    assert most == 2
