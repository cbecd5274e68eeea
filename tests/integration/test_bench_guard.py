"""The benchmarks refuse to empty a server that holds data, as the tests do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import cli_env

from crm_graph.config import Settings
from crm_graph.db import Database

ROOT = Path(__file__).resolve().parents[2]


def test_bench_refuses_a_non_empty_external_server(db: Database, neo4j_settings: Settings) -> None:
    db.run_statement("CREATE (:Customer {customer_id: 'KEEP-ME'})", write=True)
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "real"],
        cwd=ROOT,
        env=cli_env(neo4j_settings),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode != 0
    assert "holds 1 nodes and the benchmarks would delete them" in proc.stderr
    assert "CRM_BENCH_ALLOW_WIPE=1" in proc.stderr
    kept = db.run_statement("MATCH (c:Customer {customer_id: 'KEEP-ME'}) RETURN count(c) AS n")
    assert kept == [{"n": 1}]
