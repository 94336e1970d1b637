"""Local peers for the adapter tests: an ASGI app served by uvicorn on a free loopback port in a
background thread, and fakes of the Telegram Bot API and of amoCRM API v4 speaking their protocols."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.servers import LoopbackServer, free_port

__all__ = ["LoopbackServer", "free_port"]


def parse_multipart(body: bytes, content_type: str) -> dict[str, tuple[str | None, bytes]]:
    """multipart/form-data -> {field name: (file name or None, exact bytes)}."""
    boundary = None
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "boundary":
            boundary = value.strip('"')
    if not boundary:
        raise ValueError("no boundary")
    fields: dict[str, tuple[str | None, bytes]] = {}
    segments = (b"\r\n" + body).split(b"\r\n--" + boundary.encode("ascii"))
    for segment in segments[1:]:
        if segment.startswith(b"--"):
            break
        head, _, content = segment.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        name = filename = None
        for line in head.decode("utf-8").split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                for param in line.split(";")[1:]:
                    key, _, value = param.strip().partition("=")
                    if key == "name":
                        name = value.strip('"')
                    elif key == "filename":
                        filename = value.strip('"')
        if name is not None:
            fields[name] = (filename, content)
    return fields


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --- Telegram Bot API -------------------------------------------------------------------------


@dataclass
class BotRequest:
    method: str
    chat_id: str
    text: str | None = None
    caption: str | None = None
    filename: str | None = None
    document: bytes | None = None
    at: float = 0.0


@dataclass
class FakeBotApi:
    """Answers ``/bot<token>/sendMessage`` and ``/bot<token>/sendDocument`` like Telegram does.

    ``failures`` is a queue of (status, body) answers given before the normal handling;
    ``missing_chats`` answer 400 "chat not found"; ``migrations`` map an old group id to its supergroup.
    """

    token: str
    requests: list[BotRequest] = field(default_factory=list)
    failures: deque[tuple[int, dict[str, Any]]] = field(default_factory=deque)
    missing_chats: set[str] = field(default_factory=set)
    migrations: dict[str, int] = field(default_factory=dict)
    next_message_id: int = 100
    holding: bool = False  # while set, requests wait unanswered (a slow chat); see ``held``
    held: int = 0

    def reset(self) -> None:
        self.requests.clear()
        self.failures.clear()
        self.missing_chats.clear()
        self.migrations.clear()

    def fail_once(self, status: int, description: str, **parameters: Any) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.failures.append((status, body))

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/bot{token}/{method}", self._handle, methods=["POST"])])

    async def _handle(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method = request.path_params["method"]
        content_type = request.headers.get("content-type", "")
        body = await request.body()
        if self.holding:
            self.held += 1
            while self.holding:  # noqa: ASYNC110 (set from the test thread, not this loop)
                await asyncio.sleep(0.02)
            if await request.is_disconnected():  # the sender died before the chat took the message
                return Response(status_code=499)
        record = BotRequest(method=method, chat_id="", at=time.monotonic())
        if content_type.startswith("application/json"):
            payload = json.loads(body)
            record.chat_id = str(payload.get("chat_id", ""))
            record.text = payload.get("text")
        elif content_type.startswith("multipart/form-data"):
            fields = parse_multipart(body, content_type)
            record.chat_id = fields.get("chat_id", (None, b""))[1].decode()
            if "caption" in fields:
                record.caption = fields["caption"][1].decode()
            if "document" in fields:
                record.filename, record.document = fields["document"]
        else:
            return self._error(400, "Bad Request: unsupported content type")
        self.requests.append(record)

        if self.failures:
            status, answer = self.failures.popleft()
            return JSONResponse(answer, status)
        if not record.chat_id:
            return self._error(400, "Bad Request: chat_id is empty")
        if record.chat_id in self.migrations:
            return self._error(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self.migrations[record.chat_id],
            )
        if record.chat_id in self.missing_chats:
            return self._error(400, "Bad Request: chat not found")

        self.next_message_id += 1
        result: dict[str, Any] = {
            "message_id": self.next_message_id,
            "from": {"id": 7000000001, "is_bot": True, "first_name": "Помощник", "username": "pomoshnik_bot"},
            "chat": {
                "id": int(record.chat_id) if record.chat_id.lstrip("-").isdigit() else 1,
                "type": "group",
            },
            "date": int(time.time()),
        }
        if method == "sendMessage":
            if not record.text or not record.text.strip():
                return self._error(400, "Bad Request: message text is empty")
            if utf16_length(record.text) > 4096:
                return self._error(400, "Bad Request: message is too long")
            result["text"] = record.text
        elif method == "sendDocument":
            if record.document is None:
                return self._error(400, "Bad Request: there is no document in the request")
            if record.caption is not None and utf16_length(record.caption) > 1024:
                return self._error(400, "Bad Request: message caption is too long")
            result["document"] = {
                "file_name": record.filename,
                "mime_type": "application/octet-stream",
                "file_id": f"BQACAgIAAxkBAAI{self.next_message_id}",
                "file_unique_id": f"AgAD{self.next_message_id}",
                "file_size": len(record.document),
            }
            if record.caption is not None:
                result["caption"] = record.caption
        else:
            return self._error(404, "Not Found")
        return JSONResponse({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str, **parameters: Any) -> JSONResponse:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return JSONResponse(body, status)


# --- amoCRM API v4 ----------------------------------------------------------------------------


@dataclass
class CrmRequest:
    path: str
    query: str
    authorization: str | None
    at: float


@dataclass
class FakeAmoCrm:
    """``GET /api/v4/leads/{id}``, ``/contacts/{id}`` and ``/companies/{id}`` in amoCRM's hal+json shapes.

    Unknown ids answer 204 (as amoCRM does for an empty result); ids in ``gone`` answer 404
    problem+json; ``throttle`` is a count of 429 answers (``Retry-After: 1``) to give first.
    """

    token: str
    subdomain: str = "testcompany"
    leads: dict[int, dict[str, Any]] = field(default_factory=dict)
    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    companies: dict[int, dict[str, Any]] = field(default_factory=dict)
    gone: set[int] = field(default_factory=set)
    throttle: int = 0
    requests: list[CrmRequest] = field(default_factory=list)

    def reset(self) -> None:
        self.leads.clear()
        self.contacts.clear()
        self.companies.clear()
        self.gone.clear()
        self.throttle = 0
        self.requests.clear()

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/v4/leads/{id:int}", self._lead, methods=["GET"]),
                Route("/api/v4/contacts/{id:int}", self._contact, methods=["GET"]),
                Route("/api/v4/companies/{id:int}", self._company, methods=["GET"]),
            ]
        )

    def _link(self, path: str) -> dict[str, Any]:
        return {"self": {"href": f"https://{self.subdomain}.amocrm.ru{path}"}}

    def _check(self, request: Request) -> Response | None:
        authorization = request.headers.get("authorization")
        self.requests.append(
            CrmRequest(
                path=request.url.path,
                query=request.url.query,
                authorization=authorization,
                at=time.monotonic(),
            )
        )
        if authorization != f"Bearer {self.token}":
            return self._problem(401, "Unauthorized", "Authorization header is invalid")
        if self.throttle > 0:
            self.throttle -= 1
            return self._problem(429, "Too Many Requests", "Rate limit exceeded", {"Retry-After": "1"})
        return None

    async def _lead(self, request: Request) -> Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        lead_id: int = request.path_params["id"]
        if lead_id in self.gone:
            return self._problem(404, "Not Found", "Lead not found")
        lead = self.leads.get(lead_id)
        if lead is None:
            return Response(status_code=204)
        body = dict(lead)
        # amoCRM embeds the lead's company always, its contacts only when asked (with=contacts).
        embedded: dict[str, Any] = {
            "tags": [],
            "companies": [
                {"id": ref, "_links": self._link(f"/api/v4/companies/{ref}")}
                for ref in ([lead["company_ref"]] if lead.get("company_ref") else [])
            ],
        }
        if "contacts" in request.query_params.get("with", "").split(","):
            embedded["contacts"] = [
                {
                    "id": ref["id"],
                    "is_main": ref["is_main"],
                    "_links": self._link(f"/api/v4/contacts/{ref['id']}"),
                }
                for ref in lead.get("contact_refs", [])
            ]
        body.pop("contact_refs", None)
        body.pop("company_ref", None)
        body["_links"] = self._link(f"/api/v4/leads/{lead_id}")
        body["_embedded"] = embedded
        return JSONResponse(body, media_type="application/hal+json")

    async def _contact(self, request: Request) -> Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        contact_id: int = request.path_params["id"]
        contact = self.contacts.get(contact_id)
        if contact is None:
            return Response(status_code=204)
        body = dict(contact, _links=self._link(f"/api/v4/contacts/{contact_id}"))
        return JSONResponse(body, media_type="application/hal+json")

    async def _company(self, request: Request) -> Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        company_id: int = request.path_params["id"]
        company = self.companies.get(company_id)
        if company is None:
            return Response(status_code=204)
        body = dict(company, _links=self._link(f"/api/v4/companies/{company_id}"))
        return JSONResponse(body, media_type="application/hal+json")

    @staticmethod
    def _problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> Response:
        return JSONResponse(
            {
                "title": title,
                "type": "https://httpstatus.es/" + str(status),
                "status": status,
                "detail": detail,
            },
            status,
            headers=headers,
            media_type="application/problem+json",
        )
