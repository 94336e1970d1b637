"""Documents people send us (a scanned paper order, a letter from the shared mailbox, a price
list): the type is told by the content, never by the name or the header, and the size is bounded."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from app.core.errors import FieldError
from app.services.media.images import check_image

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old Word and Excel formats
_OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str


def check_document(content: bytes, max_bytes: int, field: str = "file") -> CheckedFile:
    """PDF, a picture (JPEG, PNG, WebP), Word or Excel (old or new), or plain UTF-8 text (a letter)."""
    if not content:
        raise FieldError(field, "the file is empty", code="unsupported_file")
    if len(content) > max_bytes:
        raise FieldError(
            field, f"the file is {len(content)} bytes; at most {max_bytes} are taken", code="file_too_large"
        )
    if content.startswith(b"%PDF-"):
        return CheckedFile("application/pdf", "pdf")
    if content.startswith(OLE):
        return CheckedFile("application/x-ole-storage", "doc")
    if content.startswith(b"PK\x03\x04"):
        kind = _ooxml(content)
        if kind is not None:
            return kind
        raise FieldError(
            field, "a ZIP archive that is neither a Word nor an Excel file", code="unsupported_file"
        )
    if content[:3] in (b"\xff\xd8\xff", b"\x89PN") or content[:4] == b"RIFF":
        image = check_image(content, max_bytes, field)
        return CheckedFile(image.content_type, image.extension)
    if b"\x00" not in content:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return CheckedFile("text/plain; charset=utf-8", "txt")
    raise FieldError(field, "not a PDF, picture, Word, Excel or UTF-8 text file", code="unsupported_file")


def _ooxml(content: bytes) -> CheckedFile | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, (content_type, extension) in _OOXML.items():
        if any(name.startswith(prefix) for name in names):
            return CheckedFile(content_type, extension)
    return None


_SVG_ROOT = re.compile(rb"<svg[\s>/]")
_SVG_PROLOGUE = re.compile(
    rb"^(?:\s|<\?xml[^>]{0,300}\?>|<!--.{0,2000}?-->|<!DOCTYPE\s+svg[^>]{0,500}>)*<svg", re.S
)
EPS_BINARY = b"\xc5\xd0\xd3\xc6"  # the DOS EPS header of a binary EPS


def check_logo(content: bytes, max_bytes: int, field: str = "file") -> CheckedFile:
    """A logo as designers send it: vector (PDF or Illustrator's PDF-compatible file, SVG, EPS) or
    raster (JPEG, PNG, WebP); told by the content. Anything else is not a logo."""
    if not content:
        raise FieldError(field, "the file is empty", code="not_a_logo")
    if len(content) > max_bytes:
        raise FieldError(
            field, f"the file is {len(content)} bytes; at most {max_bytes} are taken", code="file_too_large"
        )
    if content.startswith(b"%PDF-"):
        return CheckedFile("application/pdf", "pdf")
    if content.startswith(b"%!PS-Adobe") or content.startswith(EPS_BINARY):
        return CheckedFile("application/postscript", "eps")
    head = content[:8192].removeprefix(b"\xef\xbb\xbf")
    if _SVG_PROLOGUE.match(head) and _SVG_ROOT.search(head) and b"\x00" not in content:
        return CheckedFile("image/svg+xml", "svg")
    try:
        image = check_image(content, max_bytes, field)
    except FieldError as exc:
        if exc.code == "file_too_large":  # a picture, but too large: say that, not "not a logo"
            raise
        raise FieldError(
            field, "not a logo: send a PDF, SVG, EPS, JPEG, PNG or WebP file", code="not_a_logo"
        ) from exc
    return CheckedFile(image.content_type, image.extension)
