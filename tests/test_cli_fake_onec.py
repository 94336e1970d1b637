"""`pomoshnik fake-1c` serves the local 1C over OData and keeps its state in its data file across
a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port
from tests.support.stack import wait_for

ROOT = Path(__file__).parents[1]
JSON = {"Accept": "application/json;odata=nometadata"}


def _start(port: int, data: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "fake-1c", "--port", str(port), "--data", str(data)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("fake-1c did not stop on SIGTERM")


def test_fake_1c_serves_the_demo_base_and_keeps_its_state_over_a_restart(tmp_path: Path) -> None:
    port = free_port()
    data = tmp_path / "1c" / "fake.sqlite3"
    base = f"http://127.0.0.1:{port}/base/odata/standard.odata/"
    auth = ("odata", "odata")

    process = _start(port, data)
    try:
        wait_for(
            lambda: httpx.get(base + "$metadata", auth=auth, timeout=1).status_code == 200,
            timeout=60,
            what="fake-1c",
        )
        assert httpx.get(base + "Catalog_Склады", headers=JSON, timeout=5).status_code == 401
        created = httpx.post(
            base + "Catalog_Партнеры", json={"Description": "ООО «Заказчик»"}, auth=auth, headers=JSON
        )
        assert created.status_code == 201
    finally:
        _stop(process)

    process = _start(port, data)
    try:
        wait_for(
            lambda: httpx.get(base + "$metadata", auth=auth, timeout=1).status_code == 200,
            timeout=60,
            what="fake-1c again",
        )
        again = httpx.get(
            base + f"Catalog_Партнеры(guid'{created.json()['Ref_Key']}')", auth=auth, headers=JSON
        )
        assert again.json()["Description"] == "ООО «Заказчик»"
        kinds = httpx.get(
            base + "Catalog_ВидыЦен", params={"$select": "Description"}, auth=auth, headers=JSON
        )
        assert len(kinds.json()["value"]) == 4
    finally:
        _stop(process)
