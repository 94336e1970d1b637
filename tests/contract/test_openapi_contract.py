"""schemathesis over the whole OpenAPI, authenticated as an admin, against a real uvicorn server.

No 5xx, every response inside its documented schema, status code and content type, on both
backends. `make fuzz` runs the same with many more examples (FUZZ_EXAMPLES).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.core.config import Settings
from app.main import Overrides, create_app
from app.models.directory import Role
from tests.conftest import RecordingQueue
from tests.contract import demo_data
from tests.support.servers import LoopbackServer

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))


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
    # Built here, once (the app keeps it): the loaders then read it at once, on a busy machine too.
    app.openapi()
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


# 15 chains: with the incoming e-mails, the credit files and the below-cost routes (217 operations),
# 10 chains from --seed=1 covered 13 links where they had covered 27; 15 cover the floor again.
STATEFUL_EXAMPLES = int(os.environ.get("FUZZ_STATEFUL_EXAMPLES", "15"))
# Chains of up to 30 calls (schemathesis's default is 6): with 1400-odd inferred links and 200
# operations to start from, a chain of 6 ends before it reaches a link whatever the data.
STATEFUL_STEPS = 30
# Measured with --seed=1 over the demo data: 27 links covered (SQLite). The same run on an empty
# database covers 7, and chains of 6 cover 1: a floor between catches either.
LINKS_FLOOR = 15


@pytest.fixture
async def demo(live: Live, make_user: Any) -> Live:
    """The live server with records in it: without them every list is empty and the chains of calls
    end on random ids that answer 404, so no link is followed."""
    await demo_data.load(
        live.url, live.headers, await make_user(Role.MANAGER), await make_user(Role.ASSISTANT)
    )
    return live


def test_api_conforms_to_its_schema_through_linked_calls(demo: Live, tmp_path: Path) -> None:
    """Stateful, as schemathesis's own runner does it: the links it infers between operations (a
    created resource's id feeds the calls on it) are followed in chains of calls on the real
    server, with the same checks. The runner keeps the server's state from confusing the
    generator, which a hand-driven state machine does not."""
    cli = Path(sys.executable).with_name("schemathesis")
    events = tmp_path / "events.ndjson"
    config = tmp_path / "schemathesis.toml"
    config.write_text(f"[phases.stateful]\nmax-steps = {STATEFUL_STEPS}\n")
    done = subprocess.run(
        [
            str(cli),
            f"--config-file={config}",
            "run",
            f"{demo.url}/openapi.json",
            "--phases=stateful",
            f"--max-examples={STATEFUL_EXAMPLES}",
            "--seed=1",
            f"--header=Authorization: {demo.headers['Authorization']}",
            # As above: valid-looking data may be refused for business reasons, and the token is
            # the one configured, not a generated one.
            "--exclude-checks=positive_data_acceptance,ignored_auth",
            "--report=ndjson",
            f"--report-ndjson-path={events}",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    covered = re.search(r"API Links:\s+(\d+) covered", done.stdout)
    assert covered, done.stdout[-3000:]
    assert int(covered.group(1)) >= LINKS_FLOOR, done.stdout[-3000:]
    assert events.stat().st_size > 0
