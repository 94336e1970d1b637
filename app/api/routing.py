"""How the API's routers are made, so that a route declares only what is its own.

A route's operationId is its handler's name: the console's generated client and integrators call
operations by it, so it must never change by accident (a route whose id differs from its handler's
name says so with ``operation_id=``).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute


def operation_id(route: APIRoute) -> str:
    """The operationId of a route that names none: its handler's name."""
    return route.name


def api_router(prefix: str = "", *, tags: list[str]) -> APIRouter:
    """A router of the API: operation ids from the handlers' names."""
    return APIRouter(prefix=prefix, tags=list(tags), generate_unique_id_function=operation_id)
