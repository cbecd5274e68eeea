"""Cross-sell on a loaded, analyzed bank: what is written, rules kept, reasons true, quality."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import load_bank

from crm_graph.analytics.crosssell import CrossSellConfig, compute_crosssell
from crm_graph.analytics.evaluate import crosssell_scores
from crm_graph.db import Database


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory, session_db: Database) -> Path:
    return load_bank(
        session_db, tmp_path_factory.mktemp("crosssell") / "bank", 6000, seed=37, analyze=True
    )


def _recommended(db: Database) -> pd.DataFrame:
    return pd.DataFrame(
        db.run_statement(
            "MATCH (c:Customer)-[r:RECOMMENDED]->(p:Product) "
            "RETURN c.customer_id AS customer, c.kind AS kind, c.status AS status, "
            "p.product_id AS product, p.name AS name, p.eligible AS eligible, r.rank AS rank, "
            "r.score AS score, r.reasons AS reasons, r.reason AS reason, "
            "EXISTS { (c)-[:OWNS]->(:Account)-[:OF_PRODUCT]->(p) } AS holds"
        )
    )


def test_top_k_per_active_customer_within_the_rules(bank: Path, session_db: Database) -> None:
    result = compute_crosssell(session_db, CrossSellConfig(k=4))
    recs = _recommended(session_db)
    assert result.recommendations == len(recs)
    assert recs.groupby("customer").size().max() <= 4
    assert not recs.holds.any(), "a held product was recommended"
    assert not (recs.status == "churned").any()
    assert not ((recs.kind == "company") & (recs.eligible == "person")).any()
    assert not ((recs.kind == "person") & (recs.eligible == "company")).any()
    for _, group in recs.groupby("customer"):
        assert sorted(group["rank"]) == list(range(1, len(group) + 1))
        ordered = group.sort_values("rank")["score"].tolist()
        assert ordered == sorted(ordered, reverse=True)
    assert all(isinstance(r, list) and 1 <= len(r) <= 3 for r in recs.reasons)
    assert (recs.reason == recs.reasons.str[0]).all()
    # a rerun replaces the previous recommendations instead of adding to them
    compute_crosssell(session_db, CrossSellConfig(k=2))
    assert _recommended(session_db).groupby("customer").size().max() <= 2


def test_recent_offers_are_not_repeated(bank: Path, session_db: Database) -> None:
    compute_crosssell(session_db)
    repeated = session_db.run_statement(
        "MATCH (c:Customer)-[:RECOMMENDED]->(p:Product), "
        "(c)-[:HAD_CONTACT]->(k:Contact {kind: 'offer'})-[:ABOUT]->(p) "
        "WHERE k.at >= '2025-10-03' RETURN count(*) AS n"
    )[0]["n"]
    assert repeated == 0


def test_family_reasons_are_true(bank: Path, session_db: Database) -> None:
    compute_crosssell(session_db)
    recs = _recommended(session_db)
    family = [
        (row.customer, row.product, row.name, reason)
        for row in recs.itertuples()
        for reason in row.reasons
        if reason.startswith("family member ")
    ]
    assert family
    for customer, product, name, reason in family[:25]:
        member = reason[len("family member ") : -len(f" holds {name}")]
        hits = session_db.run_statement(
            "MATCH (:Customer {customer_id: $c})-[:FAMILY]-(m:Customer {name: $m})"
            "-[:OWNS]->(:Account)-[:OF_PRODUCT]->(:Product {product_id: $p}) "
            "RETURN count(*) AS n",
            {"c": customer, "m": member, "p": product},
        )[0]["n"]
        assert hits > 0, reason


def test_blend_beats_the_baselines(bank: Path, session_db: Database) -> None:
    scores = crosssell_scores(session_db, bank / "truth")
    assert scores is not None
    assert scores["customers"] > 500
    recall, mean_ap = scores["recall_at_k"], scores["map_at_k"]
    assert recall["blend"] > recall["svd"]
    assert mean_ap["blend"] > mean_ap["popularity"]
    assert scores["recall_at_1"]["blend"] > scores["recall_at_1"]["popularity"]
