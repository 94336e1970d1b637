"""Outgoing mail over SMTP with aiosmtplib.

The message is a UTF-8 MIME message: plain text, an optional HTML alternative, attachments (file
names in any script, encoded per RFC 2231). The Message-ID is the one given (the outbox keeps it across
attempts so a receiver can tell a repeat) or a new one on the sender's domain.

Errors: a recipient refused with a 5xx code, or a message refused with a 5xx code after DATA, will
be refused again, so they are permanent; anything else (connection, timeout, 4xx, authentication,
sender refused) is transient and worth another attempt later.
"""

from __future__ import annotations

import email.policy
import email.utils
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.header import Header
from email.message import EmailMessage as MimeMessage

import aiosmtplib

from app.core.config import SmtpSettings
from app.core.logging import get_logger
from app.services.kernel.ports import EmailMessage, MailError

log = get_logger(__name__)

# Called with the Message-ID as soon as the server has taken the message, before the session ends.
Accepted = Callable[[str], Awaitable[None]]


def _single_line(value: str) -> str:
    return " ".join(value.splitlines()).strip()


def _angle(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def _encoded_subject(subject: str) -> str:
    """The Subject as RFC 2047 encoded words, folded, with every space inside the words.

    The folder of ``email.policy`` in Python 3.11 can leave a space between two encoded words, where
    a reader must drop it (RFC 2047, section 6.2): «Северная Стройгруппа» arrived as
    «СевернаяСтройгруппа» and «(редакция 2) — на проверку» as «(редакция 2)— на проверку» (fixed
    upstream only in later Python versions, python/cpython#144156). ``Header`` encodes the whole
    text, spaces included, as encoded words of at most 78-character lines, and the policy keeps
    such an already folded value as it is.
    """
    return Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")


def sender_domain(sender: str) -> str:
    address = email.utils.parseaddr(sender)[1]
    _, _, domain = address.rpartition("@")
    return domain or "localhost"


def build_mime(
    message: EmailMessage, *, sender: str, domain: str, now: datetime | None = None
) -> MimeMessage:
    """The MIME message for ``message``; raises ``MailError`` (permanent) when it cannot be built."""
    if not message.to:
        raise MailError("no recipients", permanent=True)
    mime = MimeMessage(policy=email.policy.SMTP)
    try:
        mime["From"] = sender
        mime["To"] = ", ".join(address.strip() for address in message.to)
        if message.reply_to:
            mime["Reply-To"] = message.reply_to.strip()
        subject = _single_line(message.subject)
        if subject.isascii():
            mime["Subject"] = subject
        else:
            mime.set_raw("Subject", _encoded_subject(subject))
        mime["Date"] = email.utils.format_datetime(now or datetime.now(UTC))
        mime["Message-ID"] = (
            _angle(message.message_id) if message.message_id else email.utils.make_msgid(domain=domain)
        )
        mime.set_content(message.text, charset="utf-8")
        if message.html:
            mime.add_alternative(message.html, subtype="html", charset="utf-8")
        for attachment in message.attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            if not maintype or not subtype:
                maintype, subtype = "application", "octet-stream"
            mime.add_attachment(
                attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
            )
    except (ValueError, TypeError) as exc:
        raise MailError(f"cannot build the message: {exc}", permanent=True) from exc
    return mime


class SmtpMailer:
    """The ``Mailer`` port over SMTP."""

    def __init__(self, settings: SmtpSettings, *, domain: str | None = None) -> None:
        self._settings = settings
        self._envelope_sender = email.utils.parseaddr(settings.sender)[1]
        self._domain = domain or sender_domain(settings.sender)

    async def send(self, message: EmailMessage, *, accepted: Accepted | None = None) -> str:
        mime = build_mime(message, sender=self._settings.sender, domain=self._domain)
        message_id = str(mime["Message-ID"])
        settings = self._settings
        with_auth = bool(settings.username) and settings.password is not None
        client = aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.port,
            use_tls=settings.use_tls,
            start_tls=settings.start_tls,
            timeout=settings.timeout_seconds,
            username=settings.username if with_auth else None,
            password=settings.password.get_secret_value() if with_auth and settings.password else None,
        )
        try:
            await client.connect()
            refused, _ = await client.send_message(
                mime,
                sender=self._envelope_sender or None,
                recipients=[address.strip() for address in message.to],
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            client.close()
            codes = [refusal.code for refusal in exc.recipients]
            details = "; ".join(
                f"{refusal.recipient}: {refusal.code} {refusal.message}" for refusal in exc.recipients
            )
            raise MailError(
                f"all recipients refused: {details}", permanent=bool(codes) and all(c >= 500 for c in codes)
            ) from exc
        except aiosmtplib.SMTPRecipientRefused as exc:
            client.close()
            raise MailError(
                f"recipient refused: {exc.recipient}: {exc.code} {exc.message}", permanent=exc.code >= 500
            ) from exc
        except aiosmtplib.SMTPDataError as exc:
            client.close()
            raise MailError(f"message refused: {exc.code} {exc.message}", permanent=exc.code >= 500) from exc
        except aiosmtplib.SMTPResponseException as exc:
            client.close()
            raise MailError(f"SMTP server answered {exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            raise MailError(f"SMTP failure: {type(exc).__name__}: {exc}") from exc
        try:
            # The server has answered 250 to the message: it is sent. ``accepted`` records that
            # before anything else happens (QUIT is one more round trip), so the time in which a
            # crash leaves a sent message looking unsent is as short as it can be.
            if accepted is not None:
                await accepted(message_id)
        finally:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
        if refused:
            # Some recipients took it: the message is sent; a retry would duplicate it for them.
            log.warning(
                "smtp.some_recipients_refused",
                message_id=message_id,
                refused={address: f"{r.code} {r.message}" for address, r in refused.items()},
            )
        return message_id
