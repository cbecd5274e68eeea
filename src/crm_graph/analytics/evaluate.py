"""Metrics against ground truth (``DIR/truth``), for ``crm-graph evaluate``.

Reads truth files only from paths it is given; reads the graph through a
:class:`~crm_graph.db.Database`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from crm_graph.db import Database
from crm_graph.errors import ConfigError

__all__ = [
    "churn_scores",
    "cluster_scores",
    "crosssell_scores",
    "evaluate",
    "pairwise_scores",
    "person_customers",
    "ranking_at_k",
    "ranking_scores",
    "resolution_scores",
]


def _pairs(counts: pd.Series) -> int:
    n = counts.to_numpy(dtype=np.int64)
    return int((n * (n - 1) // 2).sum())


def pairwise_scores(predicted: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering of records.

    Parameters
    ----------
    predicted : DataFrame
        ``system``, ``record_id``, ``customer_id``: the resolution to score.
    truth : DataFrame
        ``system``, ``record_id``, ``person_id``: who each record really is. Records
        of the truth missing from ``predicted`` (rejected rows) count as missed pairs.

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1`` and the pair counts.

    Examples
    --------
    >>> pred = pd.DataFrame({"system": ["a", "b", "c"], "record_id": ["1", "1", "1"],
    ...                      "customer_id": ["X", "X", "X"]})
    >>> true = pd.DataFrame({"system": ["a", "b", "c"], "record_id": ["1", "1", "1"],
    ...                      "person_id": ["P", "P", "Q"]})
    >>> s = pairwise_scores(pred, true)
    >>> round(s["precision"], 3), s["recall"]
    (0.333, 1.0)
    """
    joined = predicted.merge(truth, on=["system", "record_id"], how="inner")
    predicted_pairs = _pairs(joined.groupby("customer_id").size())
    true_pairs = _pairs(truth.groupby("person_id").size())
    hits = _pairs(joined.groupby(["customer_id", "person_id"]).size())
    precision = hits / predicted_pairs if predicted_pairs else 1.0
    recall = hits / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "true_pairs": true_pairs,
        "predicted_pairs": predicted_pairs,
        "correct_pairs": hits,
    }


def resolution_scores(db: Database, truth_dir: Path) -> dict[str, float]:
    """Score the graph's identity resolution against ``truth/identities.csv``."""
    truth = pd.read_csv(truth_dir / "identities.csv", dtype=str, keep_default_na=False)
    predicted = pd.DataFrame(db.read("load/read_resolution"))
    if predicted.empty:
        raise ConfigError("the graph has no resolved source records: run `crm-graph load` first")
    return pairwise_scores(predicted[["system", "record_id", "customer_id"]], truth)


def person_customers(db: Database, truth_dir: Path) -> pd.DataFrame:
    """Map each real person or company of the truth to one golden customer.

    Where a person's records resolved to several customers, the customer holding most
    of them counts.

    Returns
    -------
    DataFrame
        ``person_id``, ``customer_id``.
    """
    ids = pd.read_csv(truth_dir / "identities.csv", dtype=str, keep_default_na=False)
    graph = pd.DataFrame(
        db.read("load/read_resolution"), columns=["system", "record_id", "customer_id"]
    )
    joined = ids.merge(graph[["system", "record_id", "customer_id"]], on=["system", "record_id"])
    return (
        joined.groupby(["person_id", "customer_id"])
        .size()
        .reset_index(name="n")
        .sort_values(["person_id", "n", "customer_id"], ascending=[True, False, True])
        .drop_duplicates("person_id")[["person_id", "customer_id"]]
    )


def cluster_scores(db: Database, truth_dir: Path) -> dict[str, float] | None:
    """NMI and ARI of the graph's communities against ``truth/communities.csv``.

    Each real person or company is represented by its golden customer
    (:func:`person_customers`).

    Returns
    -------
    dict or None
        ``nmi``, ``ari``, ``customers`` scored; None when no community is computed.
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    truth = pd.read_csv(truth_dir / "communities.csv", dtype=str, keep_default_na=False)
    graph = pd.DataFrame(db.read("analytics/read_communities"))
    if graph.empty or graph["community"].isna().all():
        return None
    community = graph.drop_duplicates("customer_id").set_index("customer_id")["community"]
    scored = truth.merge(person_customers(db, truth_dir), on="person_id")
    scored["community"] = scored["customer_id"].map(community)
    scored = scored.dropna(subset=["community"])
    predicted = scored["community"].astype(str)
    return {
        "nmi": round(float(normalized_mutual_info_score(scored["community_id"], predicted)), 4),
        "ari": round(float(adjusted_rand_score(scored["community_id"], predicted)), 4),
        "customers": len(scored),
    }


def ranking_scores(label: npt.NDArray[Any], score: npt.NDArray[Any]) -> dict[str, float]:
    """ROC AUC, PR AUC (average precision) and lift in the top decile.

    Examples
    --------
    >>> s = ranking_scores(np.array([0, 0, 0, 1] * 5), np.array([0.1, 0.2, 0.3, 0.9] * 5))
    >>> s["roc_auc"], s["pr_auc"], s["top_decile_lift"]
    (1.0, 1.0, 4.0)
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    rate = float(label.mean()) if label.size else 0.0
    top = max(1, int(round(label.size * 0.1)))
    order = np.argsort(-score, kind="stable")[:top]
    return {
        "roc_auc": round(float(roc_auc_score(label, score)), 4),
        "pr_auc": round(float(average_precision_score(label, score)), 4),
        "top_decile_lift": round(float(label[order].mean()) / rate, 3) if rate else 0.0,
    }


def churn_scores(db: Database, truth_dir: Path) -> dict[str, Any] | None:
    """Score the churn model against ``truth/future_churn.csv``, with and without graph signals.

    Both models are trained as of the data's date minus the window and score the
    customers active at the data's date; a customer is positive when the person it
    represents churned in the horizon.

    Returns
    -------
    dict or None
        ``roc_auc``, ``pr_auc``, ``top_decile_lift`` each with ``with_graph`` and
        ``without_graph``, plus ``customers`` and ``churners``; None when no churn
        history exists in the graph.
    """
    from crm_graph.analytics import churn
    from crm_graph.analytics.base import data_as_of, shift_months
    from crm_graph.analytics.tie_weights import stored_settings

    config = churn.ChurnConfig(**stored_settings(db))  # weigh ties as the analysis run did
    as_of = data_as_of(db)
    data = churn.read_churn_data(
        db, [shift_months(as_of, -config.window_months), as_of], config.window_months
    )
    future = pd.read_csv(truth_dir / "future_churn.csv", dtype=str, keep_default_na=False)
    churners = set(future.merge(person_customers(db, truth_dir), on="person_id")["customer_id"])
    result: dict[str, Any] = {"roc_auc": {}, "pr_auc": {}, "top_decile_lift": {}}
    for name, graph in (("with_graph", True), ("without_graph", False)):
        try:
            scored, _ = churn.score_customers(data, as_of, config, graph=graph, drivers=False)
        except ConfigError:
            return None
        label = scored.index.isin(churners).astype(int)
        if label.sum() == 0 or label.sum() == label.size:
            return None
        metrics = ranking_scores(label, scored["churn_risk"].to_numpy())
        for key, value in metrics.items():
            result[key][name] = value
        result["customers"] = int(label.size)
        result["churners"] = int(label.sum())
    return result


def ranking_at_k(scores: npt.NDArray[Any], relevant: npt.NDArray[Any], k: int) -> dict[str, float]:
    """Recall@k, MAP@k and NDCG@k of per-row rankings.

    Parameters
    ----------
    scores : ndarray
        ``[users, items]``; NaN marks items that may not be ranked.
    relevant : ndarray
        ``[users, items]`` booleans; rows without any relevant item are skipped.
    k : int
        Cut-off.

    Examples
    --------
    >>> s = np.array([[0.9, 0.8, 0.1], [0.1, 0.2, 0.9]])
    >>> r = np.array([[True, False, False], [True, False, False]])
    >>> m = ranking_at_k(s, r, 2)
    >>> m["recall_at_k"], m["map_at_k"], round(m["ndcg_at_k"], 3)
    (0.5, 0.5, 0.5)
    """
    rows = relevant.any(axis=1)
    s = np.where(np.isnan(scores[rows]), -np.inf, scores[rows])
    rel = relevant[rows]
    order = np.argsort(-s, axis=1, kind="stable")[:, :k]
    hits = np.take_along_axis(rel, order, axis=1) & np.isfinite(
        np.take_along_axis(s, order, axis=1)
    )
    n_rel = rel.sum(axis=1)
    recall = hits.sum(axis=1) / n_rel
    precision_at = np.cumsum(hits, axis=1) / np.arange(1, k + 1)[None, :]
    ap = (precision_at * hits).sum(axis=1) / np.minimum(n_rel, k)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits * discounts[None, :]).sum(axis=1)
    ideal = np.array([discounts[: min(int(n), k)].sum() for n in n_rel])
    return {
        "recall_at_k": round(float(recall.mean()), 4) if len(recall) else 0.0,
        "map_at_k": round(float(ap.mean()), 4) if len(ap) else 0.0,
        "ndcg_at_k": round(float((dcg / ideal).mean()), 4) if len(dcg) else 0.0,
    }


def crosssell_scores(db: Database, truth_dir: Path, k: int = 5) -> dict[str, Any] | None:
    """Score every cross-sell ranker against ``truth/future_adoptions.csv``.

    Rankers: each signal alone, the blend, a popularity baseline (recent adoption
    rate) and a non-graph collaborative-filtering baseline (truncated SVD of the
    customer-product matrix). All rank the same candidates (eligible by kind and by
    the product rules, not held, active customers; suppression, for recent offers
    and refused consent, is a business rule and is left out); a
    customer counts when the person it represents opened at least one candidate in
    the horizon.

    Returns
    -------
    dict or None
        ``k``, ``customers`` scored, ``candidates_per_customer``, and ``recall_at_k``,
        ``map_at_k``, ``ndcg_at_k`` and ``recall_at_1`` per ranker; None when the
        graph has nothing to learn from.
    """
    from sklearn.decomposition import TruncatedSVD

    from crm_graph.analytics import crosssell as cs
    from crm_graph.analytics.tie_weights import stored_settings

    config = cs.CrossSellConfig(k=k, **stored_settings(db))  # ties as the analysis run did
    as_of = data_as_of_or_none(db)
    if as_of is None:
        return None
    data = cs.read_crosssell_data(db, as_of)
    try:
        model = cs.train(data, as_of, config)
    except ConfigError:
        return None
    signals = cs.compute_signals(data, as_of, config, explain=False)
    blend, _ = cs.recommend(data, model, signals, config, suppress=False)
    ok = cs.candidates(data, signals, config, suppress=False)
    future = pd.read_csv(truth_dir / "future_adoptions.csv", dtype=str, keep_default_na=False)
    future = future.merge(person_customers(db, truth_dir), on="person_id")
    ids = pd.Index(data.customers["customer_id"])
    pids = pd.Index(data.products["product_id"])
    rows = ids.get_indexer(pd.Index(future["customer_id"]))
    cols = pids.get_indexer(pd.Index(future["product_id"]))
    relevant = np.zeros(ok.shape, dtype=bool)
    hit = (rows >= 0) & (cols >= 0)
    relevant[rows[hit], cols[hit]] = True
    relevant &= ok
    svd = TruncatedSVD(n_components=min(6, ok.shape[1] - 1), random_state=0)
    latent = svd.fit_transform(signals.held)
    rankers = {name: signals.scores[name] for name in cs.SIGNALS}
    rankers["blend"] = blend
    rankers["popularity"] = np.broadcast_to(model.popularity[None, :], ok.shape)
    rankers["svd"] = latent @ svd.components_
    out: dict[str, Any] = {
        "k": k,
        "customers": int(relevant.any(axis=1).sum()),
        "candidates_per_customer": round(float(ok[relevant.any(axis=1)].sum(axis=1).mean()), 2)
        if relevant.any()
        else 0.0,
        "recall_at_k": {},
        "map_at_k": {},
        "ndcg_at_k": {},
        "recall_at_1": {},
    }
    for name, scores in rankers.items():
        masked = np.where(ok, scores, np.nan)
        metrics = ranking_at_k(masked, relevant, k)
        for key, value in metrics.items():
            out[key][name] = value
        out["recall_at_1"][name] = ranking_at_k(masked, relevant, 1)["recall_at_k"]
    return out


def data_as_of_or_none(db: Database) -> Any:
    """Return :func:`crm_graph.analytics.base.data_as_of`, or None when the graph is empty."""
    from crm_graph.analytics.base import data_as_of

    try:
        return data_as_of(db)
    except ConfigError:
        return None


def evaluate(db: Database, truth_dir: Path) -> dict[str, Any]:
    """Return every metric whose feature exists (docs/design.md, docs/analytics.md).

    Raises
    ------
    ConfigError
        If ``truth_dir`` lacks the truth files.
    """
    if not (truth_dir / "identities.csv").is_file():
        raise ConfigError(f"{truth_dir}: no identities.csv (give the generated truth/ folder)")
    result: dict[str, Any] = {"resolution": resolution_scores(db, truth_dir)}
    clusters = cluster_scores(db, truth_dir)
    if clusters is not None:
        result["clusters"] = clusters
    churn = churn_scores(db, truth_dir) if (truth_dir / "future_churn.csv").is_file() else None
    if churn is not None:
        result["churn"] = churn
    if (truth_dir / "future_adoptions.csv").is_file():
        crosssell = crosssell_scores(db, truth_dir)
        if crosssell is not None:
            result["crosssell"] = crosssell
    return result
