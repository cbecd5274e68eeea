from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crm_graph import errors
from crm_graph.config import Settings
from crm_graph.db import connect, cypher, cypher_names, schema_statements
from crm_graph.errors import CypherNotFound, DatabaseUnavailable, JavaNotFound
from crm_graph.neo4j_local import java_major_version, parse_dependency_list


def test_every_error_class_is_in_the_documented_tree() -> None:
    doc = errors.__doc__ or ""
    classes = [
        obj
        for _, obj in inspect.getmembers(errors, inspect.isclass)
        if issubclass(obj, errors.CrmGraphError)
    ]
    assert len(classes) >= 10
    codes = set()
    for cls in classes:
        assert re.search(rf"\b{cls.__name__}\b", doc), f"{cls.__name__} missing from the tree"
        assert cls.__name__ in errors.__all__
        codes.add(cls.code)
    assert len(codes) == len(classes), "error codes must be unique"


def test_unknown_cypher_name_fails_at_once() -> None:
    with pytest.raises(CypherNotFound, match="no_such"):
        cypher("load/no_such")
    with pytest.raises(CypherNotFound):
        cypher("../pyproject")


def test_cypher_files_are_named_verb_noun_and_parameterised() -> None:
    names = cypher_names()
    assert names
    for name in names:
        stem = name.rsplit("/", 1)[-1]
        assert re.match(r"^[a-z]+_[a-z0-9_]+$", stem), name
        text = cypher(name)
        assert text.lstrip().startswith("//"), f"{name} needs a header comment"
        # string concatenation into Cypher text would show up as format markers
        assert "{}" not in text, name
        assert "%s" not in text, name


def test_schema_has_a_uniqueness_constraint_per_node_key() -> None:
    statements = schema_statements()
    keys = {
        "Customer": "customer_id",
        "Account": "account_id",
        "Product": "product_id",
        "Channel": "channel_id",
        "Contact": "contact_id",
        "Employee": "employee_id",
        "Branch": "branch_id",
        "Competitor": "competitor_id",
        "Campaign": "campaign_id",
        "Application": "application_id",
    }
    for label, key in keys.items():
        assert any(f"(n:{label}) REQUIRE n.{key} IS UNIQUE" in s for s in statements), label
    assert any("(n.system, n.record_id) IS UNIQUE" in s for s in statements)


def test_parse_dependency_list_reads_classifiers_and_skips_noise() -> None:
    text = """
The following files have been resolved:
   org.neo4j:neo4j-kernel:jar:5.26.12:compile:/r/neo4j-kernel-5.26.12.jar
   io.netty:netty-transport-native-epoll:jar:linux-x86_64:4.1.124.Final:compile:/r/e.jar
   org.neo4j.assembly:neo4j-community-standalone:pom:5.26.12:compile:/r/x.pom
   junit:junit:jar:4.13:test:/r/junit.jar
"""
    parsed = parse_dependency_list(text)
    assert [(g, a, c) for g, a, c, _ in parsed] == [
        ("org.neo4j", "neo4j-kernel", ""),
        ("io.netty", "netty-transport-native-epoll", "linux-x86_64"),
    ]
    assert parsed[1][3] == Path("/r/e.jar")


def test_java_version_of_a_missing_binary_is_a_clear_error() -> None:
    with pytest.raises(JavaNotFound, match="install Java 17"):
        java_major_version("/nonexistent/java")


def test_java_on_this_machine_is_17_or_newer() -> None:
    assert java_major_version() >= 17


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_BOLT_PORT", "7999")
    monkeypatch.setenv("CRM_NEO4J_URI", "")
    s = Settings()
    assert s.uri == "bolt://127.0.0.1:7999"
    assert not s.is_external
    monkeypatch.setenv("CRM_NEO4J_HEAP", "lots")
    with pytest.raises(ValueError, match="neo4j_heap"):
        Settings()


def test_connect_to_a_closed_port_is_database_unavailable() -> None:
    with pytest.raises(DatabaseUnavailable, match="not reachable"):
        connect("bolt://127.0.0.1:1", "neo4j", "x")


def test_connect_with_a_bad_uri_is_database_unavailable() -> None:
    with pytest.raises(DatabaseUnavailable, match="invalid Neo4j URI"):
        connect("http//nope", "neo4j", "x")


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "crm_graph.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=False,
    )


def test_cli_bad_usage_exits_2() -> None:
    proc = _cli("db", "no-such-command")
    assert proc.returncode == 2
    assert "No such command" in proc.stderr


def test_cli_handled_error_is_one_line_and_exit_1() -> None:
    proc = _cli("db", "status", env={"CRM_NEO4J_URI": "bolt://127.0.0.1:1"})
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: Neo4j is not reachable")
    assert "Traceback" not in proc.stderr


def test_retried_write_attempts_are_counted() -> None:
    """The driver calls a write's transaction function once per attempt (no database here)."""
    from typing import Any

    from crm_graph.db import Database

    class Tx:
        def run(self, statement: str, params: dict[str, Any]) -> list[Any]:
            return []

    class Session:
        def __enter__(self) -> Session:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def execute_write(self, work: Any) -> Any:
            work(Tx())  # a transient error on the first attempt: the driver tries again
            return work(Tx())

    class Driver:
        def session(self, **_: Any) -> Session:
            return Session()

    db = Database(Driver())  # type: ignore[arg-type]
    db.write("admin/count_totals")
    db.write("admin/count_totals")
    assert db.retries == 2
