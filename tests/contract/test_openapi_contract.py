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
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

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


STATEFUL_EXAMPLES = int(os.environ.get("FUZZ_STATEFUL_EXAMPLES", "20"))


def test_api_conforms_to_its_schema_through_linked_calls(api_schema: Any, live: Live) -> None:
    """Stateful: schemathesis infers the links between operations (a created resource's id feeds the
    operations on it) and runs chains of calls on the real server, with the same checks."""
    api_schema.config.update(base_url=live.url, headers=live.headers)
    base = api_schema.as_state_machine()
    calls: list[tuple[str, int]] = []

    class Machine(base):  # type: ignore[misc, valid-type]
        def after_call(self, response: Any, case: Any) -> None:
            calls.append((case.operation.label, response.status_code))

        def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
            # ignored_auth is left to the test above: here the configured token replaces the bearer
            # value the machine generates, which that check reads as a server ignoring bad tokens.
            case.validate_response(response, excluded_checks=[positive_data_acceptance, ignored_auth])

    Machine.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=8,
            # The server keeps its state between scenarios, so a replayed scenario cannot draw the
            # same: generate only (a failure is reported as found, not shrunk).
            phases=[Phase.generate],
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
    # The chains reach past creation: an operation on a created resource answered without a 404.
    created = {label for label, status in calls if label.startswith("POST") and status == 201}
    followed = {label for label, status in calls if "{" in label and status < 400}
    assert created, calls
    assert followed, calls
