"""The regulation's "useful" section as data: links, terms and abbreviations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, Versioned, str_enum


class LinkKind(StrEnum):
    CHAT = "chat"
    REPORT = "report"
    TRAINING = "training"
    SITE = "site"
    PLATFORM = "platform"
    OTHER = "other"


class TermKind(StrEnum):
    TERM = "term"
    ABBREVIATION = "abbreviation"


class ReferenceLink(Versioned, Base):
    __tablename__ = "reference_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[LinkKind] = mapped_column(str_enum(LinkKind))
    title: Mapped[str] = mapped_column(String(200), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class ReferenceTerm(Versioned, Base):
    __tablename__ = "reference_terms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[TermKind] = mapped_column(str_enum(TermKind))
    term: Mapped[str] = mapped_column(String(100), unique=True)
    definition: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
