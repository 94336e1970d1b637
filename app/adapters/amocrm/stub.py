"""An amoCRM stand-in for the demo: a few invented leads with invented companies and people."""

from __future__ import annotations

from collections.abc import Iterable

from app.services.kernel.ports import CrmCompany, CrmContact, CrmLead

PIPELINE_SALES = 7_001_001
STATUS_NEW = 61_000_001
STATUS_INVOICE = 61_000_003
STATUS_WON = 142
STATUS_LOST = 143


def demo_leads() -> list[CrmLead]:
    return [
        CrmLead(
            id=31_000_101,
            name="Спецодежда для цеха — ООО «Северный металл»",
            status_id=STATUS_NEW,
            pipeline_id=PIPELINE_SALES,
            price=186_000,
            responsible_user_id=8_100_001,
            custom_fields={"Ценовая категория": ["Оптовая"], "Источник": ["Сайт"]},
            company=CrmCompany(
                id=52_000_301,
                name="ООО «Северный металл»",
                custom_fields={"ИНН": ["7801234564"], "КПП": ["780101001"]},
            ),
            contacts=(
                CrmContact(
                    id=45_000_201,
                    name="Ковалёв Андрей Петрович",
                    phones=("+7 921 555-01-23",),
                    emails=("snab@severmetall.example",),
                ),
            ),
        ),
        CrmLead(
            id=31_000_102,
            name="Сигнальные жилеты 120 шт — АО «Дорстрой-Регион»",
            status_id=STATUS_INVOICE,
            pipeline_id=PIPELINE_SALES,
            price=42_600,
            responsible_user_id=8_100_002,
            custom_fields={
                "ИНН": ["4707012343"],
                "Ценовая категория": ["Дилерская"],
                "Источник": ["Звонок"],
            },
            contacts=(
                CrmContact(
                    id=45_000_202,
                    name="Лебедева Ольга Сергеевна",
                    phones=("+7 812 555-44-10", "+7 911 555-77-02"),
                    emails=("o.lebedeva@dorstroy-region.example",),
                ),
                CrmContact(
                    id=45_000_203,
                    name="Мартынов Игорь",
                    phones=("+7 911 555-90-14",),
                    emails=(),
                ),
            ),
        ),
        CrmLead(
            id=31_000_103,
            name="Зимние костюмы для склада — ИП Гарипов Р. Р.",
            status_id=STATUS_WON,
            pipeline_id=PIPELINE_SALES,
            price=87_000,
            responsible_user_id=8_100_001,
            custom_fields={"ИНН": ["165012345680"], "Ценовая категория": ["Розничная"]},
            contacts=(
                CrmContact(
                    id=45_000_204,
                    name="Гарипов Ринат Рустамович",
                    phones=("+7 987 555-32-11",),
                    emails=("garipov.rr@mail.example",),
                ),
            ),
        ),
    ]


class StubCrm:
    """The ``Crm`` port in memory."""

    def __init__(self, leads: Iterable[CrmLead] | None = None) -> None:
        self._leads: dict[int, CrmLead] = {
            lead.id: lead for lead in (demo_leads() if leads is None else leads)
        }

    async def get_lead(self, lead_id: int) -> CrmLead | None:
        return self._leads.get(lead_id)

    def put_lead(self, lead: CrmLead) -> None:
        """Add or replace a lead (tests, demo)."""
        self._leads[lead.id] = lead

    def leads(self) -> list[CrmLead]:
        return list(self._leads.values())
