"""«Почта» in the browser: letters put in the shared mailbox (the local dovecot), the worker's reader
run on the console's database, the list showing them, a new order's letter leading to its order, and
a client's answer to an invoice shown with its text and a link to the invoice, where a person records
the approval."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from playwright.async_api import expect

from app.adapters.mail_in import ImapMailbox
from app.core.clock import system_clock
from app.devimap import LocalImap
from app.services.seed import inn10
from app.worker.context import build_job_context, close_job_context
from app.worker.jobs.mailbox import read_mailbox
from tests.console.conftest import ConsoleApi, Watched, login
from tests.support.imap import append, new_folder

HEAD = "ershova.vm@example.com"
BUYER = "zakupki@pochta-walk.example.ru"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _letter(subject: str, text: str, pdf: bool = False) -> bytes:
    message = EmailMessage()
    message["From"] = f"Отдел закупок <{BUYER}>"
    message["To"] = "shared@pomoshnik.local"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="pochta-walk.example.ru")
    message.set_content(text)
    if pdf:
        message.add_attachment(PDF, maintype="application", subtype="pdf", filename="Заявка.pdf")
    return bytes(message)


async def _read(api: ConsoleApi, server: LocalImap, folder: str) -> str:
    """One run of the worker's reader over ``folder``, on the console's database and file store."""
    settings = api.settings()
    mailbox = server.mailbox(folder, timeout_seconds=10)
    settings = settings.model_copy(update={"mailbox": mailbox})
    job = build_job_context(settings, system_clock(settings.clock.offset))
    job.mailbox = ImapMailbox(mailbox)
    try:
        return await read_mailbox({"app": job})
    finally:
        await close_job_context(job)
        await job.engine.dispose()


async def test_mail_from_the_mailbox_to_the_order_and_the_invoice(
    console_api: ConsoleApi, watched: Watched, imap_server: LocalImap
) -> None:
    api, page = console_api, watched.page
    assistant_email = api.new_assistant("Почтова Анна Сергеевна", "pochtova.as@example.com")
    assistant, head = api.login(assistant_email), api.login(HEAD)
    card = api.call(
        "POST", "/api/v1/clients", head,
        json={"name": "ООО «Почтовый клиент»", "inn": inn10("352599013"), "kpp": "352501001",
              "assistant_id": api.call("GET", "/api/v1/auth/me", assistant)["id"],
              "contacts": [{"name": "Отдел закупок", "emails": [BUYER]}]},
    )  # fmt: skip
    products = api.call("GET", "/api/v1/catalogue/products", assistant, params={"q": "Костюм", "limit": 5})
    line = {"product_id": products["items"][0]["id"], "price_category": "Оптовая", "quantity": 2}
    order = api.call(
        "POST",
        "/api/v1/orders",
        assistant,
        json={"channel": "phone", "client_id": card["id"], "lines": [line]},
    )
    invoice = api.call("POST", f"/api/v1/orders/{order['id']}/invoice", assistant)
    api.call("POST", f"/api/v1/invoices/{invoice['id']}/send", assistant, json={"email": BUYER})

    folder = await new_folder(imap_server)
    await append(
        imap_server,
        folder,
        _letter("Заявка на костюмы", "Добрый день! Нужны костюмы, 12 шт., размеры во вложении.", pdf=True),
        _letter(f"Re: Счёт № {invoice['number']}", "Согласовано, ждём отгрузку.\n\n> Счёт во вложении\n"),
    )
    assert await _read(api, imap_server, folder) == "taken 2, marked 2"
    mine = api.call("GET", "/api/v1/inbound-emails", assistant, params={"sender": BUYER})["items"]
    reply, new_order = mine
    made = new_order["order_id"]
    assert made is not None

    await page.goto("/")
    await login(page, assistant_email)
    await page.get_by_test_id("nav-mail").click()
    await expect(page.get_by_role("heading", name="Почта")).to_be_visible()
    # The list asks again once the typed sender settles: wait for that answer, so that the rows
    # clicked below are not replaced under the pointer.
    async with page.expect_response(lambda r: "inbound-emails?" in r.url and "sender=pochta-walk" in r.url):
        await page.get_by_test_id("mail-sender").fill("pochta-walk")
    rows = page.get_by_test_id("mail").locator("tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text("Ответ клиента")
    await expect(rows.nth(1)).to_contain_text("Новая заявка")
    await expect(rows.nth(1)).to_contain_text(f"№{made}")
    await watched.assert_screen("mail-list")

    # The new order's letter: its text, its file, and the order it made.
    await page.get_by_role("link", name="Заявка на костюмы").click()
    await expect(page.get_by_test_id("mail-kind-badge")).to_have_text("Новая заявка")
    await expect(page.get_by_test_id("mail-text")).to_contain_text("12 шт.")
    await expect(page.get_by_test_id("mail-parts")).to_contain_text("Заявка.pdf")
    await expect(page.get_by_test_id("mail-headers")).to_contain_text(BUYER)
    await watched.assert_screen()
    await page.get_by_test_id("mail-order").click()
    await expect(page.get_by_role("heading", name=f"Заявка №{made}")).to_be_visible()
    await expect(page.get_by_test_id("order-status")).to_have_text("Нужно уточнение")
    await expect(page.get_by_role("button", name="Заявка.pdf")).to_be_visible()

    # The client's answer: its new text without the quote, and the invoice where the approval is recorded.
    await page.goto(f"/mail/{reply['id']}")
    await expect(page.get_by_test_id("mail-document")).to_contain_text(
        f"Клиент ответил: Счёт № {invoice['number']}"
    )
    await expect(page.get_by_test_id("mail-text")).to_have_text("Согласовано, ждём отгрузку.")
    await watched.assert_screen("mail-answer")
    await page.get_by_test_id("mail-document-link").click()
    await expect(page.get_by_role("heading", name=f"Заявка №{order['id']}")).to_be_visible()
    status = page.get_by_test_id("invoice-status")
    await expect(status).to_have_text("На согласовании у клиента")
    await page.get_by_test_id("invoice-actions").get_by_role("button", name="Клиент согласовал").click()
    await expect(status).to_have_text("Согласован")
    watched.assert_clean()
