"""The e-mails taken from the shared mailbox."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from app.models.mailbox import InboundKind
from app.models.outbox import MessageAbout
from app.schemas.common import AllowedActions, ReadModel, Timestamp


class InboundEmailRead(ReadModel):
    id: int
    kind: InboundKind = Field(
        description="What it became: `order` (an order made), `reply` (attached to the document it "
        "answers), `auto_reply`, `bounce`, `mailing_list`, `duplicate` (the same Message-ID taken "
        "before), `failed` (kept with the reason in `outcome`)"
    )
    sender: str | None
    subject: str | None
    outcome: str | None = Field(description="What was done with it, or why not (a failure's reason)")
    message_id: str | None
    folder: str
    uid: int
    size: int = Field(description="Bytes, as it came")
    received_at: Timestamp
    about: MessageAbout | None = Field(description="The kind of document it answers or bounced from")
    about_id: int | None
    outbound_id: int | None = Field(description="Our e-mail it answers or bounced from")
    order_id: int | None = Field(description="The order it made")
    task_id: int | None = Field(description="The task it gave someone")


class InboundHeader(BaseModel):
    name: str
    value: str


class InboundPart(BaseModel):
    index: int = Field(description="Its place among the parts: `GET …/parts/{index}` downloads it")
    filename: str | None
    content_type: str | None
    size: int | None
    problem: str | None = Field(description="Why it was not kept (type, size), else null")
    downloadable: bool


class InboundDocument(BaseModel):
    about: MessageAbout
    id: int
    title: Annotated[str, Field(description="As people name it: «Счёт № 2026-000015»")]
    order_id: int | None = Field(
        description="The order whose page shows the document (an invoice: where its approval is recorded)"
    )


class InboundEmailDetail(InboundEmailRead):
    text: str | None = Field(description="The new text of the message, without the quoted history")
    headers: list[InboundHeader] = Field(description="From, To, Date, Subject, Message-ID, In-Reply-To…")
    parts: list[InboundPart] = Field(description="Its attachments as kept, or why not")
    document: InboundDocument | None
    raw_available: bool = Field(description="`GET …/raw` gives the message as it came (.eml)")
    allowed_actions: AllowedActions
