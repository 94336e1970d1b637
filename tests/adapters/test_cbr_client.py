"""The DailyInfo KeyRateXML client against a local fake speaking the service's SOAP 1.1 protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date
from decimal import Decimal

import pytest

from app.adapters.cbr import CbrKeyRates, StubKeyRates, parse_key_rates
from app.adapters.cbr.client import key_rate_request
from app.core.config import KeyRateSettings
from app.services.kernel.ports import KeyRateError, KeyRateObservation
from tests.adapters.cbr_server import PATH, FakeCbr
from tests.adapters.servers import LoopbackServer, free_port

D = Decimal
DECISIONS = [(date(2025, 9, 15), D("17.00")), (date(2025, 10, 27), D("16.50"))]


@pytest.fixture(scope="module")
def cbr_server() -> Iterator[tuple[FakeCbr, str]]:
    fake = FakeCbr()
    with LoopbackServer(fake.app()) as server:
        yield fake, server.url + PATH


@pytest.fixture
def fake(cbr_server: tuple[FakeCbr, str]) -> FakeCbr:
    cbr_server[0].reset(DECISIONS)
    return cbr_server[0]


@pytest.fixture
async def cbr(cbr_server: tuple[FakeCbr, str]) -> AsyncIterator[CbrKeyRates]:
    client = CbrKeyRates(
        KeyRateSettings(adapter="cbr", url=cbr_server[1], timeout_seconds=5, max_retries=2),
        backoff_seconds=0.01,
    )
    yield client
    await client.aclose()


async def test_reads_the_daily_series_oldest_first(cbr: CbrKeyRates, fake: FakeCbr) -> None:
    rates = await cbr.key_rates(date(2025, 10, 23), date(2025, 10, 28))

    assert rates == [
        KeyRateObservation(date(2025, 10, 23), D("17.00")),  # Thursday
        KeyRateObservation(date(2025, 10, 24), D("17.00")),  # Friday; no rows for the weekend
        KeyRateObservation(date(2025, 10, 27), D("16.50")),  # the decision in force from Monday
        KeyRateObservation(date(2025, 10, 28), D("16.50")),
    ]
    (call,) = fake.calls
    assert call.soap_action == '"http://web.cbr.ru/KeyRateXML"'
    assert call.content_type == "text/xml; charset=utf-8"
    assert (call.start, call.end) == (date(2025, 10, 23), date(2025, 10, 28))


async def test_retries_a_server_error_then_succeeds(cbr: CbrKeyRates, fake: FakeCbr) -> None:
    fake.failures.extend([503, 502])
    rates = await cbr.key_rates(date(2025, 10, 27), date(2025, 10, 27))
    assert rates == [KeyRateObservation(date(2025, 10, 27), D("16.50"))]
    assert len(fake.calls) == 3


async def test_a_soap_fault_is_an_error_at_once(cbr: CbrKeyRates, fake: FakeCbr) -> None:
    fake.failures.append(500)
    with pytest.raises(KeyRateError, match="SOAP fault: Server was unable to process request"):
        await cbr.key_rates(date(2025, 10, 27), date(2025, 10, 27))
    assert len(fake.calls) == 1


async def test_gives_up_after_the_retries(cbr: CbrKeyRates, fake: FakeCbr) -> None:
    fake.failures.extend([503, 503, 503])
    with pytest.raises(KeyRateError, match="HTTP 503"):
        await cbr.key_rates(date(2025, 10, 27), date(2025, 10, 27))
    assert len(fake.calls) == 3


async def test_nobody_listening_is_a_network_error() -> None:
    settings = KeyRateSettings(adapter="cbr", url=f"http://127.0.0.1:{free_port()}{PATH}", max_retries=1)
    client = CbrKeyRates(settings, backoff_seconds=0.01)
    try:
        with pytest.raises(KeyRateError, match="network error"):
            await client.key_rates(date(2025, 10, 27), date(2025, 10, 27))
    finally:
        await client.aclose()


def test_the_request_envelope_names_both_days() -> None:
    body = key_rate_request(date(2025, 1, 9), date(2025, 2, 1)).decode()
    assert '<KeyRateXML xmlns="http://web.cbr.ru/">' in body
    assert "<fromDate>2025-01-09T00:00:00</fromDate><ToDate>2025-02-01T00:00:00</ToDate>" in body


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not xml", "not XML"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "DTD"),
        (
            b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>',
            "no KeyRateXMLResponse",
        ),
    ],
)
def test_unreadable_answers_are_errors(content: bytes, message: str) -> None:
    with pytest.raises(KeyRateError, match=message):
        parse_key_rates(content)


@pytest.mark.parametrize(
    ("rate", "message"),
    [("шестнадцать", "cannot be read"), ("16.125", "out of range"), ("-1", "out of range")],
)
def test_a_bad_row_is_an_error(rate: str, message: str) -> None:
    body = (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        '<KeyRateXMLResponse xmlns="http://web.cbr.ru/"><KeyRateXMLResult><KeyRate xmlns="">'
        f"<KR><DT>2025-10-27T00:00:00+03:00</DT><Rate>{rate}</Rate></KR>"
        "</KeyRate></KeyRateXMLResult></KeyRateXMLResponse></soap:Body></soap:Envelope>"
    ).encode()
    with pytest.raises(KeyRateError, match=message):
        parse_key_rates(body)


async def test_the_stub_gives_the_packaged_table_as_a_weekday_series() -> None:
    rates = await StubKeyRates().key_rates(date(2016, 9, 16), date(2016, 9, 19))
    # Friday at 10.50 %, no weekend rows, Monday at the 10.00 % decided for 2016-09-19
    assert rates == [
        KeyRateObservation(date(2016, 9, 16), D("10.50")),
        KeyRateObservation(date(2016, 9, 19), D("10.00")),
    ]
