"""A fake of Russian Post's single-item tracking service speaking its SOAP 1.2 protocol
(``getOperationHistory`` of OperationHistory 1.2): the request is read as the service reads it, the
answer is shaped as the service shapes it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from xml.sax.saxutils import escape

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
OPER_NS = "http://russianpost.org/operationhistory"
DATA_NS = "http://russianpost.org/operationhistory/data"
PATH = "/rtm34"
OPER_TYPES = {"Приём": 1, "Вручение": 2, "Возврат": 3, "Досылка почты": 4, "Обработка": 8}


@dataclass
class Operation:
    at: datetime
    operation: str
    attribute: str
    index: str
    description: str


@dataclass
class FakeRussianPost:
    """``POST /rtm34``: the histories by identifier; an unknown identifier has an empty history;
    a wrong login or password is a SOAP fault, as the service answers."""

    login: str = "pomoshnik"
    password: str = "secret"
    histories: dict[str, list[Operation]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(routes=[Route(PATH, self._handle, methods=["POST"])])

    async def _handle(self, request: Request) -> Response:
        if not request.headers.get("content-type", "").startswith("application/soap+xml"):
            return Response("Unsupported Media Type", status_code=415)
        envelope = ET.fromstring(await request.body())
        d = f"{{{DATA_NS}}}"
        call = envelope.find(f"{{{SOAP12_NS}}}Body/{{{OPER_NS}}}getOperationHistory")
        if call is None:
            return self._fault("soap:Sender", "Cannot find dispatch method")
        barcode = (call.findtext(f"{d}OperationHistoryRequest/{d}Barcode") or "").strip()
        login = call.findtext(f"{d}AuthorizationHeader/{d}login") or ""
        password = call.findtext(f"{d}AuthorizationHeader/{d}password") or ""
        if (login, password) != (self.login, self.password):
            return self._fault("S:Sender", "Ошибка авторизации")
        self.asked.append(barcode)
        records = "".join(self._record(barcode, o) for o in self.histories.get(barcode, []))
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<S:Envelope xmlns:S="{SOAP12_NS}"><S:Body>'
            f'<ns7:getOperationHistoryResponse xmlns:ns3="{DATA_NS}" xmlns:ns7="{OPER_NS}">'
            f"<ns3:OperationHistoryData>{records}</ns3:OperationHistoryData>"
            "</ns7:getOperationHistoryResponse></S:Body></S:Envelope>"
        )
        return Response(body, media_type="application/soap+xml; charset=utf-8")

    @staticmethod
    def _record(barcode: str, op: Operation) -> str:
        return (
            "<ns3:historyRecord>"
            "<ns3:AddressParameters><ns3:OperationAddress>"
            f"<ns3:Index>{op.index}</ns3:Index><ns3:Description>{escape(op.description)}</ns3:Description>"
            "</ns3:OperationAddress><ns3:MailDirect><ns3:Id>643</ns3:Id><ns3:Code2A>RU</ns3:Code2A>"
            "</ns3:MailDirect></ns3:AddressParameters>"
            f"<ns3:ItemParameters><ns3:Barcode>{barcode}</ns3:Barcode>"
            "<ns3:ComplexItemName>Заказное письмо</ns3:ComplexItemName></ns3:ItemParameters>"
            "<ns3:OperationParameters>"
            f"<ns3:OperType><ns3:Id>{OPER_TYPES.get(op.operation, 8)}</ns3:Id>"
            f"<ns3:Name>{escape(op.operation)}</ns3:Name></ns3:OperType>"
            f"<ns3:OperAttr><ns3:Id>1</ns3:Id><ns3:Name>{escape(op.attribute)}</ns3:Name></ns3:OperAttr>"
            f"<ns3:OperDate>{op.at.isoformat(timespec='milliseconds')}</ns3:OperDate>"
            "</ns3:OperationParameters>"
            "</ns3:historyRecord>"
        )

    @staticmethod
    def _fault(code: str, reason: str) -> Response:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<S:Envelope xmlns:S="{SOAP12_NS}"><S:Body><S:Fault>'
            f"<S:Code><S:Value>{code}</S:Value></S:Code>"
            f'<S:Reason><S:Text xml:lang="ru">{escape(reason)}</S:Text></S:Reason>'
            "</S:Fault></S:Body></S:Envelope>"
        )
        return Response(body, status_code=500, media_type="application/soap+xml; charset=utf-8")
