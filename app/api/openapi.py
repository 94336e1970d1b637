"""The OpenAPI document as integrators read it: every failure is a problem+json, every creating POST
takes an Idempotency-Key. The problems a route's dependencies can answer with (401, 403, 404, 412,
413, 422) are declared by the route itself (app.api.routing)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.schemas.common import PROBLEM_MEDIA

_PROBLEM = {PROBLEM_MEDIA: {"schema": {"$ref": "#/components/schemas/Problem"}}}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Repeat a create safely: the same key and body return the first response "
    "(422 if the body differs, 409 while the first is still running). Kept 48 hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def _ensure(responses: dict[str, Any], status: int, description: str) -> None:
    responses.setdefault(str(status), {"description": description})


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                responses: dict[str, Any] = operation.setdefault("responses", {})
                if method == "post" and "201" in responses:
                    operation.setdefault("parameters", []).append(_IDEMPOTENCY_KEY)
                    _ensure(responses, 409, "Conflict (an Idempotency-Key still being processed)")
                    _ensure(responses, 422, "Invalid input")
                for code, response in responses.items():
                    if code.isdigit() and int(code) >= 400:
                        response["content"] = _PROBLEM
                        if code == "422":
                            response["description"] = "Invalid input: `errors` names each field and reason"
                operation["responses"] = dict(sorted(responses.items()))
        components = schema.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
