"""Email adapters: SMTP (a local aiosmtpd or a debugging server is enough for the demo)."""

from __future__ import annotations

from app.adapters.email.smtp import SmtpMailer, build_mime
from app.core.config import SmtpSettings
from app.services.kernel.ports import Mailer

__all__ = ["SmtpMailer", "build_mailer", "build_mime"]


def build_mailer(settings: SmtpSettings) -> Mailer:
    return SmtpMailer(settings)
