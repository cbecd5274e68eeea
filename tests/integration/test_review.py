"""The review queue: refused merges are kept, listed, decided, and the next load obeys.

The fixture stands for a card system that opened a second holder record for one
person under a new holder number (same name and phone, no id number), and a third
holder who shares the household phone but has another name.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.integration.test_load import _cli_env

from crm_graph.config import Settings
from crm_graph.db import Database
from crm_graph.errors import NotFoundError, ResolutionError
from crm_graph.ingest.load import load_extract
from crm_graph.ingest.review import decide_conflict, list_conflicts
from crm_graph.ingest.spec import load_spec

KEY = b"test-key"
MAPPING = """
system: cards
phone_region: CN
files:
  - name: holders
    path: holders.csv
    key: [holder_no]
    columns:
      holder_no: {type: string, required: true}
      name: {type: string, normalize: name}
      mobile: {type: string, normalize: phone}
    identity: {kind: {default: person}, name: name, phone: mobile}
"""
ROWS = "holder_no,name,mobile\nH1,王芳,13800000001\nH2,王芳,13800000001\nH3,李雷,13800000001\n"


def _extract(tmp_path: Path) -> Path:
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "holders.csv").write_text(ROWS, encoding="utf-8")
    (tmp_path / "cards.yaml").write_text(MAPPING, encoding="utf-8")
    return folder


def _load(db: Database, tmp_path: Path, folder: Path) -> dict[str, object]:
    spec = load_spec(tmp_path / "cards.yaml")
    return load_extract(db, folder, [spec], pii_key=KEY, rejects_dir=tmp_path / "r").as_dict()


def _customers(db: Database) -> dict[str, str]:
    rows = db.run_statement(
        "MATCH (s:SourceRecord)-[:RESOLVES_TO]->(c:Customer) "
        "RETURN s.record_id AS r, c.customer_id AS c"
    )
    return {r["r"]: r["c"] for r in rows}


def test_a_refused_merge_is_listed_and_an_accept_joins_at_the_next_load(
    db: Database, tmp_path: Path, neo4j_settings: Settings
) -> None:
    folder = _extract(tmp_path)
    report = _load(db, tmp_path, folder)
    assert report["conflicts"] == 1
    cust = _customers(db)
    assert cust["H1"] != cust["H2"], "distinct holder numbers are not merged on name+phone"
    proc = subprocess.run(
        [sys.executable, "-m", "crm_graph.cli", "resolve", "review", "--json"],
        env=_cli_env(neo4j_settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (conflict,) = json.loads(proc.stdout)["items"]
    assert conflict["status"] == "open"
    assert conflict["rule"] == "keep_apart"
    assert sorted(r["record"] for r in conflict["records"]) == ["cards:H1", "cards:H2"]
    assert {r["customer_id"] for r in conflict["records"]} == {cust["H1"], cust["H2"]}
    # a second load of the same extract finds the same conflict, still open, once
    _load(db, tmp_path, folder)
    assert [c["conflict_id"] for c in list_conflicts(db)] == [conflict["conflict_id"]]

    done = decide_conflict(db, conflict["conflict_id"], "accept", by="test", reason="one woman")
    assert done == {"conflict_id": conflict["conflict_id"], "status": "accepted", "pinned": 2}
    with pytest.raises(ResolutionError, match="already accepted"):
        decide_conflict(db, conflict["conflict_id"], "reject", by="test", reason="changed mind")
    with pytest.raises(NotFoundError):
        decide_conflict(db, "KNOPE", "accept", by="test", reason="x")
    report = _load(db, tmp_path, folder)
    after = _customers(db)
    assert after["H1"] == after["H2"], "the accepted decision joins them"
    assert after["H3"] != after["H1"]
    assert report["merges"] == 1
    assert list_conflicts(db) == []
    assert list_conflicts(db, status="accepted")[0]["decided_by"] == "test"


def test_a_reject_pins_the_records_apart(db: Database, tmp_path: Path) -> None:
    folder = _extract(tmp_path)
    _load(db, tmp_path, folder)
    (conflict,) = list_conflicts(db)
    decide_conflict(db, conflict["conflict_id"], "reject", by="test", reason="two people")
    pins = db.run_statement(
        "MATCH (s:SourceRecord) WHERE s.record_id IN ['H1', 'H2'] "
        "RETURN s.record_id AS r, s.keep_apart AS pins ORDER BY r"
    )
    assert all(p["pins"][0].startswith(conflict["conflict_id"] + "=") for p in pins)
    assert pins[0]["pins"] != pins[1]["pins"]
    _load(db, tmp_path, folder)
    after = _customers(db)
    assert after["H1"] != after["H2"]


def test_a_load_of_another_system_keeps_earlier_records_apart(db: Database, tmp_path: Path) -> None:
    folder = _extract(tmp_path)
    _load(db, tmp_path, folder)
    before = _customers(db)
    other = tmp_path / "other"
    other.mkdir()
    (other / "people.csv").write_text("id,name\nP1,韩梅梅\n", encoding="utf-8")
    (tmp_path / "crm.yaml").write_text(
        "system: crm\nfiles:\n  - name: people\n    path: people.csv\n    key: [id]\n"
        "    columns: {id: {type: string, required: true}, name: {type: string}}\n"
        "    identity: {kind: {default: person}, name: name}\n",
        encoding="utf-8",
    )
    spec = load_spec(tmp_path / "crm.yaml")
    report = load_extract(db, other, [spec], pii_key=KEY, rejects_dir=tmp_path / "r3").as_dict()
    assert report["merges"] == 0
    after = _customers(db)
    assert {k: after[k] for k in before} == before
