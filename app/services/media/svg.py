"""A vector logo (SVG) made safe to draw on a document.

Only drawing survives: the SVG elements on a short list, their presentation attributes, and references
inside the file itself (``#id``). Scripts, event handlers, embedded or linked pictures, foreign
content, links to anything outside and entity declarations are dropped or refused, so rendering the
copy reads nothing but the copy.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from app.core.errors import FieldError

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
DRAWING = frozenset(
    {
        "svg",
        "g",
        "defs",
        "symbol",
        "use",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "textPath",
        "linearGradient",
        "radialGradient",
        "stop",
        "clipPath",
        "mask",
        "pattern",
        "marker",
        "style",
        "title",
        "desc",
    }
)
# A reference is kept only when it points inside the file.
_EXTERNAL_URL = re.compile(r"""url\(\s*(?!['"]?#)[^)]*\)""", re.I)
_IMPORT = re.compile(r"@import[^;]*;?", re.I)
_ENTITY = re.compile(rb"<!ENTITY", re.I)


def _local(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace, local
    return "", name


def _clean(element: ET.Element) -> None:
    for child in list(element):
        namespace, local = _local(str(child.tag))
        if namespace != SVG_NS or local not in DRAWING:
            element.remove(child)
            continue
        _clean(child)
    for name, value in list(element.attrib.items()):
        namespace, local = _local(name)
        foreign = namespace not in ("", XLINK_NS, XML_NS)
        outside = local == "href" and not value.strip().startswith("#")
        if foreign or outside or local.lower().startswith("on"):
            del element.attrib[name]
        elif _EXTERNAL_URL.search(value):
            element.attrib[name] = _EXTERNAL_URL.sub("none", value)
    if _local(str(element.tag))[1] == "style" and element.text:
        element.text = _IMPORT.sub("", _EXTERNAL_URL.sub("none", element.text))


def drawable_svg(content: bytes, field: str = "file") -> bytes:
    """The SVG with only its drawing kept, ready to be drawn on a document; a FieldError for a file
    that is not well-formed SVG or declares entities."""
    if _ENTITY.search(content):
        raise FieldError(field, "an SVG declaring entities is not taken: export it again", code="not_a_logo")
    try:
        root = ET.fromstring(content)  # noqa: S314 - no entities (refused above); nothing external is read
    except ET.ParseError as exc:
        raise FieldError(field, f"the SVG cannot be read: {exc}", code="not_a_logo") from exc
    if _local(str(root.tag)) != (SVG_NS, "svg"):
        raise FieldError(field, "the file's root is not an SVG drawing", code="not_a_logo")
    _clean(root)
    drawing: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return drawing
