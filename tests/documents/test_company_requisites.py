"""Our company's requisites: one record made from the settings for every document, and views kept
with documents printed before it read back."""

from __future__ import annotations

from dataclasses import fields

from app.core.config import CompanySettings
from app.services.documents.company import CompanyRequisites
from app.services.documents.proposal import ProposalView


def test_every_requisite_comes_from_the_company_settings() -> None:
    company = CompanySettings(
        name="ООО «Тестовая спецодежда»", director_name="Орлова Е. А.", logo_key="logo/x.png"
    )
    requisites = CompanyRequisites.of(company)
    for field in fields(CompanyRequisites):
        assert getattr(requisites, field.name) == getattr(company, field.name), field.name
    assert requisites.name == "ООО «Тестовая спецодежда»"


def test_a_proposal_view_kept_before_reads_back_with_what_it_printed() -> None:
    """A proposal sent earlier kept its letterhead without the signatures and the correspondent
    account (and may carry a key no longer printed): it reads back, the new fields empty."""
    kept = {
        "company": {
            "name": "ООО «Спецодежда-Север»",
            "inn": "3525000013",
            "kpp": "352501001",
            "address": "160000, г. Вологда, ул. Промышленная, д. 1",
            "phone": "+7 (8172) 00-00-00",
            "email": "sales@example.com",
            "bank_name": "ПАО «Примерный банк»",
            "bik": "041909000",
            "account": "40702810000000000001",
            "logo_key": None,
            "fax": "+7 (8172) 00-00-01",
        },
        "number": "12",
        "revision": 1,
        "issued_on": "2026-11-02",
        "valid_until": "2026-11-16",
        "client_name": "ООО «Пример»",
        "contact_name": None,
        "workwear_kind": None,
        "lines": [],
        "total": "0.00",
        "vat_rate": "20",
        "manager_name": None,
        "manager_phone": None,
        "manager_email": None,
    }
    view = ProposalView.from_json(kept)
    assert view.company.name == "ООО «Спецодежда-Север»"
    assert view.company.account == "40702810000000000001"
    assert (view.company.director_name, view.company.correspondent_account) == ("", "")
