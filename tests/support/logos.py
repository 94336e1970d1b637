"""A vector logo as a designer's PDF: one page, a dark-blue plate with white lettering set in the
middle of a larger white page (drawn by WeasyPrint, as vector paths and text)."""

from __future__ import annotations

import io

from PIL import Image
from weasyprint import HTML

LOGO_BLUE = (26, 60, 140)


def pdf_logo(page_mm: tuple[int, int] = (200, 120), plate_mm: tuple[int, int] = (120, 40)) -> bytes:
    (page_w, page_h), (plate_w, plate_h) = page_mm, plate_mm
    html = f"""<html><head><style>
      @page {{ size: {page_w}mm {page_h}mm; margin: 0 }}
      body {{ margin: 0 }}
      .plate {{ position: absolute; left: {(page_w - plate_w) / 2}mm; top: {(page_h - plate_h) / 2}mm;
               width: {plate_w}mm; height: {plate_h}mm; background: rgb{LOGO_BLUE}; color: #fff;
               font: bold 14mm "DejaVu Sans"; text-align: center; line-height: {plate_h}mm }}
    </style></head><body><div class="plate">ВСМ</div></body></html>"""
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def bomb_png(side: int = 20_000) -> bytes:
    """A PNG of side × side pixels that is small as a file (a blank one-bit picture compresses
    well, about 50 KB) but would take gigabytes to decode: PIL refuses to open it."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")
    return out.getvalue()
