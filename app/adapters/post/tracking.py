"""Russian Post's single-item tracking service: SOAP 1.2, ``getOperationHistory`` (OperationHistory 1.2).

``POST https://tracking.russianpost.ru/rtm34`` with ``Content-Type: application/soap+xml``::

    <soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"
                   xmlns:oper="http://russianpost.org/operationhistory"
                   xmlns:data="http://russianpost.org/operationhistory/data">
      <soap:Body><oper:getOperationHistory>
        <data:OperationHistoryRequest>
          <data:Barcode>10100087654329</data:Barcode><data:MessageType>0</data:MessageType>
          <data:Language>RUS</data:Language>
        </data:OperationHistoryRequest>
        <data:AuthorizationHeader><data:login>…</data:login><data:password>…</data:password>
        </data:AuthorizationHeader>
      </oper:getOperationHistory></soap:Body></soap:Envelope>

The answer's ``OperationHistoryData`` holds one ``historyRecord`` per operation: its
``OperationParameters`` (``OperType/Name`` such as «Приём» or «Вручение», ``OperAttr/Name``,
``OperDate``) and ``AddressParameters/OperationAddress`` (``Index``, ``Description``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # the answer is checked for a DTD first: no entities to expand
from datetime import date, datetime
from xml.sax.saxutils import escape

import httpx

from app.adapters.post.barcodes import parse_barcode
from app.core.config import PostSettings
from app.services.kernel.ports import TrackingError, TrackingOperation

SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
OPER_NS = "http://russianpost.org/operationhistory"
DATA_NS = "http://russianpost.org/operationhistory/data"


def history_request(barcode: str, login: str, password: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP12_NS}" xmlns:oper="{OPER_NS}" xmlns:data="{DATA_NS}">'
        "<soap:Header/><soap:Body><oper:getOperationHistory>"
        "<data:OperationHistoryRequest>"
        f"<data:Barcode>{escape(barcode)}</data:Barcode>"
        "<data:MessageType>0</data:MessageType><data:Language>RUS</data:Language>"
        "</data:OperationHistoryRequest>"
        "<data:AuthorizationHeader>"
        f"<data:login>{escape(login)}</data:login><data:password>{escape(password)}</data:password>"
        "</data:AuthorizationHeader>"
        "</oper:getOperationHistory></soap:Body></soap:Envelope>"
    ).encode()


def _parse_xml(content: bytes) -> ET.Element:
    if b"<!DOCTYPE" in content[:2048].upper():
        raise TrackingError("the post's answer carries a DTD; refused")
    try:
        return ET.fromstring(content)  # noqa: S314  (no DTD, so no entity expansion)
    except ET.ParseError as exc:
        raise TrackingError(f"the post's answer is not XML: {exc}") from None


def _text(element: ET.Element | None, path: str) -> str:
    if element is None:
        return ""
    return (element.findtext(path) or "").strip()


def soap_fault(root: ET.Element) -> str | None:
    fault = root.find(f"{{{SOAP12_NS}}}Body/{{{SOAP12_NS}}}Fault")
    if fault is None:
        return None
    reason = _text(fault, f"{{{SOAP12_NS}}}Reason/{{{SOAP12_NS}}}Text")
    return reason or "SOAP fault"


def parse_history(content: bytes) -> list[TrackingOperation]:
    root = _parse_xml(content)
    fault = soap_fault(root)
    if fault is not None:
        raise TrackingError(f"getOperationHistory: SOAP fault: {fault[:300]}")
    data = root.find(
        f"{{{SOAP12_NS}}}Body/{{{OPER_NS}}}getOperationHistoryResponse/{{{DATA_NS}}}OperationHistoryData"
    )
    if data is None:
        raise TrackingError("the answer has no getOperationHistoryResponse/OperationHistoryData")
    d = f"{{{DATA_NS}}}"
    operations: list[TrackingOperation] = []
    for record in data.findall(f"{d}historyRecord"):
        params = record.find(f"{d}OperationParameters")
        address = record.find(f"{d}AddressParameters/{d}OperationAddress")
        raw_at = _text(params, f"{d}OperDate")
        try:
            at = datetime.fromisoformat(raw_at)
        except ValueError:
            raise TrackingError(f"a historyRecord has no readable OperDate: {raw_at!r}") from None
        if at.tzinfo is None:
            raise TrackingError(f"a historyRecord's OperDate has no offset: {raw_at!r}")
        index, description = _text(address, f"{d}Index"), _text(address, f"{d}Description")
        operations.append(
            TrackingOperation(
                at=at,
                operation=_text(params, f"{d}OperType/{d}Name"),
                attribute=_text(params, f"{d}OperAttr/{d}Name"),
                place=", ".join(part for part in (index, description) if part),
            )
        )
    return sorted(operations, key=lambda o: o.at)


class RussianPostTracker:
    """The ``PostTracker`` port on Russian Post's tracking service; ``ValueError`` for an invalid
    identifier (nothing is asked), ``TrackingError`` when the service does not answer."""

    def __init__(self, settings: PostSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.url = settings.url
        self._login = settings.login
        self._password = settings.password.get_secret_value()
        self._client = httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(settings.timeout_seconds))

    async def aclose(self) -> None:
        await self._client.aclose()

    async def history(self, barcode: str, posted_on: date | None = None) -> list[TrackingOperation]:
        value = parse_barcode(barcode).value
        body = history_request(value, self._login, self._password)
        headers = {"Content-Type": "application/soap+xml; charset=utf-8", "User-Agent": "pomoshnik/1.0"}
        try:
            response = await self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise TrackingError(f"getOperationHistory: network error: {type(exc).__name__}: {exc}") from None
        if response.status_code == 200 or response.headers.get("content-type", "").startswith(
            "application/soap"
        ):
            return parse_history(response.content)
        raise TrackingError(f"getOperationHistory: HTTP {response.status_code} {response.reason_phrase}")
