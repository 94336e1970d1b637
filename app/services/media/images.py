"""Uploaded pictures: the type told by the content (never by the name or the header), bounded size,
and a print copy small enough for documents to render fast."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import sys
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from app.core.errors import FieldError
from app.core.logging import get_logger
from app.services.media.pdf_logo import PRINT_SIDE

log = get_logger(__name__)

ALLOWED = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
# Pixels, not bytes: a small file can still decode into a huge bitmap ("decompression bomb").
MAX_PIXELS = 40_000_000
PRINT_SIZE = (PRINT_SIDE, PRINT_SIDE)


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

    def print_key_of(self, crop: Crop | None) -> str:
        """The print copy's key: one per picture and square cut from it."""
        if crop is None:
            return self.print_key
        return f"photos/{self.digest}-print-{crop.left}-{crop.top}-{crop.side}.jpg"


@dataclass(frozen=True)
class Crop:
    """A square of a picture, in its pixels from the top left corner: what a document prints."""

    left: int
    top: int
    side: int


def check_crop(image: CheckedImage, crop: Crop, prefix: str = "crop_") -> Crop:
    """A square that lies inside the picture as it is shown (turned upright by its EXIF orientation,
    as browsers show it); anything else is a FieldError naming the coordinate."""
    width, height = upright_size(image)
    if crop.side < 1:
        raise FieldError(f"{prefix}side", "the square needs a side of at least one pixel")
    if crop.left < 0 or crop.left + crop.side > width:
        raise FieldError(
            f"{prefix}left",
            f"the square of side {crop.side} at {crop.left} leaves the picture {width} px wide",
        )
    if crop.top < 0 or crop.top + crop.side > height:
        raise FieldError(
            f"{prefix}top",
            f"the square of side {crop.side} at {crop.top} leaves the picture {height} px high",
        )
    return crop


# EXIF orientations that turn a picture by a quarter: its width and height change places.
_QUARTER_TURNS = {5, 6, 7, 8}


def upright_size(image: CheckedImage) -> tuple[int, int]:
    """Width and height as the picture is shown, turned upright by its EXIF orientation."""
    with Image.open(io.BytesIO(image.content)) as probe:
        turned = probe.getexif().get(0x0112) in _QUARTER_TURNS
    return (image.height, image.width) if turned else (image.width, image.height)


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
            # PIL warns (then refuses) past its own pixel bound, before it reads a single pixel:
            # a picture that large is too large here too, said like any other.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as probe:
                kind = probe.format
                width, height = probe.size
                probe.verify()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise FieldError(
            field, f"the picture has more than {MAX_PIXELS} pixels: too large", code="file_too_large"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise FieldError(field, "not a JPEG, PNG or WebP picture", code="not_an_image") from exc
    if kind not in ALLOWED:
        raise FieldError(field, f"{kind} pictures are not taken: JPEG, PNG or WebP", code="not_an_image")
    if width * height > MAX_PIXELS:
        raise FieldError(field, f"the picture is {width}×{height} pixels: too large", code="file_too_large")
    content_type, extension = ALLOWED[kind]
    digest = hashlib.sha256(content).hexdigest()[:32]
    return CheckedImage(content, content_type, extension, digest, width, height)


def print_copy(image: CheckedImage, crop: Crop | None = None) -> bytes:
    """A JPEG at most 480 px a side on white: what documents embed (fast to render, small PDFs);
    of the ``crop`` square only, when one is given."""
    with Image.open(io.BytesIO(image.content)) as source:
        source.load()
        upright = ImageOps.exif_transpose(source) if crop is not None else source
        picture = upright.convert("RGBA") if upright.mode in {"P", "LA", "PA"} else upright
        if crop is not None:
            picture = picture.crop((crop.left, crop.top, crop.left + crop.side, crop.top + crop.side))
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


# A drawing of a PDF logo runs in a process of its own, bounded in time and memory, with no more
# of the environment than it takes to start (no database URL, no tokens), at most two at once.
PDF_DRAW_SECONDS = 10.0
_DRAW_COMMAND = (sys.executable, "-m", "app.services.media.pdf_logo")
_DRAW_ENVIRONMENT = ("PATH", "PYTHONPATH", "LANG")
_DRAWINGS = asyncio.Semaphore(2)


async def draw_pdf_logo(content: bytes, seconds: float = PDF_DRAW_SECONDS) -> bytes | None:
    """A PDF logo's print copy, drawn by ``app.services.media.pdf_logo`` in a child process: PDFium parses
    a file from outside, and a PDF made to keep it busy, to eat memory or to crash it costs that
    process, killed after ``seconds``, not the API's. None then, as for any PDF that cannot be
    drawn (the document names the file instead)."""
    async with _DRAWINGS:
        return await _draw(content, seconds)


async def _draw(content: bytes, seconds: float) -> bytes | None:
    process = await asyncio.create_subprocess_exec(
        *_DRAW_COMMAND,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={name: os.environ[name] for name in _DRAW_ENVIRONMENT if name in os.environ},
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
