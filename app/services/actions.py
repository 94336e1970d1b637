"""The names a state machine's actions go by outside: the last path segment of the endpoint that
takes each (`POST /orders/{id}/send-to-warehouse` → `send-to-warehouse`), so that a resource's
`allowed_actions` and a 409's `allowed_actions` name what a client can call.

The transition tables keep their own keys: they are also the history's action names, which the
statistics and reports count."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from app.core.errors import InvalidTransition


class Actions:
    """A transition table (action -> (states it is allowed from, state it leads to)) with, for each
    action whose endpoint segment differs from its key, that segment; None for an action no endpoint
    of the resource takes (the system takes it, or another resource's endpoint does)."""

    def __init__(
        self,
        entity: str,
        transitions: Mapping[str, tuple[frozenset[Any], Any]],
        endpoints: Mapping[str, str | None] | None = None,
    ) -> None:
        self.entity = entity
        self.transitions = transitions
        self.endpoints = dict(endpoints or {})
        unknown = set(self.endpoints) - set(transitions)
        if unknown:
            raise ValueError(f"endpoints for actions the table lacks: {sorted(unknown)}")

    def name(self, action: str) -> str:
        """The action's endpoint segment (its key when it has no endpoint of its own)."""
        return self.endpoints.get(action, action) or action

    def allowed(self, state: Hashable) -> list[str]:
        """The endpoint segments of the actions the table allows from ``state``."""
        names = []
        for action, (sources, _) in self.transitions.items():
            segment = self.endpoints.get(action, action)
            if segment is not None and state in sources:
                names.append(segment)
        return names

    def refusal(self, state: Any, action: str) -> InvalidTransition:
        """The 409 for ``action`` tried in ``state``, naming actions as `allowed_actions` does."""
        return InvalidTransition(self.entity, state, self.name(action), self.allowed(state))

    def check(self, state: Any, action: str) -> None:
        if state not in self.transitions[action][0]:
            raise self.refusal(state, action)
