"""The order of the tests under xdist's worksteal: the long ones first, shared out over the workers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

# Tests of a minute or more each (real processes started, killed and waited for), none on a
# database of `db_url`'s. `make test` runs pytest with `--dist worksteal`, which first hands each
# worker a contiguous slice of the collection; these go at the head of the slices, shared out, so
# that they start first and the run does not end on one worker alone with a long test.
LONG_TESTS = (
    "tests/faults/",
    "tests/test_cli.py::test_dev_serves",
    "tests/test_cli.py::test_serve_spreads",
)


class Collected(Protocol):
    @property
    def nodeid(self) -> str: ...


T = TypeVar("T", bound=Collected)


def long_tests_first(items: Sequence[T], workers: int, long: tuple[str, ...]) -> list[T]:
    """The order in which each of ``workers`` slices (as xdist's worksteal cuts them: the first
    ``n // workers``, then a share of the rest, ...) starts with its share of the tests whose ids
    start with one of ``long``. A module's long tests stay together (its fixtures are made once);
    the rest keeps its order (the tests of each database stay together)."""
    units: dict[str, list[T]] = {}
    rest: list[T] = []
    for item in items:
        if item.nodeid.startswith(long):
            units.setdefault(item.nodeid.split("::")[0], []).append(item)
        else:
            rest.append(item)
    shares: list[list[T]] = [[] for _ in range(workers)]
    for unit in sorted(units.values(), key=len, reverse=True):
        min(shares, key=len).extend(unit)
    ordered: list[T] = []
    left = len(items)
    for n, share in enumerate(shares):
        size = left // (workers - n)
        left -= size
        ordered += share
        take = max(size - len(share), 0)
        ordered += rest[:take]
        del rest[:take]
    return ordered + rest
