"""Real extracts of other banks load with exact counts (BankChurners; UCI is in test_load).

In CI these fail, not skip, when the data is missing (``CRM_REQUIRE_REAL_DATA=1``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import run_cli
from tests.realdata import real_data

from crm_graph.analytics.churn_snapshot import SnapshotConfig, compute_snapshot_churn
from crm_graph.config import Settings
from crm_graph.db import Database
from crm_graph.ingest.draft import draft_mapping
from crm_graph.ingest.load import load_extract
from crm_graph.ingest.spec import default_loaders_dir, load_spec, load_specs

KEY = b"test-key"


def _one(db: Database, cypher: str) -> int:
    return int(db.run_statement(cypher)[0]["n"])


def test_bank_churners_loads_one_customer_per_clientnum(db: Database, tmp_path: Path) -> None:
    folder = real_data("bank_churners", "BankChurners.csv")
    raw = pd.read_csv(folder / "BankChurners.csv", dtype={"CLIENTNUM": str})
    specs = load_specs(default_loaders_dir() / "bank_churners.yaml")
    report = load_extract(db, folder, specs, pii_key=KEY, rejects_dir=tmp_path / "r").as_dict()
    assert len(raw) == raw.CLIENTNUM.nunique() == 10_127
    assert report["rows_read"] == 10_127
    assert report["rows_rejected"] == 0
    assert report["merges"] == 0
    assert report["conflicts"] == 0
    assert _one(db, "MATCH (c:Customer) RETURN count(c) AS n") == 10_127
    # one source record per customer: no two CLIENTNUMs share a customer
    assert (
        _one(
            db,
            "MATCH (c:Customer)<-[:RESOLVES_TO]-(s) WITH c, count(s) AS k "
            "WHERE k <> 1 RETURN count(c) AS n",
        )
        == 0
    )
    # exits: the flag, dated as of the snapshot the mapping declares
    exits = int((raw.Attrition_Flag == "Attrited Customer").sum())
    assert exits == 1_627
    churned = db.run_statement(
        "MATCH (c:Customer {status: 'churned'}) RETURN c.churned_on AS on, count(*) AS n"
    )
    assert churned == [{"on": "2020-12-31", "n": exits}]
    # card accounts by tier, recounted from the file
    tiers = db.run_statement(
        "MATCH (:Customer)-[:OWNS]->(:Account)-[:OF_PRODUCT]->(p:Product) "
        "RETURN p.product_id AS p, count(*) AS n"
    )
    expected = ("CARD_" + raw.Card_Category.str.upper()).value_counts().to_dict()
    assert {r["p"]: r["n"] for r in tiers} == expected
    # every column is a typed property of the customer; a hand-checked first row
    first = db.run_statement(
        "MATCH (s:SourceRecord {system: 'bank_churners', record_id: '768805383'})"
        "-[:RESOLVES_TO]->(c) RETURN c.age AS age, c.gender AS gender, c.card_tier AS tier,"
        " c.credit_limit AS limit, c.transaction_count_12m AS count,"
        " c.utilisation AS utilisation, c.income_band AS income, c.status AS status"
    )
    assert first == [
        {
            "age": 45,
            "gender": "M",
            "tier": "Blue",
            "limit": 12691.0,
            "count": 42,
            "utilisation": 0.061,
            "income": "$60K - $80K",
            "status": None,
        }
    ]


def test_a_drafted_mapping_loads_bank_churners_without_edits(db: Database, tmp_path: Path) -> None:
    folder = real_data("bank_churners", "BankChurners.csv")
    draft = tmp_path / "draft.yaml"
    draft.write_text(draft_mapping(folder), encoding="utf-8")
    spec = load_spec(draft)
    (customers,) = [f for f in spec.files if f.identity]
    assert customers.key == ("CLIENTNUM",)
    # a dry run writes nothing and says what the load would write
    dry = load_extract(
        db, folder, [spec], pii_key=KEY, rejects_dir=tmp_path / "r0", dry_run=True
    ).as_dict()
    assert _one(db, "MATCH (n) RETURN count(n) AS n") == 0
    assert dry["customers_created"] == 10_127
    (churn,) = [t for name, t in dry["targets"].items() if "-> churn" in name]
    assert churn == {"rows": 10_127, "kept": 1_627, "filtered": 8_500, "rejected": 0,
                     "written": 1_627}  # fmt: skip
    assert dry["warnings"] == []
    # a target whose condition keeps nothing is named, with why, not a silent 0
    nothing = tmp_path / "nothing.yaml"
    nothing.write_text(draft.read_text(encoding="utf-8").replace(
        "''Attrited Customer''", "''Departed''"), encoding="utf-8")  # fmt: skip
    empty = load_extract(
        db, folder, [load_spec(nothing)], pii_key=KEY, rejects_dir=tmp_path / "r1", dry_run=True
    ).as_dict()
    (warning,) = empty["warnings"]
    assert "-> churn where" in warning
    assert warning.endswith(
        ": writes no row from 10,127 good rows (10,127 filtered by where, 0 rejected)"
    )
    report = load_extract(db, folder, [spec], pii_key=KEY, rejects_dir=tmp_path / "r").as_dict()
    assert report["rows_rejected"] == 0
    assert _one(db, "MATCH (c:Customer) RETURN count(c) AS n") == 10_127
    assert _one(db, "MATCH (c:Customer {status: 'churned'}) RETURN count(c) AS n") == 1_627
    assert _one(db, "MATCH (c:Customer) WHERE c.customer_age IS NOT NULL RETURN count(c) AS n") == (
        10_127
    )


def test_a_drafted_mapping_loads_uci_without_edits(db: Database, tmp_path: Path) -> None:
    folder = real_data("bank_marketing", "bank-full.csv")
    draft = tmp_path / "draft.yaml"
    draft.write_text(draft_mapping(folder), encoding="utf-8")
    spec = load_spec(draft)
    (customers,) = [f for f in spec.files if f.identity]
    assert customers.path == "bank-full.csv"
    report = load_extract(db, folder, [spec], pii_key=KEY, rejects_dir=tmp_path / "r").as_dict()
    assert report["rows_rejected"] == 0
    assert _one(db, "MATCH (c:Customer) RETURN count(c) AS n") == 45_211
    assert report["files"]["bank_marketing/bank_full"]["read"] == 45_211


def test_churn_from_the_snapshots_own_columns_passes_the_bar(
    db: Database, tmp_path: Path, neo4j_settings: Settings
) -> None:
    """Snapshot churn on BankChurners: 5-fold ROC AUC >= 0.985 and within 0.01 of plain
    gradient boosting on the same columns, for each of three seeds (the folds change
    with the seed; the bar must hold on every split, not on one lucky one)."""
    folder = real_data("bank_churners", "BankChurners.csv")
    specs = load_specs(default_loaders_dir() / "bank_churners.yaml")
    load_extract(db, folder, specs, pii_key=KEY, rejects_dir=tmp_path / "r")
    for seed in (1, 2, 3):
        found = compute_snapshot_churn(db, SnapshotConfig(seed=seed), write=False)
        assert found.customers == 10_127
        assert found.churned == 1_627
        assert found.cv_roc_auc >= 0.985, (seed, found.cv_roc_auc)
        assert found.cv_roc_auc_reference is not None
        # no worse than the reference by more than 0.01 (better is allowed)
        assert found.cv_roc_auc >= found.cv_roc_auc_reference - 0.01, (
            seed,
            found.cv_roc_auc,
            found.cv_roc_auc_reference,
        )
        assert found.lift_top_10 > 5.0  # the base rate is 16%: a useful list is far above it
        assert "card_tier" in found.features
        assert found.left_out["churn_reason"] == "identifier or written by the analytics"
    # `analyze all` runs what a snapshot supports (the snapshot churn model: no history)
    # and skips cross-sell with what would enable it; `evaluate` works without truth
    planned = run_cli(neo4j_settings, "analyze", "--plan", "--json")
    assert planned.returncode == 0, planned.stderr
    plan = {s["step"]: s for s in json.loads(planned.stdout)["steps"]}
    assert plan["churn"]["mode"] == "snapshot"
    assert plan["clusters"]["mode"] == "singletons"
    assert not plan["crosssell"]["ready"]
    assert "opened_on" in plan["crosssell"]["reason"]
    proc = run_cli(neo4j_settings, "analyze", "all", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [(s["step"], s["status"]) for s in out["steps"]] == [
        ("segments", "ran"), ("clusters", "ran"), ("churn", "ran"), ("crosssell", "skipped"),
    ]  # fmt: skip
    assert out["churn_snapshot"]["cv_roc_auc"] >= 0.985
    human = run_cli(neo4j_settings, "analyze", "crosssell")
    assert human.returncode == 1
    assert human.stderr.strip() == (
        "error: crosssell: no account has an opening date: load accounts with their opened_on dates"
    )
    scored = _one(db, "MATCH (c:Customer) WHERE c.churn_risk IS NOT NULL RETURN count(c) AS n")
    assert scored == 10_127
    proc = run_cli(neo4j_settings, "evaluate", "--json")
    assert proc.returncode == 0, proc.stderr
    churn = json.loads(proc.stdout)["churn"]
    assert set(churn) >= {"cv_roc_auc", "cv_roc_auc_without_graph", "cv_roc_auc_reference",
                          "cv_pr_auc", "lift_top_5", "lift_top_10"}  # fmt: skip


def test_clusters_on_a_graph_without_ties_are_singletons_on_both_backends(
    db: Database, tmp_path: Path
) -> None:
    """BankChurners has no ties: GDS Leiden must not fail; both backends agree."""
    import warnings

    from crm_graph.analytics.clusters import NO_TIES, compute_clusters

    folder = real_data("bank_churners", "BankChurners.csv")
    specs = load_specs(default_loaders_dir() / "bank_churners.yaml")
    load_extract(db, folder, specs, pii_key=KEY, rejects_dir=tmp_path / "r")
    found = {}
    for backend in ("gds", "networkx"):
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            result = compute_clusters(db, backend=backend)
        assert result.warning == NO_TIES
        assert [str(w.message) for w in said] == [NO_TIES]
        assert result.communities == result.customers == 10_127
        found[backend] = db.run_statement(
            "MATCH (c:Customer) RETURN c.customer_id AS id, c.community AS k, c.influence AS i"
            " ORDER BY id"
        )
    gds, nx_ = found["gds"], found["networkx"]
    assert [(r["id"], r["k"]) for r in gds] == [(r["id"], r["k"]) for r in nx_]
    assert [r["i"] for r in gds] == pytest.approx([r["i"] for r in nx_], rel=1e-9)
    assert sum(r["i"] for r in gds) == pytest.approx(1.0)
