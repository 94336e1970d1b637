"""Uploaded pictures are told by their content; the print copy is a small JPEG."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.core.errors import FieldError
from app.services.images import check_image, print_copy


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
