"""The shared mailbox: orders and clients' answers that arrive by e-mail."""

from app.services.mailbox.reader import MailboxReader, ReadReport
from app.services.mailbox.service import MailboxService

__all__ = ["MailboxReader", "MailboxService", "ReadReport"]
