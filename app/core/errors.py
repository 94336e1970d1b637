"""Domain errors: a stable machine code and a human detail, no HTTP. The API maps them to RFC 9457."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class DomainError(Exception):
    code = "domain_error"
    title = "Request cannot be processed"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"

    def __init__(self, entity: str, ident: object) -> None:
        super().__init__(f"{entity} {ident} does not exist", entity=entity)


class Unauthenticated(DomainError):
    code = "unauthenticated"
    title = "Authentication required"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Not allowed"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict with the current state"


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = "Action not allowed in the current state"

    def __init__(self, entity: str, state: str, action: str, allowed: Sequence[str]) -> None:
        allowed_text = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"{entity} is '{state}': action '{action}' is not allowed (allowed now: {allowed_text})",
            state=state,
            action=action,
            allowed_actions=list(allowed),
        )


class PreconditionFailed(DomainError):
    code = "precondition_failed"
    title = "The resource has changed"


class FieldError(DomainError):
    """A business-rule failure tied to one input field; rendered like a validation error."""

    code = "invalid_field"
    title = "Invalid input"

    def __init__(self, field: str, reason: str, *, code: str | None = None) -> None:
        super().__init__(f"{field}: {reason}", code=code)
        self.field = field
        self.reason = reason


class TooManyRequests(DomainError):
    """Refused before any work is done: the caller may try again after ``retry_after`` seconds."""

    code = "too_many_requests"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after=max(1, retry_after))


class Unavailable(DomainError):
    code = "unavailable"
    title = "A dependency is unavailable"
