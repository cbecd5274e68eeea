"""Reliability: the fault, bad-input and attack tests, run, and what they saw.

Runs the tests that break things on purpose (a load killed or raced, Neo4j stopped
under a load and under the API, Cypher injection, a slow client, the bad-input corpus,
schemathesis fuzzing) in a fresh pytest process against the tests' own Neo4j instance,
with ``CRM_FAULT_LOG`` pointing at a scratch file the fault tests append their facts
to, and a JUnit report for each test's outcome. The table joins the two: one row per
kind of fault, with the facts the tests recorded and how many of its tests passed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LOAD = "tests/integration/test_faults.py::"
API = "tests/integration/test_api_faults.py::"

#: (row, the tests behind it as pytest node-id prefixes, what it checks)
ROWS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "kill",
        (LOAD + "test_a_load_killed_at_a_random_point_is_completed_by_the_next_run",),
        "`crm-graph load` of a 600-customer bank killed with SIGKILL at a random time, "
        "then run again: the graph's fingerprint equals that of one uninterrupted load",
    ),
    (
        "two loads",
        (LOAD + "test_two_loads_of_one_extract_at_once_make_no_duplicates",),
        "two loads of the same extract started at the same moment: both exit 0, no "
        "duplicate customer, the same fingerprint",
    ),
    (
        "neo4j stopped",
        (LOAD + "test_neo4j_stopped_mid_load_fails_clearly_and_the_rerun_completes",),
        "Neo4j (a second local instance) stopped in the middle of a load: one line, exit "
        "1, no traceback; after a start the rerun completes with the same fingerprint",
    ),
    (
        "bad input",
        (
            "tests/integration/test_bad_input.py",
            "tests/unit/test_bad_input.py",
        ),
        "the bad-input corpus (tests/data/bad/: wrong encodings, BOM, ragged rows, quotes "
        "and newlines in fields, a 200,000-character field, formula injection, five date "
        "formats, duplicated header, empty, header only, binary, NUL byte, unterminated "
        "quote, CRLF) through the reader and `crm-graph load`: expected rejects with line "
        "and reason, or one line naming the file; loaded + rejected = read",
    ),
    (
        "cypher injection",
        (API + "test_cypher_injection_in_every_parameter_changes_nothing",),
        "Cypher-injection strings in every path, query and body parameter of every "
        "endpoint with an admin key: no 5xx, node and relationship counts unchanged",
    ),
    (
        "fuzzing",
        ("tests/integration/test_api.py::test_fuzzed_requests_never_get_a_5xx",),
        "schemathesis requests generated from the OpenAPI schema, without a key and with "
        "each role's key: no 5xx",
    ),
    (
        "slow client",
        (API + "test_a_slow_client_does_not_hold_up_the_others",),
        "a client sending its request header a byte every 100 ms while normal requests "
        "run: the slowest normal answer",
    ),
    (
        "neo4j restart under load",
        (API + "test_neo4j_restarted_under_load_gives_503s_then_recovers",),
        "Neo4j stopped and started while clients query the API without pause: only 200 "
        "and 503 (with Retry-After), 200 again without an API restart",
    ),
)


def _selection() -> list[str]:
    """The tests to run: whole files, or single tests (``file::name``, every parameter)."""
    return sorted({p for _, prefixes, _ in ROWS for p in prefixes})


def run() -> dict[str, Any]:
    """Run the reliability tests; return their facts and outcomes per row."""
    with tempfile.TemporaryDirectory() as scratch:
        facts_path = Path(scratch) / "faults.jsonl"
        junit = Path(scratch) / "junit.xml"
        env = {**os.environ, "CRM_FAULT_LOG": str(facts_path)}
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               f"--junitxml={junit}", *_selection()]  # fmt: skip
        proc = subprocess.run(cmd, cwd=ROOT, env=env, text=True, capture_output=True)
        sys.stderr.write(proc.stdout[-2000:])
        if not junit.exists():
            raise RuntimeError(f"the reliability tests did not run: {proc.stderr[-2000:]}")
        outcomes: dict[str, list[bool]] = defaultdict(list)
        for case in ET.parse(junit).getroot().iter("testcase"):
            path = case.get("classname", "").replace(".", "/") + ".py"
            node = f"{path}::{case.get('name', '')}"
            failed = any(child.tag in ("failure", "error") for child in case)
            skipped = any(child.tag == "skipped" for child in case)
            for row, prefixes, _ in ROWS:
                if any(node.startswith(p) for p in prefixes) and not skipped:
                    outcomes[row].append(not failed)
        facts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        if facts_path.exists():
            for line in facts_path.read_text(encoding="utf-8").splitlines():
                fact = json.loads(line)
                facts[str(fact.pop("fault"))].append(fact)
    return {"outcomes": dict(outcomes), "facts": dict(facts), "exit_code": proc.returncode}


def _statuses(statuses: dict[str, int]) -> str:
    return ", ".join(f"{n:,} x {code}" for code, n in sorted(statuses.items()))


def _seen(row: str, facts: list[dict[str, Any]]) -> str:
    if not facts:
        return ""
    if row == "kill":
        return "; ".join(
            f"killed after {f['after_s']} s with {f['nodes']:,} nodes written" for f in facts
        )
    if row == "two loads":
        return "; ".join(f"exit codes {f['exit_codes']}" for f in facts)
    if row == "neo4j stopped":
        return "; ".join(f"exit code {f['exit_code']}: {' '.join(f['error'])[:120]}" for f in facts)
    if row == "cypher injection":
        return "; ".join(f"{f['requests']:,} requests: {_statuses(f['statuses'])}" for f in facts)
    if row == "slow client":
        return "; ".join(f"{f['requests']} requests, slowest {f['max_s']} s" for f in facts)
    if row == "neo4j restart under load":
        return "; ".join(
            f"{f['requests']:,} requests: {_statuses(f['statuses'])}; 200 again "
            f"{f['recovered_after_s']} s after the restart"
            for f in facts
        )
    return "; ".join(json.dumps(f) for f in facts)


def markdown(result: dict[str, Any]) -> str:
    """The table: what was done, what the tests saw, how many of them passed."""
    lines = [
        "| fault | what is checked | what the tests saw | tests passed |",
        "|---|---|---|---:|",
    ]
    for row, _, checks in ROWS:
        runs = result["outcomes"].get(row, [])
        passed = f"{sum(runs)} of {len(runs)}" if runs else "not run"
        seen = _seen(row, result["facts"].get(row, [])) or "(no figures recorded)"
        lines.append(f"| {row} | {checks} | {seen} | {passed} |")
    return "\n".join(lines)
