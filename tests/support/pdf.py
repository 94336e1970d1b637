"""Reading PDFs back in tests: the text, and the pictures embedded."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def image_xobjects(content: bytes) -> int:
    """How many distinct image XObjects the pages draw (nested form XObjects included)."""
    reader = PdfReader(io.BytesIO(content))
    seen: set[tuple[int, int]] = set()

    def walk(resources: DictionaryObject | None) -> None:
        if resources is None or "/XObject" not in resources:
            return
        xobjects = resources["/XObject"].get_object()
        for ref in xobjects.values():
            obj = ref.get_object()
            ident = (ref.idnum, ref.generation) if isinstance(ref, IndirectObject) else (id(obj), 0)
            if ident in seen:
                continue
            seen.add(ident)
            if obj.get("/Subtype") == "/Image":
                images.append(ident)
            elif obj.get("/Subtype") == "/Form":
                walk(obj.get("/Resources"))

    images: list[tuple[int, int]] = []
    for page in reader.pages:
        resources = page.get("/Resources")
        walk(resources.get_object() if resources is not None else None)
    return len(images)
