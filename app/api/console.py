"""The operator console: the built single-page application (web/dist) served at `/`.

The console calls only the public API. Every path the API answers starts with one of
`API_PREFIXES`; any other GET is the console's: a file of the build when there is one, else
index.html for the console's own routes (its router reads the path). Hashed assets are cached for
good; index.html is revalidated every time, so a new build reaches the next page load."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

# The API's own paths, never shadowed by the console (tests/api/test_console.py checks that every
# route of the app starts with one of them).
API_PREFIXES = ("/api/", "/webhooks/", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz", "/metrics")

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

NOT_BUILT = (
    "Pomoshnik API\n\n"
    "The operator console is not built here: `make run` builds it (or `cd web && npm ci && npm run build`).\n"
    "The API: /docs, /openapi.json, /api/v1.\n"
)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES) or path in ("/api", "/webhooks")


class ConsoleMiddleware:
    """Answers the console's GETs from `dist`; everything else goes on to the API's routes."""

    def __init__(self, app: ASGIApp, dist: Path) -> None:
        self.app = app
        self.dist = dist.resolve()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or is_api_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        response = self._answer(scope["path"])
        if response is None:
            await self.app(scope, receive, send)  # the API's own 404 problem
            return
        await response(scope, receive, send)

    def _answer(self, path: str) -> Response | None:
        index = self.dist / "index.html"
        if not index.is_file():
            return (
                PlainTextResponse(NOT_BUILT, headers={"Cache-Control": REVALIDATE}) if path == "/" else None
            )
        relative = path.lstrip("/")
        if relative:
            candidate = (self.dist / relative).resolve()
            hidden = (
                any(part.startswith(".") for part in candidate.relative_to(self.dist).parts)
                if candidate.is_relative_to(self.dist)
                else True
            )
            if not hidden and candidate.is_file() and candidate != index:
                hashed = candidate.parent == self.dist / "assets"
                return FileResponse(candidate, headers={"Cache-Control": IMMUTABLE if hashed else REVALIDATE})
            last = relative.rsplit("/", 1)[-1]
            if relative.startswith("assets/") or "." in last:
                return None  # a missing file is a 404, not the page
        return FileResponse(index, media_type="text/html", headers={"Cache-Control": REVALIDATE})
