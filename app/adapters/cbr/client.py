"""The Bank of Russia's DailyInfo web service: ``KeyRateXML(fromDate, ToDate)`` over SOAP 1.1.

``POST https://www.cbr.ru/DailyInfoWebServ/DailyInfo.asmx`` with ``Content-Type: text/xml`` and
``SOAPAction: "http://web.cbr.ru/KeyRateXML"``; the body names the two days as ``xs:dateTime``. The
answer carries a daily series, newest first, one row per working day::

    <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
      <KeyRateXMLResponse xmlns="http://web.cbr.ru/"><KeyRateXMLResult>
        <KeyRate xmlns=""><KR><DT>2023-12-18T00:00:00+03:00</DT><Rate>16.00</Rate></KR>…</KeyRate>
      </KeyRateXMLResult></KeyRateXMLResponse>
    </soap:Body></soap:Envelope>

A failure is a ``soap:Fault`` (``faultstring``) with HTTP 500. Network errors and 5xx answers other
than a fault are retried a bounded number of times.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET  # the answer is checked for a DTD first: no entities to expand
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import escape

import httpx

from app.core.config import KeyRateSettings
from app.core.logging import get_logger
from app.services.kernel.ports import KeyRateError, KeyRateObservation

log = get_logger(__name__)

Sleep = Callable[[float], Awaitable[None]]

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
CBR_NS = "http://web.cbr.ru/"
SOAP_ACTION = f'"{CBR_NS}KeyRateXML"'


def key_rate_request(start: date, end: date) -> bytes:
    """The SOAP 1.1 envelope of ``KeyRateXML(fromDate, ToDate)``."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:soap="{SOAP_NS}">'
        "<soap:Body>"
        f'<KeyRateXML xmlns="{CBR_NS}">'
        f"<fromDate>{escape(start.isoformat())}T00:00:00</fromDate>"
        f"<ToDate>{escape(end.isoformat())}T00:00:00</ToDate>"
        "</KeyRateXML>"
        "</soap:Body>"
        "</soap:Envelope>"
    ).encode()


def _parse_xml(content: bytes) -> ET.Element:
    if b"<!DOCTYPE" in content[:2048].upper():
        raise KeyRateError("the Bank of Russia's answer carries a DTD; refused")
    try:
        return ET.fromstring(content)  # noqa: S314  (no DTD, so no entity expansion)
    except ET.ParseError as exc:
        raise KeyRateError(f"the Bank of Russia's answer is not XML: {exc}") from None


def soap_fault(content: bytes) -> str | None:
    """The ``faultstring`` of a SOAP fault, if the answer is one."""
    try:
        root = _parse_xml(content)
    except KeyRateError:
        return None
    fault = root.find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
    if fault is None:
        return None
    return (fault.findtext("faultstring") or "").strip() or "SOAP fault"


def parse_key_rates(content: bytes) -> list[KeyRateObservation]:
    """The ``KR`` rows of a ``KeyRateXMLResponse``, oldest first."""
    root = _parse_xml(content)
    result = root.find(f"{{{SOAP_NS}}}Body/{{{CBR_NS}}}KeyRateXMLResponse/{{{CBR_NS}}}KeyRateXMLResult")
    if result is None:
        raise KeyRateError("the answer has no KeyRateXMLResponse/KeyRateXMLResult")
    observations: dict[date, KeyRateObservation] = {}
    for row in result.iter("KR"):
        raw_day, raw_rate = (row.findtext("DT") or "").strip(), (row.findtext("Rate") or "").strip()
        try:
            day = datetime.fromisoformat(raw_day).date()
            rate = Decimal(raw_rate)
        except (ValueError, InvalidOperation):
            raise KeyRateError(f"a KR row cannot be read: DT={raw_day!r} Rate={raw_rate!r}") from None
        if not rate.is_finite() or not 0 <= rate < 100 or rate != rate.quantize(Decimal("0.01")):
            raise KeyRateError(f"a KR row has a rate out of range: {raw_rate!r} on {raw_day}")
        observations[day] = KeyRateObservation(day, rate)
    return [observations[day] for day in sorted(observations)]


class CbrKeyRates:
    """The ``KeyRateSource`` port on the Bank of Russia's DailyInfo web service."""

    authoritative = True

    def __init__(
        self,
        settings: KeyRateSettings,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_seconds: float = 2.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.url = settings.url
        self._max_retries = settings.max_retries
        self._backoff = backoff_seconds
        self._sleep = sleep
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            transport=transport, timeout=httpx.Timeout(settings.timeout_seconds)
        )

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def key_rates(self, start: date, end: date) -> list[KeyRateObservation]:
        if end < start:
            raise ValueError("end must be on or after start")
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": SOAP_ACTION,
            "User-Agent": "pomoshnik/1.0",
        }
        body = key_rate_request(start, end)
        attempt = 0
        while True:
            try:
                response = await self._client.post(self.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                reason = f"{type(exc).__name__}: {exc}"
                if attempt < self._max_retries:
                    log.warning("cbr.network_error", reason=reason, attempt=attempt + 1)
                    await self._sleep(self._backoff * (2**attempt))
                    attempt += 1
                    continue
                raise KeyRateError(f"KeyRateXML: network error: {reason}") from None
            if response.status_code == 200:
                return parse_key_rates(response.content)
            fault = soap_fault(response.content)
            if fault is not None:  # the service refused the request itself: asking again will not help
                raise KeyRateError(f"KeyRateXML: {response.status_code} SOAP fault: {fault[:300]}")
            if response.status_code >= 500 and attempt < self._max_retries:
                log.warning("cbr.retry", status=response.status_code, attempt=attempt + 1)
                await self._sleep(self._backoff * (2**attempt))
                attempt += 1
                continue
            raise KeyRateError(f"KeyRateXML: HTTP {response.status_code} {response.reason_phrase}")
