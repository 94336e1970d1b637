"""A Russian Post tracking stand-in: a plausible, invented, deterministic history for any valid id.

The same identifier always gives the same history (offices, times and how far the item has got), so a
demo and a test can rely on it. Some items are still on the way, some wait at the delivery office, the
rest are handed over.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta, timezone

from app.adapters.post.barcodes import Barcode, parse_barcode
from app.core.clock import Clock, SystemClock
from app.services.kernel.ports import TrackingOperation

MOSCOW_TIME = timezone(timedelta(hours=3), "MSK")
DEFAULT_EPOCH = datetime(2025, 1, 9, 9, 0, tzinfo=MOSCOW_TIME)

RECEPTION = "Приём"
PROCESSING = "Обработка"
ARRIVED_FOR_DELIVERY = "Прибыло в место вручения"
DELIVERY = "Вручение"

# (postal index of an office, city); invented choice of real cities.
OFFICES = (
    ("101000", "Москва"),
    ("190000", "Санкт-Петербург"),
    ("620014", "Екатеринбург"),
    ("630099", "Новосибирск"),
    ("420111", "Казань"),
    ("603000", "Нижний Новгород"),
    ("344002", "Ростов-на-Дону"),
    ("443099", "Самара"),
    ("163000", "Архангельск"),
    ("183038", "Мурманск"),
)
_CITY_BY_PREFIX = {index[:3]: city for index, city in OFFICES}
COUNTRIES = {"CN": "Китай", "DE": "Германия", "TR": "Турция", "BY": "Беларусь", "KZ": "Казахстан"}


def _seed(value: str) -> int:
    return int.from_bytes(hashlib.sha256(value.encode("ascii")).digest()[:8], "big")


class StubPostTracker:
    """The ``PostTracker`` port without the post: ``ValueError`` for an invalid identifier."""

    def __init__(
        self, *, epoch: datetime = DEFAULT_EPOCH, days_spread: int = 300, clock: Clock | None = None
    ) -> None:
        if epoch.tzinfo is None:
            raise ValueError("epoch must be an aware datetime")
        self.epoch = epoch
        self.days_spread = max(1, days_spread)
        self.clock = clock or SystemClock()

    async def history(self, barcode: str, posted_on: date | None = None) -> list[TrackingOperation]:
        """Posted on a known day: the history starts then (its reception in the office's working
        hours) and shows what has happened by the clock's now. Without it, a day after the epoch."""
        operations = self.history_of(parse_barcode(barcode), posted_on)
        now = self.clock.now()
        return [operation for operation in operations if operation.at <= now]

    def history_of(self, barcode: Barcode, posted_on: date | None = None) -> list[TrackingOperation]:
        rng = random.Random(_seed(barcode.value))  # noqa: S311 - invented data, not a secret
        start = self.epoch + timedelta(days=rng.randrange(self.days_spread))
        if posted_on is not None:
            start = datetime.combine(posted_on, time(9, 0), tzinfo=MOSCOW_TIME)
        at = start + timedelta(minutes=rng.randrange(8 * 60))
        destination_index, destination_city = OFFICES[rng.randrange(len(OFFICES))]
        operations: list[TrackingOperation] = []

        def step(operation: str, attribute: str, place: str, hours: tuple[float, float]) -> None:
            nonlocal at
            at += timedelta(minutes=round(rng.uniform(*hours) * 60))
            operations.append(TrackingOperation(at=at, operation=operation, attribute=attribute, place=place))

        if barcode.kind == "domestic" or barcode.country == "RU":
            origin_index = barcode.postal_index or OFFICES[rng.randrange(len(OFFICES))][0]
            origin_city = _CITY_BY_PREFIX.get(origin_index[:3], "")
            origin = f"{origin_index}, {origin_city}" if origin_city else f"ОПС {origin_index}"
            step(RECEPTION, "Единичный", origin, (0, 0))
            step(PROCESSING, "Покинуло место приёма", origin, (3, 8))
            hub = f"Сортировочный центр {origin_city or origin_index}"
            step(PROCESSING, "Прибыло в сортировочный центр", hub, (4, 12))
            step(PROCESSING, "Покинуло сортировочный центр", hub, (2, 6))
        else:
            country = barcode.country or ""
            step(RECEPTION, "Единичный", COUNTRIES.get(country, country), (0, 0))
            step(PROCESSING, "Покинуло место приёма", COUNTRIES.get(country, country), (6, 24))
            step(PROCESSING, "Импорт международного отправления", "Москва ММПО", (72, 240))
            step(PROCESSING, "Покинуло сортировочный центр", "Москва ММПО", (24, 72))
            origin_city = "Москва"

        progress = rng.randrange(4)  # 0: on the way; 1: waiting at the office; 2, 3: handed over
        if progress == 0:
            return operations
        if destination_city != origin_city:
            step(
                PROCESSING,
                "Прибыло в сортировочный центр",
                f"Сортировочный центр {destination_city}",
                (20, 72),
            )
        place = f"{destination_index}, {destination_city}"
        step(ARRIVED_FOR_DELIVERY, "Прибыло в место вручения", place, (6, 20))
        if progress >= 2:
            step(DELIVERY, "Вручение адресату", place, (20, 120))
        return operations
