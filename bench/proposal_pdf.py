"""Proposal PDF benchmark: a 20-line proposal with 20 photos (goal < 500 ms warm) and a one-line one
(goal < 100 ms warm), medians over N runs, written to bench/results/ and printed.

Photos are made as a phone would take them (3000×2000 JPEGs), put through the upload path (checked,
print copy made) into a local store, and read back through the storage port on every run, as the
service does. "Warm" means the fonts and templates are loaded: the first render is not counted.
Run: .venv/bin/python bench/proposal_pdf.py [--runs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from app.adapters.storage import LocalStorage  # noqa: E402
from app.services.documents.company import CompanyRequisites  # noqa: E402
from app.services.documents.proposal import (  # noqa: E402
    ProposalLineView,
    ProposalView,
    render_proposal_pdf,
)
from app.services.media.images import check_image, print_copy  # noqa: E402
from bench.common import machine, shown, verdict, write_result  # noqa: E402

COMPANY = CompanyRequisites(
    name="ООО «Спецодежда-Север»",
    inn="3525000013",
    kpp="352501001",
    address="160000, г. Вологда, ул. Промышленная, д. 1",
    phone="+7 (8172) 00-00-00",
    email="sales@example.com",
    bank_name="ПАО «Примерный банк», г. Вологда",
    bik="041909000",
    account="40702810000000000001",
    logo_key=None,
)


def phone_photo(seed: int) -> bytes:
    """A 3000×2000 JPEG with gradients and detail, about the size a phone camera makes."""
    small = Image.effect_noise((300, 200), 60 + seed).convert("RGB")
    tint = Image.new("RGB", (300, 200), (seed * 37 % 256, seed * 71 % 256, seed * 113 % 256))
    picture = Image.blend(small, tint, 0.5).resize((3000, 2000), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


async def upload(storage: LocalStorage, content: bytes) -> str:
    image = check_image(content, 20 * 1024 * 1024)
    await storage.put(image.key, image.content, image.content_type)
    await storage.put(image.print_key, print_copy(image), "image/jpeg")
    return image.print_key


def view(keys: list[str]) -> ProposalView:
    lines = tuple(
        ProposalLineView(
            number=i,
            name=f"Костюм рабочий утеплённый «Север-{i}», куртка и полукомбинезон",
            description="Ткань смесовая 65/35, 210 г/м², водоотталкивающая пропитка, СОП 50 мм",
            unit="шт",
            quantity=10 + i,
            price=Decimal("4870.00"),
            amount=Decimal("4870.00") * (10 + i),
            photo_key=key,
        )
        for i, key in enumerate(keys, start=1)
    )
    return ProposalView(
        company=COMPANY,
        number="1024",
        revision=1,
        issued_on=date(2026, 12, 1),
        valid_until=date(2026, 12, 15),
        client_name="ООО «Лесной терминал»",
        contact_name="Воронова Елена Игоревна",
        workwear_kind="зимние рабочие костюмы",
        lines=lines,
        total=sum((x.amount for x in lines), Decimal("0.00")),
        vat_rate=Decimal(22),
        manager_name="Белов Игорь Николаевич",
        manager_phone="+79215550123",
        manager_email="belov@example.com",
    )


async def render_from_storage(storage: LocalStorage, document: ProposalView) -> bytes:
    """The proposal's PDF with its photos read through the storage port, as the service does."""
    pictures: dict[str, bytes] = {}
    for key in document.photo_keys:
        stored = await storage.get(key)
        if stored is not None:
            pictures[key] = stored.content
    return render_proposal_pdf(document, pictures)


async def timed(storage: LocalStorage, document: ProposalView, runs: int) -> tuple[list[float], int]:
    async def once() -> tuple[float, int]:
        started = time.perf_counter()
        pdf = await render_from_storage(storage, document)
        return (time.perf_counter() - started) * 1000, len(pdf)

    await once()  # warm-up: fonts, templates, image decoders
    results = [await once() for _ in range(runs)]
    return [ms for ms, _ in results], results[-1][1]


async def measure(runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="pomoshnik-bench-") as tmp:
        storage = LocalStorage(Path(tmp))
        keys = [await upload(storage, phone_photo(i)) for i in range(1, 21)]
        big, big_size = await timed(storage, view(keys), runs)
        small, small_size = await timed(storage, view(keys[:1]), runs * 3)
    return {
        "twenty_lines_median_ms": round(statistics.median(big), 1),
        "twenty_lines_max_ms": round(max(big), 1),
        "twenty_lines_pdf_bytes": big_size,
        "one_line_median_ms": round(statistics.median(small), 1),
        "one_line_max_ms": round(max(small), 1),
        "one_line_pdf_bytes": small_size,
        "runs_twenty": len(big),
        "runs_one": len(small),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--runs", type=int, default=20, help="timed runs of the 20-line proposal (x3 for one line)"
    )
    args = parser.parse_args()
    result = asyncio.run(measure(max(1, min(args.runs, 500))))
    result |= {"machine": machine(), "when": time.strftime("%Y-%m-%d %H:%M")}
    out = write_result("proposal-pdf", result)
    big_ok = verdict(float(str(result["twenty_lines_median_ms"])) < 500)
    small_ok = verdict(float(str(result["one_line_median_ms"])) < 100)
    print(f"\nProposal PDF, warm, photos read through the storage port — {result['machine']}")
    print(f"{'measure':40} {'median':>9} {'max':>9}  goal")
    print(
        f"{'20 lines, 20 photos, ms':40} {result['twenty_lines_median_ms']:>9} "
        f"{result['twenty_lines_max_ms']:>9}  < 500 ({big_ok})"
    )
    print(
        f"{'1 line, 1 photo, ms':40} {result['one_line_median_ms']:>9} {result['one_line_max_ms']:>9}"
        f"  < 100 ({small_ok})"
    )
    print(f"written to {shown(out)}")


if __name__ == "__main__":
    main()
