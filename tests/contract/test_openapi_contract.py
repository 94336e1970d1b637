"""schemathesis over the whole OpenAPI, authenticated as an admin, against a real uvicorn server.

No 5xx, every response inside its documented schema, status code and content type, on both
backends. `make fuzz` runs the same with many more examples (FUZZ_EXAMPLES).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.core.config import Settings
from app.main import Overrides, create_app
from app.models.directory import Role
from tests.conftest import RecordingQueue
from tests.support.servers import LoopbackServer

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))


@dataclass
class Live:
    url: str
    headers: dict[str, str]


@pytest.fixture
async def admin_headers(make_user: Any) -> dict[str, str]:
    admin = await make_user(Role.ADMIN, Role.HEAD)
    return dict(admin.headers)


@pytest.fixture
def live(settings: Settings, admin_headers: dict[str, str]) -> Iterator[Live]:
    app = create_app(settings, Overrides(queue=RecordingQueue()))
    with LoopbackServer(app, lifespan="on") as server:
        yield Live(server.url, admin_headers)


@pytest.fixture
def api_schema(live: Live) -> Any:
    return schemathesis.openapi.from_url(f"{live.url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: Any, live: Live) -> None:
    # Valid-looking input may still be refused for business reasons (an id that does not exist, a
    # duplicate): those are documented problems, so "schema-valid data must be accepted" does not hold.
    case.call_and_validate(
        base_url=live.url, headers=live.headers, excluded_checks=[positive_data_acceptance]
    )
