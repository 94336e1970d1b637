"""1C:Enterprise adapters: an in-memory stub, and the client for 1C's standard OData interface."""

from __future__ import annotations

from app.adapters.onec.odata_erp import ODataErp
from app.adapters.onec.stub import CATALOGUE_FILE, CreditTerms, StubErp
from app.core.config import OneCSettings
from app.services.kernel.ports import Erp

__all__ = ["CATALOGUE_FILE", "CreditTerms", "ODataErp", "StubErp", "build_erp"]


def build_erp(settings: OneCSettings) -> Erp:
    """The 1C adapter the settings name; build it once per process and share it (the OData one holds
    a connection pool: close it with ``aclose``)."""
    if settings.adapter == "stub":
        if settings.catalogue_file is not None:
            return StubErp.from_file(settings.catalogue_file)
        return StubErp.default()
    if settings.adapter == "odata":
        return ODataErp.from_settings(settings.odata)
    raise ValueError(f"unknown 1C adapter {settings.adapter!r}")
