"""`pomoshnik rates import FILE.csv` and `pomoshnik rates refresh`: add and correct rows, a second run
changes nothing, a bad file or a failing service is refused with the reason and nothing written.

The commands run in this process (tests/support/cli.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from app.core.db import create_engine, create_session_factory
from app.models.rates import KeyRate, KeyRateRefresh, RateSource, RateStatus
from app.services.receivables.rates import packaged_rates
from tests.adapters.cbr_server import PATH, FakeCbr
from tests.support.cli import Ran
from tests.support.servers import LoopbackServer


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "APP_DB__URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
        "APP_CHAT__STUB_DIR": str(tmp_path / "chat"),
        "APP_LOG_LEVEL": "WARNING",
    } | extra


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


def test_import_adds_and_corrects_then_changes_nothing(tmp_path: Path, pomoshnik: Callable[..., Ran]) -> None:
    env = _env(tmp_path)
    assert pomoshnik(env, "migrate").returncode == 0
    seeded = asyncio.run(_rates(env["APP_DB__URL"]))
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
    first = pomoshnik(env, "rates", "import", str(update))
    assert first.returncode == 0, first.stderr
    assert "2 rows read, 2 added or changed" in first.stderr
    after = asyncio.run(_rates(env["APP_DB__URL"]))
    assert after[date(2026, 3, 23)] == (1500, RateStatus.CONFIRMED, RateSource.IMPORT)
    assert after[date(2026, 9, 14)] == (1350, RateStatus.CONFIRMED, RateSource.IMPORT)
    assert len(after) == len(seeded) + 1

    again = pomoshnik(env, "rates", "import", str(update))
    assert again.returncode == 0, again.stderr
    assert "0 added or changed" in again.stderr
    assert asyncio.run(_rates(env["APP_DB__URL"])) == after
    imported = [(RateSource.IMPORT, True, 2), (RateSource.IMPORT, True, 0)]
    assert asyncio.run(_refreshes(env["APP_DB__URL"])) == imported


def test_a_bad_file_names_the_row_and_writes_nothing(tmp_path: Path, pomoshnik: Callable[..., Ran]) -> None:
    env = _env(tmp_path)
    assert pomoshnik(env, "migrate").returncode == 0
    before = asyncio.run(_rates(env["APP_DB__URL"]))
    bad = tmp_path / "bad.csv"
    bad.write_text("effective_from,rate_percent\n2026-09-14,13.50\n2026-10-26,abc\n", encoding="utf-8")
    refused = pomoshnik(env, "rates", "import", str(bad))
    assert refused.returncode == 2
    assert "row 3: rate_percent is not a number" in refused.stderr
    missing = pomoshnik(env, "rates", "import", str(tmp_path / "nowhere.csv"))
    assert missing.returncode == 2
    assert asyncio.run(_rates(env["APP_DB__URL"])) == before


def test_refresh_reads_the_bank_of_russia_service_and_a_second_run_changes_nothing(
    tmp_path: Path, pomoshnik: Callable[..., Ran]
) -> None:
    fake = FakeCbr()
    # The service publishes the packaged history (so every row it covers gets confirmed) and one
    # decision the packaged table does not have.
    decisions = [(r.effective_from, r.rate_percent) for r in packaged_rates()]
    fake.reset([*decisions, (date(2026, 10, 26), Decimal("13.50"))])
    with LoopbackServer(fake.app()) as server:
        env = _env(tmp_path, APP_RATES__ADAPTER="cbr", APP_RATES__URL=server.url + PATH)
        assert pomoshnik(env, "migrate").returncode == 0
        first = pomoshnik(env, "rates", "refresh", "--days", "4000")
        assert first.returncode == 0, first.stderr
        # 2026-03-23, 04-27, 06-22 and 07-27 confirmed, and 2026-10-26 added
        assert "5 rows added or changed; now 13.50%" in first.stderr
        table = asyncio.run(_rates(env["APP_DB__URL"]))
        assert table[date(2026, 10, 26)] == (1350, RateStatus.CONFIRMED, RateSource.CBR)
        assert {status for _, status, _ in table.values()} == {RateStatus.CONFIRMED}

        second = pomoshnik(env, "rates", "refresh", "--days", "4000")
        assert second.returncode == 0, second.stderr
        assert "0 rows added or changed" in second.stderr
        assert asyncio.run(_rates(env["APP_DB__URL"])) == table

        fake.failures.append(500)
        failed = pomoshnik(env, "rates", "refresh")
        assert failed.returncode == 1
        assert "SOAP fault" in failed.stderr
    assert [c.soap_action for c in fake.calls] == ['"http://web.cbr.ru/KeyRateXML"'] * 3
