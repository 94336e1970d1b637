"""Uploaded pictures: the type told by the content (never by the name or the header), bounded size,
and a print copy small enough for documents to render fast."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import resource
import sys
import warnings
from dataclasses import dataclass

from PIL import Image, ImageChops, UnidentifiedImageError

from app.core.errors import FieldError
from app.core.logging import get_logger

log = get_logger(__name__)

ALLOWED = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
# Pixels, not bytes: a small file can still decode into a huge bitmap ("decompression bomb").
MAX_PIXELS = 40_000_000
PRINT_SIZE = (480, 480)  # 30 mm cells: about 400 dpi


@dataclass(frozen=True)
class CheckedImage:
    content: bytes
    content_type: str
    extension: str
    digest: str
    width: int
    height: int

    @property
    def key(self) -> str:
        return f"photos/{self.digest}.{self.extension}"

    @property
    def print_key(self) -> str:
        return f"photos/{self.digest}-print.jpg"


def check_image(content: bytes, max_bytes: int, field: str = "file") -> CheckedImage:
    """A JPEG, PNG or WebP picture of at most ``max_bytes``; anything else is a FieldError."""
    if not content:
        raise FieldError(field, "the file is empty", code="not_an_image")
    if len(content) > max_bytes:
        raise FieldError(
            field, f"the file is {len(content)} bytes; at most {max_bytes} are taken", code="file_too_large"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as probe:
                kind = probe.format
                width, height = probe.size
                probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise FieldError(field, "not a JPEG, PNG or WebP picture", code="not_an_image") from exc
    if kind not in ALLOWED:
        raise FieldError(field, f"{kind} pictures are not taken: JPEG, PNG or WebP", code="not_an_image")
    if width * height > MAX_PIXELS:
        raise FieldError(field, f"the picture is {width}×{height} pixels: too large", code="file_too_large")
    content_type, extension = ALLOWED[kind]
    digest = hashlib.sha256(content).hexdigest()[:32]
    return CheckedImage(content, content_type, extension, digest, width, height)


def print_copy(image: CheckedImage) -> bytes:
    """A JPEG at most 480 px a side on white: what documents embed (fast to render, small PDFs)."""
    with Image.open(io.BytesIO(image.content)) as source:
        source.load()
        picture = source.convert("RGBA") if source.mode in {"P", "LA", "PA"} else source
        if picture.mode == "RGBA":
            background = Image.new("RGB", picture.size, (255, 255, 255))
            background.paste(picture, mask=picture.getchannel("A"))
            picture = background
        elif picture.mode != "RGB":
            picture = picture.convert("RGB")
        picture.thumbnail(PRINT_SIZE)
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=85, optimize=True)
        return out.getvalue()


PDF_RENDER_SIDE = 2 * max(PRINT_SIZE)  # drawn at twice the print size, then scaled down smoothly
MAX_PDF_SCALE = 8.0  # a tiny page is not blown up into a huge bitmap


# A drawing of a PDF logo runs in a process of its own, bounded in time and memory.
PDF_DRAW_SECONDS = 10.0
PDF_DRAW_MEMORY = 1 << 30  # address space, bytes
_DRAW_COMMAND = (sys.executable, "-m", "app.services.images")


async def draw_pdf_logo(content: bytes, seconds: float = PDF_DRAW_SECONDS) -> bytes | None:
    """``pdf_print_copy`` in a child process: PDFium parses a file from outside, and a PDF made to
    keep it busy, to eat memory or to crash it costs that process, killed after ``seconds``, not the
    API's. None then, as for any PDF that cannot be drawn (the document names the file instead)."""
    process = await asyncio.create_subprocess_exec(
        *_DRAW_COMMAND,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        drawn, error = await asyncio.wait_for(process.communicate(content), seconds)
    except TimeoutError:
        log.warning("pdf_logo.too_slow", seconds=seconds, size=len(content))
        return None
    finally:
        if process.returncode is None:  # too slow, or the request went away meanwhile
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    if process.returncode != 0:
        reason = error.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        log.warning("pdf_logo.failed", exit_code=process.returncode, error=reason[0][:300], size=len(content))
        return None
    return drawn or None


def pdf_print_copy(content: bytes) -> bytes | None:
    """The first page of a PDF logo as a print copy (a JPEG as ``print_copy`` makes), its white
    margins trimmed; None when PDFium cannot draw it (broken, encrypted, no pages), so that the
    document names the file instead. PDFium may not be entered from two threads at once: the
    service calls this through ``draw_pdf_logo``, one process a drawing."""
    import pypdfium2 as pdfium  # 4.5 MB of library: loaded where a PDF is drawn, not by every process

    try:
        document = pdfium.PdfDocument(content)
    except pdfium.PdfiumError:
        return None
    try:
        if len(document) == 0:
            return None
        page = document[0]
        width, height = page.get_size()
        if width <= 0 or height <= 0:
            return None
        scale = min(PDF_RENDER_SIDE / max(width, height), MAX_PDF_SCALE)
        picture = page.render(scale=scale, fill_color=(255, 255, 255, 255)).to_pil().convert("RGB")
    except pdfium.PdfiumError:
        return None
    finally:
        document.close()
    drawn = ImageChops.difference(picture, Image.new("RGB", picture.size, (255, 255, 255))).getbbox()
    if drawn is None:
        return None  # a blank page: nothing to print
    pad = max(picture.size) // 50
    left, top, right, bottom = drawn
    picture = picture.crop(
        (
            max(0, left - pad),
            max(0, top - pad),
            min(picture.width, right + pad),
            min(picture.height, bottom + pad),
        )
    )
    picture.thumbnail(PRINT_SIZE)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def _draw_from_stdin() -> int:
    """The child of ``draw_pdf_logo``: the PDF on stdin, the JPEG (or nothing) on stdout."""
    resource.setrlimit(resource.RLIMIT_AS, (PDF_DRAW_MEMORY, PDF_DRAW_MEMORY))
    drawn = pdf_print_copy(sys.stdin.buffer.read())
    if drawn is not None:
        sys.stdout.buffer.write(drawn)
    return 0


if __name__ == "__main__":
    sys.exit(_draw_from_stdin())
