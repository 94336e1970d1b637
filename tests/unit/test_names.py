"""Names a new maintainer reads without a guess: an enum goes by its own name, a package holds no
two modules whose names differ only by a plural, and the dependencies' lower bounds cover what the
code uses of them."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"


def _modules() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def test_no_module_gives_a_class_a_one_letter_alias() -> None:
    """`S = CaseStage` in one module and `S = SpecStatus` in the next: the reader must look up which."""
    aliases = []
    for path in _modules():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and len(node.targets[0].id) == 1
                and isinstance(node.value, ast.Name | ast.Attribute)
            ):
                aliases.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.targets[0].id}")
    assert aliases == []


def _plurals(name: str) -> set[str]:
    return {f"{name}s", f"{name}es"} | ({f"{name[:-1]}ies"} if name.endswith("y") else set())


def test_no_package_holds_a_module_and_its_plural() -> None:
    """`penalty.py` beside `penalties.py`: neither name says which holds what."""
    clashes = []
    for package in {path.parent for path in _modules()}:
        names = {p.stem for p in package.glob("*.py")} | {p.name for p in package.iterdir() if p.is_dir()}
        clashes += [f"{package.relative_to(ROOT)}/{n}" for n in names if _plurals(n) & names]
    assert clashes == []


def test_fastapi_lower_bound_covers_dependency_scopes() -> None:
    """`Depends(..., scope=...)` came with FastAPI 0.121: an older one the bound allows fails at import."""
    uses_scope = any(re.search(r"Depends\([^)]*scope=", p.read_text(encoding="utf-8")) for p in _modules())
    assert uses_scope  # else this test checks nothing: drop it with the last scoped dependency
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    fastapi = next(Requirement(r) for r in project["dependencies"] if Requirement(r).name == "fastapi")
    lower = [Version(s.version) for s in fastapi.specifier if s.operator in (">=", "==", "~=")]
    assert lower
    assert max(lower) >= Version("0.121")
