"""Our company as every document prints it: the letterhead, the requisites for a payment, who signs.

One record for the invoice, the proposal, the workshop spec, the reconciliation act and the claim
letter, each printing the part it needs, made from the company's settings in one place. A view is
kept as JSON with the document it printed (see `views`); a view kept before a field was printed
reads back with that field empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from app.core.config import CompanySettings


@dataclass(frozen=True, slots=True)
class CompanyRequisites:
    name: str
    inn: str
    kpp: str | None
    address: str
    phone: str = ""
    email: str = ""
    bank_name: str = ""
    bik: str = ""
    account: str = ""
    correspondent_account: str = ""
    director_name: str = ""
    accountant_name: str = ""
    logo_key: str | None = None

    @classmethod
    def of(cls, company: CompanySettings) -> CompanyRequisites:
        return cls(**{f.name: getattr(company, f.name) for f in fields(cls)})

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CompanyRequisites:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})
