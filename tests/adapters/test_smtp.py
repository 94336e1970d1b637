"""SmtpMailer against a real aiosmtpd server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.adapters.email import SmtpMailer, build_mailer
from app.core.config import SmtpSettings
from app.services.kernel.ports import Attachment, EmailMessage, MailError
from tests.support.servers import free_port
from tests.support.smtp import RecordingHandler, smtp_sink

PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\r\n"
    + bytes(range(256)) * 40
    + b"%%EOF\n"
)


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[RecordingHandler, int]]:
    with smtp_sink() as sink:
        yield sink


@pytest.fixture
def handler(smtp_server: tuple[RecordingHandler, int]) -> RecordingHandler:
    smtp_server[0].received.clear()
    return smtp_server[0]


@pytest.fixture
def mailer(smtp_server: tuple[RecordingHandler, int]) -> SmtpMailer:
    return SmtpMailer(
        SmtpSettings(
            host="127.0.0.1",
            port=smtp_server[1],
            timeout_seconds=5,
            sender="Помощник <pomoshnik@specodezhda.example>",
        )
    )


async def test_message_with_russian_subject_and_attachment(
    mailer: SmtpMailer, handler: RecordingHandler
) -> None:
    message = EmailMessage(
        to=["buyer@client.example", "manager@specodezhda.example"],
        subject="Счёт на оплату № 125 от 27.11.2025 — ООО «Северный металл»",
        text="Добрый день!\nВо вложении счёт на оплату.\nС уважением, отдел сервиса.",
        html="<p>Добрый день!</p><p>Во вложении <b>счёт</b> на оплату.</p>",
        attachments=[Attachment("Счёт № 125.pdf", PDF, "application/pdf")],
        reply_to="manager@specodezhda.example",
    )

    message_id = await mailer.send(message)

    assert len(handler.received) == 1
    received = handler.received[0]
    assert received.mail_from == "pomoshnik@specodezhda.example"
    assert received.rcpt_tos == ["buyer@client.example", "manager@specodezhda.example"]
    parsed = received.parsed()
    assert parsed["Subject"] == message.subject
    assert parsed["Message-ID"] == message_id
    assert message_id.startswith("<")
    assert message_id.endswith("@specodezhda.example>")
    assert parsed["From"].addresses[0].display_name == "Помощник"
    assert parsed["Reply-To"] == "manager@specodezhda.example"
    plain = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content().replace("\r\n", "\n").rstrip("\n") == message.text
    assert "<b>счёт</b>" in html.get_content()
    attachments = list(parsed.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_filename() == "Счёт № 125.pdf"
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content() == PDF


async def test_given_message_id_is_kept(mailer: SmtpMailer, handler: RecordingHandler) -> None:
    message_id = await mailer.send(
        EmailMessage(
            to=["a@client.example"],
            subject="Повтор",
            text="текст",
            message_id="<outbox-17@pomoshnik.example>",
        )
    )
    assert message_id == "<outbox-17@pomoshnik.example>"
    assert handler.received[0].parsed()["Message-ID"] == "<outbox-17@pomoshnik.example>"


LONG_SUBJECTS = [
    "КП №12 для ООО «Северная Стройгруппа» (редакция 2) — на проверку руководителю отдела продаж",
    "КП №7 для ООО «Северная Стройгруппа» (редакция 2) — на проверку руководителю отдела продаж",
    "Коммерческое предложение № 1024 — ООО «Спецодежда Урал» для ООО «Северная Стройгруппа»",
    "Претензия № 17 — ООО «Северная Стройгруппа»: задолженность 1 250 000,00 ₽ по счёту № 125",
    "Invoice 125 of 27.11.2025 for LLC Severnaya Stroygruppa, Murmansk, overdue since 05.12.2025",
    "Отчёт помощника Иванова  Мария  Петровна за 07.12.2026 — звонки, счета, отгрузки и задачи",
]


@pytest.mark.parametrize("subject", LONG_SUBJECTS, ids=[f"subject-{n}" for n in range(len(LONG_SUBJECTS))])
async def test_a_long_subject_arrives_with_every_space(
    mailer: SmtpMailer, handler: RecordingHandler, subject: str
) -> None:
    """A subject folded over several lines reads back, decoded by the standard library, as it was set."""
    assert len(subject) > 78
    await mailer.send(EmailMessage(to=["a@client.example"], subject=subject, text="т"))

    content = handler.received[0].content
    head = content.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert handler.received[0].parsed()["Subject"] == subject


async def test_a_subject_with_line_breaks_cannot_inject_headers(
    mailer: SmtpMailer, handler: RecordingHandler
) -> None:
    await mailer.send(
        EmailMessage(to=["a@client.example"], subject="Счёт\r\nBcc: evil@example.com", text="т")
    )
    parsed = handler.received[0].parsed()
    assert parsed["Bcc"] is None
    assert handler.received[0].rcpt_tos == ["a@client.example"]


async def test_refused_recipient_is_permanent(mailer: SmtpMailer, handler: RecordingHandler) -> None:
    with pytest.raises(MailError) as caught:
        await mailer.send(EmailMessage(to=["nobody@client.example"], subject="Претензия", text="текст"))
    assert caught.value.permanent
    assert "550" in str(caught.value)
    assert handler.received == []


async def test_temporarily_refused_recipient_is_transient(
    mailer: SmtpMailer, handler: RecordingHandler
) -> None:
    with pytest.raises(MailError) as caught:
        await mailer.send(EmailMessage(to=["busy@client.example"], subject="Претензия", text="текст"))
    assert not caught.value.permanent
    assert "451" in str(caught.value)


async def test_partly_refused_recipients_still_send(mailer: SmtpMailer, handler: RecordingHandler) -> None:
    await mailer.send(
        EmailMessage(to=["nobody@client.example", "buyer@client.example"], subject="Счёт", text="текст")
    )
    assert [r.rcpt_tos for r in handler.received] == [["buyer@client.example"]]


async def test_unreachable_server_is_transient() -> None:
    mailer = build_mailer(SmtpSettings(host="127.0.0.1", port=free_port(), timeout_seconds=2))
    with pytest.raises(MailError) as caught:
        await mailer.send(EmailMessage(to=["a@client.example"], subject="т", text="т"))
    assert not caught.value.permanent


async def test_no_recipients_is_permanent(mailer: SmtpMailer) -> None:
    with pytest.raises(MailError) as caught:
        await mailer.send(EmailMessage(to=[], subject="т", text="т"))
    assert caught.value.permanent
