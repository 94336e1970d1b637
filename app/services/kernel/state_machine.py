"""The one writer of every aggregate's state.

Each aggregate declares its transition table as data: action -> (the states it is allowed from, the
state it leads to; None for an action that keeps the state). `StateMachine.move` is the only code
that assigns a state: it checks the action against the table (a 409 naming the actions allowed now
otherwise), moves the state, marks the aggregate changed (its ETag moves) and writes the history
entry. A test fails when any other module assigns a `status` or `stage`.

The actions go by two names. The table's keys are the history's action names, which the statistics
and reports count. Outside, an action is named by the last path segment of the endpoint that takes
it (`POST /orders/{id}/send-to-warehouse` -> `send-to-warehouse`), so that a resource's
`allowed_actions` and a 409's `allowed_actions` name what a client can call; `endpoints` maps the
keys that differ, and None marks an action no endpoint of the resource takes (the system takes it,
or another aggregate's service does)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from app.core.errors import InvalidTransition
from app.services.kernel.common import touch

if TYPE_CHECKING:
    from app.services.kernel.history import HistoryService

StateT = TypeVar("StateT", bound=Enum)


class StateMachine(Generic[StateT]):
    """A transition table with the names its actions go by outside.

    ``kind`` is the aggregate's name in the history; a machine without one is for plumbing rows
    (a webhook delivery, an outbound message) whose state changes are their own record.
    ``snapshot``, when given, makes the history entry the whole row before and after instead of
    only its state. ``recorded_as`` names the history entry of an action that is another way to
    the same step (the statistics count the step, whichever way it was taken)."""

    def __init__(
        self,
        entity: str,
        transitions: Mapping[str, tuple[frozenset[StateT], StateT | None]],
        endpoints: Mapping[str, str | None] | None = None,
        *,
        kind: str | None = None,
        field: str = "status",
        snapshot: Callable[[Any], dict[str, Any]] | None = None,
        recorded_as: Mapping[str, str] | None = None,
    ) -> None:
        self.entity = entity
        self.recorded_as = dict(recorded_as or {})
        self.transitions = transitions
        self.endpoints = dict(endpoints or {})
        self.kind = kind
        self.field = field
        self.snapshot = snapshot
        unknown = set(self.endpoints) - set(transitions)
        if unknown:
            raise ValueError(f"endpoints for actions the table lacks: {sorted(unknown)}")

    # --- the names outside --------------------------------------------------------------------------

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

    # --- the table ----------------------------------------------------------------------------------

    def can(self, state: Any, action: str) -> bool:
        return state in self.transitions[action][0]

    def check(self, state: Any, action: str) -> None:
        if not self.can(state, action):
            raise self.refusal(state, action)

    def state(self, row: Any) -> StateT:
        state: StateT = getattr(row, self.field)
        return state

    # --- the one writer -----------------------------------------------------------------------------

    def move(
        self,
        row: Any,
        action: str,
        history: HistoryService | None = None,
        payload: Mapping[str, Any] | None = None,
        *,
        to: StateT | None = None,
        changes: Mapping[str, Any] | None = None,
        moves_version: bool = True,
    ) -> StateT:
        """Take ``action`` on ``row``: refused (409) unless its state allows it; then ``changes`` are
        set, the state becomes the table's target (``to`` where the table leaves it to the caller,
        as for an action that keeps the state or branches), the row is marked changed and the history
        records the step with ``payload``. Returns the state it left. ``moves_version=False`` leaves
        the ETag alone when the state stays and what changed is the worker's record (1C, mail, the
        post). The row must have its id (a new row is flushed first) when the machine records
        history. Without ``history`` the caller records the entry itself: an edit whose entry is the
        diff of the whole edit, the state among it."""
        before_state = self.state(row)
        self.check(before_state, action)
        target = self.transitions[action][1]
        if to is not None:
            if target is not None and to != target:
                raise ValueError(f"{self.entity}: {action} leads to {target}, not {to}")
            target = to
        if target is None:
            target = before_state
        before = self.snapshot(row) if self.snapshot else {self.field: before_state.value}
        for key, value in (changes or {}).items():
            setattr(row, key, value)
        setattr(row, self.field, target)
        if self.kind is not None and history is not None:
            if moves_version or target != before_state:
                touch(row, history.uow)
            extra = dict(payload or {})
            after = self.snapshot(row) | extra if self.snapshot else extra | {self.field: target.value}
            history.record(self.kind, row.id, self.recorded_as.get(action, action), before, after)
        return before_state

    async def take(
        self,
        row: Any,
        action: str,
        history: HistoryService,
        payload: Mapping[str, Any] | None = None,
        *,
        to: StateT | None = None,
        changes: Mapping[str, Any] | None = None,
    ) -> StateT:
        """`move`, then flush: the row's new version (its ETag) is there for the response."""
        before = self.move(row, action, history, payload, to=to, changes=changes)
        await history.uow.session.flush()
        return before
