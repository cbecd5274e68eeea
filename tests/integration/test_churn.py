"""Churn on a loaded generated bank: scores, drivers, what-if, analysis, evaluation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import empty_graph

from crm_graph.analytics import churn
from crm_graph.analytics.base import read_customer_base
from crm_graph.analytics.clusters import compute_clusters
from crm_graph.analytics.evaluate import churn_scores
from crm_graph.analytics.segments import compute_segments
from crm_graph.db import Database
from crm_graph.generate import generate_bank
from crm_graph.ingest.load import load_extract
from crm_graph.ingest.spec import default_loaders_dir, load_specs


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory, session_db: Database) -> Path:
    out = tmp_path_factory.mktemp("churn") / "bank"
    generate_bank(out, customers=6000, seed=23)
    empty_graph(session_db)
    load_extract(session_db, out, load_specs(default_loaders_dir()), pii_key=b"k")
    compute_segments(session_db)
    compute_clusters(session_db)
    return out


@pytest.fixture(scope="module")
def scored(bank: Path, session_db: Database) -> churn.ChurnResult:
    return churn.compute_churn(session_db)


def _customers(db: Database) -> pd.DataFrame:
    return pd.DataFrame(
        db.run_statement(
            "MATCH (c:Customer) RETURN c.customer_id AS id, c.status AS status, c.tier AS tier,"
            " c.churn_risk AS risk, c.churn_exposure AS exposure, c.churn_drivers AS drivers,"
            " c.retention_priority AS priority, c.high_value_at_risk AS high,"
            " c.churn_computed_at AS computed"
        )
    )


def test_active_customers_get_scores_and_drivers(
    scored: churn.ChurnResult, session_db: Database
) -> None:
    frame = _customers(session_db)
    active = frame[frame.status != "churned"]
    assert active.risk.notna().all()
    assert frame[frame.status == "churned"].risk.isna().all()
    assert scored.scored == len(active)
    assert active.risk.between(0, 1).all()
    assert active.exposure.between(0, 1).all()
    assert scored.as_of == "2026-01-01"
    assert scored.trained_as_of == "2025-07-01"
    assert scored.training_churners > 10
    top = active.nlargest(50, "risk")
    assert all(isinstance(d, list) and d for d in top.drivers)
    assert all(isinstance(w, str) for d in top.drivers for w in d)
    high = active[active.high.astype(bool)]
    assert set(high.tier) <= {"private", "wealth"}
    assert (high.risk >= active.risk.quantile(0.9) - 1e-9).all()


def test_retention_list_is_ordered_and_pages_without_gaps(
    scored: churn.ChurnResult, session_db: Database
) -> None:
    first = churn.retention_list(session_db, limit=30)
    last = first[-1]
    second = churn.retention_list(
        session_db, limit=30, after=(last["retention_priority"], last["customer_id"])
    )
    both = churn.retention_list(session_db, limit=60)
    assert [r["customer_id"] for r in first + second] == [r["customer_id"] for r in both]
    priorities = [r["retention_priority"] for r in both]
    assert priorities == sorted(priorities, reverse=True)
    wealth = churn.retention_list(session_db, limit=20, tier="wealth", min_value=0.5)
    assert all(r["tier"] == "wealth" and r["value_score"] >= 0.5 for r in wealth)
    assert all(r["rm_id"] for r in both[:10])


def test_exposure_matches_a_hand_computation(
    scored: churn.ChurnResult, session_db: Database
) -> None:
    # an active customer whose family member churned in the last six months
    rows = session_db.run_statement(
        "MATCH (x:Customer {status: 'churned'})-[:FAMILY]-(c:Customer) "
        "WHERE x.churned_on >= '2025-07-01' AND c.status <> 'churned' "
        "RETURN c.customer_id AS id, c.churn_exposure AS exposure LIMIT 5"
    )
    assert rows
    assert all(r["exposure"] > 0 for r in rows)
    lonely = session_db.run_statement(
        "MATCH (c:Customer) WHERE c.status <> 'churned' "
        "AND NOT (c)-[:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED]-() "
        "RETURN c.churn_exposure AS exposure LIMIT 20"
    )
    assert lonely
    assert all(r["exposure"] == 0 for r in lonely)


def test_follow_probabilities_match_the_raw_ties(bank: Path, session_db: Database) -> None:
    probs = churn.follow_probabilities(session_db)
    people = pd.DataFrame(
        session_db.run_statement(
            "MATCH (c:Customer) RETURN c.customer_id AS id, c.since AS since,"
            " c.churned_on AS churned_on, c.status AS status"
        )
    ).set_index("id")
    ties = pd.DataFrame(
        session_db.run_statement(
            "MATCH (a:Customer)-[r:FAMILY]->(b:Customer) RETURN a.customer_id AS a,"
            " b.customer_id AS b"
        )
    )
    pairs = followed = 0
    for x, y in list(zip(ties.a, ties.b, strict=True)) + list(zip(ties.b, ties.a, strict=True)):
        j, i = people.loc[x], people.loc[y]
        if j.status != "churned" or not j.churned_on or j.churned_on >= "2025-07-01":
            continue
        if i.since and i.since >= j.churned_on:
            continue
        if i.churned_on and i.churned_on < j.churned_on:
            continue
        pairs += 1
        end = (pd.Timestamp(j.churned_on) + pd.DateOffset(months=6)).date().isoformat()
        followed += bool(i.churned_on and i.churned_on < end)
    assert pairs > 20
    assert probs["FAMILY"] == pytest.approx(max(0.0, followed / pairs - probs["_base"]), abs=1e-4)
    assert 0 < probs["_base"] < 0.2


def test_what_if_is_reproducible_and_reaches_only_active_ties(
    scored: churn.ChurnResult, session_db: Database
) -> None:
    hub = session_db.run_statement(
        "MATCH (c:Customer)-[:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED]-(n:Customer) "
        "WHERE c.status <> 'churned' AND n.status <> 'churned' "
        "RETURN c.customer_id AS id, count(n) AS k ORDER BY k DESC, id LIMIT 1"
    )[0]["id"]
    probs = churn.follow_probabilities(session_db)
    first = churn.what_if(session_db, hub, probabilities=probs, runs=400, seed=5)
    again = churn.what_if(session_db, hub, probabilities=probs, runs=400, seed=5)
    assert first == again
    assert first["expected_followers"] > 0
    assert first["interval_90"][0] <= first["expected_followers"] <= first["interval_90"][1]
    ids = [f["customer_id"] for f in first["followers"]]
    status = session_db.run_statement(
        "UNWIND $ids AS id MATCH (c:Customer {customer_id: id}) RETURN c.status AS s", {"ids": ids}
    )
    assert all(r["s"] != "churned" for r in status)
    with pytest.raises(churn.NotFoundError, match="unknown customer"):
        churn.what_if(session_db, "nobody", probabilities=probs)


def test_churn_analysis_adds_up(bank: Path, session_db: Database) -> None:
    report = churn.churn_analysis(session_db)
    churned = session_db.run_statement(
        "MATCH (c:Customer {status: 'churned'}) RETURN count(c) AS n"
    )[0]["n"]
    assert report["lost"]["customers"] == churned
    assert sum(r["customers"] for r in report["reasons"]) == churned
    assert sum(r["share"] for r in report["reasons"]) == pytest.approx(1.0, abs=0.01)
    closures = pd.read_csv(bank / "core_banking" / "closures.csv", dtype=str)
    # the source's reasons, counted per resolved customer, within a few rejected rows
    for row in report["reasons"]:
        expected = int((closures["reason"] == row["reason"]).sum())
        assert row["customers"] == pytest.approx(expected, rel=0.05, abs=3)
    assert sum(d["share_of_outflow"] for d in report["destinations"]) == pytest.approx(1, abs=0.01)
    assert {t["topic"] for t in report["topics"]}
    assert all(t["lift"] > 0 for t in report["topics"])


def test_churn_model_ranks_future_churners_first(bank: Path, session_db: Database) -> None:
    # At 6,000 customers about 50 churn in the horizon: enough to check that both models
    # rank well, too few to tell them apart (the AUC's standard error is about 0.02).
    # Whether the graph signals add AUC is measured at 100k in bench/churn.py.
    scores = churn_scores(session_db, bank / "truth")
    assert scores is not None
    assert scores["churners"] >= 30
    for variant in ("with_graph", "without_graph"):
        assert scores["roc_auc"][variant] >= 0.8
        assert scores["top_decile_lift"][variant] >= 3
        assert 0 < scores["pr_auc"][variant] <= 1


def test_a_shared_customer_base_gives_the_same_scores(
    scored: churn.ChurnResult, session_db: Database
) -> None:
    """`analyze all` reads customers and ties once for churn and cross-sell: same result."""
    columns = ["id", "risk", "exposure", "drivers", "priority", "high"]
    before = _customers(session_db)[columns].sort_values("id").reset_index(drop=True)
    base = read_customer_base(session_db)
    again = churn.compute_churn(session_db, base=base)
    after = _customers(session_db)[columns].sort_values("id").reset_index(drop=True)
    assert again.scored == scored.scored
    assert again.coefficients == scored.coefficients
    pd.testing.assert_frame_equal(after, before)
    assert len(base.ties) > 0


@pytest.mark.parametrize(
    ("as_of", "half_year"), [("2026-01-01", "2025-07-01"), ("2025-07-01", "2025-01-01")]
)
def test_products_from_the_holdings_equal_the_cypher_definition(
    bank: Path, session_db: Database, as_of: str, half_year: str
) -> None:
    """`products_as_of` (pandas, on the shared holdings) = `read_churn_products` (Cypher)."""
    types = {"as_of": "string", "customer_id": "string"}
    types |= dict.fromkeys(churn.PRODUCT_COLUMNS[1:], "int")
    cypher = session_db.read_lines(
        "analytics/read_churn_products",
        types,
        windows=[{"as_of": as_of, "half_year": half_year}],
    )[churn.PRODUCT_COLUMNS]
    base = read_customer_base(session_db)
    ours = churn.products_as_of(base.holdings, base.products, as_of, half_year)
    assert len(cypher) > 1000
    assert cypher["closed_6m"].sum() > 0
    assert cypher["opened_6m"].sum() > 0
    key = "customer_id"
    pd.testing.assert_frame_equal(
        ours.sort_values(key).reset_index(drop=True),
        cypher.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
