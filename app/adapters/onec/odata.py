"""A small typed client for 1C's standard OData interface (OData 3.0, ``…/odata/standard.odata/``).

Values enter a ``$filter`` (or a virtual table's ``Condition``) only through :func:`literal`, which
types them as 1C reads them (``guid'…'``, ``datetime'…'``, ``'…'`` with a quote doubled) and refuses
anything else; property names are checked to be names. Every read names its ``$select``; lists are
read page by page with ``$top/$skip`` over a stable ``$orderby`` (1C gives no paging links, and
``$inlinecount`` would make it ignore ``$top/$skip``).

Retries: transport errors and 5xx answers are retried with exponential back-off, other answers never.
Creating an object is not idempotent in 1C, so :meth:`ODataClient.create` retries only a connection
that was never made; after any other failure the caller must look for its object before creating it
again. An answer carrying 1C's ``odata.error`` becomes :class:`ODataError` with 1C's code and
message; 1C not answering becomes :class:`OneCUnavailable`.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self
from urllib.parse import quote, urlencode

import httpx

from app.core.config import OneCODataSettings
from app.services.kernel.ports import ErpRefused, ErpUnavailable

JSON_ACCEPT = "application/json;odata=nometadata"
EMPTY_REF = "00000000-0000-0000-0000-000000000000"


class OneCError(Exception):
    """Anything that went wrong talking to 1C."""


class OneCUnavailable(OneCError, ErpUnavailable):
    """1C did not answer (connection, timeout) or its web server answered 5xx, after the retries."""


class ODataError(OneCError):
    """1C answered with an error: ``status`` is the HTTP status, ``code`` and ``message`` are 1C's
    own (``odata.error``), or ``code`` is None when the answer was not 1C's error document."""

    def __init__(self, status: int, code: str | None, message: str) -> None:
        super().__init__(f"1C answered {status}" + (f" (code {code})" if code else "") + f": {message}")
        self.status = status
        self.code = code
        self.message = message


class ODataRefusal(ODataError, ErpRefused):
    """1C's own error document on a 4xx (not the credentials, not a conflict of versions): it
    refused the request as it stands, and the same request will be refused again."""


class ODataConflict(ODataError):
    """412: the object changed in 1C since the ``DataVersion`` we sent in ``If-Match``."""


# --- literals and filters ---------------------------------------------------------------------


@dataclass(frozen=True)
class Guid:
    """A 1C reference (``Ref_Key``); constructed only from a valid GUID."""

    value: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", str(uuid.UUID(str(self.value))))

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Ref:
    """A value of a composite property (``Owner``, ``ДокументОснование``): a GUID with its type,
    which 1C wants as ``cast(guid'…', 'StandardODATA.Catalog_X')``."""

    guid: Guid
    type: str


_NAME = re.compile(r"^[^\W\d]\w*(?:/[^\W\d]\w*)*$")


def name(field: str) -> str:
    """A property name or path (``Номенклатура/Артикул``), refused if it is anything else."""
    if not _NAME.match(field):
        raise ValueError(f"not a property name: {field!r}")
    return field


def literal(value: object) -> str:
    """The one way a value enters an OData expression, typed as 1C expects it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Ref):
        return f"cast({literal(value.guid)}, {literal('StandardODATA.' + name(value.type))})"
    if isinstance(value, Guid | uuid.UUID):
        return f"guid'{value}'"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("1C has no time zones: pass its local time as a naive datetime")
        return f"datetime'{value.replace(microsecond=0).isoformat()}'"
    if isinstance(value, date):
        return f"datetime'{value.isoformat()}T00:00:00'"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a number 1C can read: {value}")
        return format(value, "f")
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no OData literal for {type(value).__name__}")


@dataclass(frozen=True)
class Filter:
    """An OData boolean expression, built only from the functions below; ``a & b``, ``a | b``."""

    text: str

    def __and__(self, other: Filter) -> Filter:
        return all_of(self, other)

    def __or__(self, other: Filter) -> Filter:
        return any_of(self, other)

    def __str__(self) -> str:
        return self.text


def _compare(op: str, field: str, value: object) -> Filter:
    return Filter(f"{name(field)} {op} {literal(value)}")


def eq(field: str, value: object) -> Filter:
    return _compare("eq", field, value)


def ne(field: str, value: object) -> Filter:
    return _compare("ne", field, value)


def gt(field: str, value: object) -> Filter:
    return _compare("gt", field, value)


def ge(field: str, value: object) -> Filter:
    return _compare("ge", field, value)


def lt(field: str, value: object) -> Filter:
    return _compare("lt", field, value)


def le(field: str, value: object) -> Filter:
    return _compare("le", field, value)


def substringof(text: str, field: str) -> Filter:
    return Filter(f"substringof({literal(text)}, {name(field)})")


def all_of(*filters: Filter) -> Filter:
    if not filters:
        raise ValueError("all_of needs at least one filter")
    return Filter(" and ".join(f"({f.text})" for f in filters))


def any_of(*filters: Filter) -> Filter:
    if not filters:
        raise ValueError("any_of needs at least one filter")
    return Filter(" or ".join(f"({f.text})" for f in filters))


def _key(ref: Guid | str) -> str:
    return f"({literal(ref if isinstance(ref, Guid) else Guid(ref))})"


def _virtual_parameters(period: datetime | date | None, condition: Filter | None) -> str:
    params = []
    if period is not None:
        params.append(f"Period={literal(period)}")
    if condition is not None:
        params.append(f"Condition={literal(condition.text)}")
    return "(" + ",".join(params) + ")"


# --- the client -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # tries in all
    backoff: float = 0.5  # seconds before the second try, doubled for each next one
    max_backoff: float = 8.0

    def delay(self, attempt: int) -> float:
        return float(min(self.backoff * (2**attempt), self.max_backoff))


DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0, pool=5.0)


class ODataClient:
    """``async with ODataClient(url, user, password) as onec: await onec.query(...)``.

    ``base_url`` is the base's ``…/odata/standard.odata/`` root. One instance per process; it keeps a
    connection pool."""

    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._base = base_url if base_url.endswith("/") else base_url + "/"
        self._http = httpx.AsyncClient(
            base_url=self._base,
            auth=httpx.BasicAuth(user, password),
            headers={"Accept": JSON_ACCEPT},
            timeout=timeout,
            transport=transport,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- reading --

    async def metadata(self) -> str:
        response = await self._send("GET", "$metadata", accept="application/xml")
        return response.text

    async def query(
        self,
        entity: str,
        *,
        select: Sequence[str],
        filter: Filter | None = None,
        orderby: Sequence[str] = (),
        top: int | None = None,
        skip: int | None = None,
    ) -> list[dict[str, Any]]:
        params = _query(select, filter, orderby, top, skip)
        response = await self._send("GET", _path(entity), params=params)
        return _rows(response)

    async def all(
        self,
        entity: str,
        *,
        select: Sequence[str],
        orderby: Sequence[str],
        filter: Filter | None = None,
        page_size: int = 500,
    ) -> list[dict[str, Any]]:
        """Every matching row, read in pages over ``orderby`` (which must make the order total:
        end it with ``Ref_Key``)."""
        if not orderby:
            raise ValueError("paging needs a stable $orderby")
        rows: list[dict[str, Any]] = []
        while True:
            page = await self.query(
                entity, select=select, filter=filter, orderby=orderby, top=page_size, skip=len(rows)
            )
            rows.extend(page)
            if len(page) < page_size:
                return rows

    async def count(self, entity: str, *, filter: Filter | None = None) -> int:
        params = {"$filter": filter.text} if filter is not None else {}
        response = await self._send("GET", _path(entity) + "/$count", params=params, accept="text/plain")
        try:
            return int(response.text.strip())
        except ValueError:
            raise ODataError(response.status_code, None, f"not a count: {response.text[:200]!r}") from None

    async def get(self, entity: str, ref: Guid | str, *, select: Sequence[str]) -> dict[str, Any] | None:
        """The object, or None when 1C has no object with that key."""
        try:
            response = await self._send("GET", _path(entity) + _key(ref), params=_query(select))
        except ODataError as error:
            if error.status == 404:
                return None
            raise
        return _object(response)

    async def balance(
        self,
        register: str,
        *,
        select: Sequence[str],
        period: datetime | date | None = None,
        condition: Filter | None = None,
        filter: Filter | None = None,
    ) -> list[dict[str, Any]]:
        """``AccumulationRegister_X/Balance(Period=…,Condition='…')``."""
        path = f"{_path(register)}/Balance{_virtual_parameters(period, condition)}"
        return _rows(await self._send("GET", path, params=_query(select, filter)))

    async def slice_last(
        self,
        register: str,
        *,
        select: Sequence[str],
        period: datetime | date | None = None,
        condition: Filter | None = None,
        filter: Filter | None = None,
    ) -> list[dict[str, Any]]:
        """``InformationRegister_X_RecordType/SliceLast(Period=…,Condition='…')`` (pass the set's
        name as 1C publishes it: with ``_RecordType`` for a register subordinate to a document)."""
        path = f"{_path(register)}/SliceLast{_virtual_parameters(period, condition)}"
        return _rows(await self._send("GET", path, params=_query(select, filter)))

    # -- writing --

    async def create(self, entity: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST a new object with its tabular sections inline; 1C's answer (with ``Ref_Key`` and
        ``Number``). Not retried once the request may have reached 1C: see the module's note."""
        response = await self._send("POST", _path(entity), json=dict(body), idempotent=False)
        return _object(response)

    async def update(
        self, entity: str, ref: Guid | str, body: Mapping[str, Any], *, data_version: str | None = None
    ) -> dict[str, Any]:
        """PATCH; with ``data_version`` 1C refuses (:class:`ODataConflict`) if the object changed."""
        headers = {"If-Match": data_version} if data_version is not None else {}
        response = await self._send("PATCH", _path(entity) + _key(ref), json=dict(body), headers=headers)
        return _object(response) if response.content else {}

    async def post_document(self, entity: str, ref: Guid | str) -> None:
        """Post in the regular (non-operational) mode, which the documents we write require."""
        await self._send(
            "POST", _path(entity) + _key(ref) + "/Post", params={"PostingModeOperational": "false"}
        )

    async def unpost_document(self, entity: str, ref: Guid | str) -> None:
        await self._send("POST", _path(entity) + _key(ref) + "/Unpost")

    # -- the wire --

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        accept: str = JSON_ACCEPT,
        idempotent: bool = True,
    ) -> httpx.Response:
        all_headers = {"Accept": accept, **(headers or {})}
        # The whole URL, its query encoded here: httpx parses an absolute URL once, where a path
        # joined to the base URL, or params merged into it, has every character of the URL checked
        # and quoted again (for a $filter of tens of keys, more CPU than the rest of the request).
        url = self._base + path
        if params:
            url += "?" + urlencode(params, quote_via=quote, safe=QUERY_SAFE)
        attempt = 0
        while True:
            try:
                response = await self._http.request(method, url, json=json, headers=all_headers)
            except httpx.TransportError as error:
                never_sent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
                if (idempotent or never_sent) and attempt + 1 < self.retry.attempts:
                    await asyncio.sleep(self.retry.delay(attempt))
                    attempt += 1
                    continue
                raise OneCUnavailable(f"1C did not answer {method} {path}: {error!r}") from error
            if response.status_code >= 500 and idempotent and attempt + 1 < self.retry.attempts:
                await asyncio.sleep(self.retry.delay(attempt))
                attempt += 1
                continue
            if response.status_code >= 400:
                raise _error(response)
            return response


# Left as they are in a query's values: OData's own punctuation (guid'…', in(…), $select's commas),
# none of which ends a parameter.
QUERY_SAFE = "$'(),:/*!@;"


def _path(entity: str) -> str:
    return quote(name(entity), safe="")


def _query(
    select: Sequence[str],
    filter: Filter | None = None,
    orderby: Sequence[str] = (),
    top: int | None = None,
    skip: int | None = None,
) -> dict[str, str]:
    if not select:
        raise ValueError("name the properties to read ($select)")
    params = {"$select": ",".join(name(field) for field in select)}
    if filter is not None:
        params["$filter"] = filter.text
    if orderby:
        params["$orderby"] = ",".join(_order(item) for item in orderby)
    if top is not None:
        params["$top"] = str(int(top))
    if skip:
        params["$skip"] = str(int(skip))
    return params


def _order(item: str) -> str:
    field, _, direction = item.partition(" ")
    if direction not in ("", "asc", "desc"):
        raise ValueError(f"bad $orderby item {item!r}")
    return f"{name(field)} {direction}".strip()


def _rows(response: httpx.Response) -> list[dict[str, Any]]:
    body = _json(response)
    rows = body.get("value") if isinstance(body, dict) else None
    if not isinstance(rows, list):
        raise ODataError(response.status_code, None, "not an OData collection")
    return rows


def _object(response: httpx.Response) -> dict[str, Any]:
    body = _json(response)
    if not isinstance(body, dict):
        raise ODataError(response.status_code, None, "not an OData object")
    return body


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ODataError(response.status_code, None, f"not JSON: {response.text[:200]!r}") from None


def _error(response: httpx.Response) -> ODataError:
    code: str | None = None
    message = response.text[:500] or response.reason_phrase
    try:
        error = response.json().get("odata.error")
        code = str(error["code"])
        message = str(error["message"]["value"])
    except (ValueError, AttributeError, KeyError, TypeError):
        pass
    if response.status_code >= 500 and code is None:
        return OneCUnavailableAnswer(response.status_code, None, message)
    if response.status_code == 412:
        return ODataConflict(response.status_code, code, message)
    if code is not None and 400 <= response.status_code < 500 and response.status_code not in (401, 403):
        return ODataRefusal(response.status_code, code, message)
    return ODataError(response.status_code, code, message)


class OneCUnavailableAnswer(ODataError, OneCUnavailable):
    """A 5xx from the web server in front of 1C, not from 1C itself: 1C is unavailable."""


def client_from_settings(settings: OneCODataSettings) -> ODataClient:
    """The client for the configured base (``APP_ONEC__ODATA__*``)."""
    return ODataClient(
        settings.url,
        settings.user,
        settings.password.get_secret_value(),
        timeout=httpx.Timeout(settings.timeout_seconds, connect=min(5.0, settings.timeout_seconds)),
        retry=RetryPolicy(attempts=settings.max_retries + 1),
    )
