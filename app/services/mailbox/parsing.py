"""Reading an e-mail as it came (RFC 5322 bytes) with the standard library: who sent it, what it
answers, its new text without the quoted history, its attachments, and whether a machine sent it
(an automatic reply, a delivery status notification, a mailing list)."""

from __future__ import annotations

import email
import email.policy
import email.utils
import functools
import html
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from typing import Any

MAX_TEXT = 20_000


@functools.lru_cache(maxsize=512)
def _header_object(name: str, value: str) -> Any:
    return email.policy.default.header_fetch_parse(name, value)


class _Policy(email.policy.EmailPolicy):
    """The standard library's default policy, each header parsed once: it parses a header again
    each time it is read, and reading a message (its body, its parts' types, dispositions, names
    and charsets) reads the same Content-Type two dozen times, most of the parse's cost."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name"):
            return value
        return _header_object(name, value)


_POLICY = _Policy()


class MalformedEmail(ValueError):
    """Not an e-mail that can be read."""


@dataclass(frozen=True)
class Part:
    filename: str | None
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Bounce:
    """A delivery status notification (RFC 3464): which of our messages, to whom, why."""

    original_message_id: str | None
    recipients: list[str]
    diagnostic: str


@dataclass
class ParsedEmail:
    message_id: str | None
    sender: str | None
    sender_name: str
    subject: str
    answers: list[str]  # In-Reply-To, then References from the newest back
    text: str  # the whole plain text
    new_text: str  # without the quoted history
    attachments: list[Part] = field(default_factory=list)
    automatic: str | None = None  # why it is an automatic reply
    mailing_list: str | None = None
    bounce: Bounce | None = None


_ID = re.compile(r"<[^<>\s]{1,500}>")


def message_ids(value: str | None) -> list[str]:
    return _ID.findall(value or "")


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _decoded_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("utf-8", errors="replace")


_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)
_BREAK = re.compile(r"<\s*(br|/p|/div|/tr|/li|/h\d)\b[^>]*>", re.I)
_BLOCKQUOTE = re.compile(r"<blockquote\b.*</blockquote>", re.S | re.I)


def html_to_text(markup: str) -> str:
    """The words of an HTML body; what it quotes (``blockquote``) is the history, and is left out."""
    markup = _BLOCKQUOTE.sub("\n> …\n", markup)
    markup = _BREAK.sub("\n", markup)
    text = html.unescape(_TAG.sub("", markup))
    return "\n".join(line.strip() for line in text.splitlines())


# The quoted history begins at a line like these (Gmail, Yandex, Mail.ru, Outlook, Thunderbird in
# Russian and English), or at the first line quoted with ">".
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(original message|исходное сообщение|пересылаемое сообщение|forwarded message)",
    re.I,
)
_HEADER_FROM = re.compile(r"^\s*\**\s*(от|from)\s*:\**\s*\S", re.I)
_HEADER_NEXT = re.compile(r"^\s*\**\s*(отправлено|sent|дата|date|кому|to|тема|subject)\s*:", re.I)
_ATTRIBUTION = re.compile(r"(пишет|писал[аи]?|написал[аи]?(\(а\))?|wrote)\s*:\s*$|@[^\s]+>?\s*:\s*$", re.I)


def reply_text(text: str) -> str:
    """The new text of a reply: up to the quoted history and its attribution line
    («7 дек. 2026 г., в 10:00, Помощник <…> написал:»), with its trailing blank lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        if line.lstrip().startswith(">") or _SEPARATOR.match(line):
            cut = index
            break
        if _HEADER_FROM.match(line) and any(_HEADER_NEXT.match(n) for n in lines[index + 1 : index + 4]):
            cut = index
            break
    kept = lines[:cut]
    while kept and not kept[-1].strip():
        kept.pop()
    # The attribution above the quote, which a mail program may fold over two lines.
    if cut < len(lines) and kept and _ATTRIBUTION.search(kept[-1].strip()):
        kept.pop()
        if kept and kept[-1].strip() and not kept[-1].rstrip().endswith((".", "!", "?")) and len(kept) > 1:
            previous = kept[-1].strip()
            if re.search(r"\d{1,2}[:.]\d{2}|\d{4}", previous):
                kept.pop()
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept).strip()[:MAX_TEXT]


def _automatic(message: Message, subject: str) -> str | None:
    submitted = _header(message, "Auto-Submitted").lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autogenerated"):
        if message.get(name) is not None:
            return name
    precedence = _header(message, "Precedence").lower()
    if precedence in {"auto_reply", "junk"}:
        return f"Precedence: {precedence}"
    if re.match(
        r"^\s*(auto(matic)? ?reply|автоответ|автоматический ответ|out of (the )?office|отсутству)",
        subject,
        re.I,
    ):
        return f"subject: {subject[:100]}"
    return None


def _mailing_list(message: Message) -> str | None:
    for name in ("List-Id", "List-Unsubscribe", "List-Post"):
        if message.get(name) is not None:
            return name
    precedence = _header(message, "Precedence").lower()
    return f"Precedence: {precedence}" if precedence in {"list", "bulk"} else None


def _bounce(message: Message) -> Bounce | None:
    if message.get_content_type() != "multipart/report":
        return None
    if (message.get_param("report-type") or "").lower() != "delivery-status":  # type: ignore[union-attr]
        return None
    original: str | None = None
    recipients: list[str] = []
    diagnostic: list[str] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in part.get_payload() if isinstance(part.get_payload(), list) else []:
                if not isinstance(block, Message):
                    continue
                action = _header(block, "Action").lower()
                recipient = _header(block, "Final-Recipient") or _header(block, "Original-Recipient")
                if recipient and action in {"", "failed"}:
                    recipients.append(recipient.rpartition(";")[2].strip())
                    diagnostic.append(
                        " ".join(
                            x for x in (_header(block, "Status"), _header(block, "Diagnostic-Code")) if x
                        )
                    )
        elif kind in {"message/rfc822", "text/rfc822-headers", "message/rfc822-headers"} and original is None:
            payload = part.get_payload()
            inner: Message | None = None
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                inner = payload[0]
            elif isinstance(payload, str):
                inner = email.message_from_string(payload, policy=email.policy.compat32)
            if inner is not None:
                ids = message_ids(inner.get("Message-ID"))
                original = ids[0] if ids else None
    if not recipients and original is None:
        return None
    return Bounce(original, recipients, "; ".join(d for d in diagnostic if d)[:1000])


def _attachments(message: Message) -> list[Part]:
    found: list[Part] = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() == "message":
            continue
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        if disposition != "attachment" and not filename:
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            found.append(Part(filename, part.get_content_type(), payload))
    return found


def parse(raw: bytes) -> ParsedEmail:
    """Read ``raw``; ``MalformedEmail`` when it has no headers at all or cannot be decoded."""
    if not raw.strip():
        raise MalformedEmail("the message is empty")
    try:
        message = email.message_from_bytes(raw, policy=_POLICY)
        assert isinstance(message, EmailMessage)
        if not message.keys():
            raise MalformedEmail("the message has no headers")
        subject = _header(message, "Subject")
        name, address = email.utils.parseaddr(_header(message, "From"))
        ids = message_ids(message.get("Message-ID"))
        answers = message_ids(message.get("In-Reply-To")) + list(
            reversed(message_ids(message.get("References")))
        )
        body = message.get_body(preferencelist=("plain", "html"))
        text = ""
        if body is not None:
            text = _decoded_text(body)
            if body.get_content_subtype() == "html":
                text = html_to_text(text)
        text = text.replace("\x00", "")[: MAX_TEXT * 5]
        bounce = _bounce(message)
        return ParsedEmail(
            message_id=ids[0] if ids else None,
            sender=address.strip().lower() or None if "@" in address else None,
            sender_name=name.strip(),
            subject=subject[:500],
            answers=list(dict.fromkeys(answers)),
            text=text.strip()[:MAX_TEXT],
            new_text=reply_text(text),
            attachments=[] if bounce else _attachments(message),
            automatic=None if bounce else _automatic(message, subject),
            mailing_list=_mailing_list(message),
            bounce=bounce,
        )
    except MalformedEmail:
        raise
    except (ValueError, TypeError, LookupError, AttributeError, IndexError, AssertionError) as exc:
        raise MalformedEmail(f"cannot read the message: {type(exc).__name__}: {exc}"[:500]) from exc


def parse_all(raws: list[bytes | None]) -> list[ParsedEmail | MalformedEmail | None]:
    """Each of ``raws`` read (None for one not fetched), or why it cannot be: for a batch read in
    another process while this one records the batch before."""
    read: list[ParsedEmail | MalformedEmail | None] = []
    for raw in raws:
        if raw is None:
            read.append(None)
            continue
        try:
            read.append(parse(raw))
        except MalformedEmail as exc:
            read.append(exc)
    return read
