"""The entities the fake publishes, their properties and tabular sections, and the hand-written,
trimmed ``$metadata`` (edmx 1.0, DataServiceVersion 3.0) rendered from them.

Field names follow УТ 11.5.18. A real base publishes only what its «Настройка стандартного
интерфейса OData» processing has selected; the fake publishes exactly the sets below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

NAMESPACE = "StandardODATA"
CONTAINER = "EnterpriseV8"

GUID = "Edm.Guid"
STRING = "Edm.String"
BOOL = "Edm.Boolean"
DATETIME = "Edm.DateTime"
DECIMAL = "Edm.Double"
INT = "Edm.Int64"

CATALOG_FIELDS = {
    "Ref_Key": GUID,
    "DataVersion": STRING,
    "DeletionMark": BOOL,
    "Code": STRING,
    "Description": STRING,
    "IsFolder": BOOL,
    "Parent_Key": GUID,
    "Predefined": BOOL,
    "PredefinedDataName": STRING,
}
DOCUMENT_FIELDS = {
    "Ref_Key": GUID,
    "DataVersion": STRING,
    "DeletionMark": BOOL,
    "Number": STRING,
    "Date": DATETIME,
    "Posted": BOOL,
}
PROPERTY_ROW = {"Свойство_Key": GUID, "Значение": STRING, "Значение_Type": STRING, "ТекстоваяСтрока": STRING}
GOODS_ROW = {
    "Номенклатура_Key": GUID,
    "Характеристика_Key": GUID,
    "Количество": DECIMAL,
    "ВидЦены_Key": GUID,
    "Цена": DECIMAL,
    "Сумма": DECIMAL,
    "СтавкаНДС_Key": GUID,
    "СуммаНДС": DECIMAL,
    "СуммаСНДС": DECIMAL,
    "Склад_Key": GUID,
    "ВариантОбеспечения": STRING,
    "ДатаОтгрузки": DATETIME,
    "КодСтроки": INT,
    "Отменено": BOOL,
}


@dataclass(frozen=True)
class Entity:
    name: str
    kind: str  # "catalog", "document", "chart", "accumulation", "information"
    fields: dict[str, str]
    tables: dict[str, dict[str, str]] = field(default_factory=dict)
    dimensions: tuple[str, ...] = ()  # registers: dimension properties (X_Key)
    resources: tuple[str, ...] = ()  # registers: numeric resources

    @property
    def is_object(self) -> bool:
        return self.kind in ("catalog", "document", "chart")


def _catalog(name: str, fields: dict[str, str], tables: dict[str, dict[str, str]] | None = None) -> Entity:
    return Entity(name, "catalog", {**CATALOG_FIELDS, **fields}, tables or {})


def _document(name: str, fields: dict[str, str], tables: dict[str, dict[str, str]] | None = None) -> Entity:
    return Entity(name, "document", {**DOCUMENT_FIELDS, **fields}, tables or {})


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        _catalog(
            "Catalog_Номенклатура",
            {
                "Артикул": STRING,
                "НаименованиеПолное": STRING,
                "ВидНоменклатуры_Key": GUID,
                "ЕдиницаИзмерения_Key": GUID,
                "ИспользованиеХарактеристик": STRING,
                "СтавкаНДС_Key": GUID,
            },
            {"ДополнительныеРеквизиты": PROPERTY_ROW},
        ),
        _catalog(
            "Catalog_ХарактеристикиНоменклатуры",
            {"Owner": STRING, "Owner_Type": STRING, "НаименованиеПолное": STRING},
            {"ДополнительныеРеквизиты": PROPERTY_ROW},
        ),
        _catalog("Catalog_ВидыЦен", {"ЦенаВключаетНДС": BOOL, "ВалютаЦены_Key": GUID, "Статус": STRING}),
        _catalog("Catalog_Склады", {}),
        _catalog("Catalog_Организации", {"ИНН": STRING, "КПП": STRING}),
        _catalog("Catalog_Валюты", {}),
        _catalog("Catalog_СтавкиНДС", {"Ставка": DECIMAL}),
        _catalog("Catalog_УпаковкиЕдиницыИзмерения", {}),
        _catalog("Catalog_Партнеры", {"Клиент": BOOL, "Поставщик": BOOL, "ОсновнойМенеджер_Key": GUID}),
        _catalog(
            "Catalog_Контрагенты",
            {"ИНН": STRING, "КПП": STRING, "Партнер_Key": GUID, "ЮрФизЛицо": STRING},
        ),
        _catalog(
            "Catalog_ДоговорыКонтрагентов",
            {
                "Номер": STRING,
                "Дата": DATETIME,
                "Партнер_Key": GUID,
                "Контрагент_Key": GUID,
                "Организация_Key": GUID,
                "Статус": STRING,
                "СрокОплаты": INT,
                "ДопустимаяСуммаЗадолженности": DECIMAL,
            },
        ),
        Entity(
            "ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения",
            "chart",
            {**CATALOG_FIELDS, "Заголовок": STRING, "Имя": STRING},
        ),
        _document(
            "Document_ЗаказКлиента",
            {
                "Партнер_Key": GUID,
                "Контрагент_Key": GUID,
                "Организация_Key": GUID,
                "Соглашение_Key": GUID,
                "Договор_Key": GUID,
                "Склад_Key": GUID,
                "Валюта_Key": GUID,
                "Статус": STRING,
                "Согласован": BOOL,
                "ЭтоЗаказКакСчет": BOOL,
                "СуммаДокумента": DECIMAL,
                "Комментарий": STRING,
            },
            {"Товары": GOODS_ROW},
        ),
        _document(
            "Document_СчетНаОплатуКлиенту",
            {
                "Партнер_Key": GUID,
                "Контрагент_Key": GUID,
                "Договор_Key": GUID,
                "Организация_Key": GUID,
                "ДокументОснование": STRING,
                "ДокументОснование_Type": STRING,
                "СуммаДокумента": DECIMAL,
                "Аннулирован": BOOL,
                "Комментарий": STRING,
            },
            {
                "ЭтапыГрафикаОплаты": {
                    "ДатаПлатежа": DATETIME,
                    "ПроцентПлатежа": DECIMAL,
                    "СуммаПлатежа": DECIMAL,
                }
            },
        ),
        _document(
            "Document_РеализацияТоваровУслуг",
            {
                "ЗаказКлиента": STRING,
                "ЗаказКлиента_Type": STRING,
                "Партнер_Key": GUID,
                "Контрагент_Key": GUID,
                "Организация_Key": GUID,
                "Склад_Key": GUID,
                "Статус": STRING,
                "СуммаДокумента": DECIMAL,
                "Комментарий": STRING,
            },
            {"Товары": {**GOODS_ROW, "ЗаказКлиента": STRING, "ЗаказКлиента_Type": STRING}},
        ),
        _document(
            "Document_ПоступлениеБезналичныхДенежныхСредств",
            {
                "Контрагент_Key": GUID,
                "Организация_Key": GUID,
                "СуммаДокумента": DECIMAL,
                "НазначениеПлатежа": STRING,
                "ПроведеноБанком": BOOL,
                "Комментарий": STRING,
            },
            {
                "РасшифровкаПлатежа": {
                    "ОснованиеПлатежа": STRING,
                    "ОснованиеПлатежа_Type": STRING,
                    "Сумма": DECIMAL,
                }
            },
        ),
        _document(
            "Document_ЗаказПоставщику",
            {
                "Партнер_Key": GUID,
                "Контрагент_Key": GUID,
                "Организация_Key": GUID,
                "Склад_Key": GUID,
                "Статус": STRING,
                "ЖелаемаяДатаПоступления": DATETIME,
                "Комментарий": STRING,
            },
            {"Товары": {**GOODS_ROW, "ДатаПоступления": DATETIME}},
        ),
        _document(
            # The receipt of goods from a supplier; the link to the supplier's order is inferred for
            # УТ 11.5 (a header reference here), to be checked against a real base.
            "Document_ПриобретениеТоваровУслуг",
            {
                "ЗаказПоставщику": STRING,
                "ЗаказПоставщику_Type": STRING,
                "Партнер_Key": GUID,
                "Контрагент_Key": GUID,
                "Организация_Key": GUID,
                "Склад_Key": GUID,
                "СуммаДокумента": DECIMAL,
                "Комментарий": STRING,
            },
            {"Товары": GOODS_ROW},
        ),
        Entity(
            "AccumulationRegister_ТоварыНаСкладах",
            "accumulation",
            {
                "Recorder": STRING,
                "Recorder_Type": STRING,
                "Period": DATETIME,
                "LineNumber": INT,
                "Active": BOOL,
                "RecordType": STRING,
                "Номенклатура_Key": GUID,
                "Характеристика_Key": GUID,
                "Назначение_Key": GUID,
                "Склад_Key": GUID,
                "Помещение_Key": GUID,
                "Серия_Key": GUID,
                "ВНаличии": DECIMAL,
                "КОтгрузке": DECIMAL,
            },
            dimensions=(
                "Номенклатура_Key",
                "Характеристика_Key",
                "Назначение_Key",
                "Склад_Key",
                "Помещение_Key",
                "Серия_Key",
            ),
            resources=("ВНаличии", "КОтгрузке"),
        ),
        Entity(
            "InformationRegister_ЦеныНоменклатуры",
            "information",
            {
                "Recorder": STRING,
                "Recorder_Type": STRING,
                "Period": DATETIME,
                "LineNumber": INT,
                "Active": BOOL,
                "Номенклатура_Key": GUID,
                "Характеристика_Key": GUID,
                "ВидЦены_Key": GUID,
                "Цена": DECIMAL,
                "Упаковка_Key": GUID,
                "Валюта_Key": GUID,
            },
            dimensions=("Номенклатура_Key", "Характеристика_Key", "ВидЦены_Key"),
            resources=("Цена", "Упаковка_Key", "Валюта_Key"),
        ),
    )
}

TABLE_ROW_BASE = {"Ref_Key": GUID, "LineNumber": INT}


def table_sets() -> dict[str, tuple[Entity, str]]:
    """``Document_X_Товары`` -> (its object, the section): 1C publishes each tabular section as a set."""
    return {f"{e.name}_{table}": (e, table) for e in ENTITIES.values() for table in e.tables}


def _properties(fields: dict[str, str], indent: str) -> str:
    lines = []
    for name, kind in fields.items():
        nullable = "false" if name in ("Ref_Key", "LineNumber") else "true"
        lines.append(
            f'{indent}<Property Name={quoteattr(name)} Type={quoteattr(kind)} Nullable="{nullable}"/>'
        )
    return "\n".join(lines)


def render_metadata(entities: dict[str, Entity] | None = None) -> str:
    """``$metadata`` as 1C writes it, trimmed to our entities (or to ``entities``, to play a base
    where something is not published)."""
    entities = ENTITIES if entities is None else entities
    types: list[str] = []
    sets: list[str] = []
    for e in entities.values():
        if e.is_object:
            key = '<Key><PropertyRef Name="Ref_Key"/></Key>'
        else:
            key = '<Key><PropertyRef Name="Recorder"/><PropertyRef Name="LineNumber"/></Key>'
        name = e.name if e.is_object else f"{e.name}_RecordType"
        rows = [
            f'<Property Name="{table}" Type="Collection({NAMESPACE}.{e.name}_{table}_RowType)"'
            ' Nullable="true"/>'
            for table in e.tables
        ]
        types.append(
            f"<EntityType Name={quoteattr(name)}>{key}\n{_properties(e.fields, '    ')}\n"
            + "".join(f"    {row}\n" for row in rows)
            + "</EntityType>"
        )
        sets.append(f'<EntitySet Name={quoteattr(name)} EntityType="{NAMESPACE}.{name}"/>')
        for table, fields in e.tables.items():
            row_type = f"{e.name}_{table}_RowType"
            types.append(
                f"<ComplexType Name={quoteattr(row_type)}>\n"
                f"{_properties({**TABLE_ROW_BASE, **fields}, '    ')}\n</ComplexType>"
            )
            table_type = f"{e.name}_{table}"
            types.append(
                f'<EntityType Name={quoteattr(table_type)}><Key><PropertyRef Name="Ref_Key"/>'
                f'<PropertyRef Name="LineNumber"/></Key>\n'
                f"{_properties({**TABLE_ROW_BASE, **fields}, '    ')}\n</EntityType>"
            )
            sets.append(f'<EntitySet Name={quoteattr(table_type)} EntityType="{NAMESPACE}.{table_type}"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<edmx:Edmx xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" Version="1.0">\n'
        '<edmx:DataServices xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"'
        ' m:DataServiceVersion="3.0" m:MaxDataServiceVersion="3.0">\n'
        f'<Schema xmlns="http://schemas.microsoft.com/ado/2009/11/edm" Namespace="{NAMESPACE}">\n'
        + "\n".join(types)
        + f'\n<EntityContainer Name="{CONTAINER}" m:IsDefaultEntityContainer="true">\n'
        + "\n".join(sets)
        + "\n</EntityContainer>\n</Schema>\n</edmx:DataServices>\n</edmx:Edmx>\n"
    )
