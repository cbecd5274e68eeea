"""Shared fixtures: a real Neo4j for integration tests, an empty graph per test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from crm_graph.config import Settings
from crm_graph.db import Database, connect
from crm_graph.neo4j_local import LocalNeo4j

#: Port of the test instance, apart from the demo's 7687 so tests never touch its data.
TEST_BOLT_PORT = int(os.environ.get("CRM_TEST_BOLT_PORT", "7697"))
TEST_HTTP_PORT = int(os.environ.get("CRM_TEST_HTTP_PORT", "7484"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _mark_integration(items)


@pytest.fixture(scope="session")
def neo4j_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings of the server the integration tests use.

    ``CRM_NEO4J_URI`` (with ``CRM_NEO4J_USER``/``CRM_NEO4J_PASSWORD``) selects an
    existing server; its database is emptied by the tests, so a non-empty one is
    refused unless ``CRM_TEST_ALLOW_WIPE=1``. Otherwise a local test instance is
    started on its own port and stopped at the end of the session.
    """
    if os.environ.get("CRM_NEO4J_URI"):
        settings = Settings()
        driver = connect(
            settings.uri, settings.neo4j_user, settings.neo4j_password.get_secret_value()
        )
        with driver:
            records, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS n")
        if records[0]["n"] and os.environ.get("CRM_TEST_ALLOW_WIPE") != "1":
            pytest.exit(
                f"{settings.uri} holds {records[0]['n']} nodes and the tests would delete them; "
                "set CRM_TEST_ALLOW_WIPE=1 to allow that",
                returncode=1,
            )
        yield settings
        return
    settings = Settings(
        neo4j_uri=None,
        instance="test",
        bolt_port=TEST_BOLT_PORT,
        http_port=TEST_HTTP_PORT,
        neo4j_heap=os.environ.get("CRM_TEST_NEO4J_HEAP", "3g"),
        neo4j_pagecache="512m",
        neo4j_password="crm-graph-test",  # type: ignore[arg-type]
    )
    server = LocalNeo4j(settings)
    started = server.pid() is None
    server.start()
    yield settings
    if started:
        server.stop()


@pytest.fixture(scope="session")
def session_db(neo4j_settings: Settings) -> Iterator[Database]:
    driver = connect(
        neo4j_settings.uri,
        neo4j_settings.neo4j_user,
        neo4j_settings.neo4j_password.get_secret_value(),
    )
    with Database(driver, neo4j_settings.neo4j_database, owns_driver=True) as db:
        yield db


def empty_graph(db: Database) -> None:
    """Delete every node and relationship and drop every GDS graph."""
    db.clear()
    db.write("admin/drop_gds_graphs")


@pytest.fixture
def db(session_db: Database) -> Database:
    """A database with an empty graph (schema kept) and no GDS graphs left over."""
    empty_graph(session_db)
    return session_db


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


def _mark_integration(items: list[pytest.Item]) -> None:
    """Mark every test under tests/integration as ``integration``."""
    for item in items:
        if "integration" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.integration)


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that points a ``crm-graph`` child process at the test server."""
    return {
        **os.environ,
        "CRM_NEO4J_URI": settings.uri,
        "CRM_NEO4J_USER": settings.neo4j_user,
        "CRM_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "CRM_NEO4J_DATABASE": settings.neo4j_database,
        **extra,
    }


def run_cli(settings: Settings, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run ``crm-graph ARGS`` in a child process against the test server."""
    return subprocess.run(
        [sys.executable, "-m", "crm_graph.cli", *args],
        env=cli_env(settings, **extra),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def load_bank(db: Database, out: Path, customers: int, seed: int, analyze: bool = False) -> Path:
    """Generate a bank into ``out``, load it into an emptied graph, optionally analyze it.

    ``analyze`` runs what ``analyze all`` runs (tie weights learned and stored,
    segments, clusters on GDS with profiles stored, churn, cross-sell).
    """
    from crm_graph.analytics.pipeline import AnalysisOptions, Pipeline
    from crm_graph.generate import generate_bank
    from crm_graph.ingest.load import load_extract
    from crm_graph.ingest.spec import default_loaders_dir, load_specs

    generate_bank(out, customers=customers, seed=seed)
    empty_graph(db)
    load_extract(db, out, load_specs(default_loaders_dir()), pii_key=b"k")
    if analyze:
        payload = Pipeline(db, AnalysisOptions(backend="gds")).run("all")
        failed = [s for s in payload["steps"] if s["status"] != "ran"]
        assert not failed, failed
    return out


def raw_pii(bank: Path) -> set[str]:
    """Resident ids, credit codes, e-mails, addresses and phones (last ten digits) in a bank."""
    import re

    import pandas as pd

    found: set[str] = set()
    for path in bank.rglob("*.csv"):
        if "truth" in path.parts or "rejects" in path.parts:
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in ("id_number", "email", "address"):
            if column in frame:
                found |= {v for v in frame[column] if len(v) >= 8}
        for column in ("phone", "mobile"):
            if column in frame:
                for value in frame[column]:
                    digits = re.sub(r"\D", "", value)
                    if len(digits) >= 10:
                        found.add(digits[-10:])
    return found


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_api(settings: Settings, log: Path | None = None, **extra: str) -> Iterator[str]:
    """Run ``crm-graph serve`` in a child process on a free port; yield its base URL.

    The server's output goes to ``log`` when given (else it is discarded unless the
    server fails to start).
    """
    import json
    import time
    import urllib.error
    import urllib.request

    port = free_port()
    sink = log.open("w", encoding="utf-8") if log is not None else None
    proc = subprocess.Popen(
        [sys.executable, "-m", "crm_graph.cli", "serve", "--port", str(port)],
        env=cli_env(settings, **extra),
        stdout=subprocess.DEVNULL,
        stderr=sink if sink is not None else subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as r:
                    assert json.loads(r.read()) == {"status": "ok"}
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "the API did not come up in 60 s"
                time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()
        if sink is not None:
            sink.close()


def scratch_settings(folder: Path, instance: str, heap: str = "512m", **extra: Any) -> Settings:
    """Settings of a throwaway local Neo4j instance in ``folder`` (free ports, own password).

    For tests that stop and start a server, apart from the shared test instance.
    """
    return Settings(
        neo4j_uri=None,
        instance=instance,
        data_dir=folder / "data",
        bolt_port=free_port(),
        http_port=free_port(),
        neo4j_heap=heap,
        neo4j_pagecache="128m",
        neo4j_password=f"crm-graph-{instance}",  # type: ignore[arg-type]
        **extra,
    )


@contextmanager
def scratch_server(
    folder: Path, instance: str, heap: str = "512m"
) -> Iterator[tuple[Settings, LocalNeo4j]]:
    """Start a throwaway local Neo4j (:func:`scratch_settings`); stop it on the way out."""
    settings = scratch_settings(folder, instance, heap=heap)
    server = LocalNeo4j(settings)
    server.start()
    try:
        yield settings, server
    finally:
        server.stop()
