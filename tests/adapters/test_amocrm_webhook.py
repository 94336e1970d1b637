"""The amoCRM webhook form parser on bodies shaped as amoCRM sends them."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest

from app.adapters.amocrm.webhook import LeadEvent, parse_brackets, parse_webhook_form

# A status change exactly as it arrives on the wire (application/x-www-form-urlencoded).
STATUS_BODY = (
    "leads%5Bstatus%5D%5B0%5D%5Bid%5D=31000102"
    "&leads%5Bstatus%5D%5B0%5D%5Bname%5D=%D0%96%D0%B8%D0%BB%D0%B5%D1%82%D1%8B+120+%D1%88%D1%82"
    "&leads%5Bstatus%5D%5B0%5D%5Bstatus_id%5D=142"
    "&leads%5Bstatus%5D%5B0%5D%5Bold_status_id%5D=61000003"
    "&leads%5Bstatus%5D%5B0%5D%5Bprice%5D=42600"
    "&leads%5Bstatus%5D%5B0%5D%5Bresponsible_user_id%5D=8100002"
    "&leads%5Bstatus%5D%5B0%5D%5Blast_modified%5D=1732700000"
    "&leads%5Bstatus%5D%5B0%5D%5Bpipeline_id%5D=7001001"
    "&leads%5Bstatus%5D%5B0%5D%5Bold_pipeline_id%5D=7001001"
    "&leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bid%5D=3001"
    "&leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bname%5D=%D0%98%D0%9D%D0%9D"
    "&leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bvalues%5D%5B0%5D%5Bvalue%5D=4707012343"
    "&account%5Bsubdomain%5D=specodezhda"
    "&account%5Bid%5D=29000001"
    "&account%5B_links%5D%5Bself%5D=https%3A%2F%2Fspecodezhda.amocrm.ru"
)


def form(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Round-trip through the wire format, as the API endpoint will see it."""
    return parse_qsl(urlencode(pairs), keep_blank_values=True)


def test_status_change_from_the_wire() -> None:
    delivery = parse_webhook_form(parse_qsl(STATUS_BODY, keep_blank_values=True))

    assert delivery.account_id == "29000001"
    assert delivery.subdomain == "specodezhda"
    assert delivery.leads == (
        LeadEvent(
            action="status",
            lead_id=31000102,
            status_id=142,
            old_status_id=61000003,
            pipeline_id=7001001,
            old_pipeline_id=7001001,
            name="Жилеты 120 шт",
            price=42600,
            responsible_user_id=8100002,
            updated_at=1732700000,
            custom_fields={"ИНН": ["4707012343"]},
        ),
    )
    assert delivery.data["account"]["_links"]["self"] == "https://specodezhda.amocrm.ru"


def test_several_leads_and_actions_in_one_delivery() -> None:
    pairs = form(
        [
            ("leads[add][0][id]", "31000201"),
            ("leads[add][0][name]", "Сделка #31000201"),
            ("leads[add][0][status_id]", "61000001"),
            ("leads[add][0][pipeline_id]", "7001001"),
            ("leads[add][0][price]", "15000.50"),
            ("leads[add][0][custom_fields][0][id]", "3002"),
            ("leads[add][0][custom_fields][0][name]", "Ценовая категория"),
            ("leads[add][0][custom_fields][0][code]", "PRICE_CATEGORY"),
            ("leads[add][0][custom_fields][0][values][0][value]", "Оптовая"),
            ("leads[add][0][custom_fields][0][values][0][enum]", "5001"),
            ("leads[add][0][custom_fields][1][id]", "3003"),
            ("leads[add][0][custom_fields][1][name]", "Размеры"),
            ("leads[add][0][custom_fields][1][values][0][value]", "48-50"),
            ("leads[add][0][custom_fields][1][values][1][value]", "52-54"),
            ("leads[add][1][id]", "31000202"),
            ("leads[add][1][status_id]", "61000001"),
            ("leads[update][0][id]", "31000101"),
            ("leads[update][0][name]", "Спецодежда для цеха"),
            ("leads[update][0][updated_at]", "1732700100"),
            ("leads[delete][0][id]", "31000099"),
            ("leads[delete][0][status_id]", "143"),
            ("contacts[add][0][id]", "45000300"),
            ("contacts[add][0][type]", "contact"),
            ("contacts[add][0][name]", "Петрова Анна"),
            ("account[id]", "29000001"),
            ("account[subdomain]", "specodezhda"),
        ]
    )

    delivery = parse_webhook_form(pairs)

    assert [(e.action, e.lead_id) for e in delivery.leads] == [
        ("add", 31000201),
        ("add", 31000202),
        ("update", 31000101),
        ("delete", 31000099),
    ]
    first = delivery.leads[0]
    assert first.price == 15000
    assert first.custom_fields == {"PRICE_CATEGORY": ["Оптовая"], "Размеры": ["48-50", "52-54"]}
    assert delivery.leads[1].name is None
    assert delivery.leads[2].updated_at == 1732700100
    assert delivery.leads[3].status_id == 143
    assert delivery.lead_ids() == [31000201, 31000202, 31000101, 31000099]
    assert delivery.data["contacts"]["add"][0] == {
        "id": "45000300",
        "type": "contact",
        "name": "Петрова Анна",
    }


def test_indexes_out_of_order_and_odd_keys_are_tolerated() -> None:
    pairs = form(
        [
            ("leads[status][1][id]", "2"),
            ("leads[status][0][id]", "1"),
            ("leads[status][0][status_id]", "not-a-number"),
            ("leads[status][0][price]", "1e999999"),
            ("leads[mystery][0][id]", "whatever"),
            ("leads[status][0][id][nested]", "conflict"),
            ("broken]key[", "x"),
            ("unrelated", "x"),
            ("account[id]", " 29000001 "),
        ]
    )
    delivery = parse_webhook_form(pairs)
    assert [(e.lead_id, e.status_id, e.price) for e in delivery.leads] == [(1, None, None), (2, None, None)]
    assert delivery.subdomain is None
    assert delivery.account_id == "29000001"


def test_missing_account_id_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"account\[id\]"):
        parse_webhook_form(form([("leads[add][0][id]", "1"), ("account[subdomain]", "x")]))
    with pytest.raises(ValueError, match=r"account\[id\]"):
        parse_webhook_form([])


def test_non_numeric_lead_id_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"leads\[update\]\[0\]\[id\]"):
        parse_webhook_form(form([("leads[update][0][id]", "12ab"), ("account[id]", "1")]))


def test_bracket_parser_builds_lists_and_appends() -> None:
    tree = parse_brackets([("a[]", "x"), ("a[]", "y"), ("b[2]", "two"), ("b[0]", "zero"), ("c[k]", "v")])
    assert tree == {"a": ["x", "y"], "b": ["zero", "two"], "c": {"k": "v"}}
