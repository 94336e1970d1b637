"""The long tests start first on every xdist worker (tests/support/ordering.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.support.ordering import long_tests_first

LONG = ("tests/faults/", "tests/test_cli.py::test_dev")


@dataclass(frozen=True)
class Item:
    nodeid: str


def _slices(items: list[Item], workers: int) -> list[list[Item]]:
    """The contiguous slices xdist's worksteal first hands its idle workers (its `check_schedule`)."""
    pending, slices = list(items), []
    for n in range(workers):
        size = len(pending) // (workers - n)
        slices.append(pending[:size])
        del pending[:size]
    return slices


ITEMS = [
    *(Item(f"tests/api/test_a.py::test_{n}[sqlite]") for n in range(8)),
    Item("tests/faults/test_p.py::test_one"),
    *(Item(f"tests/api/test_a.py::test_{n}[postgresql]") for n in range(8)),
    Item("tests/faults/test_p.py::test_two"),
    Item("tests/test_cli.py::test_quick"),
    Item("tests/test_cli.py::test_dev_serves"),
    *(Item(f"tests/unit/test_u.py::test_{n}") for n in range(6)),
]


@pytest.mark.parametrize("workers", [2, 3])
def test_each_worker_starts_with_its_share_of_the_long_tests_and_the_rest_keeps_its_order(
    workers: int,
) -> None:
    ordered = long_tests_first(ITEMS, workers, LONG)
    assert sorted(ordered, key=ITEMS.index) == ITEMS  # nothing lost, nothing twice
    heads = [[i.nodeid for i in s if i.nodeid.startswith(LONG)] for s in _slices(ordered, workers)]
    assert heads[:2] == [
        ["tests/faults/test_p.py::test_one", "tests/faults/test_p.py::test_two"],
        ["tests/test_cli.py::test_dev_serves"],
    ]
    for piece, head in zip(_slices(ordered, workers), heads, strict=True):
        assert [i.nodeid for i in piece[: len(head)]] == head  # at the head of the slice
    rest = [i for i in ordered if not i.nodeid.startswith(LONG)]
    assert rest == [i for i in ITEMS if not i.nodeid.startswith(LONG)]


def test_without_long_tests_the_order_is_kept() -> None:
    plain = [i for i in ITEMS if not i.nodeid.startswith(LONG)]
    assert long_tests_first(plain, 2, LONG) == plain
