"""Specifications for the sewing workshop: three kinds, each with its own fields and bounds."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, model_validator

from app.models.orders import OrderStatus
from app.models.specs import SpecKind, SpecReceivedVia, SpecStatus
from app.schemas.common import (
    AllowedActions,
    Id,
    IsoDate,
    ReadModel,
    StrictModel,
    StrictVariant,
    Timestamp,
    strict_integer,
)

Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Size = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
Height = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=16, pattern=r"^\d{3}(-\d{3})?$"),
    Field(description="Ростовка: 170-176, or one height in cm"),
]
Quantity = Annotated[int, Field(ge=1, le=100_000)]


def _cm(low: int, high: int, what: str, *, optional: bool = False) -> Any:
    """A body measurement in centimetres (one decimal), bounded to what a grown-up person has."""
    return Field(
        default=None if optional else ...,
        ge=low,
        le=high,
        max_digits=4,
        decimal_places=1,
        description=f"{what}, cm ({low}–{high})",
    )


class LogoMethod(StrEnum):
    EMBROIDERY = "embroidery"  # вышивка
    SCREEN_PRINT = "screen_print"  # шелкография
    HEAT_TRANSFER = "heat_transfer"  # термотрансфер
    DTF_PRINT = "dtf_print"  # DTF-печать
    SUBLIMATION = "sublimation"  # сублимация
    PATCH = "patch"  # шеврон


# A logo's side on the garment (the variants of SpecDetails type their numbers strictly themselves).
Millimetres = Annotated[int, Field(ge=5, le=500), BeforeValidator(strict_integer)]


class LogoGarment(StrictModel):
    name: Text200 = Field(description="The garment the logo goes on, e.g. «Куртка рабочая „Мастер“»")
    color: Text100 | None = None
    size: Size | None = None
    quantity: Quantity


class LogoDetails(StrictVariant):
    """Logo application: where, how, in which colors and size, on which garments."""

    kind: Literal["logo"]
    placement: Text200 = Field(description="Where on the garment, e.g. «левая сторона груди»")
    method: LogoMethod
    colors: list[Text100] = Field(min_length=1, max_length=12, description="Thread or paint colors")
    width_mm: Millimetres = Field(description="Width of the logo on the garment, mm")
    height_mm: Millimetres = Field(description="Height of the logo on the garment, mm")
    garments: list[LogoGarment] = Field(min_length=1, max_length=100)


class Wearer(StrictModel):
    """One person's measurements, in centimetres."""

    name: Text200 = Field(description="Who the garment is for (surname and initials)")
    height_cm: Decimal = _cm(120, 230, "Height")
    chest_cm: Decimal = _cm(60, 180, "Chest")
    waist_cm: Decimal = _cm(45, 180, "Waist")
    hips_cm: Decimal = _cm(60, 190, "Hips")
    neck_cm: Decimal | None = _cm(25, 60, "Neck", optional=True)
    sleeve_cm: Decimal | None = _cm(40, 90, "Sleeve length", optional=True)
    inseam_cm: Decimal | None = _cm(50, 110, "Inside leg", optional=True)
    quantity: Quantity = 1
    note: Text200 | None = None


class TailoringDetails(StrictVariant):
    """Tailoring to individual measurements: the model, fabric and color, and each wearer."""

    kind: Literal["tailoring"]
    model: Text200
    fabric: Text200
    color: Text100
    wearers: list[Wearer] = Field(min_length=1, max_length=200)


class GridCell(StrictModel):
    size: Size
    height: Height
    quantity: int = Field(ge=0, le=100_000)


class ManufacturingDetails(StrictVariant):
    """Manufacturing: the item, its fabric and color, and how many of each size and height."""

    kind: Literal["manufacturing"]
    item: Text200
    fabric: Text200
    color: Text100
    grid: list[GridCell] = Field(min_length=1, max_length=400)

    @model_validator(mode="after")
    def _grid(self) -> ManufacturingDetails:
        seen: set[tuple[str, str]] = set()
        for cell in self.grid:
            if (cell.size, cell.height) in seen:
                raise ValueError(f"grid: size {cell.size} with height {cell.height} is given twice")
            seen.add((cell.size, cell.height))
        if not any(cell.quantity for cell in self.grid):
            raise ValueError("grid: no size and height has a quantity; at least one must")
        return self


SpecDetails = Annotated[LogoDetails | TailoringDetails | ManufacturingDetails, Field(discriminator="kind")]


class SpecCreate(StrictModel):
    """A spec a manager brought (in person or by email), for an order of the same client."""

    order_id: Id = Field(description="The order (and through it the invoice) the spec is for")
    received_via: SpecReceivedVia
    due_on: IsoDate | None = Field(default=None, description="When the manager wants it done")
    comment: Annotated[str, StringConstraints(max_length=2000)] | None = None
    details: SpecDetails


class SpecUpdate(StrictModel):
    """New details: the spec's next revision (a signature of an earlier one no longer counts)."""

    details: SpecDetails
    due_on: IsoDate | None = None
    comment: Annotated[str, StringConstraints(max_length=2000)] | None = None


class SpecFeedbackIn(StrictModel):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class SpecSend(StrictModel):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = Field(
        default=None, description="A line added to the chat message"
    )


class WorkshopFeedback(ReadModel):
    at: Timestamp
    by: int | None
    text: str
    via: str


class SpecRead(ReadModel):
    id: int
    order_id: int
    invoice_id: int | None
    invoice_number: str | None
    invoice_status: str | None
    order_status: OrderStatus
    kind: SpecKind
    received_via: SpecReceivedVia
    status: SpecStatus
    revision: int
    due_on: IsoDate | None
    comment: str | None
    details: dict[str, Any]
    logo_filename: str | None
    logo_content_type: str | None
    signed_by_id: int | None
    signed_at: Timestamp | None
    signed_revision: int | None
    signed_via: str | None
    signed_filename: str | None
    signature_current: bool = Field(description="Signed, and for the revision as it stands")
    channel: str | None = Field(description="The workshop chat the spec went to")
    sent_at: Timestamp | None
    workshop_accepted_at: Timestamp | None
    workshop_accepted_by_id: int | None
    workshop_feedback: list[WorkshopFeedback]
    goods_ready_at: Timestamp | None
    receipts: dict[str, str] = Field(description="1C receipts posted, per requisition-book entry")
    upd_onec_id: str | None = Field(description="The shipping document (УПД) made in 1C")
    allowed_actions: AllowedActions
    version: int
    created_at: Timestamp
    updated_at: Timestamp
