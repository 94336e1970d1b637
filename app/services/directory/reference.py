"""The regulation's "useful" section: links and terms, readable by all, edited by an admin."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select

from app.core.errors import FieldError
from app.models.reference import ReferenceLink, ReferenceTerm
from app.schemas.reference import LinkCreate, LinkUpdate, TermCreate, TermUpdate
from app.services.kernel.common import ensure_version, get_or_404
from app.services.kernel.history import HistoryService, snapshot
from app.services.kernel.unit_of_work import UnitOfWork

R = TypeVar("R", ReferenceLink, ReferenceTerm)


class ReferenceService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.history = HistoryService(uow)

    def today(self) -> tuple[date, bool, date]:
        """Today in the company's zone, whether it is a working day, and the next working day."""
        calendar = self.uow.calendar
        today = calendar.local_date(self.uow.clock.now())
        return today, calendar.is_working_day(today), calendar.next_working_day(today)

    async def links(self) -> Sequence[ReferenceLink]:
        query = select(ReferenceLink).order_by(ReferenceLink.position, ReferenceLink.id)
        return (await self.uow.session.scalars(query)).all()

    async def terms(self) -> Sequence[ReferenceTerm]:
        query = select(ReferenceTerm).order_by(ReferenceTerm.kind, ReferenceTerm.term)
        return (await self.uow.session.scalars(query)).all()

    async def _unique(self, model: Any, field: str, value: str | None, exclude: int | None) -> None:
        if value is None:
            return
        query = select(model.id).where(getattr(model, field) == value)
        if exclude is not None:
            query = query.where(model.id != exclude)
        if await self.uow.session.scalar(query) is not None:
            raise FieldError(field, f"'{value}' already exists", code="duplicate")

    async def create_link(self, data: LinkCreate) -> ReferenceLink:
        await self._unique(ReferenceLink, "title", data.title, None)
        link = ReferenceLink(**data.model_dump(mode="json"), updated_at=self.uow.clock.now())
        self.uow.session.add(link)
        await self.uow.session.flush()
        self.history.record("reference_link", link.id, "created", None, snapshot(link))
        return link

    async def update_link(self, link_id: int, data: LinkUpdate, if_match: int | None) -> ReferenceLink:
        link = await get_or_404(self.uow, ReferenceLink, link_id, "link")
        ensure_version(link, if_match, "link")
        return await self._apply(
            link,
            "reference_link",
            data.model_dump(exclude_unset=True, mode="json"),
            required=("kind", "title", "url", "position"),
            unique="title",
        )

    async def delete_link(self, link_id: int, if_match: int | None) -> None:
        link = await get_or_404(self.uow, ReferenceLink, link_id, "link")
        ensure_version(link, if_match, "link")
        self.history.record("reference_link", link.id, "deleted", snapshot(link), None)
        await self.uow.session.delete(link)

    async def create_term(self, data: TermCreate) -> ReferenceTerm:
        await self._unique(ReferenceTerm, "term", data.term, None)
        term = ReferenceTerm(**data.model_dump(mode="json"), updated_at=self.uow.clock.now())
        self.uow.session.add(term)
        await self.uow.session.flush()
        self.history.record("reference_term", term.id, "created", None, snapshot(term))
        return term

    async def update_term(self, term_id: int, data: TermUpdate, if_match: int | None) -> ReferenceTerm:
        term = await get_or_404(self.uow, ReferenceTerm, term_id, "term")
        ensure_version(term, if_match, "term")
        return await self._apply(
            term,
            "reference_term",
            data.model_dump(exclude_unset=True, mode="json"),
            required=("kind", "term", "definition"),
            unique="term",
        )

    async def delete_term(self, term_id: int, if_match: int | None) -> None:
        term = await get_or_404(self.uow, ReferenceTerm, term_id, "term")
        ensure_version(term, if_match, "term")
        self.history.record("reference_term", term.id, "deleted", snapshot(term), None)
        await self.uow.session.delete(term)

    async def _apply(
        self, row: R, entity: str, changes: dict[str, Any], *, required: tuple[str, ...], unique: str
    ) -> R:
        for field in required:
            if field in changes and changes[field] is None:
                raise FieldError(field, "cannot be null")
        await self._unique(type(row), unique, changes.get(unique), row.id)
        before = snapshot(row)
        for key, value in changes.items():
            setattr(row, key, value)
        if changes:
            row.updated_at = self.uow.clock.now()
            await self.uow.session.flush()
            self.history.record_change(entity, row.id, before, snapshot(row))
        return row
