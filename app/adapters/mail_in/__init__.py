"""Incoming mail: the shared mailbox over IMAP."""

from __future__ import annotations

from app.adapters.mail_in.imap import ImapMailbox
from app.core.config import MailboxSettings
from app.services.kernel.ports import Mailbox

__all__ = ["ImapMailbox", "build_mailbox"]


def build_mailbox(settings: MailboxSettings) -> Mailbox | None:
    """The configured mailbox, or None when no server is set (APP_MAILBOX__HOST)."""
    return ImapMailbox(settings) if settings.enabled else None
