"""`crm-graph db wipe`: the local graph emptied by deleting its store, on a scratch server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import run_cli, scratch_server

from crm_graph.config import Settings
from crm_graph.db import Database, connect
from crm_graph.neo4j_local import LocalNeo4j


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[tuple[Settings, LocalNeo4j]]:
    """A local Neo4j of its own: wiping restarts it."""
    with scratch_server(tmp_path, "wipetest") as started:
        yield started


def _local_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """``crm-graph ARGS`` with the scratch instance as the local server (no CRM_NEO4J_URI)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(
        CRM_INSTANCE=settings.instance,
        CRM_DATA_DIR=str(settings.data_dir),
        CRM_CACHE_DIR=str(settings.cache_dir),
        CRM_BOLT_PORT=str(settings.bolt_port),
        CRM_HTTP_PORT=str(settings.http_port),
        CRM_NEO4J_HEAP=settings.neo4j_heap,
        CRM_NEO4J_PAGECACHE=settings.neo4j_pagecache,
        CRM_NEO4J_PASSWORD=settings.neo4j_password.get_secret_value(),
    )
    return subprocess.run(
        [sys.executable, "-m", "crm_graph.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _open(settings: Settings) -> Database:
    driver = connect(settings.uri, settings.neo4j_user, settings.neo4j_password.get_secret_value())
    return Database(driver, settings.neo4j_database, owns_driver=True)


def test_wipe_empties_the_graph_and_keeps_the_password(
    scratch: tuple[Settings, LocalNeo4j],
) -> None:
    settings, _ = scratch
    with _open(settings) as db:
        db.init_schema()
        db.run_statement(
            "UNWIND range(1, 500) AS i CREATE (:Customer {customer_id: 'C' + i})", write=True
        )
        assert db.read("admin/count_totals")[0]["nodes"] == 500

    refused = _local_cli(settings, "db", "wipe")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1].endswith("pass --yes"), refused.stderr
    with _open(settings) as db:
        assert db.read("admin/count_totals")[0]["nodes"] == 500  # nothing deleted

    wiped = _local_cli(settings, "db", "wipe", "--yes")
    assert wiped.returncode == 0, wiped.stderr
    assert wiped.stderr.strip().splitlines()[-1].startswith(f"The graph of {settings.uri} is empty")
    as_json = _local_cli(settings, "db", "wipe", "--yes", "--json")
    assert as_json.returncode == 0, as_json.stderr
    facts = json.loads(as_json.stdout)
    assert facts["wiped"] == "neo4j"
    assert facts["running"] is True
    # the same password still opens it (the system database was kept); the graph is
    # empty and takes the schema again
    with _open(settings) as db:
        totals = db.read("admin/count_totals")[0]
        assert totals["nodes"] == 0
        assert db.init_schema() > 0
        db.run_statement("CREATE (:Customer {customer_id: 'C1'})", write=True)
        assert db.read("admin/count_totals")[0]["nodes"] == 1


def test_wipe_refuses_an_external_server(neo4j_settings: Settings, db: Database) -> None:
    db.run_statement("CREATE (:Customer {customer_id: 'kept'})", write=True)
    result = run_cli(neo4j_settings, "db", "wipe", "--yes")
    assert result.returncode == 1
    line = result.stderr.strip().splitlines()[-1]
    assert "only empties the local server" in line, result.stderr
    assert db.read("admin/count_totals")[0]["nodes"] == 1


def test_clear_reports_progress(db: Database) -> None:
    db.run_statement(
        "UNWIND range(1, 2500) AS i CREATE (:Customer {customer_id: 'C' + i})"
        "-[:HOLDS]->(:Account {account_id: 'A' + i})",
        write=True,
    )
    lines: list[str] = []
    assert db.clear(batch_size=1000, progress=lines.append, every=2000) == 5000
    assert db.read("admin/count_totals")[0]["nodes"] == 0
    assert lines == [
        "2,000 relationships deleted",
        "2,000 nodes deleted",
        "4,000 nodes deleted",
    ]
