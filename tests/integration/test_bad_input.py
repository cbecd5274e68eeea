"""The bad-input corpus through `crm-graph load`: rejects or one line, never a partial source."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.conftest import run_cli
from tests.unit.test_bad_input import BAD, EXPECTED

from crm_graph.config import Settings
from crm_graph.db import Database


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_cli_load_of_bad_input(
    case: str, db: Database, neo4j_settings: Settings, tmp_path: Path
) -> None:
    extract = tmp_path / case
    shutil.copytree(BAD / case, extract)
    proc = run_cli(
        neo4j_settings, "load", str(extract), "--mappings", str(BAD / "mapping.yaml"), "--json"
    )
    assert "Traceback" not in proc.stderr
    records = db.run_statement("MATCH (s:SourceRecord {system: 'badcards'}) RETURN count(s) AS n")[
        0
    ]["n"]
    expected = EXPECTED[case]
    if isinstance(expected, str):
        assert proc.returncode == 1
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, proc.stderr
        assert expected in lines[0]
        assert records == 0, "nothing of a failed source is written"
        assert db.read("admin/count_totals")[0]["nodes"] == 0
        return
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    loaded, rejected = expected
    assert records == loaded
    assert db.run_statement("MATCH (c:Customer) RETURN count(c) AS n")[0]["n"] == loaded
    rejects = extract / "rejects" / "badcards" / "cardholders.csv"
    assert rejects.exists() == bool(rejected)
    assert report["rows_rejected"] == len(rejected), report["files"]
    assert report["rows_read"] == loaded + len(rejected)


def test_an_unwritable_rejects_folder_stops_the_load_before_anything_is_written(
    db: Database, neo4j_settings: Settings, tmp_path: Path
) -> None:
    extract = tmp_path / "extract"
    shutil.copytree(BAD / "formula_injection", extract)  # a case with rejects
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the rejects folder should go\n")
    proc = run_cli(
        neo4j_settings,
        "load",
        str(extract),
        "--mappings",
        str(BAD / "mapping.yaml"),
        "--rejects",
        str(blocker / "rejects"),
    )
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "cannot write reject files to" in lines[0]
    assert "--rejects" in lines[0]
    assert db.read("admin/count_totals")[0]["nodes"] == 0


@pytest.mark.parametrize("what", ["churn", "crosssell", "all"])
def test_analyze_on_an_empty_graph_is_one_line(
    what: str, db: Database, neo4j_settings: Settings
) -> None:
    proc = run_cli(neo4j_settings, "analyze", what)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("error: "), proc.stderr
    assert "load" in lines[-1], lines[-1]  # what to do: load data first
