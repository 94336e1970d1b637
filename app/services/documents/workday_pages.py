"""The pages of the working day (the check sheet, the daily report, the statistics): one Jinja2
environment, one stylesheet, WeasyPrint with a fetcher that serves only the charts made for the page."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import jinja2
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.services.documents.engine import TEMPLATES_DIR, write_pdf
from app.services.money.format import format_date_ru, format_rub

CHART_SCHEME = "chart:"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["rub"] = format_rub
    env.filters["ru_date"] = format_date_ru
    env.filters["short_date"] = lambda d: d.strftime("%d.%m.%Y") if d else "—"
    return env


class ChartURLFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no type hints
    """Serves ``chart:NAME`` from the charts drawn for this page; refuses every other URL."""

    def __init__(self, charts: Mapping[str, bytes]) -> None:
        super().__init__()
        self.charts = charts

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        content = self.charts.get(url.removeprefix(CHART_SCHEME)) if url.startswith(CHART_SCHEME) else None
        if content is None:
            raise ValueError(f"documents fetch only their own charts: {url[:80]}")
        kind = "image/svg+xml" if content.lstrip()[:5] in (b"<?xml", b"<svg ") else "image/png"
        return URLFetcherResponse(url, body=content, headers={"Content-Type": kind})


def render_pdf(template: str, pictures: Mapping[str, bytes] | None = None, **context: Any) -> bytes:
    html = environment().get_template(template).render(**context)
    return write_pdf(html, ChartURLFetcher(pictures or {}))
