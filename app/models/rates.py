"""The Bank of Russia key rate as dated data, and the log of its refreshes."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, str_enum


class RateStatus(StrEnum):
    CONFIRMED = "confirmed"  # read from the Bank of Russia, or checked against its history
    UNCONFIRMED = "unconfirmed"  # seen only in other tables; to be checked before it is relied on


class RateSource(StrEnum):
    SEED = "seed"  # the table shipped with the application (app/data/key_rates.csv)
    IMPORT = "import"  # `pomoshnik rates import FILE.csv`
    CBR = "cbr"  # the Bank of Russia's DailyInfo web service, by the daily job


class KeyRate(Base):
    """A key rate in force from ``effective_from`` until the next row's date."""

    __tablename__ = "key_rates"

    effective_from: Mapped[date] = mapped_column(Date, primary_key=True)
    # Hundredths of a percent (1650 = 16.50 %): exact on every backend, like money in kopecks.
    rate_bp: Mapped[int] = mapped_column(Integer)
    status: Mapped[RateStatus] = mapped_column(str_enum(RateStatus, 16))
    source: Mapped[RateSource] = mapped_column(str_enum(RateSource, 16))
    updated_at: Mapped[datetime]


class KeyRateRefresh(Base):
    """One attempt to refresh the table (the job or an import): how stale the table is comes from here."""

    __tablename__ = "key_rate_refreshes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[RateSource] = mapped_column(str_enum(RateSource, 16))
    at: Mapped[datetime] = mapped_column(index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
