"""WeasyPrint set up once per process: the font configuration, each document family's stylesheet
parsed once, and a user-agent stylesheet without the rules our documents never use.

Most of a render is WeasyPrint's cascade and layout, paid per element. Two costs do not depend on
the document and are paid here once instead of on every render:

- the author stylesheet: a template that inlines its stylesheet makes WeasyPrint parse it, validate
  it and compile its selectors again for every PDF; ``stylesheet(name)`` parses the family's file
  once and the template leaves it out (``inline_css=False``);
- the user-agent stylesheet: WeasyPrint's own sets ``::marker``, ``::footnote-*`` and ``::note-*``
  on every element, so every element also gets six pseudo-element styles computed; none of our
  templates has a list, a footnote or a note, so ours scopes ``::marker`` to list items and leaves
  the notes out (the rest of the sheet is WeasyPrint's, unchanged).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.html import UA, UA_COUNTER_STYLE
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

TEMPLATES_DIR = Path(__file__).parent / "templates"

_NOTE_RULES = re.compile(r"^::(?:footnote|note)-[a-z-]+ \{[^}\n]*\}\n", re.MULTILINE)
_MARKER_RULE = "\n::marker {"


@cache
def font_config() -> FontConfiguration:
    """Building a FontConfiguration scans fontconfig: once per process."""
    return FontConfiguration()


@cache
def stylesheet(name: str) -> CSS:
    """A document family's stylesheet (a file next to the templates), parsed once per process.

    A parsed stylesheet is only read by a render, so the render threads share it."""
    return CSS(string=(TEMPLATES_DIR / name).read_text(encoding="utf-8"), font_config=font_config())


def _documents_ua() -> str:
    weasyprint_ua: str = UA
    trimmed, notes = _NOTE_RULES.subn("", weasyprint_ua)
    if notes != 5 or trimmed.count(_MARKER_RULE) != 1:
        # Another WeasyPrint whose sheet we do not know: keep its own.
        return weasyprint_ua
    return trimmed.replace(_MARKER_RULE, "\nli::marker {")


@cache
def user_agent_stylesheet() -> CSS:
    return CSS(string=_documents_ua(), counter_style=UA_COUNTER_STYLE)


class _DocumentHTML(HTML):  # type: ignore[misc]  # weasyprint ships no type hints
    """An HTML document styled with our user-agent stylesheet instead of WeasyPrint's."""

    def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
        return [user_agent_stylesheet()]


def write_pdf(html: str, url_fetcher: URLFetcher, stylesheet_name: str | None = None) -> bytes:
    """``html`` as PDF bytes; ``stylesheet_name`` is the family's stylesheet when the page does not
    inline it; every URL goes through ``url_fetcher``."""
    document = _DocumentHTML(string=html, base_url=None, url_fetcher=url_fetcher)
    # WeasyPrint cascades a sheet given here as the user's: for a page with no stylesheet of its
    # own that is the same as an inlined one (both beat the user agent's; no !important is used).
    sheets = [stylesheet(stylesheet_name)] if stylesheet_name else None
    pdf: bytes = document.write_pdf(font_config=font_config(), stylesheets=sheets)
    return pdf
