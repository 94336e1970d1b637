"""amoCRM's outgoing webhooks: a form with PHP-style bracket keys, turned into lead events.

A delivery looks like ``leads[status][0][id]=…&leads[status][0][status_id]=…&account[id]=…``: every
value a string, several entities per POST, custom fields in the old shape
``…[custom_fields][i][id|name|code]`` and ``…[values][j][value|enum]``. The payload is only a hint
(standard hooks are unsigned): check ``account[id]`` and read the lead again through API v4.

The parser never fails on odd input: unknown keys and malformed keys are skipped. It raises
``ValueError`` only when ``account[id]`` is missing or a lead entry has no numeric id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, cast, get_args

LeadAction = Literal["add", "update", "status", "delete", "restore", "responsible"]
LEAD_ACTIONS: tuple[str, ...] = get_args(LeadAction)

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")
_MAX_DEPTH = 12
_NUMBER = re.compile(r"-?[0-9]{1,18}(?:\.[0-9]{1,6})?")
_ID = re.compile(r"[0-9]{1,18}")

Tree = dict[str, Any]


@dataclass(frozen=True)
class LeadEvent:
    action: LeadAction
    lead_id: int
    status_id: int | None = None
    old_status_id: int | None = None
    pipeline_id: int | None = None
    old_pipeline_id: int | None = None
    name: str | None = None
    price: int | None = None
    responsible_user_id: int | None = None
    updated_at: int | None = None
    custom_fields: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookDelivery:
    account_id: str
    subdomain: str | None
    leads: tuple[LeadEvent, ...]
    data: Tree = field(default_factory=dict)
    """The whole form as nested dicts and lists, for what the events do not carry (contacts, …)."""

    def lead_ids(self) -> list[int]:
        """Distinct lead ids in the order they appear."""
        return list(dict.fromkeys(event.lead_id for event in self.leads))


def _split_key(key: str) -> list[str] | None:
    match = _KEY.match(key.strip())
    if match is None:
        return None
    parts = [match.group(1), *_PART.findall(match.group(2))]
    return parts if len(parts) <= _MAX_DEPTH else None


def _listify(node: Any) -> Any:
    """Dicts whose keys are all indexes ``0, 1, …`` (any order, gaps allowed) become lists."""
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def parse_brackets(pairs: Iterable[tuple[str, str]]) -> Tree:
    """``a[b][0][c]=v`` pairs -> nested dicts and lists; ``[]`` appends; conflicting keys are skipped."""
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        parts = _split_key(raw_key)
        if parts is None:
            continue
        node = root
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if part == "":
                part = str(sum(1 for key in node if key.isdigit()))
            if last:
                if not isinstance(node.get(part), dict):
                    node[part] = value
                break
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break  # a plain value already sits here: skip the conflicting key
            node = child
    listified = _listify(root)
    return listified if isinstance(listified, dict) else {}


def _entries(node: Any) -> list[Any]:
    if isinstance(node, list):
        return node
    if isinstance(node, dict):
        return list(node.values())
    return []


def _int(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return int(Decimal(text))
    except (InvalidOperation, ValueError):
        return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _custom_fields(node: Any) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for item in _entries(node):
        if not isinstance(item, dict):
            continue
        key = next(
            (item[k] for k in ("code", "name", "id") if isinstance(item.get(k), str) and item[k]), None
        )
        if key is None:
            continue
        values: list[str] = []
        for entry in _entries(item.get("values")):
            if isinstance(entry, str):
                values.append(entry)
            elif isinstance(entry, dict):
                value = entry.get("value", entry.get("enum"))
                if isinstance(value, str):
                    values.append(value)
        fields.setdefault(key, []).extend(values)
    return fields


def _lead_id(entry: dict[str, Any], action: str, index: int) -> int:
    raw = entry.get("id")
    if not isinstance(raw, str) or not _ID.fullmatch(raw.strip()):
        raise ValueError(f"amoCRM webhook: leads[{action}][{index}][id] is not a numeric lead id: {raw!r}")
    return int(raw.strip())


def parse_webhook_form(pairs: Iterable[tuple[str, str]]) -> WebhookDelivery:
    """The lead events of one webhook delivery (``urllib.parse.parse_qsl`` of the body)."""
    data = parse_brackets(pairs)
    account = data.get("account")
    account = account if isinstance(account, dict) else {}
    account_id = account.get("id")
    if not isinstance(account_id, str) or not account_id.strip():
        raise ValueError("amoCRM webhook: account[id] is missing")
    subdomain = account.get("subdomain")

    events: list[LeadEvent] = []
    leads = data.get("leads")
    for action, entries in leads.items() if isinstance(leads, dict) else ():
        if action not in LEAD_ACTIONS:
            continue
        for index, entry in enumerate(_entries(entries)):
            if not isinstance(entry, dict):
                continue
            events.append(
                LeadEvent(
                    action=cast(LeadAction, action),
                    lead_id=_lead_id(entry, action, index),
                    status_id=_int(entry.get("status_id")),
                    old_status_id=_int(entry.get("old_status_id")),
                    pipeline_id=_int(entry.get("pipeline_id")),
                    old_pipeline_id=_int(entry.get("old_pipeline_id")),
                    name=_text(entry.get("name")),
                    price=_int(entry.get("price")),
                    responsible_user_id=_int(entry.get("responsible_user_id")),
                    updated_at=_int(entry.get("updated_at") or entry.get("last_modified")),
                    custom_fields=_custom_fields(entry.get("custom_fields")),
                )
            )
    return WebhookDelivery(
        account_id=account_id.strip(),
        subdomain=subdomain.strip() if isinstance(subdomain, str) and subdomain.strip() else None,
        leads=tuple(events),
        data=data,
    )
