"""Loads under faults: killed at random points, Neo4j stopped mid-load, two loads at once.

Every case ends with a graph whose canonical fingerprint (nodes, relationships,
properties; tests/integration/graphhash.py) equals that of one uninterrupted load.
The figures (kill points, waits) are printed for docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import cli_env, empty_graph, run_cli, scratch_server

from crm_graph.config import Settings
from crm_graph.db import Database, connect
from crm_graph.generate import generate_bank
from crm_graph.neo4j_local import LocalNeo4j

from .graphhash import fingerprint

FAULT_LOG = Path(os.environ.get("CRM_FAULT_LOG", "out/faults.jsonl"))


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("faults") / "bank"
    generate_bank(out, customers=600, seed=19)
    return out


@pytest.fixture(scope="module")
def reference(bank: Path, session_db: Database, neo4j_settings: Settings) -> dict[str, float]:
    """Fingerprint of one uninterrupted CLI load, and how long it took."""
    empty_graph(session_db)
    started = time.monotonic()
    proc = run_cli(neo4j_settings, "load", str(bank), "--json")
    assert proc.returncode == 0, proc.stderr
    return {"hash": fingerprint(session_db), "seconds": time.monotonic() - started}


def _record(fact: dict[str, object]) -> None:
    """Append what a fault test did to out/faults.jsonl (figures for the docs)."""
    FAULT_LOG.parent.mkdir(parents=True, exist_ok=True)
    with FAULT_LOG.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(fact) + "\n")


def _start_load(settings: Settings, bank: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crm_graph.cli", "load", str(bank), "--json"],
        env=cli_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_load_killed_at_a_random_point_is_completed_by_the_next_run(
    seed: int,
    bank: Path,
    reference: dict,
    session_db: Database,
    neo4j_settings: Settings,
) -> None:
    empty_graph(session_db)
    # somewhere between the first write and the end of an uninterrupted run
    delay = random.Random(seed).uniform(1.5, max(2.0, 0.9 * reference["seconds"]))
    proc = _start_load(neo4j_settings, bank)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if proc.stderr:
        proc.stderr.close()
    partial = session_db.read("admin/count_totals")[0]
    _record(
        {
            "fault": "kill",
            "seed": seed,
            "after_s": round(delay, 1),
            "nodes": partial["nodes"],
            "relationships": partial["relationships"],
        }
    )
    rerun = run_cli(neo4j_settings, "load", str(bank), "--json")
    assert rerun.returncode == 0, rerun.stderr
    assert fingerprint(session_db) == reference["hash"]


def test_two_loads_of_one_extract_at_once_make_no_duplicates(
    bank: Path, reference: dict, session_db: Database, neo4j_settings: Settings
) -> None:
    empty_graph(session_db)
    first, second = _start_load(neo4j_settings, bank), _start_load(neo4j_settings, bank)
    outcomes = []
    for proc in (first, second):
        _, err = proc.communicate(timeout=600)
        assert "Traceback" not in err
        outcomes.append(proc.returncode)
    _record({"fault": "two loads", "exit_codes": outcomes})
    duplicates = session_db.run_statement(
        "MATCH (c:Customer) WITH c.customer_id AS id, count(*) AS n WHERE n > 1 "
        "RETURN count(id) AS n"
    )[0]["n"]
    assert duplicates == 0
    if outcomes != [0, 0]:  # one lost a deadlock it could not retry: finish it
        assert run_cli(neo4j_settings, "load", str(bank)).returncode == 0
    assert fingerprint(session_db) == reference["hash"]


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[tuple[Settings, LocalNeo4j]]:
    """A second local Neo4j that this test may stop and start."""
    with scratch_server(tmp_path, "faulttest", heap="1g") as started:
        yield started


def test_neo4j_stopped_mid_load_fails_clearly_and_the_rerun_completes(
    bank: Path, reference: dict, own_server: tuple[Settings, LocalNeo4j]
) -> None:
    settings, server = own_server
    proc = _start_load(settings, bank)
    time.sleep(max(2.0, 0.4 * reference["seconds"]))
    server.stop()
    try:
        _, err = proc.communicate(timeout=300)
    finally:
        server.start()
    lines = [line for line in err.splitlines() if line.strip()]
    _record({"fault": "neo4j stopped", "exit_code": proc.returncode, "error": lines[-1:]})
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    assert "Neo4j" in lines[-1] or "database" in lines[-1].lower(), lines[-1]
    rerun = run_cli(settings, "load", str(bank), "--json")
    assert rerun.returncode == 0, rerun.stderr
    driver = connect(settings.uri, settings.neo4j_user, settings.neo4j_password.get_secret_value())
    with Database(driver, settings.neo4j_database, owns_driver=True) as other:
        assert fingerprint(other) == reference["hash"]
