"""`pomoshnik rates import FILE.csv`: adds and corrects rows, a second run changes nothing, a bad file
is refused with the row named and nothing written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from app.core.db import create_engine, create_session_factory
from app.models.rates import KeyRate, KeyRateRefresh, RateSource, RateStatus
from tests.test_cli import _env, _pomoshnik


async def _rates(url: str) -> dict[date, tuple[int, RateStatus, RateSource]]:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            rows = (await session.scalars(select(KeyRate))).all()
            return {r.effective_from: (r.rate_bp, r.status, r.source) for r in rows}
    finally:
        await engine.dispose()


async def _refreshes(url: str) -> list[tuple[RateSource, bool, int]]:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            rows = (await session.scalars(select(KeyRateRefresh).order_by(KeyRateRefresh.id))).all()
            return [(r.source, r.ok, r.changed) for r in rows]
    finally:
        await engine.dispose()


async def test_import_adds_and_corrects_then_changes_nothing(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert _pomoshnik(env, "migrate").returncode == 0
    seeded = await _rates(env["APP_DB__URL"])
    assert seeded[date(2016, 6, 14)] == (1050, RateStatus.CONFIRMED, RateSource.SEED)
    assert seeded[date(2026, 3, 23)][1] == RateStatus.UNCONFIRMED

    update = tmp_path / "rates.csv"
    update.write_text(
        "# checked against cbr.ru\n"
        "effective_from,rate_percent,status\n"
        "2026-03-23,15.00,confirmed\n"  # the same rate, now confirmed
        "2026-09-14,13.50,confirmed\n",  # a new decision
        encoding="utf-8",
    )
    first = _pomoshnik(env, "rates", "import", str(update))
    assert first.returncode == 0, first.stderr
    assert "2 rows read, 2 added or changed" in first.stderr
    after = await _rates(env["APP_DB__URL"])
    assert after[date(2026, 3, 23)] == (1500, RateStatus.CONFIRMED, RateSource.IMPORT)
    assert after[date(2026, 9, 14)] == (1350, RateStatus.CONFIRMED, RateSource.IMPORT)
    assert len(after) == len(seeded) + 1

    again = _pomoshnik(env, "rates", "import", str(update))
    assert again.returncode == 0, again.stderr
    assert "0 added or changed" in again.stderr
    assert await _rates(env["APP_DB__URL"]) == after
    imported = [(RateSource.IMPORT, True, 2), (RateSource.IMPORT, True, 0)]
    assert await _refreshes(env["APP_DB__URL"]) == imported


async def test_a_bad_file_names_the_row_and_writes_nothing(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert _pomoshnik(env, "migrate").returncode == 0
    before = await _rates(env["APP_DB__URL"])
    bad = tmp_path / "bad.csv"
    bad.write_text("effective_from,rate_percent\n2026-09-14,13.50\n2026-10-26,abc\n", encoding="utf-8")
    refused = _pomoshnik(env, "rates", "import", str(bad))
    assert refused.returncode == 2
    assert "row 3: rate_percent is not a number" in refused.stderr
    missing = _pomoshnik(env, "rates", "import", str(tmp_path / "nowhere.csv"))
    assert missing.returncode == 2
    assert await _rates(env["APP_DB__URL"]) == before
