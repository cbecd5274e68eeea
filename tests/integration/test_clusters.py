from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import normalized_mutual_info_score
from tests.conftest import empty_graph

from crm_graph.analytics import clusters
from crm_graph.analytics.clusters import ClusterConfig, compute_clusters
from crm_graph.analytics.evaluate import cluster_scores
from crm_graph.analytics.tie_weights import learn_from_graph, transfer_scale
from crm_graph.db import Database, gds_client
from crm_graph.generate import generate_bank
from crm_graph.ingest.load import load_extract
from crm_graph.ingest.spec import default_loaders_dir, load_specs


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory, session_db: Database) -> Path:
    out = tmp_path_factory.mktemp("clusters") / "bank"
    generate_bank(out, customers=3000, seed=17, mixing=0.2)
    empty_graph(session_db)
    load_extract(session_db, out, load_specs(default_loaders_dir()), pii_key=b"k")
    return out


@pytest.fixture(scope="module")
def learned(bank: Path, session_db: Database) -> dict[str, Any]:
    """The tie weights ``analyze`` would use on this bank: learned from its history."""
    found = learn_from_graph(session_db)
    assert found.source == "learned"
    return {"weights": found.weights, "scale": found.scale}


def _partition(db: Database) -> pd.DataFrame:
    return pd.DataFrame(
        db.run_statement(
            "MATCH (c:Customer) RETURN c.customer_id AS id, c.community AS community,"
            " c.influence AS influence"
        )
    )


def test_gds_leiden_recovers_the_planted_communities(
    bank: Path, session_db: Database, learned: dict[str, Any]
) -> None:
    result = compute_clusters(session_db, ClusterConfig(**learned), backend="gds")
    assert result.backend == "gds"
    assert result.algorithm == "leiden"
    frame = _partition(session_db)
    assert frame.community.notna().all()
    assert frame.influence.sum() == pytest.approx(1.0, abs=1e-6)
    assert result.customers == len(frame)
    scores = cluster_scores(session_db, bank / "truth")
    assert scores is not None
    assert scores["nmi"] >= 0.8
    assert gds_client(session_db.driver).graph.list().empty, "the projection must be dropped"


def test_networkx_agrees_with_gds(
    bank: Path, session_db: Database, learned: dict[str, Any]
) -> None:
    compute_clusters(session_db, ClusterConfig(algorithm="louvain", **learned), backend="gds")
    gds_frame = _partition(session_db).set_index("id")
    nx_result = compute_clusters(session_db, ClusterConfig(**learned), backend="networkx")
    assert nx_result.algorithm == "louvain"
    nx_frame = _partition(session_db).set_index("id").loc[gds_frame.index]
    agreement = normalized_mutual_info_score(gds_frame.community, nx_frame.community)
    assert agreement >= 0.85
    top_gds = set(gds_frame.influence.nlargest(20).index)
    top_nx = set(nx_frame.influence.nlargest(20).index)
    assert len(top_gds & top_nx) >= 16
    scores = cluster_scores(session_db, bank / "truth")
    assert scores is not None
    assert scores["nmi"] >= 0.75


def test_without_gds_networkx_is_used_with_one_warning(
    bank: Path, session_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clusters, "has_gds", lambda *_: False)
    monkeypatch.setattr(clusters, "_warned", False)
    with pytest.warns(UserWarning, match="no Graph Data Science"):
        first = compute_clusters(session_db)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = compute_clusters(session_db)
    assert first.backend == second.backend == "networkx"


def test_value_tiers_follow_aum_and_scores_order_the_tiers(
    bank: Path, session_db: Database
) -> None:
    from crm_graph.analytics.segments import TierConfig, compute_segments

    # by amounts (a bank that tiers by AUM in its own currency)
    tiers = compute_segments(
        session_db, TierConfig.parse("private:6000000,wealth:1000000,affluent:200000")
    )
    rows = pd.DataFrame(
        session_db.run_statement(
            "MATCH (c:Customer) RETURN c.tier AS tier, c.value_score AS score,"
            " coalesce(c.aum, 0.0) AS aum, c.segments_computed_at AS computed"
        )
    )
    assert rows.tier.notna().all()
    assert rows.computed.notna().all()
    assert sum(tiers.values()) == len(rows)
    assert rows.score.between(0, 1).all()
    expected = pd.cut(
        rows.aum,
        [-float("inf"), 200_000, 1_000_000, 6_000_000, float("inf")],
        right=False,
        labels=["mass", "affluent", "wealth", "private"],
    ).astype(str)
    assert (expected == rows.tier).all()
    means = rows.groupby("tier").score.mean()
    present = [t for t in ("private", "wealth", "affluent", "mass") if t in means.index]
    assert len(present) >= 3
    assert list(means[present]) == sorted(means[present], reverse=True)

    # by default relative: the top 0.5% / 3% / 12% of customers by AUM, none without assets
    counts = compute_segments(session_db)
    rows = pd.DataFrame(
        session_db.run_statement(
            "MATCH (c:Customer) RETURN c.customer_id AS id, c.tier AS tier,"
            " coalesce(c.aum, 0.0) AS aum"
        )
    ).sort_values(["aum", "id"], ascending=[False, True], ignore_index=True)
    n = len(rows)
    edges = np.cumsum([0] + [int(np.ceil(s * n)) for s in (0.005, 0.03, 0.12)])
    expected_rel = np.full(n, "mass", dtype=object)
    names = ("private", "wealth", "affluent")
    for lo, hi, name in zip(edges[:-1], edges[1:], names, strict=True):
        expected_rel[lo:hi] = name
    expected_rel[rows.aum.to_numpy() <= 0] = "mass"
    assert (rows.tier.to_numpy() == expected_rel).all()
    assert counts["private"] == int(np.ceil(0.005 * n))


def test_cluster_profiles_match_hand_counts(bank: Path, session_db: Database) -> None:
    from crm_graph.analytics.clusters import cluster_profiles
    from crm_graph.analytics.segments import compute_segments

    compute_segments(session_db)
    compute_clusters(session_db, ClusterConfig(), backend="gds")
    profiles = cluster_profiles(session_db)
    customers = session_db.run_statement("MATCH (c:Customer) RETURN count(c) AS n")[0]["n"]
    assert sum(p.size for p in profiles) == customers
    assert [p.size for p in profiles] == sorted((p.size for p in profiles), reverse=True)
    big = profiles[0]
    hand = session_db.run_statement(
        "MATCH (c:Customer {community: $k}) "
        "OPTIONAL MATCH (c)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(:Product {category: 'card'}) "
        "WHERE coalesce(a.status, 'open') <> 'closed' "
        "WITH c, count(a) > 0 AS card "
        "RETURN count(c) AS size, sum(coalesce(c.aum, 0.0)) AS aum, "
        "  sum(CASE WHEN card THEN 1 ELSE 0 END) AS cards, "
        "  sum(CASE WHEN c.status = 'churned' THEN 1 ELSE 0 END) AS churned, "
        "  collect(c.tier) AS tiers",
        {"k": big.community},
    )[0]
    assert big.size == hand["size"]
    assert big.aum == pytest.approx(hand["aum"], rel=1e-9)
    assert big.penetration.get("card", 0.0) == pytest.approx(hand["cards"] / hand["size"], abs=1e-4)
    assert big.churn_rate == pytest.approx(hand["churned"] / hand["size"], abs=1e-4)
    assert sum(big.tiers.values()) == big.size
    assert big.tiers.get("mass", 0) == hand["tiers"].count("mass")
    leaders = session_db.run_statement(
        "MATCH (c:Customer {community: $k}) RETURN c.customer_id AS id "
        "ORDER BY c.influence DESC LIMIT 3",
        {"k": big.community},
    )
    assert [i[0] for i in big.influencers] == [r["id"] for r in leaders]
    # one cluster alone reads the same as in the full listing
    assert cluster_profiles(session_db, community=big.community) == [big]
    # labels name a member company that employs people in the cluster
    named = [p for p in profiles if " of " in p.label or " around " in p.label]
    assert named, [p.label for p in profiles[:10]]
    company = named[0].label.split(" of " if " of " in named[0].label else " around ")[1]
    company = company.split(",")[0]
    employs = session_db.run_statement(
        "MATCH (e:Customer {name: $name, community: $k})-[:EMPLOYS]->(p:Customer {community: $k}) "
        "RETURN count(p) AS n",
        {"name": company, "k": named[0].community},
    )[0]["n"]
    assert employs > 0
    assert cluster_profiles(session_db, community=-1) == []


def test_gds_projection_weighs_ties_like_the_python_formula(
    bank: Path, session_db: Database
) -> None:
    """The Cypher projection and ``tie_weights`` must give every customer pair one weight."""
    weights = {**clusters.EQUAL_WEIGHTS, "TRANSFERS": 0.7, "REFERRED": 0.4}
    name = "test_tie_weights"
    scale = clusters.read_transfer_scale(session_db)  # in the server
    try:
        session_db.write(
            "analytics/project_ties",
            graph_name=name,
            weights=clusters.normalize_weights(weights),
            amount_full=scale.amount_full,
            count_full=scale.count_full,
        )
        streamed = pd.DataFrame(
            session_db.run_statement(
                "CALL gds.graph.relationshipProperty.stream($g, 'weight') "
                "YIELD sourceNodeId, targetNodeId, propertyValue "
                "RETURN gds.util.asNode(sourceNodeId).customer_id AS a,"
                " gds.util.asNode(targetNodeId).customer_id AS b, propertyValue AS w",
                {"g": name},
            )
        )
    finally:
        session_db.write("analytics/drop_graph", graph_name=name)
    streamed["pair"] = [tuple(sorted(p)) for p in zip(streamed.a, streamed.b, strict=True)]
    # an undirected projection streams each relationship once per direction
    gds_weight = streamed.groupby("pair").w.sum() / 2
    ties = clusters.read_ties(session_db)
    assert ties["count"].notna().sum() > 100, "transfers must carry a count"
    # the server's quantiles and numpy's agree, so both paths weigh transfers alike
    assert scale == transfer_scale(ties)
    assert scale.amount_full > 1
    assert scale.count_full > 1
    graph = clusters.tie_graph(sorted(set(ties.a) | set(ties.b)), ties, weights)
    py_weight = pd.Series(
        {tuple(sorted((u, v))): d["weight"] for u, v, d in graph.edges(data=True)}
    )
    assert len(gds_weight) == len(py_weight)
    joined = pd.concat([gds_weight.rename("gds"), py_weight.rename("py")], axis=1)
    assert joined.notna().all().all()
    assert (joined.gds - joined.py).abs().max() < 1e-9
