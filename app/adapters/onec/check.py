"""``pomoshnik onec check``: what an integrator runs first against a base. It reads the base's
``$metadata`` and names every entity set and property the adapter reads that the base does not
publish, checks the credentials and the mapping, and reads one product with its prices and stock.

The sets below are those the catalogue side reads and the document side reads and writes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from app.adapters.onec import odata_documents as docs
from app.adapters.onec.odata import Guid, ODataClient, ODataError, OneCError, OneCUnavailable, any_of, eq
from app.adapters.onec.odata_catalogue import (
    CHARACTERISTIC_PROPERTIES,
    CHARACTERISTICS,
    NOMENCLATURE,
    PRICE_TYPES,
    UNITS,
    ODataCatalogue,
)
from app.core.config import OneCMapping

PROPERTIES = "ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения"
WAREHOUSES = "Catalog_Склады"
ORGANISATIONS = "Catalog_Организации"
PUBLISH_STEP = (
    "опубликуйте в 1С: «Настройка стандартного интерфейса OData» (НСИ и администрирование → "
    "Обслуживание), вкладка «Состав»"
)

DOCUMENT = ("Ref_Key", "DataVersion", "Number", "Date", "Posted", "DeletionMark")
GOODS = ("Номенклатура_Key", "Характеристика_Key", "Количество", "Цена", "Сумма", "СтавкаНДС_Key", "СуммаНДС")

REQUIRED: dict[str, tuple[str, ...]] = {
    NOMENCLATURE: ("Ref_Key", "Description", "Артикул", "ЕдиницаИзмерения_Key", "DeletionMark", "IsFolder"),
    CHARACTERISTICS: ("Ref_Key", "Owner", "Description", "DeletionMark", "ДополнительныеРеквизиты"),
    CHARACTERISTIC_PROPERTIES: ("Ref_Key", "LineNumber", "Свойство_Key", "Значение"),
    PRICE_TYPES: ("Ref_Key", "Description", "DeletionMark"),
    UNITS: ("Ref_Key", "Description"),
    WAREHOUSES: ("Ref_Key", "Description"),
    ORGANISATIONS: ("Ref_Key", "Description"),
    PROPERTIES: ("Ref_Key", "Description"),
    "InformationRegister_ЦеныНоменклатуры_RecordType": (
        "Period",
        "Характеристика_Key",
        "ВидЦены_Key",
        "Цена",
    ),
    "AccumulationRegister_ТоварыНаСкладах_RecordType": (
        "Period",
        "Характеристика_Key",
        "Склад_Key",
        "ВНаличии",
        "КОтгрузке",
    ),
    # The document side.
    docs.PARTNERS: ("Ref_Key", "Description", "Клиент", "DeletionMark"),
    docs.COUNTERPARTIES: ("Ref_Key", "Description", "ИНН", "КПП", "Партнер_Key", "ЮрФизЛицо", "DeletionMark"),
    docs.VAT_RATES: ("Ref_Key", "Ставка", "DeletionMark"),
    docs.CONTRACTS: (
        "Ref_Key",
        "Description",
        "Номер",
        "Дата",
        "Партнер_Key",
        "Контрагент_Key",
        "Организация_Key",
        "Статус",
        "СрокОплаты",
        "ДопустимаяСуммаЗадолженности",
        "DeletionMark",
    ),
    docs.ORDERS: (
        *DOCUMENT,
        "Партнер_Key",
        "Контрагент_Key",
        "Организация_Key",
        "Склад_Key",
        "Статус",
        "Согласован",
        "СуммаДокумента",
        "Комментарий",
        "Товары",
    ),
    f"{docs.ORDERS}_Товары": (*GOODS, "ВариантОбеспечения", "Отменено"),
    docs.BILLS: (
        *DOCUMENT,
        "Партнер_Key",
        "Контрагент_Key",
        "Организация_Key",
        "ДокументОснование",
        "ДокументОснование_Type",
        "СуммаДокумента",
        "Комментарий",
        "ЭтапыГрафикаОплаты",
    ),
    docs.SALES: (
        *DOCUMENT,
        "ЗаказКлиента",
        "ЗаказКлиента_Type",
        "Контрагент_Key",
        "Склад_Key",
        "Статус",
        "СуммаДокумента",
        "Комментарий",
        "Товары",
    ),
    docs.SUPPLY_ORDERS: (*DOCUMENT, "Склад_Key", "ЖелаемаяДатаПоступления", "Комментарий", "Товары"),
    docs.RECEIPTS: (
        *DOCUMENT,
        "ЗаказПоставщику",
        "ЗаказПоставщику_Type",
        "Склад_Key",
        "Комментарий",
        "Товары",
    ),
    docs.PAYMENTS: (*DOCUMENT, "Контрагент_Key", "СуммаДокумента", "НазначениеПлатежа", "РасшифровкаПлатежа"),
}

EDMX = "{http://schemas.microsoft.com/ado/2007/06/edmx}"
EDM = "{http://schemas.microsoft.com/ado/2009/11/edm}"


@dataclass(frozen=True)
class CheckResult:
    ok: list[str]
    problems: list[str]


def published(metadata: str) -> dict[str, set[str]]:
    """{entity set: its properties} from an edmx document."""
    if "<!DOCTYPE" in metadata[:2048].upper():
        raise ValueError("the base's $metadata carries a DTD; refused")
    root = ET.fromstring(metadata)  # noqa: S314  (no DTD, so no entity expansion)
    types: dict[str, set[str]] = {}
    for schema in root.iter(f"{EDM}Schema"):
        namespace = schema.get("Namespace", "")
        for kind in ("EntityType", "ComplexType"):
            for entity_type in schema.findall(f"{EDM}{kind}"):
                names = {p.get("Name", "") for p in entity_type.findall(f"{EDM}Property")}
                types[f"{namespace}.{entity_type.get('Name')}"] = names
    sets: dict[str, set[str]] = {}
    for entity_set in root.iter(f"{EDM}EntitySet"):
        sets[entity_set.get("Name", "")] = types.get(entity_set.get("EntityType", ""), set())
    return sets


async def check(client: ODataClient, mapping: OneCMapping | None) -> CheckResult:
    ok: list[str] = []
    problems: list[str] = []
    try:
        metadata = await client.metadata()
    except ODataError as error:
        if error.status == 401:
            problems.append("1С не принимает имя пользователя и пароль (APP_ONEC__ODATA__USER/PASSWORD)")
        else:
            problems.append(f"$metadata не читается: {error}")
        return CheckResult(ok, problems)
    except OneCUnavailable as error:
        problems.append(f"1С не отвечает: {error}")
        return CheckResult(ok, problems)
    ok.append("подключение и авторизация: да")
    try:
        sets = published(metadata)
    except (ValueError, ET.ParseError) as error:
        problems.append(f"$metadata не разбирается: {error}")
        return CheckResult(ok, problems)
    for name, fields in REQUIRED.items():
        if name not in sets:
            problems.append(f"не опубликован {name}: {PUBLISH_STEP}")
            continue
        missing = [f for f in fields if f not in sets[name]]
        if missing:
            problems.append(f"у {name} нет полей {', '.join(missing)}: {PUBLISH_STEP}")
        else:
            ok.append(f"{name}: опубликован")
    if mapping is None:
        problems.append("не задано соответствие (APP_ONEC__ODATA__MAPPING): склад, виды цен, свойства")
        return CheckResult(ok, problems)
    if problems:
        return CheckResult(ok, problems)
    try:
        await _check_mapping(client, mapping, ok, problems)
        if not problems:
            await _read_one_product(client, mapping, ok, problems)
    except OneCError as error:
        problems.append(f"ошибка чтения: {error}")
    return CheckResult(ok, problems)


async def _exists(client: ODataClient, entity: str, refs: list[str]) -> set[str]:
    rows = await client.query(
        entity,
        select=["Ref_Key"],
        filter=eq("DeletionMark", False) & any_of(*(eq("Ref_Key", Guid(r)) for r in refs)),
    )
    return {row["Ref_Key"] for row in rows}


async def _check_mapping(
    client: ODataClient, mapping: OneCMapping, ok: list[str], problems: list[str]
) -> None:
    if str(mapping.warehouse) in await _exists(client, WAREHOUSES, [str(mapping.warehouse)]):
        ok.append("склад из соответствия: есть")
    else:
        problems.append(f"склада {mapping.warehouse} нет в 1С (или он помечен на удаление)")
    types = {category: str(ref) for category, ref in mapping.price_types.items()}
    if mapping.purchase_price_type is not None:
        types["закупочная"] = str(mapping.purchase_price_type)
    found = await _exists(client, PRICE_TYPES, list(types.values()))
    for category, ref in types.items():
        if ref not in found:
            problems.append(f"вида цен {ref} (категория «{category}») нет в 1С")
    keys = mapping.properties.model_dump(exclude_none=True)
    present = await _exists(client, PROPERTIES, [str(ref) for ref in keys.values()])
    for field, ref in keys.items():
        if str(ref) not in present:
            problems.append(f"свойства {ref} ({field}) нет в 1С")
    if mapping.organisation is not None and str(mapping.organisation) not in await _exists(
        client, ORGANISATIONS, [str(mapping.organisation)]
    ):
        problems.append(f"организации {mapping.organisation} нет в 1С")
    if mapping.vat_rates:
        rates = await _exists(client, docs.VAT_RATES, [str(ref) for ref in mapping.vat_rates.values()])
        for rate, rate_ref in mapping.vat_rates.items():
            if str(rate_ref) not in rates:
                problems.append(f"ставки НДС {rate_ref} ({rate}%) нет в 1С")
    if not problems:
        ok.append("виды цен, свойства, организация и ставки НДС из соответствия: есть")


async def _read_one_product(
    client: ODataClient, mapping: OneCMapping, ok: list[str], problems: list[str]
) -> None:
    first = await client.query(
        CHARACTERISTICS, select=["Ref_Key"], filter=eq("DeletionMark", False), orderby=["Ref_Key"], top=1
    )
    if not first:
        problems.append("в 1С нет ни одной характеристики номенклатуры")
        return
    product = await ODataCatalogue(client, mapping).get_product(first[0]["Ref_Key"])
    if product is None:
        problems.append(f"характеристика {first[0]['Ref_Key']} не читается как товар")
        return
    prices = ", ".join(f"{p.category} {p.price}" for p in product.prices) or "цен нет"
    ok.append(
        f"товар: {product.sku} {product.name} {product.size} {product.height}; {prices}; "
        f"свободно {product.stock}"
    )
    if not product.prices:
        problems.append(f"у товара {product.sku} нет цены ни одной категории")
