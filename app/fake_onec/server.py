"""The fake 1C's HTTP side: an ASGI app answering ``…/odata/standard.odata/…`` as 1C does, and a
fault switch the tests turn (latency, 5xx, 504 after the work is committed, a dropped connection)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.fake_onec.expr import ExpressionError, parse_filter, parse_key, parse_orderby, parse_parameters
from app.fake_onec.schema import (
    BOOL,
    DATETIME,
    DECIMAL,
    ENTITIES,
    GUID,
    INT,
    TABLE_ROW_BASE,
    Entity,
    render_metadata,
    table_sets,
)
from app.fake_onec.store import EMPTY_REF, Store, new_data_version

ROOT = "/odata/standard.odata/"

# 1C's odata.error codes. 13 (a tabular section's rows cannot be created alone) and -1 (internal,
# which is also how a failed posting comes back) are 1C's; the others follow 1C's numbering as far as
# it is known and are one place to correct against a real base.
CODE_INTERNAL = "-1"
CODE_BAD_URL = "6"
CODE_NOT_FOUND = "9"
CODE_BAD_QUERY = "11"
CODE_ROWS_ALONE = "13"
CODE_BAD_BODY = "15"


class ODataError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(status: int, code: str, message: str) -> JSONResponse:
    body = {"odata.error": {"code": code, "message": {"lang": "ru", "value": message}}}
    return JSONResponse(body, status_code=status)


# --- faults -----------------------------------------------------------------------------------


@dataclass
class Fault:
    """``kind``: ``"status"`` (answer ``status`` before doing anything), ``"after-commit"`` (do the
    work, then answer ``status``, 504 by default: a gateway that gave up waiting), ``"drop"`` (do
    nothing and close the connection in the middle of the answer), ``"refuse"`` (answer 1C's own
    ``odata.error`` with ``status``, ``code`` and ``message`` before doing anything: 1C refusing the
    request as it stands). ``method``/``path`` (a substring of the decoded path) choose the requests
    it applies to."""

    kind: str
    status: int = 504
    method: str | None = None
    path: str | None = None
    code: str = CODE_INTERNAL
    message: str = ""

    def matches(self, scope: Scope) -> bool:
        return (self.method is None or scope["method"] == self.method) and (
            self.path is None or self.path in scope["path"]
        )


@dataclass
class Faults:
    """Settable by tests while the server runs; each queued fault is used once."""

    latency: float = 0.0
    queue: deque[Fault] = field(default_factory=deque)

    def add(
        self,
        kind: str,
        *,
        status: int = 504,
        method: str | None = None,
        path: str | None = None,
        code: str = CODE_INTERNAL,
        message: str = "",
    ) -> None:
        self.queue.append(Fault(kind, status, method, path, code, message))

    def take(self, scope: Scope) -> Fault | None:
        for fault in list(self.queue):
            if fault.matches(scope):
                self.queue.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self.latency = 0.0
        self.queue.clear()


class FaultInjector:
    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.faults.latency:
            await asyncio.sleep(self.faults.latency)
        fault = self.faults.take(scope)
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind == "status":
            # The web server in front of 1C answers: its own page, not 1C's odata.error.
            page = Response(f"<html><body>{fault.status} Service Unavailable</body></html>", fault.status)
            await page(scope, receive, send)
        elif fault.kind == "refuse":
            await error_response(fault.status, fault.code, fault.message)(scope, receive, send)
        elif fault.kind == "after-commit":

            async def swallow(message: Message) -> None:
                return None

            await self.app(scope, receive, swallow)
            page = Response(
                "<html><body>504 Gateway Time-out</body></html>", fault.status, media_type="text/html"
            )
            await page(scope, receive, send)
        elif fault.kind == "drop":
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]}
            )
            await send({"type": "http.response.body", "body": b"{", "more_body": True})
            raise ConnectionAbortedError("the fake 1C dropped the connection on purpose")
        else:
            raise ValueError(f"unknown fault {fault.kind}")


# --- values -----------------------------------------------------------------------------------


def _coerce(name: str, kind: str, value: Any) -> Any:
    """A property's value from a request body, checked against its type as 1C does."""
    try:
        if kind == GUID:
            return str(uuid.UUID(str(value)))
        if kind == BOOL:
            if not isinstance(value, bool):
                raise ValueError
            return value
        if kind == DATETIME:
            return datetime.fromisoformat(str(value)).replace(tzinfo=None).isoformat(timespec="seconds")
        if kind in (DECIMAL, INT):
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError
            number = float(value)
            return int(number) if kind == INT or number.is_integer() else number
        if not isinstance(value, str):
            raise ValueError
        return value
    except (ValueError, TypeError):
        raise ODataError(400, CODE_BAD_BODY, f"Неверное значение свойства {name}: {value!r}") from None


def _values(entity: Entity, body: Any, *, creating: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ODataError(400, CODE_BAD_BODY, "Тело запроса должно быть объектом JSON")
    values: dict[str, Any] = {}
    for name, value in body.items():
        if name.startswith("odata."):
            continue
        if name in entity.tables:
            if not isinstance(value, list):
                raise ODataError(400, CODE_BAD_BODY, f"Табличная часть {name} должна быть массивом")
            values[name] = [_row(entity, name, i, row) for i, row in enumerate(value)]
        elif name in entity.fields:
            if name in ("Ref_Key", "DataVersion") and not creating:
                continue
            values[name] = _coerce(name, entity.fields[name], value)
        else:
            raise ODataError(400, CODE_BAD_BODY, f"Неизвестное свойство {name} у {entity.name}")
    return values


def _row(entity: Entity, table: str, index: int, row: Any) -> dict[str, Any]:
    fields = {**TABLE_ROW_BASE, **entity.tables[table]}
    if not isinstance(row, dict) or "LineNumber" not in row:
        raise ODataError(400, CODE_BAD_BODY, f"У строки {index + 1} табличной части {table} нет LineNumber")
    full = dict(fields.items())
    out = {name: _default(kind) for name, kind in full.items() if name != "Ref_Key"}
    for name, value in row.items():
        if name not in full:
            raise ODataError(400, CODE_BAD_BODY, f"Неизвестное свойство {name} в табличной части {table}")
        if name != "Ref_Key":
            out[name] = _coerce(name, full[name], value)
    return out


def _default(kind: str) -> Any:
    from app.fake_onec.store import default_value

    return default_value(kind)


# --- queries ----------------------------------------------------------------------------------


def _query(rows: list[dict[str, Any]], fields: dict[str, str], request: Request) -> list[dict[str, Any]]:
    params = request.query_params
    try:
        if "$filter" in params:
            predicate = parse_filter(params["$filter"], fields)
            rows = [row for row in rows if predicate(row)]
        if "$orderby" in params:
            for name, descending in reversed(parse_orderby(params["$orderby"], fields)):
                rows.sort(key=_sorting(name), reverse=descending)
        skip = int(params.get("$skip", "0"))
        top = int(params["$top"]) if "$top" in params else None
    except ExpressionError as error:
        raise ODataError(400, CODE_BAD_QUERY, f"Ошибка разбора запроса: {error}") from None
    except ValueError:
        raise ODataError(400, CODE_BAD_QUERY, "$top и $skip должны быть целыми числами") from None
    if params.get("$inlinecount") == "allpages":
        skip, top = 0, None  # as 1C: $inlinecount makes it ignore $top/$skip
    rows = rows[skip:] if top is None else rows[skip : skip + top]
    return [_select(row, fields, params.get("$select")) for row in rows]


def _sorting(name: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    return lambda row: _sort_key(row.get(name))


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool | int | float):
        return (1, float(value))
    return (2, str(value))


def _select(row: dict[str, Any], fields: dict[str, str], select: str | None) -> dict[str, Any]:
    if not select:
        return dict(row)
    names = [name.strip() for name in select.split(",") if name.strip()]
    for name in names:
        if name not in fields and name not in row:
            raise ODataError(400, CODE_BAD_QUERY, f"Ошибка разбора запроса: нет свойства {name}")
    return {name: row.get(name) for name in names}


# --- the app ----------------------------------------------------------------------------------

_OBJECT = re.compile(r"^(?P<set>[^/(]+)\((?P<key>[^)]*)\)(?:/(?P<action>Post|Unpost))?$")
_VIRTUAL = re.compile(
    r"^(?P<set>[^/(]+)/(?P<table>Balance|SliceLast|SliceFirst|Turnovers)(?:\((?P<params>.*)\))?$"
)


@dataclass
class FakeOneC:
    """The fake 1C: its store, its users, its fault switch and the sets it publishes."""

    store: Store
    users: dict[str, str] = field(default_factory=lambda: {"odata": "odata"})
    faults: Faults = field(default_factory=Faults)
    published: dict[str, Entity] = field(default_factory=lambda: dict(ENTITIES))
    # The latest requests (method, path, query), for tests to look at.
    requests: deque[tuple[str, str, str]] = field(default_factory=lambda: deque(maxlen=1000))

    # -- dispatch --

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        if ROOT not in path:
            return error_response(404, CODE_BAD_URL, "Неверный адрес запроса")
        if not self._authorised(request):
            return Response("Unauthorized", 401, headers={"WWW-Authenticate": 'Basic realm="1C:Enterprise"'})
        rest = path.split(ROOT, 1)[1]
        self.requests.append((request.method, rest, request.url.query))
        try:
            if rest == "$metadata":
                if request.method != "GET":
                    raise ODataError(405, CODE_BAD_URL, "Метод не поддерживается")
                return Response(render_metadata(self.published), media_type="application/xml")
            if not rest.endswith("/$count"):  # a count is plain text whatever is asked
                self._check_format(request)
            body = await request.body()
            payload = json.loads(body) if body else None
            return self._json(self.route(request, rest, payload))
        except ODataError as error:
            return error_response(error.status, error.code, error.message)
        except json.JSONDecodeError:
            return error_response(400, CODE_BAD_BODY, "Тело запроса не является JSON")

    def _authorised(self, request: Request) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return user in self.users and self.users[user] == password

    @staticmethod
    def _check_format(request: Request) -> None:
        if request.query_params.get("$format", "").startswith("json"):
            return
        if "application/json" in request.headers.get("accept", ""):
            return
        raise ODataError(406, CODE_BAD_QUERY, "Этот 1C отвечает только JSON: $format=json или Accept")

    @staticmethod
    def _json(result: tuple[int, Any]) -> Response:
        status, body = result
        if body is None:
            return Response(status_code=status)
        if isinstance(body, int):
            return Response(str(body), status, media_type="text/plain")
        return Response(
            json.dumps(body, ensure_ascii=False),
            status,
            media_type="application/json;odata=nometadata",
            headers={"DataServiceVersion": "3.0"},
        )

    def _entity(self, name: str) -> Entity:
        entity = self.published.get(name)
        if entity is None or not entity.is_object:
            raise ODataError(404, CODE_NOT_FOUND, f"Не найден набор сущностей {name}")
        return entity

    def _register(self, name: str) -> Entity:
        entity = self.published.get(name.removesuffix("_RecordType"))
        if entity is None or entity.is_object:
            raise ODataError(404, CODE_NOT_FOUND, f"Не найден регистр {name}")
        return entity

    def route(self, request: Request, rest: str, payload: Any) -> tuple[int, Any]:
        method = request.method
        store = self.store
        if (match := _VIRTUAL.match(rest)) is not None:
            if method != "GET":
                raise ODataError(405, CODE_BAD_URL, "Метод не поддерживается")
            return 200, {"value": self.virtual(match["set"], match["table"], match["params"] or "", request)}
        if (match := _OBJECT.match(rest)) is not None:
            entity = self._entity(match["set"])
            try:
                ref = parse_key(match["key"])
            except ExpressionError as error:
                raise ODataError(400, CODE_BAD_URL, f"Неверный ключ: {error}") from None
            with store.transaction():
                current = store.get(entity.name, ref)
                if current is None:
                    raise ODataError(404, CODE_NOT_FOUND, f"Объект {entity.name}({ref}) не найден")
                if match["action"] and method == "POST":
                    return self.post_or_unpost(entity, current, match["action"], request)
                if method == "GET":
                    return 200, _select(current, self._fields(entity), request.query_params.get("$select"))
                if method == "PATCH":
                    return self.patch(entity, current, payload, request)
            raise ODataError(405, CODE_BAD_URL, "Метод не поддерживается")
        name, _, tail = rest.partition("/")
        if tail == "$count":
            if name in table_sets():
                rows = self.table_rows(name)
                fields = {**TABLE_ROW_BASE, **table_sets()[name][0].tables[table_sets()[name][1]]}
            elif name.endswith("_RecordType"):
                rows, fields = store.records(self._register(name).name), self._register(name).fields
            else:
                rows, fields = store.all(self._entity(name).name), self._entity(name).fields
            return 200, len(_query(rows, fields, _without_paging(request)))
        if tail:
            raise ODataError(400, CODE_BAD_URL, f"Неверный адрес запроса: {rest}")
        if name in table_sets():
            if method == "POST":
                raise ODataError(
                    400, CODE_ROWS_ALONE, "Строки табличной части нельзя создать отдельно от объекта"
                )
            owner, table = table_sets()[name]
            return 200, {
                "value": _query(self.table_rows(name), {**TABLE_ROW_BASE, **owner.tables[table]}, request)
            }
        if name.endswith("_RecordType"):
            register = self._register(name)
            if method != "GET":
                raise ODataError(405, CODE_BAD_URL, "Записи регистра пишет документ при проведении")
            return 200, {"value": _query(store.records(register.name), register.fields, request)}
        entity = self._entity(name)
        if method == "GET":
            return 200, {"value": _query(store.all(entity.name), self._fields(entity), request)}
        if method == "POST":
            values = _values(entity, payload, creating=True)
            with store.transaction():
                if "Ref_Key" in values and store.get(entity.name, values["Ref_Key"]) is not None:
                    raise ODataError(400, CODE_BAD_BODY, "Объект с таким Ref_Key уже существует")
                created = store.create(entity, values)
            return 201, created
        raise ODataError(405, CODE_BAD_URL, "Метод не поддерживается")

    @staticmethod
    def _fields(entity: Entity) -> dict[str, str]:
        return {**entity.fields, **dict.fromkeys(entity.tables, "Collection")}

    def table_rows(self, name: str) -> list[dict[str, Any]]:
        owner, table = table_sets()[name]
        return [
            {"Ref_Key": obj["Ref_Key"], **row}
            for obj in self.store.all(owner.name)
            for row in obj.get(table, [])
        ]

    # -- PATCH, posting --

    def patch(
        self, entity: Entity, current: dict[str, Any], payload: Any, request: Request
    ) -> tuple[int, Any]:
        expected = request.headers.get("if-match")
        if expected is not None and expected.strip('"') not in ("*", current["DataVersion"]):
            raise ODataError(
                412, CODE_INTERNAL, "Объект изменен другим пользователем (версия данных не совпадает)"
            )
        values = _values(entity, payload, creating=False)
        updated = {**current, **values, "DataVersion": new_data_version()}
        for table in entity.tables:
            for row in updated[table]:
                row["Ref_Key"] = updated["Ref_Key"]
        self.store.put(entity.name, updated)
        if entity.kind == "document" and updated.get("Posted"):
            self.write_movements(entity, updated)
        return 200, updated

    def post_or_unpost(
        self, entity: Entity, current: dict[str, Any], action: str, request: Request
    ) -> tuple[int, Any]:
        if entity.kind != "document":
            raise ODataError(400, CODE_BAD_URL, "Проводить можно только документы")
        if action == "Unpost":
            self.store.delete_records(current["Ref_Key"])
            self.store.put(entity.name, {**current, "Posted": False, "DataVersion": new_data_version()})
            return 200, None
        if request.query_params.get("PostingModeOperational", "false").lower() == "true":
            raise ODataError(
                500, CODE_INTERNAL, f"Оперативное проведение документов вида {entity.name} запрещено"
            )
        posted = {**current, "Posted": True, "DataVersion": new_data_version()}
        self.write_movements(entity, posted)
        self.store.put(entity.name, posted)
        return 200, None

    def write_movements(self, entity: Entity, document: dict[str, Any]) -> None:
        """What posting writes to ТоварыНаСкладах: an order reserves its СоСклада/Отгрузить lines
        (КОтгрузке up, refused beyond the free stock), a sale takes the goods out (ВНаличии down,
        and its order's reserve with it), a receipt from a supplier brings them in (ВНаличии up)."""
        register = "AccumulationRegister_ТоварыНаСкладах"
        ref = document["Ref_Key"]
        self.store.delete_records(ref)
        records: list[dict[str, Any]] = []
        if entity.name == "Document_ЗаказКлиента":
            free = self._free_stock()
            for row in document["Товары"]:
                if row.get("Отменено") or row.get("ВариантОбеспечения") not in ("СоСклада", "Отгрузить"):
                    continue
                warehouse = row["Склад_Key"] if row["Склад_Key"] != EMPTY_REF else document["Склад_Key"]
                key = (row["Номенклатура_Key"], row["Характеристика_Key"], warehouse)
                if free[key] < row["Количество"]:
                    raise ODataError(
                        500,
                        CODE_INTERNAL,
                        f"Не удалось провести «Заказ клиента {document['Number']}»: недостаточно "
                        f"свободного остатка в строке {row['LineNumber']} (доступно {free[key]:g}, "
                        f"требуется {row['Количество']:g})",
                    )
                free[key] -= row["Количество"]
                records.append(
                    self._movement(document, row, warehouse, "Receipt", КОтгрузке=row["Количество"])
                )
        elif entity.name == "Document_РеализацияТоваровУслуг":
            reserved = self._reserved_by(document.get("ЗаказКлиента") or EMPTY_REF)
            for row in document["Товары"]:
                warehouse = row["Склад_Key"] if row["Склад_Key"] != EMPTY_REF else document["Склад_Key"]
                key = (row["Номенклатура_Key"], row["Характеристика_Key"], warehouse)
                released = min(reserved[key], row["Количество"])
                reserved[key] -= released
                records.append(
                    self._movement(
                        document, row, warehouse, "Expense", ВНаличии=row["Количество"], КОтгрузке=released
                    )
                )
        elif entity.name == "Document_ПриобретениеТоваровУслуг":
            for row in document["Товары"]:
                warehouse = row["Склад_Key"] if row["Склад_Key"] != EMPTY_REF else document["Склад_Key"]
                records.append(
                    self._movement(document, row, warehouse, "Receipt", ВНаличии=row["Количество"])
                )
        self.store.write_records(register, ref, records)

    @staticmethod
    def _movement(
        document: dict[str, Any], row: dict[str, Any], warehouse: str, kind: str, **amounts: Any
    ) -> dict[str, Any]:
        return {
            "Period": document["Date"],
            "RecordType": kind,
            "Номенклатура_Key": row["Номенклатура_Key"],
            "Характеристика_Key": row["Характеристика_Key"],
            "Склад_Key": warehouse,
            "ВНаличии": 0,
            "КОтгрузке": 0,
            **amounts,
        }

    def _free_stock(self) -> defaultdict[tuple[str, str, str], float]:
        free: defaultdict[tuple[str, str, str], float] = defaultdict(float)
        for record in self.store.records("AccumulationRegister_ТоварыНаСкладах"):
            sign = 1 if record["RecordType"] == "Receipt" else -1
            key = (record["Номенклатура_Key"], record["Характеристика_Key"], record["Склад_Key"])
            free[key] += sign * (record["ВНаличии"] - record["КОтгрузке"])
        return free

    def _reserved_by(self, order: str) -> defaultdict[tuple[str, str, str], float]:
        reserved: defaultdict[tuple[str, str, str], float] = defaultdict(float)
        for record in self.store.records("AccumulationRegister_ТоварыНаСкладах"):
            if record["Recorder"] == order:
                key = (record["Номенклатура_Key"], record["Характеристика_Key"], record["Склад_Key"])
                reserved[key] += (
                    record["КОтгрузке"] if record["RecordType"] == "Receipt" else -record["КОтгрузке"]
                )
        return reserved

    # -- virtual tables --

    def virtual(self, name: str, table: str, params_text: str, request: Request) -> list[dict[str, Any]]:
        register = self._register(name)
        try:
            params = parse_parameters(params_text) if params_text.strip() else {}
            dims = {d: register.fields[d] for d in register.dimensions}
            condition = parse_filter(params["Condition"], dims) if params.get("Condition") else None
        except ExpressionError as error:
            raise ODataError(
                400, CODE_BAD_QUERY, f"Ошибка в параметрах виртуальной таблицы: {error}"
            ) from None
        period = params.get("Period")
        records = [
            r
            for r in self.store.records(register.name)
            if (period is None or r["Period"] <= period) and (condition is None or condition(r))
        ]
        if table == "Balance" and register.kind == "accumulation":
            totals: dict[tuple[Any, ...], dict[str, Any]] = {}
            for record in records:
                key = tuple(record[d] for d in register.dimensions)
                row = totals.setdefault(
                    key,
                    {
                        **{d: record[d] for d in register.dimensions},
                        **{f"{r}Balance": 0 for r in register.resources},
                    },
                )
                sign = 1 if record["RecordType"] == "Receipt" else -1
                for resource in register.resources:
                    row[f"{resource}Balance"] += sign * record[resource]
            rows = [row for row in totals.values() if any(row[f"{r}Balance"] for r in register.resources)]
            fields = {**dims, **{f"{r}Balance": DECIMAL for r in register.resources}}
        elif table == "SliceLast" and register.kind == "information":
            latest: dict[tuple[Any, ...], dict[str, Any]] = {}
            for record in sorted(records, key=lambda r: r["Period"]):
                latest[tuple(record[d] for d in register.dimensions)] = record
            rows = [
                {
                    "Period": r["Period"],
                    **{d: r[d] for d in register.dimensions},
                    **{x: r[x] for x in register.resources},
                }
                for r in latest.values()
            ]
            fields = {"Period": DATETIME, **dims, **{x: register.fields[x] for x in register.resources}}
        else:
            raise ODataError(400, CODE_BAD_URL, f"Виртуальная таблица {table} не поддерживается у {name}")
        return _query(rows, fields, request)


def _without_paging(request: Request) -> Request:
    scope = dict(request.scope)
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("$top", "$skip")]
    from urllib.parse import urlencode

    scope["query_string"] = urlencode(kept).encode("ascii")
    return Request(scope)


def create_app(fake: FakeOneC) -> ASGIApp:
    async def endpoint(request: Request) -> Response:
        return await fake.handle(request)

    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST", "PATCH", "DELETE"])])
    return FakeInjectorApp(app, fake)


class FakeInjectorApp(FaultInjector):
    def __init__(self, app: ASGIApp, fake: FakeOneC) -> None:
        super().__init__(app, fake.faults)
        self.fake = fake


def open_fake(data: Path, *, users: dict[str, str] | None = None) -> FakeOneC:
    """The fake over the SQLite file ``data`` (created and seeded on first use)."""
    return FakeOneC(Store(data), users=users or {"odata": "odata"})
