"""The built operator console at `/`: its files, its routes, the cache headers, and the API's own
paths left as they were."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from starlette.routing import Route

from app.api.console import API_PREFIXES, is_api_path
from app.core.config import ApiSettings, DbSettings, RedisSettings, Settings
from app.main import create_app
from tests.support.helpers import problem

INDEX = (
    '<!doctype html><html lang="ru"><div id="root"></div>'
    '<script type="module" src="/assets/index-Ab12Cd.js"></script>'
)


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX, encoding="utf-8")
    (folder / "assets" / "index-Ab12Cd.js").write_text("console.log('console')", encoding="utf-8")
    (folder / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    (folder / ".built").write_text("", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("not for the web", encoding="utf-8")
    return folder


def _settings(tmp_path: Path, console_dir: Path) -> Settings:
    # No request here reaches the database: the file is never opened.
    return Settings(
        env="test",
        db=DbSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'unused.sqlite3'}"),
        redis=RedisSettings(url="redis://127.0.0.1:1/0"),
        api=ApiSettings(console_dir=console_dir),
    )


@pytest.fixture
def make_client(tmp_path: Path) -> Callable[[Path], Any]:
    def factory(console_dir: Path) -> Any:
        return _client(create_app(_settings(tmp_path, console_dir)))

    return factory


class _client:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __aenter__(self) -> httpx.AsyncClient:
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://testserver"
        )
        return self.http

    async def __aexit__(self, *_: object) -> None:
        await self.http.aclose()
        await self.app.state.engine.dispose()


@pytest.fixture
async def console(make_client: Callable[[Path], Any], dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(dist) as http:
        yield http


async def test_the_console_is_served_at_the_root_with_its_routes(console: httpx.AsyncClient) -> None:
    for path in ("/", "/login?next=%2Forders%2F5", "/orders/5", "/clients/3/history"):
        response = await console.get(path)
        assert response.status_code == 200, path
        assert response.text == INDEX
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache"


async def test_hashed_assets_are_immutable_other_files_revalidated(console: httpx.AsyncClient) -> None:
    asset = await console.get("/assets/index-Ab12Cd.js")
    assert asset.status_code == 200
    assert asset.text == "console.log('console')"
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in asset.headers["content-type"]
    head = await console.head("/assets/index-Ab12Cd.js")
    assert head.status_code == 200
    assert head.content == b""
    robots = await console.get("/robots.txt")
    assert robots.status_code == 200
    assert robots.headers["cache-control"] == "no-cache"


async def test_a_missing_file_is_a_404_not_the_page(console: httpx.AsyncClient) -> None:
    problem(await console.get("/assets/index-Gone00.js"), 404)
    problem(await console.get("/favicon.ico"), 404)
    problem(await console.get("/.built"), 404)
    # Out of the build's folder: never served, whatever the spelling.
    for path in ("/%2e%2e/secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt"):
        response = await console.get(path)
        assert "not for the web" not in response.text, path


async def test_the_api_paths_are_not_shadowed(console: httpx.AsyncClient) -> None:
    problem(await console.get("/api/v1/no-such-thing"), 404)
    problem(await console.get("/api/v1/clients"), 401)
    problem(await console.get("/webhooks/amocrm/wrong-secret"), 405)
    assert (await console.get("/healthz")).json() == {"status": "ok"}
    spec = await console.get("/openapi.json")
    assert spec.headers["content-type"].startswith("application/json")
    assert spec.json()["openapi"].startswith("3.1")
    docs = await console.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    metrics = await console.get("/metrics")
    assert metrics.status_code == 200
    assert INDEX not in metrics.text
    # Only GET and HEAD are the console's: a write to one of its paths is the API's 404 or 405.
    posted = await console.post("/orders/5", json={})
    assert posted.status_code in (404, 405)
    assert INDEX not in posted.text
    # The console's paths stay out of the API's description.
    assert not [p for p in spec.json()["paths"] if not is_api_path(p)]


async def test_without_a_build_the_api_starts_with_a_note_at_the_root(
    make_client: Callable[[Path], Any], tmp_path: Path
) -> None:
    async with make_client(tmp_path / "never-built") as http:
        root = await http.get("/")
        assert root.status_code == 200
        assert root.headers["content-type"].startswith("text/plain")
        assert "make run" in root.text
        problem(await http.get("/orders/5"), 404)
        assert (await http.get("/healthz")).json() == {"status": "ok"}


def test_every_route_of_the_api_is_under_a_prefix_the_console_leaves_alone(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path, tmp_path / "dist"))
    paths = [r.path for r in app.routes if isinstance(r, APIRoute | Route)]
    paths += list(app.openapi()["paths"])
    assert paths
    outside = sorted({p for p in paths if not p.startswith(API_PREFIXES)})
    assert outside == [], f"add these to API_PREFIXES in app/api/console.py: {outside}"
