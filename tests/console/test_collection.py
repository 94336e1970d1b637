"""«Дебиторка» in the browser: a collection case walked from the overdue invoice to the claim sent,
through the console only, with the clock moved by `pomoshnik sweep --at` between the regulation's
steps (the API's own clock stays at noon today, its non-production offset): the board, the guarantee
letter with its scan and promised date, the broken promise and the escalation, a call and the end of
the negotiations, the claim the worker drafts, edited and approved by the lawyer, sent with a postal
identifier checked as it is typed; the claim's PDF read back for the debt and the penalty; then the
30 days to court and the package. And the penalty calculator with its text for a letter."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.core.clock import system_clock
from app.services.money.format import format_rub
from app.services.seed import inn10
from app.worker.context import build_job_context, close_job_context
from app.worker.jobs import draft_claim_letter
from tests.console.conftest import DEMO_ASSISTANT, ConsoleApi, Watched, login, logout
from tests.support.cli import Ran
from tests.support.pdf import pdf_text
from tests.support.rates import confirm_key_rates
from tests.support.receivables import add_invoice

HEAD = "ershova.vm@example.com"
LAWYER = "gorbunov.pi@example.com"
ACCOUNTANT = "frolova.tn@example.com"
SCAN = b"%PDF-1.4\n% a scanned letter\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
TRACKING = "10100087654329"  # its check digit is 9
NBSP = "\u00a0"


def _money(amount: str) -> str:
    """As the console writes it: «184 250,00 ₽»."""
    return f"{format_rub(Decimal(amount))}{NBSP}₽"


def _ru(day: str) -> str:
    return date.fromisoformat(day).strftime("%d.%m.%Y")


async def _overdue_invoice(api: ConsoleApi, client_id: int, today: date, assistant_id: int) -> None:
    """An invoice shipped 40 days ago and due 10 days ago, unpaid: the API cannot make one in the past."""
    # Due on a weekday: a term ending on a weekend ends on the next working day (Civil Code,
    # art. 193), which would leave fewer days overdue than the walk expects.
    due = today - timedelta(days=10)
    while due.weekday() >= 5:
        due -= timedelta(days=1)
    engine = create_async_engine(api.env["APP_DB__URL"])
    try:
        await add_invoice(
            async_sessionmaker(engine, expire_on_commit=False),
            client_id,
            issued_on=today - timedelta(days=40),
            due_on=due,
            total="184250.00",
            assistant_id=assistant_id,
        )
    finally:
        await engine.dispose()


async def _sweep(api: ConsoleApi, pomoshnik: Callable[..., Ran], day: str) -> str:
    """`pomoshnik sweep --at` the day's 10:00 in Moscow, on the console's database."""
    ran = await asyncio.to_thread(pomoshnik, api.env, "sweep", "--at", f"{day}T10:00")
    assert ran.returncode == 0, ran.stderr
    return ran.stderr


async def _draft_claim(api: ConsoleApi, case_id: int) -> None:
    """The worker's job that drafts the claim letter the sweep asked for (no worker runs here), on the
    key rates checked against the Bank of Russia (`pomoshnik rates import` of the checked table)."""
    settings = api.settings()
    job = build_job_context(settings, system_clock(settings.clock.offset))
    try:
        await confirm_key_rates(job)
        assert await draft_claim_letter({"app": job}, case_id) == "drafted"
    finally:
        await close_job_context(job)


async def _stage(page: Page, text: str) -> None:
    await expect(page.get_by_test_id("case-stage")).to_have_text(text)


async def _act(
    page: Page, button: str, fields: dict[str, str] | None = None, *, submit: str = "Подтвердить"
) -> None:
    """An action of the case: its button, its form filled in by label, confirmed."""
    await page.get_by_test_id("case-actions").get_by_role("button", name=button).click()
    if fields is None:
        return
    dialog = page.get_by_role("dialog")
    for label, value in fields.items():
        await dialog.get_by_label(label).fill(value)
    await dialog.get_by_role("button", name=submit).click()
    await expect(dialog).to_be_hidden()


async def test_a_collection_case_from_overdue_to_the_claim_sent(
    console_api: ConsoleApi, watched: Watched, pomoshnik: Callable[..., Ran]
) -> None:
    api, page = console_api, watched.page
    head = api.login(HEAD)
    today = date.fromisoformat(api.call("GET", "/api/v1/reference/company", head)["today"])
    assistant_id = api.call("GET", "/api/v1/auth/me", api.login(DEMO_ASSISTANT))["id"]
    name = f"ООО «Должник {uuid.uuid4().hex[:6]}»"
    client = api.call(
        "POST", "/api/v1/clients", head,
        json={"name": name, "inn": inn10(f"35{uuid.uuid4().int % 10**7:07d}"), "kpp": "352801001",
              "assistant_id": assistant_id, "legal_address": "г. Вологда, ул. Ленина, д. 1",
              "contacts": [{"name": "Ершов Олег Петрович", "position": "Директор", "level": "director",
                            "phones": ["+79215550101"], "emails": ["director@dolg.example.ru"]}]},
    )  # fmt: skip
    await _overdue_invoice(api, client["id"], today, assistant_id)
    assert "cases_opened 1" in await _sweep(api, pomoshnik, today.isoformat())
    [case] = api.call("GET", "/api/v1/collection-cases", head, params={"client_id": client["id"]})["items"]

    # The board: the case at its first stage, with the debt and the days overdue.
    await page.goto("/receivables")
    await login(page, DEMO_ASSISTANT)
    card = page.get_by_test_id("case-card").filter(has_text=name)
    column = page.locator('[data-stage="guarantee_requested"]')
    await expect(column.get_by_test_id("case-card").filter(has_text=name)).to_be_visible()
    await expect(card.get_by_test_id("case-days")).to_have_text(f"{case['days_overdue']} дней")
    assert case["days_overdue"] >= 10
    await expect(card.get_by_test_id("case-debt")).to_have_text(_money("184250.00"))
    await watched.assert_screen("receivables-board")

    # The client's card shows the settlements: the invoice owed, the balance in the company's favour.
    await page.goto(f"/clients/{client['id']}")
    ledger = page.get_by_test_id("client-ledger")
    await expect(ledger).to_contain_text("Счёт № T-")
    await expect(page.get_by_test_id("ledger-closing")).to_contain_text(_money("184250.00"))
    await watched.assert_screen()
    await page.goto("/receivables")

    # The case: its steps and the first deadline; the guarantee letter with its scan, promising
    # payment in three days (more than seven is refused beside the field).
    await card.get_by_role("link", name=name).click()
    await _stage(page, "Запрошено гарантийное письмо")
    deadlines = page.get_by_test_id("case-deadlines")
    answer = case["deadlines"][0]["due_on"]
    await expect(deadlines.locator('[data-step="guarantee_answer"]')).to_contain_text(_ru(answer))
    await watched.assert_screen()
    await (
        page.get_by_test_id("case-actions").get_by_role("button", name="Гарантийное письмо получено").click()
    )
    dialog = page.get_by_role("dialog")
    await dialog.locator('input[type="file"]').set_input_files(
        files=[{"name": "garantiya.pdf", "mimeType": "application/pdf", "buffer": SCAN}]
    )
    promised = (today + timedelta(days=3)).isoformat()
    await dialog.get_by_label("Оплата обещана до").fill(_ru(promised))
    await dialog.get_by_role("button", name="Подтвердить").click()
    await expect(dialog).to_be_hidden()
    await _stage(page, "Гарантийное письмо получено")
    await expect(deadlines.locator('[data-step="confirmation_call"]')).to_be_visible()
    await expect(deadlines.locator('[data-step="guarantee_answer"]')).to_contain_text("пройден")
    await expect(page.get_by_test_id("case-files")).to_contain_text("garantiya.pdf")

    # No money by the promised date: the sweep of the day the promise counts as broken escalates.
    case = api.call("GET", f"/api/v1/collection-cases/{case['id']}", head)
    breach = next(d["due_on"] for d in case["deadlines"] if d["step"] == "promise_breach")
    assert "case_steps" in await _sweep(api, pomoshnik, breach)
    await page.reload()
    await _stage(page, "Эскалация")

    # A call at the director's level, then the negotiations are over: the wait begins.
    await _act(page, "Записать звонок")
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Кому звонили").click()
    await page.get_by_role("option", name="Директор", exact=True).click()
    await dialog.get_by_label("Дозвонились").check()
    await dialog.get_by_label("Итог разговора").fill("Обещали оплатить частями, график не дали")
    await dialog.get_by_role("button", name="Подтвердить").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_test_id("case-calls")).to_contain_text("Обещали оплатить частями")
    await _act(page, "Переговоры завершены", {"Итог переговоров": "Оплаты нет, готовим претензию"})
    await _stage(page, "Ожидание оплаты")
    case = api.call("GET", f"/api/v1/collection-cases/{case['id']}", head)
    await expect(deadlines.locator('[data-step="claim_request"]')).to_contain_text(_ru(case["wait_ends_on"]))

    # The wait is over: the lawyer is asked for the claim, which the worker drafts.
    await _sweep(api, pomoshnik, max(case["wait_ends_on"], breach))
    await _draft_claim(api, case["id"])
    await logout(page)
    await page.goto(f"/receivables/{case['id']}")
    await login(page, LAWYER)
    await _stage(page, "Претензия у юриста")
    claim = page.get_by_test_id("claim")
    await expect(page.get_by_test_id("claim-periods").locator("tbody tr").first).to_be_visible()
    await expect(page.get_by_test_id("claim-pdf")).to_be_visible()
    await claim.evaluate("e => { e.scrollIntoView({block: 'start'}); window.scrollBy(0, -72); }")
    await watched.assert_screen("receivables-claim")
    await page.evaluate("() => window.scrollTo(0, 0)")
    text = page.get_by_test_id("claim-text")
    await text.fill((await text.input_value()) + "\n\nОплату просим подтвердить письмом.")
    async with page.expect_response(lambda r: r.request.method == "PATCH" and r.url.endswith("/claim")):
        await claim.get_by_role("button", name="Сохранить текст").click()
    await expect(claim.get_by_role("button", name="Сохранить текст")).to_be_disabled()
    await expect(text).to_have_value(re.compile("Оплату просим подтвердить письмом.$"))
    await _act(page, "Утвердить претензию")
    await _stage(page, "Претензия утверждена")

    # The assistant sends it: the postal identifier is checked as it is typed.
    await logout(page)
    await page.goto(f"/receivables/{case['id']}")
    await login(page, DEMO_ASSISTANT)
    await _act(page, "Претензия отправлена")
    dialog = page.get_by_role("dialog")
    field = dialog.get_by_label("Почтовый идентификатор (ШПИ)")
    check = dialog.get_by_test_id("postal-check")
    await field.fill(TRACKING[:8])
    await expect(check).to_have_text("Ещё 6 из 14 цифр")
    await field.fill(TRACKING[:13] + "1")
    await expect(check).to_have_text("Неверная контрольная цифра: последней должна быть 9")
    await expect(dialog.get_by_role("button", name="Подтвердить")).to_be_disabled()
    await field.fill(TRACKING)
    await expect(check).to_have_text("Идентификатор верный")
    await watched.assert_screen()
    await dialog.get_by_role("button", name="Подтвердить").click()
    await expect(dialog).to_be_hidden()
    await _stage(page, "Претензия отправлена")
    await expect(page.get_by_test_id("case-tracking")).to_contain_text(TRACKING)
    case = api.call("GET", f"/api/v1/collection-cases/{case['id']}", head)
    await expect(page.get_by_test_id("court-clock")).to_contain_text(_ru(case["court_allowed_on"]))

    # The claim as sent: its PDF names the debt and the penalty of its table.
    view = case["claim_view"]
    async with httpx.AsyncClient(base_url=api.url, headers=head, timeout=30) as http:
        pdf = await http.get(f"/api/v1/collection-cases/{case['id']}/claim.pdf")
    assert pdf.status_code == 200, pdf.text
    words = " ".join(pdf_text(pdf.content).split())
    assert Decimal(view["debt"]) == Decimal("184250.00")
    assert Decimal(view["penalty"]) > 0
    for amount in (view["debt"], view["penalty"], view["total"]):
        assert " ".join(format_rub(Decimal(amount)).split()) in words, (amount, words[:2000])
    assert "Оплату просим подтвердить письмом." in words

    # Thirty days on with no payment: the documents for court.
    await _sweep(api, pomoshnik, case["court_allowed_on"])
    await page.reload()
    await _stage(page, "Документы для суда")
    await expect(page.get_by_test_id("court-package")).to_contain_text("Претензия")
    await expect(page.get_by_test_id("case-files")).to_contain_text("garantiya.pdf")
    await expect(page.get_by_test_id("claim-pdf")).to_be_visible()
    await watched.assert_screen()


async def test_the_penalty_calculator_copies_its_table_for_a_letter(
    console_api: ConsoleApi, watched: Watched
) -> None:
    """100 000 ₽ due on 10.01.2025, paid 40 000 ₽ on 10.02.2025, counted to 31.03.2025 under art. 395;
    the same numbers as the API's, and the table copied as text."""
    api, page = console_api, watched.page
    body = {
        "method": "key_rate", "principal": "100000.00", "due_date": "2025-01-10", "until": "2025-03-31",
        "payments": [{"date": "2025-02-10", "amount": "40000.00"}],
    }  # fmt: skip
    expected: dict[str, Any] = api.call(
        "POST", "/api/v1/penalties/calculate", api.login(ACCOUNTANT), json=body
    )
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await page.goto("/penalty")
    await login(page, ACCOUNTANT)
    await expect(page.get_by_role("heading", name="Калькулятор неустойки")).to_be_visible()
    await page.get_by_label("Сумма долга, ₽").fill("100\u202f000,00 руб.")
    await page.get_by_label("Срок оплаты").fill("10.01.2025")
    await page.get_by_label("Считать по (включительно)").fill("31.03.2025")
    await page.get_by_role("button", name="Добавить оплату").click()
    await page.get_by_label("Дата оплаты 1").fill("10.02.2025")
    await page.get_by_label("Сумма оплаты 1").fill("40 000 ₽")
    await page.get_by_role("button", name="Рассчитать").click()
    total = _money(expected["total"])
    await expect(page.get_by_test_id("penalty-total")).to_have_text(total)
    rows = page.get_by_test_id("penalty-periods").locator("tbody tr")
    await expect(rows).to_have_count(len(expected["periods"]))
    await watched.assert_screen("penalty-calculator")
    await page.get_by_role("button", name="Копировать").click()
    copied = await page.evaluate("() => navigator.clipboard.readText()")
    lines = copied.split("\n")
    assert lines[0] == "Расчёт процентов за пользование чужими денежными средствами (ст. 395 ГК РФ)"
    assert len([line for line in lines if re.match(r"\d\d\.\d\d\.\d{4} – ", line)]) == len(
        expected["periods"]
    )
    assert lines[-1].startswith(f"Итого: {total}")
