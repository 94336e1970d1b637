"""`pomoshnik onec check` against the fake 1C: passes on the demo base with its mapping, and fails
naming what is missing (an unpublished set, a wrong password, a mapping to nothing)."""

from __future__ import annotations

import json
from collections.abc import Callable

from app.fake_onec.schema import ENTITIES
from app.fake_onec.store import demo_mapping
from tests.adapters.onec_fake import RunningFake
from tests.support.cli import Ran


def _env(onec: RunningFake, **changes: str) -> dict[str, str]:
    return {
        "APP_ONEC__ODATA__URL": onec.url,
        "APP_ONEC__ODATA__USER": onec.auth[0],
        "APP_ONEC__ODATA__PASSWORD": onec.auth[1],
        "APP_ONEC__ODATA__MAX_RETRIES": "0",
        "APP_ONEC__ODATA__MAPPING": json.dumps(demo_mapping()),
        **changes,
    }


def test_check_passes_on_the_demo_base(onec: RunningFake, pomoshnik: Callable[..., Ran]) -> None:
    ran = pomoshnik(_env(onec), "onec", "check")
    out = ran.stderr
    assert ran.returncode == 0, out
    assert "missing" not in out
    assert "товар:" in out
    assert "Розничная" in out


def test_check_names_an_unpublished_set_with_the_step_to_fix_it(
    onec: RunningFake, pomoshnik: Callable[..., Ran]
) -> None:
    del onec.fake.published["AccumulationRegister_ТоварыНаСкладах"]
    ran = pomoshnik(_env(onec), "onec", "check")
    out = ran.stderr
    assert ran.returncode == 1
    assert "missing не опубликован AccumulationRegister_ТоварыНаСкладах_RecordType" in out
    assert "Настройка стандартного интерфейса OData" in out


def test_check_fails_on_wrong_credentials_and_on_a_mapping_to_nothing(
    onec: RunningFake, pomoshnik: Callable[..., Ran]
) -> None:
    denied = pomoshnik(_env(onec, APP_ONEC__ODATA__PASSWORD="wrong"), "onec", "check")
    assert denied.returncode == 1
    assert "имя пользователя и пароль" in denied.stderr
    mapping = demo_mapping()
    mapping["warehouse"] = "00000000-0000-0000-0000-000000000001"
    ran = pomoshnik(_env(onec, APP_ONEC__ODATA__MAPPING=json.dumps(mapping)), "onec", "check")
    assert ran.returncode == 1
    assert "склада 00000000-0000-0000-0000-000000000001 нет в 1С" in ran.stderr


def test_check_names_a_document_the_adapter_writes_when_it_is_unpublished(
    onec: RunningFake, pomoshnik: Callable[..., Ran]
) -> None:
    del onec.fake.published["Document_ЗаказКлиента"]
    mapping = demo_mapping()
    mapping["organisation"] = "00000000-0000-0000-0000-000000000002"
    ran = pomoshnik(_env(onec, APP_ONEC__ODATA__MAPPING=json.dumps(mapping)), "onec", "check")
    assert ran.returncode == 1
    assert "не опубликован Document_ЗаказКлиента:" in ran.stderr
    assert "не опубликован Document_ЗаказКлиента_Товары" in ran.stderr
    onec.fake.published.clear()
    onec.fake.published.update(ENTITIES)
    ran = pomoshnik(_env(onec, APP_ONEC__ODATA__MAPPING=json.dumps(mapping)), "onec", "check")
    assert ran.returncode == 1
    assert "организации 00000000-0000-0000-0000-000000000002 нет в 1С" in ran.stderr
