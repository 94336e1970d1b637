"""amoCRM API v4 client: read a lead with its contacts.

``GET /api/v4/leads/{id}?with=contacts`` (hal+json) gives the lead and references to its contacts in
``_embedded.contacts[{id, is_main}]`` and to its company in ``_embedded.companies[{id}]``; each contact is
read with ``GET /api/v4/contacts/{id}``, the company with ``GET /api/v4/companies/{id}``. Auth is
a long-lived token of a private integration (``Authorization: Bearer …``). amoCRM allows 7 requests a
second per integration and answers 429 beyond that: the client keeps under the limit itself and, on a
429 anyway, waits (``Retry-After``) and tries again a bounded number of times.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from app.core.config import AmoCrmSettings
from app.core.logging import get_logger
from app.services.kernel.ports import CrmCompany, CrmContact, CrmError, CrmLead

log = get_logger(__name__)

Sleep = Callable[[float], Awaitable[None]]

REQUESTS_PER_SECOND = 7


class RateLimiter:
    """At most ``rate`` acquisitions in any window of ``period`` seconds (a sliding window).

    ``margin`` widens the window, so that the server, which sees requests later and with jitter,
    still counts no more than ``rate`` in its own window. A quarter of a second: requests that left
    evenly spaced can arrive bunched by that much on a busy network or host (50 ms was seen to let
    eight arrive within a second).
    """

    def __init__(
        self,
        rate: int,
        period: float = 1.0,
        *,
        margin: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate < 1 or period <= 0:
            raise ValueError("rate must be >= 1 and period > 0")
        self.rate = rate
        self.period = period + margin
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.period:
                    self._sent.popleft()
                if len(self._sent) < self.rate:
                    self._sent.append(now)
                    return
                await self._sleep(self.period - (now - self._sent[0]))


def default_base_url(settings: AmoCrmSettings) -> str:
    return (settings.base_url or f"https://{settings.subdomain}.amocrm.ru").rstrip("/")


def _values(field: dict[str, Any]) -> list[Any]:
    raw = field.get("values")
    if not isinstance(raw, list):
        return []
    return [item.get("value") for item in raw if isinstance(item, dict) and item.get("value") is not None]


def parse_custom_fields(raw: Any) -> dict[str, list[Any]]:
    """``custom_fields_values`` -> {field_code, else field_name, else field_id: [values]}."""
    fields: dict[str, list[Any]] = {}
    if not isinstance(raw, list):
        return fields
    for field in raw:
        if not isinstance(field, dict):
            continue
        key = field.get("field_code") or field.get("field_name") or field.get("field_id")
        if key is None:
            continue
        fields.setdefault(str(key), []).extend(_values(field))
    return fields


def parse_contact(body: dict[str, Any]) -> CrmContact:
    phones: list[str] = []
    emails: list[str] = []
    raw = body.get("custom_fields_values")
    for field in raw if isinstance(raw, list) else []:
        if not isinstance(field, dict):
            continue
        target = {"PHONE": phones, "EMAIL": emails}.get(str(field.get("field_code") or ""))
        if target is None:
            continue
        for value in _values(field):
            text = str(value).strip()
            if text and text not in target:
                target.append(text)
    return CrmContact(
        id=int(body["id"]),
        name=str(body.get("name") or "").strip(),
        phones=tuple(phones),
        emails=tuple(emails),
    )


def parse_company(body: dict[str, Any]) -> CrmCompany:
    return CrmCompany(
        id=int(body["id"]),
        name=str(body.get("name") or "").strip(),
        custom_fields=dict(parse_custom_fields(body.get("custom_fields_values"))),
    )


def parse_lead(
    body: dict[str, Any], contacts: tuple[CrmContact, ...] = (), company: CrmCompany | None = None
) -> CrmLead:
    responsible = body.get("responsible_user_id")
    return CrmLead(
        id=int(body["id"]),
        name=str(body.get("name") or ""),
        status_id=int(body.get("status_id") or 0),
        pipeline_id=int(body.get("pipeline_id") or 0),
        price=int(body.get("price") or 0),
        responsible_user_id=int(responsible) if responsible else None,
        custom_fields=dict(parse_custom_fields(body.get("custom_fields_values"))),
        contacts=contacts,
        company=company,
    )


def company_ref(body: dict[str, Any]) -> int | None:
    """The id of the lead's company (a lead has at most one)."""
    embedded = body.get("_embedded")
    refs = embedded.get("companies") if isinstance(embedded, dict) else None
    if not isinstance(refs, list):
        return None
    for ref in refs:
        if isinstance(ref, dict) and ref.get("id") is not None:
            return int(ref["id"])
    return None


def contact_refs(body: dict[str, Any]) -> list[int]:
    """Ids of the lead's contacts, the main contact first."""
    embedded = body.get("_embedded")
    refs = embedded.get("contacts") if isinstance(embedded, dict) else None
    if not isinstance(refs, list):
        return []
    ordered = sorted(
        (ref for ref in refs if isinstance(ref, dict) and ref.get("id") is not None),
        key=lambda ref: not ref.get("is_main"),
    )
    ids: list[int] = []
    for ref in ordered:
        contact_id = int(ref["id"])
        if contact_id not in ids:
            ids.append(contact_id)
    return ids


class AmoCrmClient:
    """The ``Crm`` port on amoCRM API v4."""

    def __init__(
        self,
        settings: AmoCrmSettings,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_retries: int = 3,
        backoff_seconds: float = 1.0,
        max_wait_seconds: float = 30.0,
        timeout_seconds: float = 20.0,
        limiter: RateLimiter | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if settings.token is None or not settings.token.get_secret_value().strip():
            raise CrmError("amoCRM token is not configured (set APP_AMOCRM__TOKEN)")
        self._token = settings.token.get_secret_value().strip()
        self.base_url = default_base_url(settings)
        self._max_retries = max_retries
        self._backoff = backoff_seconds
        self._max_wait = max_wait_seconds
        self._sleep = sleep
        self._limiter = limiter or RateLimiter(REQUESTS_PER_SECOND, sleep=sleep)
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            transport=transport, timeout=httpx.Timeout(timeout_seconds)
        )

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> AmoCrmClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def get_lead(self, lead_id: int) -> CrmLead | None:
        body = await self._get(f"/api/v4/leads/{int(lead_id)}", {"with": "contacts"})
        if body is None:
            return None
        contacts: list[CrmContact] = []
        for contact_id in contact_refs(body):
            contact = await self.get_contact(contact_id)
            if contact is not None:
                contacts.append(contact)
        company_id = company_ref(body)
        company = await self.get_company(company_id) if company_id is not None else None
        try:
            return parse_lead(body, tuple(contacts), company)
        except (KeyError, TypeError, ValueError) as exc:
            raise CrmError(f"amoCRM lead {lead_id}: unexpected body: {exc}", status=200) from exc

    async def get_contact(self, contact_id: int) -> CrmContact | None:
        body = await self._get(f"/api/v4/contacts/{int(contact_id)}", None)
        if body is None:
            return None
        try:
            return parse_contact(body)
        except (KeyError, TypeError, ValueError) as exc:
            raise CrmError(f"amoCRM contact {contact_id}: unexpected body: {exc}", status=200) from exc

    async def get_company(self, company_id: int) -> CrmCompany | None:
        body = await self._get(f"/api/v4/companies/{int(company_id)}", None)
        if body is None:
            return None
        try:
            return parse_company(body)
        except (KeyError, TypeError, ValueError) as exc:
            raise CrmError(f"amoCRM company {company_id}: unexpected body: {exc}", status=200) from exc

    def _delay(self, attempt: int) -> float:
        return float(min(self._max_wait, self._backoff * (2**attempt)))

    async def _get(self, path: str, params: dict[str, str] | None) -> dict[str, Any] | None:
        """The JSON object at ``path``; None for 204/404; ``CrmError`` for anything else."""
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Accept": "application/hal+json, application/json",
            "User-Agent": "pomoshnik/1.0",
        }
        attempt = 0
        while True:
            await self._limiter.acquire()
            try:
                response = await self._client.get(self.base_url + path, params=params, headers=headers)
            except httpx.HTTPError as exc:
                if attempt < self._max_retries:
                    log.warning("amocrm.network_error", path=path, reason=f"{type(exc).__name__}: {exc}")
                    await self._sleep(self._delay(attempt))
                    attempt += 1
                    continue
                raise CrmError(f"amoCRM GET {path}: network error: {type(exc).__name__}: {exc}") from None

            status = response.status_code
            if status in (204, 404):
                return None
            if status == 200:
                try:
                    body = response.json()
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    raise CrmError(f"amoCRM GET {path}: the reply is not JSON", status=status) from exc
                if not isinstance(body, dict):
                    raise CrmError(f"amoCRM GET {path}: the reply is not an object", status=status)
                return body
            if status == 429 or status >= 500:
                wait = _retry_after(response) if status == 429 else None
                wait = self._delay(attempt) if wait is None else wait
                if attempt < self._max_retries and wait <= self._max_wait:
                    log.warning("amocrm.retry", path=path, status=status, wait=wait)
                    await self._sleep(wait)
                    attempt += 1
                    continue
            raise CrmError(f"amoCRM GET {path}: {status} {_problem(response)}", status=status)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        value = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def _problem(response: httpx.Response) -> str:
    """The ``title``/``detail`` of a problem+json answer, or the reason phrase."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.reason_phrase
    if isinstance(body, dict):
        parts = [str(body[key]) for key in ("title", "detail") if body.get(key)]
        if parts:
            return ": ".join(parts)
    return response.reason_phrase
