"""A PDF logo's print copy, drawn by PDFium: the program of the child process that
``app.services.media.images.draw_pdf_logo`` starts for each drawing, the PDF on stdin and the JPEG (or
nothing, when it cannot be drawn) on stdout, its address space bounded.

PDFium parses a file from outside and may not be entered from two threads at once; in a process of
its own, a file made to keep it busy, eat memory or crash it costs that process only. The module
imports no more than the drawing needs: every drawing pays for the start of the interpreter."""

from __future__ import annotations

import io
import resource
import sys

from PIL import Image, ImageChops

PRINT_SIDE = 480  # the print copy of any picture, pixels a side (30 mm cells: about 400 dpi)
MAX_SCALE = 8.0  # a tiny page is not blown up into a huge bitmap
MEMORY = 1 << 30  # the child's address space, bytes


def pdf_print_copy(content: bytes, side: int = PRINT_SIDE) -> bytes | None:
    """The first page of a PDF as a JPEG at most ``side`` pixels a side (drawn at twice that, then
    scaled down smoothly), its white margins trimmed; None when PDFium cannot draw it (broken,
    encrypted, no pages) or the page is blank."""
    import pypdfium2 as pdfium  # only the child loads it (4.5 MB of library)

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
        scale = min(2 * side / max(width, height), MAX_SCALE)
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
    picture.thumbnail((side, side))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def main() -> int:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    drawn = pdf_print_copy(sys.stdin.buffer.read())
    if drawn is not None:
        sys.stdout.buffer.write(drawn)
    return 0


if __name__ == "__main__":
    sys.exit(main())
