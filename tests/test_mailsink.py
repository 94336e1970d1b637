"""The mail server of `make run`: what the worker's own mailer sends is kept whole, one .eml file per
message, with the envelope's recipients beside the headers."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage as MimeMessage
from pathlib import Path

from app.adapters.email import build_mailer
from app.core.config import SmtpSettings
from app.mailsink import start
from app.services.kernel.ports import Attachment, EmailMessage
from tests.support.servers import free_port


async def test_each_message_is_kept_as_an_eml_file(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    port = free_port()
    controller = start(folder, port)
    try:
        mailer = build_mailer(SmtpSettings(host="127.0.0.1", port=port))
        for n in (1, 2):
            await mailer.send(
                EmailMessage(
                    to=[f"buh{n}@artel.example.ru"],
                    subject=f"Счёт на оплату № СЧ-{n} от 01.12.2026",
                    text="Добрый день!\n\nНаправляем счёт на оплату.",
                    attachments=[
                        Attachment(f"Счёт {n}.pdf", b"%PDF-1.7 " + bytes(range(256)), "application/pdf")
                    ],
                )
            )
    finally:
        controller.stop()

    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2
    assert not list(folder.glob(".*"))  # nothing half-written left behind
    for n, path in enumerate(files, start=1):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, MimeMessage)
        assert message["X-Envelope-To"] == f"buh{n}@artel.example.ru"
        assert message["Subject"] == f"Счёт на оплату № СЧ-{n} от 01.12.2026"
        body = message.get_body(("plain",))
        assert body is not None
        assert "Направляем счёт на оплату." in body.get_content()
        [attachment] = list(message.iter_attachments())
        assert attachment.get_filename() == f"Счёт {n}.pdf"
        assert attachment.get_content() == b"%PDF-1.7 " + bytes(range(256))
