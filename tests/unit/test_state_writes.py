"""Every state change goes through `StateMachine.move`: no other module of the services assigns a
`status` or a `stage`, whether by `x.status = …`, in a tuple, or by `setattr(x, "status", …)`."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "app" / "services"
STATE_FIELDS = {"status", "stage"}
# The one writer, and rows that are no aggregate of the regulation: their state is their own record.
ALLOWED = {
    "kernel/state_machine.py": "the one writer",
    "orders/intake.py": "an amoCRM webhook delivery: processed or failed, the job's own bookkeeping",
    "orders/inbound_chat.py": "a Telegram webhook delivery: processed, the job's own bookkeeping",
    "kernel/outbox.py": "an outbound message's delivery state, kept by the worker that sends it",
    "receivables/rates.py": "a key rate's confirmation, data read from the Bank of Russia",
}


def state_writes(source: str) -> list[int]:
    """Lines that assign a state field of something other than `self`."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                if (
                    isinstance(element, ast.Attribute)
                    and element.attr in STATE_FIELDS
                    and not (isinstance(element.value, ast.Name) and element.value.id == "self")
                ):
                    lines.append(node.lineno)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in STATE_FIELDS
        ):
            lines.append(node.lineno)
    return lines


def test_the_check_sees_every_form_of_state_write() -> None:
    source = "a.status = 1\nb.x, b.stage = 1, 2\nsetattr(c, 'status', 3)\nself.status = 4\nd.status == 5\n"
    assert state_writes(source) == [1, 2, 3]


def test_only_the_state_machine_writes_a_state() -> None:
    found = {}
    for path in sorted(SERVICES.rglob("*.py")):
        name = path.relative_to(SERVICES).as_posix()
        if name in ALLOWED:
            continue
        lines = state_writes(path.read_text(encoding="utf-8"))
        if lines:
            found[name] = lines
    assert found == {}, f"states assigned outside StateMachine.move: {found}"


def test_every_allowed_module_exists() -> None:
    assert [name for name in ALLOWED if not (SERVICES / name).exists()] == []
