"""The catalogue side of the ``Erp`` port read from 1C:Управление торговлей 11 over OData: products
(Номенклатура with its characteristic), price categories (ВидыЦен), prices (ЦеныНоменклатуры, the
slice of the latest) and free stock on the configured warehouse (ТоварыНаСкладах balance).

A product is one characteristic: its id is the characteristic's ``Ref_Key``. Which additional
properties hold model, colour, size and height, the warehouse and the price type of each category
are configuration (:class:`app.core.config.OneCMapping`).

Free stock is ``ВНаличии − КОтгрузке`` of the warehouse's balance, never below zero (inferred for
УТ 11.5, where СвободныеОстатки is gone; to be checked against a real base).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.adapters.onec.odata import (
    EMPTY_REF,
    Filter,
    Guid,
    ODataClient,
    Ref,
    all_of,
    any_of,
    eq,
    substringof,
)
from app.core.config import OneCMapping
from app.services.kernel.ports import PriceCategoryPrice, Product

NOMENCLATURE = "Catalog_Номенклатура"
CHARACTERISTICS = "Catalog_ХарактеристикиНоменклатуры"
CHARACTERISTIC_PROPERTIES = "Catalog_ХарактеристикиНоменклатуры_ДополнительныеРеквизиты"
PRICE_TYPES = "Catalog_ВидыЦен"
UNITS = "Catalog_УпаковкиЕдиницыИзмерения"
PRICES = "InformationRegister_ЦеныНоменклатуры_RecordType"
STOCK = "AccumulationRegister_ТоварыНаСкладах"

NOMENCLATURE_FIELDS = ("Ref_Key", "Description", "Артикул", "ЕдиницаИзмерения_Key")
CHARACTERISTIC_FIELDS = ("Ref_Key", "Owner", "Description", "ДополнительныеРеквизиты")
CANDIDATES = 200  # how many items of each kind a search looks at before matching every word


def _fold(text: str) -> str:
    return text.casefold().replace("ё", "е")


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


class ODataCatalogue:
    """``search_products``, ``get_product``, ``price_categories`` and ``stock`` of the ``Erp`` port."""

    def __init__(self, client: ODataClient, mapping: OneCMapping) -> None:
        self.client = client
        self.mapping = mapping
        self._units: dict[str, str] = {}

    # -- the port's reads --

    async def price_categories(self) -> list[str]:
        """The configured categories whose price type the base has and has not marked for deletion,
        in the configured order."""
        refs = [Guid(str(ref)) for ref in self.mapping.price_types.values()]
        rows = await self.client.query(
            PRICE_TYPES,
            select=["Ref_Key"],
            filter=all_of(eq("DeletionMark", False), any_of(*(eq("Ref_Key", ref) for ref in refs))),
        )
        present = {row["Ref_Key"] for row in rows}
        return [category for category, ref in self.mapping.price_types.items() if str(ref) in present]

    async def get_product(self, product_id: str) -> Product | None:
        try:
            key = Guid(product_id)
        except ValueError:
            return None
        characteristic = await self.client.get(CHARACTERISTICS, key, select=CHARACTERISTIC_FIELDS)
        if characteristic is None:
            return None
        item = await self.client.get(NOMENCLATURE, characteristic["Owner"], select=NOMENCLATURE_FIELDS)
        if item is None:
            return None
        products = await self._products([(item, characteristic)])
        return products[0]

    async def search_products(self, query: str, limit: int = 20) -> list[Product]:
        """Items whose name, article, model or colour contain every word of the query (any case), as
        the stub finds them: 1C is asked for the items and characteristics containing any word, and
        every word is matched here."""
        words = _fold(query).split()
        if limit <= 0 or not words:
            return []
        by_word = [
            any_of(substringof(word, "Description"), substringof(word, "Артикул")) for word in words[:5]
        ]
        items = await self.client.query(
            NOMENCLATURE,
            select=NOMENCLATURE_FIELDS,
            filter=all_of(eq("DeletionMark", False), eq("IsFolder", False), any_of(*by_word)),
            orderby=["Description", "Ref_Key"],
            top=CANDIDATES,
        )
        characteristics = []
        if items:
            owners = [eq("Owner", Ref(Guid(row["Ref_Key"]), NOMENCLATURE)) for row in items]
            characteristics = await self.client.query(
                CHARACTERISTICS,
                select=CHARACTERISTIC_FIELDS,
                filter=all_of(eq("DeletionMark", False), any_of(*owners)),
                orderby=["Description", "Ref_Key"],
                top=CANDIDATES * 10,
            )
        # Words only a characteristic holds (a colour, an article of the variant).
        extra = await self.client.query(
            CHARACTERISTICS,
            select=CHARACTERISTIC_FIELDS,
            filter=all_of(
                eq("DeletionMark", False), any_of(*(substringof(w, "Description") for w in words[:5]))
            ),
            orderby=["Description", "Ref_Key"],
            top=CANDIDATES,
        )
        known = {row["Ref_Key"] for row in characteristics}
        characteristics += [row for row in extra if row["Ref_Key"] not in known]
        known |= {row["Ref_Key"] for row in extra}
        if self.mapping.properties.sku is not None:
            # The variant's article, kept in an additional property (a string value: to be checked
            # on a base where Значение is composite).
            by_sku = await self.client.query(
                CHARACTERISTIC_PROPERTIES,
                select=["Ref_Key"],
                filter=all_of(
                    eq("Свойство_Key", Guid(str(self.mapping.properties.sku))),
                    any_of(*(substringof(w, "Значение") for w in words[:5])),
                ),
                orderby=["Ref_Key", "LineNumber"],
                top=CANDIDATES,
            )
            wanted = sorted({row["Ref_Key"] for row in by_sku} - known)
            if wanted:
                characteristics += await self.client.query(
                    CHARACTERISTICS,
                    select=CHARACTERISTIC_FIELDS,
                    filter=all_of(
                        eq("DeletionMark", False), any_of(*(eq("Ref_Key", Guid(k)) for k in wanted))
                    ),
                )
        owners_by_key = {row["Ref_Key"]: row for row in items}
        missing = sorted({row["Owner"] for row in characteristics} - owners_by_key.keys())
        if missing:
            for row in await self.client.query(
                NOMENCLATURE,
                select=NOMENCLATURE_FIELDS,
                filter=any_of(*(eq("Ref_Key", Guid(key)) for key in missing)),
            ):
                owners_by_key[row["Ref_Key"]] = row
        matched: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for characteristic in characteristics:
            item = owners_by_key.get(characteristic["Owner"])
            if item is None:
                continue
            props = self._properties(characteristic)
            haystack = _fold(
                " ".join((item["Description"], item["Артикул"], props["model"], props["sku"], props["color"]))
            )
            if all(word in haystack for word in words):
                matched.append((item, characteristic))
        matched.sort(key=lambda pair: (pair[0]["Description"], pair[1]["Description"], pair[1]["Ref_Key"]))
        return await self._products(matched[:limit])

    async def stock(self, product_id: str) -> int:
        """Free stock on the configured warehouse; 0 for an unknown item."""
        try:
            key = Guid(product_id)
        except ValueError:
            return 0
        return (await self._free_stock([key])).get(str(key), 0)

    # -- assembling --

    def _properties(self, characteristic: dict[str, Any]) -> dict[str, str]:
        keys = self.mapping.properties
        wanted = {"model": keys.model, "color": keys.color, "size": keys.size, "height": keys.height}
        if keys.sku is not None:
            wanted["sku"] = keys.sku
        values = {
            str(row["Свойство_Key"]): str(row.get("Значение") or "")
            for row in characteristic["ДополнительныеРеквизиты"]
        }
        found = {field: values.get(str(ref), "") for field, ref in wanted.items()}
        found.setdefault("sku", "")
        return found

    async def _products(self, pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> list[Product]:
        if not pairs:
            return []
        keys = [Guid(characteristic["Ref_Key"]) for _, characteristic in pairs]
        prices = await self._prices(keys)
        stock = await self._free_stock(keys)
        units = await self._unit_names(item["ЕдиницаИзмерения_Key"] for item, _ in pairs)
        products = []
        for item, characteristic in pairs:
            props = self._properties(characteristic)
            by_type = prices.get(characteristic["Ref_Key"], {})
            purchase = self.mapping.purchase_price_type
            products.append(
                Product(
                    id=characteristic["Ref_Key"],
                    sku=props["sku"] or item["Артикул"],
                    name=item["Description"],
                    model=props["model"],
                    color=props["color"],
                    size=props["size"],
                    height=props["height"],
                    unit=units.get(item["ЕдиницаИзмерения_Key"], "шт"),
                    purchase_price=by_type.get(str(purchase), Decimal("0.00"))
                    if purchase
                    else Decimal("0.00"),
                    prices=tuple(
                        PriceCategoryPrice(category, by_type[str(ref)])
                        for category, ref in self.mapping.price_types.items()
                        if str(ref) in by_type
                    ),
                    stock=stock.get(characteristic["Ref_Key"], 0),
                )
            )
        return products

    async def _prices(self, keys: Sequence[Guid]) -> dict[str, dict[str, Decimal]]:
        """{characteristic: {price type: the latest price}}."""
        rows = await self.client.slice_last(
            PRICES,
            select=["Характеристика_Key", "ВидЦены_Key", "Цена"],
            period=datetime.now().replace(microsecond=0),  # 1C's own local time
            condition=any_of(*(eq("Характеристика_Key", key) for key in keys)),
        )
        prices: dict[str, dict[str, Decimal]] = {}
        for row in rows:
            prices.setdefault(row["Характеристика_Key"], {})[row["ВидЦены_Key"]] = _money(row["Цена"])
        return prices

    async def _free_stock(self, keys: Sequence[Guid]) -> dict[str, int]:
        condition: Filter = all_of(
            eq("Склад_Key", Guid(str(self.mapping.warehouse))),
            any_of(*(eq("Характеристика_Key", key) for key in keys)),
        )
        rows = await self.client.balance(
            STOCK,
            select=["Характеристика_Key", "ВНаличииBalance", "КОтгрузкеBalance"],
            condition=condition,
        )
        free: dict[str, int] = {}
        for row in rows:
            amount = Decimal(str(row["ВНаличииBalance"])) - Decimal(str(row["КОтгрузкеBalance"]))
            free[row["Характеристика_Key"]] = free.get(row["Характеристика_Key"], 0) + int(amount)
        return {key: max(value, 0) for key, value in free.items()}

    async def _unit_names(self, refs: Iterable[str]) -> dict[str, str]:
        wanted = sorted({ref for ref in refs if ref != EMPTY_REF} - self._units.keys())
        if wanted:
            for row in await self.client.query(
                UNITS,
                select=["Ref_Key", "Description"],
                filter=any_of(*(eq("Ref_Key", Guid(r)) for r in wanted)),
            ):
                self._units[row["Ref_Key"]] = row["Description"]
        return self._units
