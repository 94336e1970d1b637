"""A fake of the Bank of Russia's DailyInfo web service speaking its SOAP 1.1 protocol for KeyRateXML."""

from __future__ import annotations

import bisect
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
CBR_NS = "http://web.cbr.ru/"
PATH = "/DailyInfoWebServ/DailyInfo.asmx"


@dataclass
class CbrCall:
    soap_action: str | None
    content_type: str | None
    start: date
    end: date


@dataclass
class FakeCbr:
    """``POST /DailyInfoWebServ/DailyInfo.asmx`` with ``SOAPAction: "http://web.cbr.ru/KeyRateXML"``.

    ``changes`` are the decisions (day, rate); the answer gives the rate in force on every weekday of
    the asked span, newest first, as the service does. ``failures`` are HTTP statuses answered first
    (500 comes as a SOAP fault, others as a bare error page).
    """

    changes: list[tuple[date, Decimal]] = field(default_factory=list)
    calls: list[CbrCall] = field(default_factory=list)
    failures: deque[int] = field(default_factory=deque)

    def reset(self, changes: list[tuple[date, Decimal]]) -> None:
        self.changes = sorted(changes)
        self.calls.clear()
        self.failures.clear()

    def app(self) -> Starlette:
        return Starlette(routes=[Route(PATH, self._handle, methods=["POST"])])

    async def _handle(self, request: Request) -> Response:
        action = request.headers.get("soapaction")
        if action != f'"{CBR_NS}KeyRateXML"':
            return self._fault(
                "soap:Client", f"Server did not recognize the value of HTTP Header SOAPAction: {action}."
            )
        try:
            envelope = ET.fromstring(await request.body())
            call = envelope.find(f"{{{SOAP_NS}}}Body/{{{CBR_NS}}}KeyRateXML")
            assert call is not None
            start = datetime.fromisoformat(call.findtext(f"{{{CBR_NS}}}fromDate") or "").date()
            end = datetime.fromisoformat(call.findtext(f"{{{CBR_NS}}}ToDate") or "").date()
        except (ET.ParseError, AssertionError, ValueError):
            return self._fault("soap:Client", "Server was unable to read request.")
        self.calls.append(CbrCall(action, request.headers.get("content-type"), start, end))
        if self.failures:
            status = self.failures.popleft()
            if status == 500:
                return self._fault("soap:Server", "Server was unable to process request. ---> Ошибка")
            return Response("<html><body>Service Unavailable</body></html>", status, media_type="text/html")
        rows = []
        days = [d for d, _ in self.changes]
        day = end
        while day >= start:
            index = bisect.bisect_right(days, day) - 1
            if day.weekday() < 5 and index >= 0:
                rows.append(
                    f"<KR><DT>{day.isoformat()}T00:00:00+03:00</DT><Rate>{self.changes[index][1]:.2f}</Rate></KR>"
                )
            day -= timedelta(days=1)
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>'
            f'<KeyRateXMLResponse xmlns="{CBR_NS}"><KeyRateXMLResult>'
            f'<KeyRate xmlns="">{"".join(rows)}</KeyRate>'
            "</KeyRateXMLResult></KeyRateXMLResponse></soap:Body></soap:Envelope>"
        )
        return Response(body, 200, media_type="text/xml; charset=utf-8")

    @staticmethod
    def _fault(code: str, text: str) -> Response:
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body><soap:Fault>'
            f"<faultcode>{code}</faultcode><faultstring>{text}</faultstring><detail />"
            "</soap:Fault></soap:Body></soap:Envelope>"
        )
        return Response(body, 500, media_type="text/xml; charset=utf-8")
