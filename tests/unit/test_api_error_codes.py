"""Every error code the API can send is in docs/api.md's error table."""

from __future__ import annotations

import re
from pathlib import Path

from crm_graph.errors import ConfigError, QueryParameterError

ROOT = Path(__file__).resolve().parents[2]


def _documented() -> set[str]:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    table = text.split("## Errors", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "`" in line]
    return {code for line in rows for code in re.findall(r"`([a-z_<>]+)`", line.split("|")[1])}


def _sent() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "src" / "crm_graph" / "api").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r"ApiError\(\s*\d+,\s*\"([a-z_]+)\"", text))
        codes |= set(re.findall(r"_error\(\s*\d+,\s*\"([a-z_]+)\"", text))
        codes |= set(re.findall(r"_error\(\s*\n\s*\d+,\s*\n\s*\"([a-z_]+)\"", text))
        if 'f"http_{' in text:
            codes.add("http_<status>")
    # exceptions whose own code the handlers pass on
    return codes | {QueryParameterError.code, ConfigError.code}


def test_every_code_sent_is_documented() -> None:
    sent = _sent()
    assert {"not_found", "not_computed", "validation", "internal", "config"} <= sent
    assert sent - _documented() == set()
