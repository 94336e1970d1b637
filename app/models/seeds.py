"""Which reference data an installation has loaded: each seed is applied once, like a migration,
so a start never re-creates (or trips over) rows people have edited or removed since."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base


class AppliedSeed(Base):
    __tablename__ = "applied_seeds"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    applied_at: Mapped[datetime]
