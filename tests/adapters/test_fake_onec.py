"""The fake 1C speaks 1C's OData over real HTTP: metadata, auth, literals, query options, documents
with tabular sections, optimistic locking, posting, registers' virtual tables, errors and faults."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from app.fake_onec.store import WAREHOUSE
from tests.adapters.onec_fake import RunningFake, running_fake

JSON = {"Accept": "application/json;odata=nometadata"}


@pytest.fixture
def http(onec: RunningFake) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=onec.url, auth=onec.auth, headers=JSON, timeout=10) as client:
        yield client


def values(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["value"]
    return rows


def one(http: httpx.Client, entity: str, description: str) -> dict[str, Any]:
    rows = values(http.get(entity, params={"$filter": f"Description eq '{description}'"}))
    assert len(rows) == 1
    return rows[0]


def order_body(http: httpx.Client, quantity: int, variant: str = "СоСклада") -> dict[str, Any]:
    characteristic = values(
        http.get(
            "Catalog_ХарактеристикиНоменклатуры",
            params={
                "$filter": "Description eq 'Серый с красным, 44-46, 158-164'",
                "$select": "Ref_Key,Owner",
            },
        )
    )[0]
    warehouse = one(http, "Catalog_Склады", WAREHOUSE)["Ref_Key"]
    return {
        "Date": "2026-12-07T10:00:00",
        "Склад_Key": warehouse,
        "Комментарий": "ПМ-2026-00042",
        "Товары": [
            {
                "LineNumber": 1,
                "Номенклатура_Key": characteristic["Owner"],
                "Характеристика_Key": characteristic["Ref_Key"],
                "Количество": quantity,
                "Цена": 2320,
                "Сумма": 2320 * quantity,
                "ВариантОбеспечения": variant,
            }
        ],
    }


def stock_of(http: httpx.Client, characteristic: str) -> list[dict[str, Any]]:
    condition = f"Характеристика_Key eq guid'{characteristic}'".replace("'", "''")
    return values(
        http.get(
            f"AccumulationRegister_ТоварыНаСкладах/Balance(Period=datetime'2026-12-31T00:00:00',"
            f"Condition='{condition}')"
        )
    )


def test_metadata_is_odata3_with_the_standard_namespace_and_container(http: httpx.Client) -> None:
    response = http.get("$metadata")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.get("Version") == "1.0"
    services = root.find("{http://schemas.microsoft.com/ado/2007/06/edmx}DataServices")
    assert services is not None
    assert (
        services.get("{http://schemas.microsoft.com/ado/2007/08/dataservices/metadata}DataServiceVersion")
        == "3.0"
    )
    edm = "{http://schemas.microsoft.com/ado/2009/11/edm}"
    schema = services.find(f"{edm}Schema")
    assert schema is not None
    assert schema.get("Namespace") == "StandardODATA"
    container = schema.find(f"{edm}EntityContainer")
    assert container is not None
    assert container.get("Name") == "EnterpriseV8"
    sets = {s.get("Name") for s in container.findall(f"{edm}EntitySet")}
    assert {
        "Catalog_Номенклатура",
        "Catalog_ХарактеристикиНоменклатуры",
        "Document_ЗаказКлиента",
        "Document_ЗаказКлиента_Товары",
        "AccumulationRegister_ТоварыНаСкладах_RecordType",
        "InformationRegister_ЦеныНоменклатуры_RecordType",
    } <= sets


def test_basic_auth_is_required(onec: RunningFake) -> None:
    assert httpx.get(onec.url + "Catalog_Склады", headers=JSON).status_code == 401
    wrong = httpx.get(onec.url + "Catalog_Склады", headers=JSON, auth=("odata", "nope"))
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Basic")


def test_seeded_catalogue_with_characteristics_price_types_and_stock(http: httpx.Client) -> None:
    kinds = {row["Description"] for row in values(http.get("Catalog_ВидыЦен"))}
    assert kinds == {"Закупочная", "Розничная", "Оптовая", "Дилерская"}
    suit = values(
        http.get(
            "Catalog_ХарактеристикиНоменклатуры",
            params={"$filter": "substringof('44-46, 158-164', Description)", "$top": "1"},
        )
    )[0]
    properties = {
        row["Ref_Key"]: row["Description"]
        for row in values(http.get("ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения"))
    }
    by_name = {properties[row["Свойство_Key"]]: row["Значение"] for row in suit["ДополнительныеРеквизиты"]}
    assert by_name["Размер"] == "44-46"
    assert by_name["Рост"] == "158-164"
    prices = values(
        http.get(
            "InformationRegister_ЦеныНоменклатуры_RecordType/SliceLast(Period=datetime'2026-12-07T00:00:00',"
            f"Condition='Характеристика_Key eq guid''{suit['Ref_Key']}''')"
        )
    )
    assert len(prices) == 4
    assert stock_of(http, suit["Ref_Key"])[0]["ВНаличииBalance"] == 24


def test_filters_with_typed_literals_select_order_and_paging(http: httpx.Client) -> None:
    everything = values(http.get("Catalog_ХарактеристикиНоменклатуры", params={"$orderby": "Ref_Key"}))
    first = everything[0]["Ref_Key"]
    found = values(
        http.get(
            "Catalog_ХарактеристикиНоменклатуры",
            params={"$filter": f"Ref_Key eq guid'{first}'", "$select": "Ref_Key,Description"},
        )
    )
    assert found == [{"Ref_Key": first, "Description": everything[0]["Description"]}]
    pages = [
        row["Ref_Key"]
        for skip in range(0, len(everything), 10)
        for row in values(
            http.get(
                "Catalog_ХарактеристикиНоменклатуры",
                params={"$orderby": "Ref_Key", "$top": "10", "$skip": str(skip), "$select": "Ref_Key"},
            )
        )
    ]
    assert pages == [row["Ref_Key"] for row in everything]
    count = http.get(
        "Catalog_ХарактеристикиНоменклатуры/$count", params={"$filter": "substringof('44-46', Description)"}
    )
    assert count.status_code == 200
    assert int(count.text) == sum("44-46" in row["Description"] for row in everything) > 0
    newer = values(
        http.get(
            "InformationRegister_ЦеныНоменклатуры_RecordType",
            params={
                "$filter": "Period ge datetime'2026-01-01T00:00:00' "
                "and Period lt datetime'2026-01-02T00:00:00'"
            },
        )
    )
    assert newer
    none = values(
        http.get(
            "InformationRegister_ЦеныНоменклатуры_RecordType",
            params={"$filter": "Period gt datetime'2026-01-01T00:00:00'"},
        )
    )
    assert none == []


def test_a_quote_in_a_string_literal_is_doubled_and_an_unknown_field_is_an_odata_error(
    http: httpx.Client,
) -> None:
    created = http.post("Catalog_Склады", json={"Description": "Склад «О'Нил»"})
    assert created.status_code == 201
    assert one(http, "Catalog_Склады", "Склад «О''Нил»")["Ref_Key"] == created.json()["Ref_Key"]
    bad = http.get("Catalog_Склады", params={"$filter": "Цвет eq 'синий'"})
    assert bad.status_code == 400
    error = bad.json()["odata.error"]
    assert error["message"]["lang"] == "ru"
    assert "Цвет" in error["message"]["value"]


def test_an_order_is_created_with_its_rows_and_rows_alone_are_refused(http: httpx.Client) -> None:
    body = order_body(http, 2)
    created = http.post("Document_ЗаказКлиента", json=body)
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["Number"]
    assert order["Posted"] is False
    assert order["DataVersion"]
    assert order["Товары"][0]["Количество"] == 2
    rows = values(
        http.get("Document_ЗаказКлиента_Товары", params={"$filter": f"Ref_Key eq guid'{order['Ref_Key']}'"})
    )
    assert len(rows) == 1
    alone = http.post("Document_ЗаказКлиента_Товары", json={"Ref_Key": order["Ref_Key"], **body["Товары"][0]})
    assert alone.status_code == 400
    assert alone.json()["odata.error"]["code"] == "13"
    no_line = http.post("Document_ЗаказКлиента", json={**body, "Товары": [{"Количество": 1}]})
    assert no_line.status_code == 400
    assert "LineNumber" in no_line.json()["odata.error"]["message"]["value"]


def test_patch_with_a_stale_data_version_is_412(http: httpx.Client) -> None:
    order = http.post("Document_ЗаказКлиента", json=order_body(http, 1)).json()
    key = f"Document_ЗаказКлиента(guid'{order['Ref_Key']}')"
    changed = http.patch(key, json={"Комментарий": "ПМ-1"}, headers={"If-Match": order["DataVersion"]})
    assert changed.status_code == 200
    assert changed.json()["Комментарий"] == "ПМ-1"
    stale = http.patch(key, json={"Комментарий": "ПМ-2"}, headers={"If-Match": order["DataVersion"]})
    assert stale.status_code == 412
    assert "odata.error" in stale.json()
    assert http.get(key).json()["Комментарий"] == "ПМ-1"


def test_posting_reserves_the_stock_unposting_releases_it_and_operational_mode_is_refused(
    http: httpx.Client,
) -> None:
    body = order_body(http, 5)
    characteristic = body["Товары"][0]["Характеристика_Key"]
    order = http.post("Document_ЗаказКлиента", json=body).json()
    key = f"Document_ЗаказКлиента(guid'{order['Ref_Key']}')"
    operational = http.post(f"{key}/Post", params={"PostingModeOperational": "true"})
    assert operational.status_code == 500
    assert operational.json()["odata.error"]["code"] == "-1"
    assert http.post(f"{key}/Post", params={"PostingModeOperational": "false"}).status_code == 200
    assert http.get(key).json()["Posted"] is True
    assert stock_of(http, characteristic)[0]["КОтгрузкеBalance"] == 5
    too_much = http.post("Document_ЗаказКлиента", json=order_body(http, 20)).json()
    refused = http.post(
        f"Document_ЗаказКлиента(guid'{too_much['Ref_Key']}')/Post", params={"PostingModeOperational": "false"}
    )
    assert refused.status_code == 500
    assert "недостаточно свободного остатка" in refused.json()["odata.error"]["message"]["value"]
    assert http.post(f"{key}/Unpost").status_code == 200
    assert stock_of(http, characteristic)[0]["КОтгрузкеBalance"] == 0


def test_a_missing_object_is_an_odata_error_404(http: httpx.Client) -> None:
    missing = http.get("Document_ЗаказКлиента(guid'00000000-0000-0000-0000-000000000001')")
    assert missing.status_code == 404
    assert set(missing.json()["odata.error"]) == {"code", "message"}


def test_state_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "1c.sqlite3"
    with running_fake(data) as first, httpx.Client(base_url=first.url, auth=first.auth, headers=JSON) as http:
        ref = http.post("Catalog_Партнеры", json={"Description": "ООО «Спецодежда»", "Клиент": True}).json()[
            "Ref_Key"
        ]
    with (
        running_fake(data) as second,
        httpx.Client(base_url=second.url, auth=second.auth, headers=JSON) as http,
    ):
        assert http.get(f"Catalog_Партнеры(guid'{ref}')").json()["Description"] == "ООО «Спецодежда»"
        assert len(values(http.get("Catalog_ВидыЦен"))) == 4  # seeded once, not again


def test_faults_5xx_504_after_commit_and_a_dropped_connection(onec: RunningFake, http: httpx.Client) -> None:
    onec.fake.faults.add("status", status=503)
    assert http.get("Catalog_Склады").status_code == 503
    assert http.get("Catalog_Склады").status_code == 200  # used once
    onec.fake.faults.add("after-commit", method="POST")
    answered = http.post("Catalog_Партнеры", json={"Description": "Покупатель"})
    assert answered.status_code == 504
    assert len(values(http.get("Catalog_Партнеры", params={"$filter": "Description eq 'Покупатель'"}))) == 1
    onec.fake.faults.add("drop")
    with pytest.raises(httpx.TransportError):
        http.get("Catalog_Склады")
    assert http.get("Catalog_Склады").status_code == 200


def test_unpublished_entity_is_absent_from_metadata_and_answers_not_found(
    onec: RunningFake, http: httpx.Client
) -> None:
    del onec.fake.published["Catalog_ВидыЦен"]
    assert "Catalog_ВидыЦен" not in http.get("$metadata").text
    assert http.get("Catalog_ВидыЦен").status_code == 404


def test_path_is_url_encoded_by_clients(onec: RunningFake, http: httpx.Client) -> None:
    assert http.get(quote("Catalog_Склады")).status_code == 200
