"""The penalty calculator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import StrictModel

MAX_AMOUNT = Decimal("999999999999.99")
LAST_DAY = dt.date(2099, 12, 31)
Method = Literal["key_rate", "contractual"]


class PenaltyPayment(StrictModel):
    date: dt.date = Field(description="The payment day; the debt is lower from the next day")
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT, decimal_places=2, description="Roubles")


class PenaltyCalculate(StrictModel):
    method: Method = Field(
        description="`key_rate`: interest under art. 395 of the Civil Code; `contractual`: the contract's "
        "penalty (неустойка) as a percent of the debt a day"
    )
    principal: Decimal = Field(gt=0, le=MAX_AMOUNT, decimal_places=2, description="The debt, roubles")
    due_date: dt.date = Field(
        le=LAST_DAY,
        description="The last day to pay; the delay begins the day after (after the next working day when "
        "it is not one, art. 193). Not before 2016-08-01",
    )
    until: dt.date = Field(le=LAST_DAY, description="The last day counted (inclusive)")
    payments: list[PenaltyPayment] = Field(default_factory=list, max_length=500)
    rate_per_day_percent: Decimal | None = Field(
        default=None, gt=0, le=1, decimal_places=4, description="`contractual` only: percent a day, e.g. 0.1"
    )
    cap_percent: Decimal | None = Field(
        default=None,
        gt=0,
        le=100,
        decimal_places=2,
        description="`contractual` only: the penalty is at most this percent of the principal",
    )
    moratorium_2022: bool = Field(
        default=True,
        description="No penalty from 2022-04-01 to 2022-10-01 on debts due before 2022-04-01 "
        "(Government decree No. 497)",
    )


class _Span(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    start: dt.date = Field(alias="from", description="First day, inclusive")
    end: dt.date = Field(alias="to", description="Last day, inclusive")
    days: int


class PenaltyPeriod(_Span):
    principal: Decimal
    rate_percent: Decimal = Field(description="Key rate a year, or the contract's percent a day")
    days_in_year: int | None = Field(description="365 or 366 for `key_rate`; null for `contractual`")
    amount: Decimal = Field(description="principal × rate × days / days_in_year, rounded half-up to 0.01")


class PenaltyExcluded(_Span):
    reason: str = Field(description="`moratorium_2022`")


class PenaltyResult(BaseModel):
    method: Method
    accrues_from: dt.date = Field(description="The first day of delay")
    total: Decimal = Field(description="The sum of the periods' amounts (for `contractual`, at most the cap)")
    days: int = Field(description="Days that bear a penalty")
    periods: list[PenaltyPeriod]
    excluded: list[PenaltyExcluded] = Field(description="Stretches that bear none (the 2022 moratorium)")
    uncapped_total: Decimal = Field(description="The sum of the periods before any cap")
    cap_amount: Decimal | None = Field(description="`contractual` with `cap_percent`: the cap in roubles")
    key_rate_total: Decimal | None = Field(
        description="`contractual` only: the art. 395 interest on the same debt and days, for comparison "
        "(a court lowering the penalty under art. 333 may not go below it)"
    )
    unconfirmed_rates: list[dt.date] = Field(
        description="Key rates (by the day each is in force from) the art. 395 figure used that are not yet "
        "confirmed against the Bank of Russia's history; check them before relying on the figure"
    )
