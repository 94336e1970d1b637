"""The fake 1C's state in its own SQLite file: objects (catalogs, documents with their tabular
sections inline) and register records, seeded once with the demo workwear catalogue."""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.fake_onec.schema import BOOL, DATETIME, DECIMAL, ENTITIES, GUID, INT, Entity

EMPTY_REF = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01T00:00:00"
SEED_NAMESPACE = uuid.UUID("7d0f6a52-2f3e-4c44-9a1f-0e8c1c0d1c11")
CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "adapters" / "onec" / "catalogue.json"

WAREHOUSE = "Основной склад"
ORGANISATION = "ООО «Помощник»"
PURCHASE_PRICE_TYPE = "Закупочная"
PROPERTIES = ("Модель", "Цвет", "Размер", "Рост", "Артикул характеристики")
SEED_DATE = "2026-01-01T00:00:00"
SEED_RECORDER = str(uuid.uuid5(SEED_NAMESPACE, "УстановкаЦенНоменклатуры"))


def seed_ref(*parts: str) -> str:
    """The seed's references are stable (uuid5 of their names), so a restarted fake is the same base."""
    return str(uuid.uuid5(SEED_NAMESPACE, "/".join(parts)))


def demo_mapping(price_categories: tuple[str, ...] = ("Розничная", "Оптовая", "Дилерская")) -> dict[str, Any]:
    """The seeded base's references as the adapter's mapping (``APP_ONEC__ODATA__MAPPING``)."""
    prop = "ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения"
    return {
        "warehouse": seed_ref("Catalog_Склады", WAREHOUSE),
        "price_types": {name: seed_ref("Catalog_ВидыЦен", name) for name in price_categories},
        "purchase_price_type": seed_ref("Catalog_ВидыЦен", PURCHASE_PRICE_TYPE),
        "properties": {
            "model": seed_ref(prop, "Модель"),
            "color": seed_ref(prop, "Цвет"),
            "size": seed_ref(prop, "Размер"),
            "height": seed_ref(prop, "Рост"),
            "sku": seed_ref(prop, "Артикул характеристики"),
        },
        "organisation": seed_ref("Catalog_Организации", ORGANISATION),
        "vat_rates": {"20": seed_ref("Catalog_СтавкиНДС", "20%")},
    }


def default_value(kind: str) -> Any:
    return {GUID: EMPTY_REF, BOOL: False, DATETIME: EMPTY_DATE, DECIMAL: 0, INT: 0}.get(kind, "")


def new_data_version() -> str:
    return base64.b64encode(uuid.uuid4().bytes[:8]).decode("ascii")


class Store:
    """Thread-safe: uvicorn serves in its own thread while a test reads or changes the state."""

    def __init__(self, path: Path, *, catalogue: Path = CATALOGUE_FILE) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.executescript(
            """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS objects (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, ref TEXT NOT NULL,
                body TEXT NOT NULL, UNIQUE (entity, ref));
            CREATE TABLE IF NOT EXISTS records (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, register TEXT NOT NULL, recorder TEXT NOT NULL,
                body TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS counters (entity TEXT PRIMARY KEY, n INTEGER NOT NULL);
            """
        )
        with self.transaction():
            if self._db.execute("SELECT count(*) FROM objects").fetchone()[0] == 0:
                _seed(self, json.loads(catalogue.read_text(encoding="utf-8")))

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- objects ------------------------------------------------------------------------------

    def all(self, entity: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM objects WHERE entity = ? ORDER BY seq", (entity,))
            return [json.loads(body) for (body,) in rows.fetchall()]

    def get(self, entity: str, ref: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM objects WHERE entity = ? AND ref = ?", (entity, ref)
            ).fetchone()
            return json.loads(row[0]) if row else None

    def put(self, entity: str, body: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO objects (entity, ref, body) VALUES (?, ?, ?) "
                "ON CONFLICT (entity, ref) DO UPDATE SET body = excluded.body",
                (entity, body["Ref_Key"], json.dumps(body, ensure_ascii=False)),
            )

    def next_number(self, entity: str) -> int:
        with self._lock:
            self._db.execute(
                "INSERT INTO counters VALUES (?, 1) ON CONFLICT (entity) DO UPDATE SET n = n + 1", (entity,)
            )
            return int(self._db.execute("SELECT n FROM counters WHERE entity = ?", (entity,)).fetchone()[0])

    def create(self, entity: Entity, values: dict[str, Any]) -> dict[str, Any]:
        """A new object with every property filled (empty reference, empty date, zero…)."""
        body = {name: default_value(kind) for name, kind in entity.fields.items()}
        for table in entity.tables:
            body[table] = []
        body.update(values)
        body["Ref_Key"] = values.get("Ref_Key") or str(uuid.uuid4())
        body["DataVersion"] = new_data_version()
        n = self.next_number(entity.name)
        if entity.kind == "document":
            body["Number"] = values.get("Number") or f"ПМ00-{n:06d}"
        elif "Code" in entity.fields:
            body["Code"] = values.get("Code") or f"{n:09d}"
        for table in entity.tables:
            for row in body[table]:
                row["Ref_Key"] = body["Ref_Key"]
        self.put(entity.name, body)
        return body

    # --- register records ---------------------------------------------------------------------

    def records(self, register: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM records WHERE register = ? ORDER BY seq", (register,))
            return [json.loads(body) for (body,) in rows.fetchall()]

    def write_records(self, register: str, recorder: str, records: list[dict[str, Any]]) -> None:
        """Replace the recorder's records in ``register`` (posting again replaces, as in 1C)."""
        with self._lock:
            self._db.execute("DELETE FROM records WHERE register = ? AND recorder = ?", (register, recorder))
            entity = ENTITIES[register]
            for line, values in enumerate(records, start=1):
                body = {name: default_value(kind) for name, kind in entity.fields.items()}
                body.update(values, Recorder=recorder, LineNumber=line, Active=True)
                self._db.execute(
                    "INSERT INTO records (register, recorder, body) VALUES (?, ?, ?)",
                    (register, recorder, json.dumps(body, ensure_ascii=False)),
                )

    def delete_records(self, recorder: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM records WHERE recorder = ?", (recorder,))


def _seed(store: Store, catalogue: dict[str, Any]) -> None:
    """The demo base: the workwear catalogue as nomenclature with characteristics whose additional
    properties hold model, colour, size, height and the variant's article; four price types (the
    purchase one and the catalogue's categories); stock on one warehouse."""

    def make(entity: str, name: str, **values: Any) -> str:
        ref = seed_ref(entity, name)
        store.create(ENTITIES[entity], {"Ref_Key": ref, "Description": name, **values})
        return ref

    currency = make("Catalog_Валюты", "руб.", Code="643")
    vat = make("Catalog_СтавкиНДС", "20%", Ставка=20)
    units = {
        name: make("Catalog_УпаковкиЕдиницыИзмерения", name)
        for name in dict.fromkeys(product["unit"] for product in catalogue["products"])
    }
    warehouse = make("Catalog_Склады", WAREHOUSE)
    make("Catalog_Организации", ORGANISATION, ИНН="7701234567", КПП="770101001")
    properties = {
        name: make(
            "ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения",
            name,
            Заголовок=name,
            Имя=name.replace(" ", ""),
        )
        for name in PROPERTIES
    }
    price_types = {
        name: make("Catalog_ВидыЦен", name, ЦенаВключаетНДС=True, ВалютаЦены_Key=currency, Статус="Действует")
        for name in (PURCHASE_PRICE_TYPE, *catalogue["price_categories"])
    }
    prices: list[dict[str, Any]] = []
    stock: list[dict[str, Any]] = []
    for product in catalogue["products"]:
        article = product["sku"].rsplit("-", 2)[0]
        item = seed_ref("Catalog_Номенклатура", product["name"], product["model"])
        if store.get("Catalog_Номенклатура", item) is None:
            store.create(
                ENTITIES["Catalog_Номенклатура"],
                {
                    "Ref_Key": item,
                    "Description": product["name"],
                    "НаименованиеПолное": f"{product['name']} «{product['model']}»",
                    "Артикул": article,
                    "ЕдиницаИзмерения_Key": units[product["unit"]],
                    "ИспользованиеХарактеристик": "ИндивидуальныеДляНоменклатуры",
                    "СтавкаНДС_Key": vat,
                },
            )
        values = {
            "Модель": product["model"],
            "Цвет": product["color"],
            "Размер": product["size"],
            "Рост": product["height"],
            "Артикул характеристики": product["sku"],
        }
        title = f"{product['color']}, {product['size']}, {product['height']}"
        store.create(
            ENTITIES["Catalog_ХарактеристикиНоменклатуры"],
            {
                "Ref_Key": product["id"],
                "Description": title,
                "НаименованиеПолное": title,
                "Owner": item,
                "Owner_Type": "StandardODATA.Catalog_Номенклатура",
                "ДополнительныеРеквизиты": [
                    {
                        "LineNumber": line,
                        "Свойство_Key": properties[name],
                        "Значение": value,
                        "Значение_Type": "Edm.String",
                        "ТекстоваяСтрока": "",
                    }
                    for line, (name, value) in enumerate(values.items(), start=1)
                ],
            },
        )
        for name, ref in price_types.items():
            price = product["purchase_price"] if name == PURCHASE_PRICE_TYPE else product["prices"].get(name)
            if price is None:
                continue
            prices.append(
                {
                    "Period": SEED_DATE,
                    "Recorder_Type": "StandardODATA.Document_УстановкаЦенНоменклатуры",
                    "Номенклатура_Key": item,
                    "Характеристика_Key": product["id"],
                    "ВидЦены_Key": ref,
                    "Цена": float(Decimal(price)),
                    "Упаковка_Key": EMPTY_REF,
                    "Валюта_Key": currency,
                }
            )
        if product["stock"]:
            stock.append(
                {
                    "Period": SEED_DATE,
                    "Recorder_Type": "StandardODATA.Document_ОприходованиеИзлишковТоваров",
                    "RecordType": "Receipt",
                    "Номенклатура_Key": item,
                    "Характеристика_Key": product["id"],
                    "Склад_Key": warehouse,
                    "ВНаличии": product["stock"],
                    "КОтгрузке": 0,
                }
            )
    store.write_records("InformationRegister_ЦеныНоменклатуры", SEED_RECORDER, prices)
    store.write_records("AccumulationRegister_ТоварыНаСкладах", seed_ref("Оприходование"), stock)
