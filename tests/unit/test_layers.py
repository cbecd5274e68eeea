"""The dependency rules of docs/design.md, checked on every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "crm_graph"
CORE = {"config", "db", "errors", "identifiers", "neo4j_local"}


def _imports(path: Path) -> set[str]:
    """Every crm_graph module a file imports (at its top or inside a function)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n.removeprefix("crm_graph.") for n in names if n.startswith("crm_graph.")}
    return found


def _modules(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py")) if (SRC / package).is_dir() else []


def _touches(imported: set[str], package: str) -> set[str]:
    return {m for m in imported if m == package or m.startswith(f"{package}.")}


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("analytics", ("ingest", "generate", "api", "commands", "cli")),
        ("ingest", ("generate", "analytics", "api", "commands", "cli")),
        ("api", ("ingest", "generate", "commands", "cli")),
        ("generate", ("ingest", "analytics", "api", "commands", "cli")),
        ("commands", ("cli",)),
    ],
)
def test_no_import_runs_backwards(package: str, forbidden: tuple[str, ...]) -> None:
    bad = {
        f"{path.relative_to(SRC)} imports {m}"
        for path in _modules(package)
        for other in forbidden
        for m in _touches(_imports(path), other)
    }
    assert not bad, sorted(bad)


def test_the_core_knows_no_command_line_or_http() -> None:
    bad = {
        f"{name}.py imports {m}"
        for name in CORE
        for m in _imports(SRC / f"{name}.py")
        if m.split(".")[0] in {"cli", "commands", "api", "analytics", "ingest", "generate"}
    }
    assert not bad, sorted(bad)


def test_churn_and_cross_sell_share_data_through_base_not_each_other() -> None:
    pairs = [("crosssell", "churn"), ("churn", "crosssell"), ("ondemand", "churn")]
    bad = [
        f"analytics/{a}.py imports analytics.{b}"
        for a, b in pairs
        if _touches(_imports(SRC / "analytics" / f"{a}.py"), f"analytics.{b}")
    ]
    assert not bad, bad
    # the check reads imports: it would see one
    assert _touches(_imports(SRC / "analytics" / "crosssell.py"), "analytics.base")
