"""Merges of earlier customers by a later extract, and undoing them."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import run_cli

from crm_graph.config import Settings
from crm_graph.db import Database
from crm_graph.errors import NotFoundError, ResolutionError
from crm_graph.generate import generate_bank
from crm_graph.ingest.load import load_extract
from crm_graph.ingest.merges import list_events, undo_merge
from crm_graph.ingest.spec import default_loaders_dir, load_specs

pytestmark = pytest.mark.integration

KEY = b"test-key"
PHONE = "13912345678"  # not used by any generated customer (checked below)
CALLER = "CLX00000001"
PARTY = "CRMX0000001"


@pytest.fixture(scope="module")
def extracts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """``first``: a bank plus a lone caller B with person A's name and a new phone.

    ``bridge``: every file header-only except one CRM party that names A's core record
    (link rule) and carries A's name with B's phone (name_phone rule), so it joins A and
    B. An incremental extract: B's call is not in it.
    """
    root = tmp_path_factory.mktemp("merges")
    first = root / "first"
    generate_bank(first, customers=300, seed=21)
    core = pd.read_csv(first / "core_banking" / "customers.csv", dtype=str, keep_default_na=False)
    for path in first.rglob("*.csv"):
        assert PHONE not in path.read_text(encoding="utf-8"), path
    # A has no call-center record of its own: the lone caller B becomes A's only one,
    # so joining them breaks no system's distinct customer keys
    truth = pd.read_csv(first / "truth" / "identities.csv", dtype=str)
    cb_person = truth[truth.system == "core_banking"].set_index("record_id")["person_id"]
    callers = set(truth.loc[truth.system == "call_center", "person_id"])
    alone = core.cb_id.map(cb_person).map(lambda p: p not in callers)
    a = core[(core.customer_type == "person") & (core.status == "active") & alone].iloc[0]
    with (first / "call_center" / "callers.csv").open("a", encoding="utf-8", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL).writerow([CALLER, PHONE, a["name"]])
    calls = pd.read_csv(first / "call_center" / "calls.csv", dtype=str, keep_default_na=False)
    extra = calls.iloc[[0]].assign(call_id="CALLX0000001", caller_id=CALLER)
    pd.concat([calls, extra]).to_csv(
        first / "call_center" / "calls.csv", index=False, quoting=csv.QUOTE_ALL
    )

    bridge = root / "bridge"
    shutil.copytree(first, bridge, ignore=shutil.ignore_patterns("rejects", "truth"))
    for path in bridge.rglob("*.csv"):
        header = path.read_text(encoding="utf-8").splitlines()[0]
        path.write_text(header + "\n", encoding="utf-8")
    with (bridge / "crm" / "parties.csv").open("a", encoding="utf-8", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL).writerow([PARTY, a["cb_id"], a["name"], PHONE])
    return {"first": first, "bridge": bridge, "a": f"core_banking:{a['cb_id']}"}


def _load(db: Database, extract: object) -> dict:
    specs = load_specs(default_loaders_dir())
    return load_extract(db, Path(str(extract)), specs, pii_key=KEY).as_dict()


def _customer_of(db: Database, key: str) -> str:
    system, _, record = key.partition(":")
    rows = db.run_statement(
        "MATCH (:SourceRecord {system: $s, record_id: $r})-[:RESOLVES_TO]->(c:Customer) "
        "RETURN c.customer_id AS c",
        {"s": system, "r": record},
    )
    assert len(rows) == 1, rows
    return str(rows[0]["c"])


def _contact_owner(db: Database) -> list[str]:
    rows = db.run_statement(
        "MATCH (c:Customer)-[:HAD_CONTACT]->(:Contact {contact_id: 'call_center:CALLX0000001'}) "
        "RETURN c.customer_id AS c"
    )
    return [str(r["c"]) for r in rows]


def _graph_counts(db: Database) -> dict[str, int]:
    nodes = db.run_statement("MATCH (n) RETURN count(n) AS n")[0]["n"]
    rels = db.run_statement("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    return {"nodes": int(nodes), "relationships": int(rels)}


def test_a_merge_moves_ties_and_an_undo_restores_them(
    db: Database, extracts: dict[str, object]
) -> None:
    _load(db, extracts["first"])
    a_id = _customer_of(db, str(extracts["a"]))
    b_id = _customer_of(db, f"call_center:{CALLER}")
    assert a_id != b_id, "the lone caller must start as its own customer"
    assert _contact_owner(db) == [b_id]
    b_name = db.run_statement(
        "MATCH (c:Customer {customer_id: $id}) RETURN c.name AS n", {"id": b_id}
    )[0]["n"]

    report = _load(db, extracts["bridge"])
    assert report["merges"] == 1
    into = min(a_id, b_id)
    gone = max(a_id, b_id)
    for key in (str(extracts["a"]), f"call_center:{CALLER}", f"crm:{PARTY}"):
        assert _customer_of(db, key) == into
    assert not db.run_statement("MATCH (c:Customer {customer_id: $id}) RETURN c", {"id": gone})
    # the call of B was not in the bridging extract: it moved, it was not lost
    assert _contact_owner(db) == [into]
    moved = db.run_statement(
        "MATCH (:Customer {customer_id: $id})-[r:HAD_CONTACT]->"
        "(:Contact {contact_id: 'call_center:CALLX0000001'}) RETURN r.merged_from AS m",
        {"id": into},
    )
    assert moved == [{"m": gone}]

    [event] = list_events(db, kind="merge")
    assert event["customer_ids"] == sorted([a_id, b_id])
    full = db.read("resolution/read_event", event_id=event["event_id"])[0]["event"]
    previous = dict(zip(full["records"], full["previous"], strict=True))
    assert previous[f"call_center:{CALLER}"] == b_id
    assert previous[str(extracts["a"])] == a_id
    assert previous[f"crm:{PARTY}"] == ""
    assert json.loads(full["snapshots"][0])["customer_id"] == gone

    result = undo_merge(db, event["event_id"], by="test", reason="two different people")
    assert result["restored"] == [gone]
    assert _customer_of(db, str(extracts["a"])) == a_id
    assert _customer_of(db, f"call_center:{CALLER}") == b_id
    assert _contact_owner(db) == [b_id]
    assert db.run_statement(
        "MATCH (c:Customer {customer_id: $id}) RETURN c.name AS n", {"id": b_id}
    ) == [{"n": b_name}]
    assert not db.run_statement("MATCH ()-[r]->() WHERE r.merged_from IS NOT NULL RETURN r")
    [split] = list_events(db, kind="split")
    assert split["reason"] == "two different people"
    assert list_events(db, kind="merge")[0]["undone_by_event"] == split["event_id"]
    with pytest.raises(ResolutionError, match="already undone"):
        undo_merge(db, event["event_id"], by="test", reason="again")

    # the pins hold: the same bridging extract and the full extract merge nothing again
    for extract in ("bridge", "first", "bridge"):
        report = _load(db, extracts[extract])
        assert report["merges"] == 0, extract
        assert _customer_of(db, str(extracts["a"])) == a_id
        assert _customer_of(db, f"call_center:{CALLER}") == b_id
    assert any(c["rule"] == "keep_apart" for c in report["conflict_examples"])
    before = _graph_counts(db)
    _load(db, extracts["first"])
    assert _graph_counts(db) == before


def test_undo_refuses_unknown_events_and_empty_reasons(db: Database) -> None:
    with pytest.raises(NotFoundError):
        undo_merge(db, "merge:nope", by="test", reason="x")
    with pytest.raises(ResolutionError, match="reason"):
        undo_merge(db, "merge:nope", by="test", reason=" ")


def test_cli_lists_and_undoes(
    db: Database, extracts: dict[str, object], neo4j_settings: Settings
) -> None:
    _load(db, extracts["first"])
    _load(db, extracts["bridge"])
    listed = run_cli(neo4j_settings, "resolve", "events", "--json")
    assert listed.returncode == 0, listed.stderr
    [event] = json.loads(listed.stdout)["items"]
    bad = run_cli(neo4j_settings, "resolve", "undo", "merge:nope", "--reason", "x")
    assert bad.returncode == 1
    said = bad.stdout + bad.stderr
    assert "no resolution event" in said
    assert "Traceback" not in said
    done = run_cli(
        neo4j_settings, "resolve", "undo", event["event_id"], "--reason", "wrong match", "--json"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["records_relinked"] >= 2
