"""Every number an input model takes is held to the strict rule (app/schemas/common.py): by
StrictModel for its fields, and, in a variant of a discriminated union (StrictVariant), by the
field's own type. No input field takes `true` for a number, «1e3» or Arabic-Indic digits."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, BeforeValidator

import app.schemas
from app.schemas.common import StrictModel, StrictVariant, number_rule, strict_decimal, strict_integer


def _strict(metadata: Any) -> bool:
    return any(
        isinstance(m, BeforeValidator) and m.func in (strict_integer, strict_decimal) for m in metadata
    )


def _loose(annotation: Any, metadata: Any = ()) -> bool:
    """A number in the type not held to the rule by a validator of its own."""
    if _strict(metadata):
        return False
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _loose(args[0], args[1:])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return False  # a model of its own
    if args:
        return any(_loose(a) for a in args if not isinstance(a, int | str))
    return number_rule(annotation) is not None


def _inputs() -> list[type[StrictVariant]]:
    for module in pkgutil.iter_modules(app.schemas.__path__):
        importlib.import_module(f"app.schemas.{module.name}")
    found, stack = [], list(StrictVariant.__subclasses__())
    while stack:
        model = stack.pop()
        found.append(model)
        stack.extend(model.__subclasses__())
    return found


def test_every_number_an_input_model_takes_is_strict() -> None:
    models = _inputs()
    assert len(models) > 50
    loose = [
        f"{model.__module__}.{model.__name__}.{name}"
        for model in models
        if not issubclass(model, StrictModel)
        for name, field in model.model_fields.items()
        if _loose(field.annotation, field.metadata)
    ]
    assert loose == []
    variants = {m.__name__ for m in models if not issubclass(m, StrictModel)}
    assert variants == {"LogoDetails", "TailoringDetails", "ManufacturingDetails"}


def test_strict_model_holds_every_number_field_to_the_rule() -> None:
    from app.schemas.orders import OrderLineIn
    from app.schemas.payments import PaymentCreate
    from app.schemas.specs import LogoDetails

    for model, field, value in (
        (OrderLineIn, "quantity", True),
        (PaymentCreate, "amount", "1e3"),
        (PaymentCreate, "amount", "١٠٠"),
        (PaymentCreate, "client_id", True),
        (LogoDetails, "width_mm", True),
    ):
        try:
            model.model_validate({field: value})
        except Exception as exc:
            errors = [e for e in exc.errors() if e["loc"] == (field,)]  # type: ignore[attr-defined]
            assert errors, (model, field)
            assert "ASCII digits" in errors[0]["msg"] or "true or false" in errors[0]["msg"]
        else:
            raise AssertionError(f"{model.__name__}.{field} took {value!r}")
