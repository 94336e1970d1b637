"""Flags of mistakes in documents."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from app.models.flags import DocumentKind, FlagStatus
from app.schemas.common import ReadModel, StrictModel, Timestamp

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class FlagCreate(StrictModel):
    document_kind: DocumentKind
    document_ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    description: Text


class FlagFix(StrictModel):
    note: Text


class FlagRead(ReadModel):
    id: int
    document_kind: DocumentKind
    document_ref: str
    invoice_id: int | None
    description: str
    status: FlagStatus
    flagged_by_id: int | None
    fixed_by_id: int | None
    fix_note: str | None
    created_at: Timestamp
    fixed_at: Timestamp | None
    version: int
