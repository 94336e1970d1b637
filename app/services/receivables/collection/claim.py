"""The claim letter (претензия) of a collection case: the worker drafts it with the penalty
calculation, the lawyer edits and approves it, it is sent the same day by registered mail and by
e-mail with its PDF, kept as sent. Also the sample guarantee letter the request carries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from app.adapters.post import parse_barcode
from app.core.config import CompanySettings
from app.core.errors import Conflict, FieldError
from app.models.clients import Client, ClientContact, ContactLevel
from app.models.collection import CaseStage, CollectionCase
from app.models.directory import Role
from app.models.outbox import MessageAbout, OutboundKind
from app.models.payments import Payment, PaymentAllocation
from app.models.rates import RateStatus
from app.models.tasks import TaskKind
from app.services.directory.clients import ClientService
from app.services.documents.collection import (
    ClaimBuyer,
    ClaimDirector,
    ClaimInvoice,
    ClaimPeriod,
    ClaimView,
    PenaltyTerms,
    claim_view,
)
from app.services.documents.company import CompanyRequisites
from app.services.documents.inflection import person_dative, position_dative
from app.services.kernel.common import ensure_version, touch
from app.services.kernel.outbox import OutboxService
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.money.format import format_rub
from app.services.money.words import amount_in_words
from app.services.receivables.collection import policy
from app.services.receivables.collection.workflow import ZERO, CaseWorkflow, NewStep, short_date
from app.services.receivables.penalty.calculator import Method, Request
from app.services.receivables.penalty.calculator import Payment as PenaltyPayment
from app.services.receivables.penalty.service import PenaltyService
from app.services.receivables.rates import KeyRateService, from_bp

NOT_READY = "the draft is not ready yet: the worker is preparing it"


@dataclass(frozen=True)
class ClaimToSend:
    key: str
    stored: bool
    view: ClaimView
    text: str
    number: str


class ClaimService:
    def __init__(self, uow: UnitOfWork, workflow: CaseWorkflow | None = None) -> None:
        self.uow = uow
        self.workflow = workflow or CaseWorkflow(uow)
        self.history = self.workflow.history

    async def draft(self, case_id: int, company: CompanySettings, *, hold: bool = True) -> str:
        """The worker's draft: the debt, the invoices, up to today the penalty the client's contract
        sets (art. 330) or else the interest under art. 395 (its p. 4), and the letter's text; the
        lawyer edits it before approving. Done once: «drafted», or «skipped» when there is nothing to do.

        A key rate the table still marks unconfirmed is never printed: the draft is held («held»),
        the case says which rows, and the lawyer gets a task to confirm them; the sweep drafts the
        letter once they are. With ``hold=False`` such a case is left untouched («unconfirmed»), so
        the caller can refresh the rates from the Bank of Russia first."""
        case = await self.uow.session.get(CollectionCase, case_id)
        if case is None or case.stage != CaseStage.CLAIM_REQUESTED or case.claim_drafted_at is not None:
            return "skipped"
        client = await ClientService(self.uow).get_for_system(case.client_id)
        rate, cap = client.penalty_rate_per_day_percent, client.penalty_cap_percent
        method = Method.KEY_RATE if rate is None else Method.CONTRACTUAL
        today = self.workflow.today
        debt = await self.workflow.case_debt(case.id)
        rows: list[ClaimInvoice] = []
        periods: list[ClaimPeriod] = []
        penalty_total = ZERO
        error = None
        calendar = self.uow.calendar
        for invoice in debt.invoices:
            paid = await self.uow.session.execute(
                select(Payment.paid_on, PaymentAllocation.amount)
                .join(Payment, Payment.id == PaymentAllocation.payment_id)
                .where(PaymentAllocation.invoice_id == invoice.id)
                .order_by(Payment.paid_on)
            )
            penalty = uncapped = ZERO
            # Interest runs on what was still owed when the invoice fell due: a prepayment or a part
            # paid before then lowers the principal; what came later lowers it from its day.
            payments = [(day, amount) for day, amount in paid]
            owed = invoice.total - sum((a for day, a in payments if day < invoice.due), ZERO)
            try:
                calc = await PenaltyService(self.uow).calculate(
                    Request(
                        method=method,
                        principal=owed,
                        due_date=invoice.due,
                        until=today,
                        payments=tuple(
                            PenaltyPayment(day, amount) for day, amount in payments if day >= invoice.due
                        ),
                        rate_per_day_percent=rate,
                        cap_percent=cap,
                    )
                )
            except FieldError as exc:
                error = f"счёт № {invoice.number}: {exc.detail}"
            else:
                penalty = calc.result.total
                uncapped = calc.result.uncapped_total
                periods += [
                    ClaimPeriod(
                        invoice=invoice.number,
                        start=p.start,
                        end=p.end,
                        days=p.days,
                        principal=p.principal,
                        rate=p.rate_percent,
                        days_in_year=p.days_in_year,
                        amount=p.amount,
                    )
                    for p in calc.result.periods
                ]
            penalty_total += penalty
            contractual = method is Method.CONTRACTUAL  # the cap cut the penalty: the appendix says so
            rows.append(
                ClaimInvoice(
                    number=invoice.number,
                    issued_on=invoice.issued_on,
                    shipped_on=invoice.shipped_on,
                    due_on=invoice.due,
                    total=invoice.total,
                    paid=invoice.paid_total,
                    debt=invoice.outstanding,
                    days_overdue=policy.days_overdue(invoice.due, today, calendar),
                    penalty=penalty,
                    capped=penalty < uncapped if contractual else None,
                    uncapped_penalty=uncapped if contractual else None,
                )
            )
        unconfirmed = await self._unconfirmed_rates(periods) if method is Method.KEY_RATE else []
        if unconfirmed:
            if not hold:
                return "unconfirmed"
            await self._hold(case, client.name, unconfirmed)
            return "held"
        view = ClaimView(
            number=f"{case.id}-{case.episode}",
            date=today,
            until=today,
            supplier=CompanyRequisites.of(company),
            buyer=ClaimBuyer(
                name=client.name,
                inn=client.inn,
                kpp=client.kpp,
                address=client.legal_address or client.actual_address or "",
                director=await self._director(client.id),
            ),
            basis="key_rate" if method is Method.KEY_RATE else "contract",
            contract=_contract_of(client),
            penalty_terms=None
            if rate is None
            else PenaltyTerms(
                contract_number=client.contract_number,
                contract_date=client.contract_date,
                rate_per_day_percent=rate,
                cap_percent=cap,
            ),
            invoices=tuple(rows),
            periods=tuple(periods),
            debt=debt.debt,
            penalty=penalty_total,
            total=debt.debt + penalty_total,
            days_overdue=max((r.days_overdue for r in rows), default=0),
            pay_within_days=policy.CLAIM_PAYMENT_TERM_DAYS,
        )
        case.claim_view = view.to_json()
        case.claim_text = claim_text(view)
        case.claim_error = error
        case.claim_drafted_at = self.uow.clock.now()
        touch(case, self.uow)
        await self.uow.session.flush()
        self.history.record(
            "collection_case",
            case.id,
            "claim_drafted",
            None,
            {"debt": str(view.debt), "penalty": str(view.penalty), "basis": view.basis, "error": error},
        )
        await self.workflow.close_step_tasks(case, "claim_rates")
        return "drafted"

    async def _unconfirmed_rates(self, periods: Sequence[ClaimPeriod]) -> list[tuple[date, Decimal]]:
        """The key-rate rows the calculation used that are not confirmed: each period lies within one
        row's span (the calculator splits periods where the rate changes)."""
        rows = await KeyRateService(self.uow).rows()
        used: dict[date, tuple[date, Decimal]] = {}
        for period in periods:
            row = next((r for r in reversed(rows) if r.effective_from <= period.start), None)
            if row is not None and row.status == RateStatus.UNCONFIRMED:
                used[row.effective_from] = (row.effective_from, from_bp(row.rate_bp))
        return [used[day] for day in sorted(used)]

    async def _hold(
        self, case: CollectionCase, client_name: str, rows: Sequence[tuple[date, Decimal]]
    ) -> None:
        listing = "; ".join(f"с {short_date(day)} — {_percent(rate)} %" for day, rate in rows)
        reason = f"ключевая ставка не подтверждена Банком России: {listing}"
        if case.claim_error != reason:
            case.claim_error = reason
            touch(case, self.uow)
            await self.uow.session.flush()
            self.history.record(
                "collection_case",
                case.id,
                "claim_held",
                None,
                {
                    "unconfirmed_rates": [
                        {"effective_from": d.isoformat(), "rate_percent": str(r)} for d, r in rows
                    ]
                },
            )
        lawyer = await self.workflow.holder(Role.LAWYER, Role.HEAD, Role.DIRECTOR)
        await self.workflow.step(
            NewStep(
                case.id,
                "claim_rates",
                lawyer,
                TaskKind.CHECK,
                f"Подтвердить ключевую ставку для претензии «{client_name}»",
                "Претензия не подготовлена: расчёт процентов по ст. 395 ГК РФ опирается на ставки, не "
                f"подтверждённые Банком России: {listing}. Сверить с историей ключевой ставки на cbr.ru и "
                "подтвердить (pomoshnik rates import); после этого черновик претензии подготовится сам.",
                self.workflow.today,
            )
        )

    async def _director(self, client_id: int) -> ClaimDirector | None:
        """The client's director from its card (the first contact of the director's level), as the
        claim's addressee prints it: position and name in the dative."""
        contact = await self.uow.session.scalar(
            select(ClientContact)
            .where(ClientContact.client_id == client_id, ClientContact.level == ContactLevel.DIRECTOR)
            .order_by(ClientContact.id)
            .limit(1)
        )
        if contact is None or not contact.name.strip():
            return None
        position = (contact.position or "").strip() or "Директор"
        return ClaimDirector(
            name=contact.name.strip(),
            position=position,
            name_dative=person_dative(contact.name.strip()),
            position_dative=position_dative(position),
        )

    async def edit(
        self, case_id: int, text: str | None, contract: str | None, if_match: int | None
    ) -> CollectionCase:
        case = await self.workflow.for_action(case_id, "edit_claim", if_match)
        if case.claim_view is None:
            raise Conflict(NOT_READY)
        before = {"text": case.claim_text, "contract": case.claim_view.get("contract")}
        if text is not None:
            case.claim_text = text
        if contract is not None:
            case.claim_view = replace(ClaimView.from_json(case.claim_view), contract=contract).to_json()
        await self.workflow.move(case, "edit_claim", {"before": before})
        return case

    async def approve(self, case_id: int, if_match: int | None) -> CollectionCase:
        case = await self.workflow.for_action(case_id, "approve_claim", if_match)
        if case.claim_view is None or not case.claim_text:
            raise Conflict(NOT_READY)
        case.claim_approved_by_id = self.uow.actor.id if self.uow.actor else None
        case.claim_approved_at = self.uow.clock.now()
        await self.workflow.move(case, "approve_claim", {})
        await self.workflow.close_step_tasks(case, "claim_request")
        client = await ClientService(self.uow).get_for_system(case.client_id)
        await self.workflow.step(
            NewStep(
                case.id,
                "claim_send",
                case.assignee_id,
                TaskKind.SEND_DOCUMENT,
                f"Отправить претензию «{client.name}» сегодня: почтой с уведомлением и по e-mail",
                "Отправить заказным письмом с уведомлением о вручении, внести трек-номер — письмо по e-mail "
                "с PDF уйдёт автоматически.",
                self.workflow.today,
            )
        )
        return case

    async def send(
        self, case_id: int, tracking_number: str, email: str | None, if_match: int | None
    ) -> CollectionCase:
        """Record the dispatch once: the registered letter's number and the email with the PDF (sent
        by the worker exactly once). A second click finds the case sent and changes nothing."""
        case = await self.workflow.get(case_id)
        ensure_version(case, if_match, "collection case")
        if case.stage == CaseStage.CLAIM_REQUESTED:
            raise Conflict("the lawyer has not approved the claim letter yet", code="claim_not_approved")
        case = await self.workflow.for_action(case_id, "send_claim", if_match)
        try:
            barcode = parse_barcode(tracking_number)
        except ValueError as exc:
            raise FieldError("tracking_number", str(exc), code="bad_tracking_number") from exc
        if barcode.kind != "domestic":
            raise FieldError(
                "tracking_number", "a registered letter in Russia has a 14-digit domestic number"
            )
        recipient = email
        if recipient is None:
            contact = (await self.workflow.letter_contacts([case.client_id])).get(case.client_id)
            if contact is None:
                raise FieldError("email", "the client has no contact with an email: give the address")
            recipient = contact.emails[0]
        client = await ClientService(self.uow).get_for_system(case.client_id)
        today = self.workflow.today
        message, _ = await OutboxService(self.uow).add(
            kind=OutboundKind.EMAIL,
            channel="email",
            recipient=recipient,
            subject=f"Претензия № {case.claim_view['number'] if case.claim_view else case.id} "
            f"о погашении задолженности",
            body=(
                f"Уважаемые коллеги!\n\nНаправляем претензию о погашении задолженности «{client.name}» "
                f"(во вложении, PDF). Оригинал отправлен заказным письмом с уведомлением о вручении, "
                f"почтовый идентификатор {barcode.value}.\n\nС уважением,\nотдел продаж"
            ),
            dedupe_key=f"collection:{case.id}:claim",
            about=(MessageAbout.COLLECTION_CASE, case.id),
            payload={"attachments": [{"kind": "claim_pdf", "case_id": case.id}]},
        )
        case.tracking_number = barcode.value
        case.claim_sent_on = today
        case.claim_sent_by_id = self.uow.actor.id if self.uow.actor else None
        case.claim_message_id = message.id
        case.claim_pdf_key = f"documents/collection/{case.id}/claim.pdf"
        case.court_allowed_on = policy.court_allowed_on(today, self.uow.calendar)
        await self.workflow.move(
            case,
            "send_claim",
            {
                "tracking_number": barcode.value,
                "email": recipient,
                "message_id": message.id,
                "court_allowed_on": case.court_allowed_on.isoformat(),
            },
        )
        await self.workflow.close_step_tasks(case, "claim_send")
        return case

    async def for_sending(self, case_id: int) -> ClaimToSend | None:
        case = await self.uow.session.get(CollectionCase, case_id)
        if case is None or case.claim_view is None or case.claim_text is None or case.claim_pdf_key is None:
            return None
        return ClaimToSend(
            key=case.claim_pdf_key,
            stored=case.claim_pdf_stored_at is not None,
            view=claim_view(case.claim_view),
            text=case.claim_text,
            number=str(case.claim_view.get("number", case.id)),
        )

    async def record_stored(self, case_id: int, digest: str) -> None:
        """The sent PDF is in storage: its hash is kept with the case, once."""
        await self.uow.session.execute(
            update(CollectionCase)
            .where(CollectionCase.id == case_id, CollectionCase.claim_pdf_stored_at.is_(None))
            .values(claim_pdf_sha256=digest, claim_pdf_stored_at=self.uow.clock.now())
        )

    async def guarantee_sample(self, case_id: int, company: CompanySettings) -> dict[str, Any] | None:
        """What the sample guarantee letter prints: the debt as it is when the email goes out."""
        case = await self.uow.session.get(CollectionCase, case_id)
        if case is None:
            return None
        client = await ClientService(self.uow).get_for_system(case.client_id)
        debt = await self.workflow.case_debt(case.id)
        return {
            "supplier_name": company.name,
            "supplier_inn": company.inn,
            "supplier_director": company.director_name,
            "client_name": client.name,
            "client_inn": client.inn,
            "client_kpp": client.kpp,
            "debt": str(debt.debt),
            "invoices": [
                {
                    "number": i.number,
                    "issued_on": i.issued_on.isoformat(),
                    "due_on": i.due.isoformat(),
                    "debt": str(i.outstanding),
                }
                for i in debt.invoices
            ],
            "latest": policy.latest_promise(self.workflow.today).isoformat(),
        }


def _percent(value: str | Decimal) -> str:
    """A percent as a Russian letter prints it: 0.1000 → «0,1», 10.00 → «10»."""
    return f"{Decimal(value).normalize():f}".replace(".", ",")


def _contract_of(client: Client) -> str | None:
    """The client's contract as the claim cites it: «договора № 17/2026 от 01.12.2026»."""
    if client.contract_number is None:
        return None
    dated = f" от {short_date(client.contract_date)}" if client.contract_date is not None else ""
    return f"договора № {client.contract_number}{dated}"


def claim_text(view: ClaimView | dict[str, Any]) -> str:
    """The claim's body as the lawyer edits it (the requisites and the tables are printed around it);
    from the view, or the JSON a case keeps of it."""
    view = claim_view(view)
    basis = f"В рамках {view.contract} " if view.contract else "По счетам, указанным ниже, "
    numbers = ", ".join(f"№ {r.number} от {short_date(r.issued_on)}" for r in view.invoices)
    until = short_date(view.until)
    penalty, debt, total = view.penalty, view.debt, view.total
    terms = view.terms
    if terms is not None:
        # The contract's penalty is claimed instead of the interest (art. 395 p. 4, art. 330).
        signed = short_date(terms.contract_date) if terms.contract_date else ""
        capped = f", но не более {_percent(terms.cap_percent)} % суммы долга" if terms.cap_percent else ""
        charged = (
            f"В соответствии со ст. 330 Гражданского кодекса РФ и договором № {terms.contract_number} "
            f"от {signed} за просрочку оплаты начислена неустойка "
            f"{_percent(terms.rate_per_day_percent)} % от неоплаченной суммы за каждый день просрочки"
            f"{capped}, по {until} в размере {format_rub(penalty)} ({amount_in_words(penalty)}); "
            "расчёт приложен."
        )
        articles, what, of_what = "309, 310, 330, 486", "неустойку", "неустойки"
    else:
        charged = (
            "В соответствии со ст. 395 Гражданского кодекса РФ за пользование чужими денежными средствами "
            f"начислены проценты по {until} в размере {format_rub(penalty)} "
            f"({amount_in_words(penalty)}); расчёт приложен."
        )
        articles, what, of_what = "309, 310, 395, 486", "проценты", "процентов"
    return "\n\n".join(
        [
            f"{basis}{view.supplier.name} (Поставщик) поставил {view.buyer.name} (Покупатель) "
            f"товар, что подтверждается универсальными передаточными документами к счетам {numbers}. "
            "Товар принят Покупателем без замечаний.",
            f"Покупатель в установленный срок товар не оплатил. Задолженность составляет "
            f"{format_rub(debt)} ({amount_in_words(debt)}), просрочка — до {view.days_overdue} дн.",
            charged,
            f"На основании ст. {articles} ГК РФ требуем в течение {view.pay_within_days} "
            f"календарных дней с момента получения настоящей претензии оплатить задолженность и {what}, "
            f"всего {format_rub(total)} ({amount_in_words(total)}), по реквизитам, указанным ниже.",
            "В случае неисполнения требования Поставщик обратится в арбитражный суд по истечении 30 "
            "календарных дней со дня направления претензии (ч. 5 ст. 4 АПК РФ) с иском о взыскании "
            f"задолженности, {of_what} по день фактической оплаты, а также судебных расходов "
            "(государственной пошлины и расходов на представителя), которые будут отнесены на Покупателя.",
        ]
    )
