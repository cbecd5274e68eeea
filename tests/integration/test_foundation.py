from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from tests.conftest import free_port

from crm_graph.config import GDS_VERSION, NEO4J_VERSION, Settings
from crm_graph.db import Database, cypher, cypher_names, gds_client, schema_statements
from crm_graph.errors import DatabaseError, PortInUse, ServerStartError
from crm_graph.neo4j_local import LocalNeo4j


def test_init_creates_every_constraint_idempotently(db: Database) -> None:
    for row in db.read("admin/list_constraints"):
        db.run_statement(f"DROP CONSTRAINT {row['name']}", write=True)
    assert db.read("admin/list_constraints") == []
    applied = db.init_schema()
    assert applied == len(schema_statements())
    first = db.read("admin/list_constraints")
    db.init_schema()
    assert db.read("admin/list_constraints") == first
    by_label = {(tuple(r["labels"]), tuple(r["properties"])) for r in first}
    assert (("Customer",), ("customer_id",)) in by_label
    assert (("SourceRecord",), ("system", "record_id")) in by_label
    assert len(first) == sum("CONSTRAINT" in s for s in schema_statements())


def test_a_uniqueness_constraint_refuses_a_duplicate(db: Database) -> None:
    db.init_schema()
    db.run_statement("CREATE (:Customer {customer_id: 'C1'})", write=True)
    with pytest.raises(Exception, match="already exists"):
        db.run_statement("CREATE (:Customer {customer_id: 'C1'})", write=True)


def test_every_cypher_file_passes_explain(db: Database) -> None:
    """EXPLAIN plans each statement without running it: syntax, labels, procedures."""
    db.init_schema()
    names = cypher_names()
    assert names
    for name in names:
        text = cypher(name)
        if text.lstrip("/ \n").upper().startswith("SHOW"):
            continue  # SHOW commands cannot be EXPLAINed
        if "IN TRANSACTIONS" in text:
            with db.driver.session(database=db.database) as session:
                session.run("EXPLAIN " + text).consume()  # implicit transactions only
        else:
            db.run_statement("EXPLAIN " + text)


def test_read_frame_returns_what_read_does_in_columns(db: Database) -> None:
    db.init_schema()
    empty = db.read_frame("analytics/read_value_features")
    assert empty.empty
    assert list(empty.columns)[:3] == ["customer_id", "kind", "aum"]
    db.run_statement(
        "UNWIND range(1, 7) AS i CREATE (:Customer {customer_id: 'C' + i, kind: 'person', "
        "balance_months: ['2025-01'], balance_history: [toFloat(i)]})",
        write=True,
    )
    # chunks of 3 over 7 rows: the last chunk is short
    frame = db.read_frame("analytics/read_value_features", chunk=3)
    rows = db.read("analytics/read_value_features")
    assert frame.to_dict("records") == rows
    assert sorted(frame["customer_id"]) == sorted(f"C{i}" for i in range(1, 8))
    assert sorted(frame["last_balance"]) == [float(i) for i in range(1, 8)]


def test_read_autocommit_returns_what_read_does_and_refuses_writes(db: Database) -> None:
    db.init_schema()
    db.run_statement(
        "UNWIND range(1, 3) AS i CREATE (:Customer {customer_id: 'C' + i, kind: 'person', "
        "balance_months: ['2025-01', '2025-02'], balance_history: [toFloat(i), 2.0]})",
        write=True,
    )
    # nested maps and lists come back as plain dicts and lists, as from read
    for name, params in (
        ("analytics/read_value_features", {}),
        ("api/read_customer", {"customer_id": "C2", "contacts": 10}),
        ("api/read_analysis_stamps", {}),
    ):
        assert db.read_autocommit(name, **params) == db.read(name, **params), name
    assert db.read_autocommit("api/read_customer", customer_id="C9", contacts=10) == []
    # READ access mode: the server refuses a statement that writes
    with pytest.raises(DatabaseError, match="(?i)read"):
        db.read_autocommit(
            "load/upsert_competitors", rows=[{"competitor_id": "K1", "props": {"name": "x"}}]
        )
    assert db.run_statement("MATCH (k:Competitor) RETURN count(k) AS n")[0]["n"] == 0


def test_read_lines_parses_the_packed_reads(db: Database) -> None:
    """The packed reads give, typed, what the graph holds; nulls as NaN or None."""
    from crm_graph.analytics.base import BALANCE_COLUMNS, CUSTOMER_COLUMNS
    from crm_graph.analytics.clusters import TIE_COLUMNS

    db.init_schema()
    empty = db.read_lines("analytics/read_churn_customers", CUSTOMER_COLUMNS)
    assert empty.empty
    assert list(empty.columns) == list(CUSTOMER_COLUMNS)
    db.run_statement(
        "UNWIND range(1, 7) AS i CREATE (c:Customer {customer_id: 'C' + i, kind: 'person', "
        "since: '2020-01-0' + i, aum: toFloat(i) * 1e7, community: i % 2, "
        "balance_months: ['2025-01', '2025-02'], balance_history: [toFloat(i), 0.5]}) "
        "WITH collect(c) AS cs UNWIND range(0, 5) AS j WITH j, cs[j] AS x, cs[j + 1] AS y "
        "CREATE (x)-[:TRANSFERS {amount: 1234.5, count: j}]->(y), (x)-[:FAMILY]->(y)",
        write=True,
    )
    # chunks of one record: every group its own parse, then concatenated
    customers = db.read_lines("analytics/read_churn_customers", CUSTOMER_COLUMNS, chunk=1)
    customers = customers.sort_values("customer_id", ignore_index=True)
    assert customers["customer_id"].tolist() == [f"C{i}" for i in range(1, 8)]
    assert customers["aum"].tolist() == [i * 1e7 for i in range(1, 8)]  # 1.0E7 parses
    assert customers["community"].tolist() == [float(i % 2) for i in range(1, 8)]
    assert customers["status"].eq("active").all()
    assert customers["churned_on"].isna().all()
    assert customers["tier"].isna().all()
    balances = db.read_lines("analytics/read_balances", BALANCE_COLUMNS)
    assert len(balances) == 14
    assert sorted(balances.loc[balances["month"] == "2025-01", "balance"]) == [
        float(i) for i in range(1, 8)
    ]
    ties = db.read_lines("analytics/read_ties", TIE_COLUMNS)
    assert len(ties) == 12
    transfers = ties[ties["type"] == "TRANSFERS"].sort_values("count")
    assert transfers["count"].tolist() == [float(j) for j in range(6)]
    assert transfers["amount"].eq(1234.5).all()
    assert ties.loc[ties["type"] == "FAMILY", ["amount", "count"]].isna().all().all()


def _operators(plan: Any) -> Iterator[tuple[str, str]]:
    yield plan["operatorType"].split("@")[0], str(plan.get("args", {}).get("Details", ""))
    for child in plan.get("children", []):
        yield from _operators(child)


def test_batched_writes_never_scan_even_when_planned_on_an_empty_graph(db: Database) -> None:
    """Every ``UNWIND $rows`` statement starts from index seeks and expands from them.

    Neo4j caches a plan made while the graph was empty. A relationship pattern with a
    labelled or bound far end then planned as a scan over all customers (or all
    relationships) per row: the first 5,000 source records of a fresh load took 41 s,
    the next ones 0.5 s. Planned here on a graph with nodes of every label but no
    relationships yet (as during a first load), no statement may scan.
    """
    db.init_schema()
    db.run_statement(
        "UNWIND range(1, 2000) AS i "
        "CREATE (:Customer {customer_id: 'C' + i}), (:Account {account_id: 'A' + i}), "
        "(:Contact {contact_id: 'K' + i}), (:Application {application_id: 'P' + i}), "
        "(:SourceRecord {system: 's', record_id: toString(i)}) "
        "WITH i WHERE i <= 20 "
        "CREATE (:Product {product_id: 'P' + i}), (:Branch {branch_id: 'B' + i}), "
        "(:Employee {employee_id: 'E' + i}), (:Channel {channel_id: 'H' + i}), "
        "(:Competitor {competitor_id: 'X' + i}) "
        "WITH i WHERE i <= 2 CREATE (:Campaign {campaign_id: 'M' + i})",
        write=True,
    )
    db.run_statement("CALL db.clearQueryCaches()", write=True)
    names = [n for n in cypher_names() if "UNWIND $rows" in cypher(n)]
    assert "load/upsert_source_records" in names
    assert len(names) >= 25
    scanning = {}
    with db.driver.session(database=db.database) as session:
        for name in names:
            plan = session.run("EXPLAIN " + cypher(name), rows=[]).consume().plan
            scans = [f"{op} {details}" for op, details in _operators(plan) if "Scan" in op]
            if scans:
                scanning[name] = scans
    assert scanning == {}


KNOWN_EDGES = [
    (0, 1),
    (1, 2),
    (2, 0),
    (3, 0),
    (4, 0),
    (5, 4),
    (6, 4),
    (7, 6),
    (8, 7),
    (9, 8),
    (2, 9),
]


def test_gds_pagerank_matches_networkx(db: Database) -> None:
    db.run_statement("UNWIND range(0, 9) AS i CREATE (:Node {i: i})", write=True)
    db.run_statement(
        "UNWIND $edges AS e MATCH (a:Node {i: e[0]}), (b:Node {i: e[1]}) CREATE (a)-[:LINK]->(b)",
        {"edges": KNOWN_EDGES},
        write=True,
    )
    gds = gds_client(db.driver, db.database)
    graph, _ = gds.graph.project("pr_test", "Node", "LINK")
    try:
        scores = gds.pageRank.stream(graph, dampingFactor=0.85, maxIterations=100, tolerance=1e-9)
        ids = db.run_statement("MATCH (n:Node) RETURN id(n) AS nid, n.i AS i")
        node_of = {r["nid"]: r["i"] for r in ids}
        gds_scores = {
            node_of[int(n)]: float(s) for n, s in zip(scores.nodeId, scores.score, strict=True)
        }
    finally:
        graph.drop()
    expected = nx.pagerank(nx.DiGraph(KNOWN_EDGES), alpha=0.85, tol=1e-12, max_iter=1000)
    gds_rank = sorted(gds_scores, key=lambda k: (-gds_scores[k], k))
    nx_rank = sorted(expected, key=lambda k: (-expected[k], k))
    assert gds_rank == nx_rank
    # GDS does not normalise scores (they sum to N); the shares must agree.
    total = sum(gds_scores.values())
    for node, score in expected.items():
        assert gds_scores[node] / total == pytest.approx(score, abs=2e-3)


def test_no_gds_graph_is_left_between_tests(db: Database) -> None:
    gds = gds_client(db.driver, db.database)
    assert gds.graph.list().empty


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_graph.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=600,
        check=False,
    )


def _env_for(settings: Settings) -> dict[str, str]:
    return {
        "CRM_NEO4J_URI": settings.uri,
        "CRM_NEO4J_USER": settings.neo4j_user,
        "CRM_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "CRM_NEO4J_DATABASE": settings.neo4j_database,
    }


def test_db_status_json_reports_versions_and_counts(db: Database, neo4j_settings: Settings) -> None:
    db.init_schema()
    db.run_statement(
        "CREATE (a:Customer {customer_id: 'A'})-[:FAMILY {kind: 'spouse'}]->"
        "(:Customer {customer_id: 'B'}), (a)-[:HOME_BRANCH]->(:Branch {branch_id: 'ZS'})",
        write=True,
    )
    proc = _cli(_env_for(neo4j_settings), "db", "status", "--json")
    assert proc.returncode == 0, proc.stderr
    status = json.loads(proc.stdout)
    assert status["neo4j_version"].startswith("5.26.")
    assert status["gds_version"].startswith("2.13.")
    assert status["uri"] == neo4j_settings.uri
    assert status["counts"] == {
        "nodes": 3,
        "relationships": 2,
        "labels": {"Branch": 1, "Customer": 2},
        "types": {"FAMILY": 1, "HOME_BRANCH": 1},
    }


def _entry_points_of(instance_dir: Path) -> list[int]:
    """Pids of Neo4j server processes of ``instance_dir``, read from /proc."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "CommunityEntryPoint" in args and str(instance_dir) in args:
            pids.append(int(cmdline.parent.name))
    return pids


def test_db_start_twice_and_stop_twice(tmp_path: Path) -> None:
    env = {
        "CRM_NEO4J_URI": "",
        "CRM_DATA_DIR": str(tmp_path),
        "CRM_INSTANCE": "lifecycle",
        "CRM_BOLT_PORT": str(free_port()),
        "CRM_HTTP_PORT": str(free_port()),
        "CRM_NEO4J_HEAP": "768m",
        "CRM_NEO4J_PAGECACHE": "64m",
    }
    instance = tmp_path / "instances" / "lifecycle"
    try:
        first = _cli(env, "db", "start", "--json")
        assert first.returncode == 0, first.stderr
        started = json.loads(first.stdout)
        assert started["already_running"] is False
        assert started["neo4j_version"] == NEO4J_VERSION
        assert started["gds_version"] == GDS_VERSION
        second = _cli(env, "db", "start", "--json")
        assert second.returncode == 0, second.stderr
        again = json.loads(second.stdout)
        assert again["already_running"] is True
        assert again["pid"] == started["pid"]
        assert len(_entry_points_of(instance)) == 1
    finally:
        stop1 = _cli(env, "db", "stop", "--json")
    assert stop1.returncode == 0, stop1.stderr
    assert json.loads(stop1.stdout) == {"stopped": True}
    stop2 = _cli(env, "db", "stop", "--json")
    assert stop2.returncode == 0, stop2.stderr
    assert json.loads(stop2.stdout) == {"stopped": False}
    assert _entry_points_of(instance) == []


def test_start_on_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        port = int(blocker.getsockname()[1])
        settings = Settings(
            neo4j_uri=None, data_dir=tmp_path, bolt_port=port, http_port=free_port()
        )
        with pytest.raises(PortInUse, match=f"Bolt port {port} is taken"):
            LocalNeo4j(settings).start()
        proc = _cli(
            {"CRM_NEO4J_URI": "", "CRM_DATA_DIR": str(tmp_path), "CRM_BOLT_PORT": str(port)},
            "db",
            "start",
        )
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("error: Bolt port")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_server_that_cannot_start_names_its_log(tmp_path: Path) -> None:
    settings = Settings(
        neo4j_uri=None,
        data_dir=tmp_path,
        bolt_port=free_port(),
        http_port=free_port(),
        neo4j_heap="1k",  # the JVM refuses a heap this small and exits at once
    )
    server = LocalNeo4j(settings)
    with pytest.raises(ServerStartError, match=r"exited while starting; see .*neo4j.log"):
        server.start()
    assert server.pid() is None
