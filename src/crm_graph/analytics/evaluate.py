"""Metrics against ground truth (``DIR/truth``), for ``crm-graph evaluate``.

Reads truth files only from paths it is given; reads the graph through a
:class:`~crm_graph.db.Database`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_graph.db import Database
from crm_graph.errors import ConfigError

__all__ = ["cluster_scores", "evaluate", "pairwise_scores", "resolution_scores"]


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


def cluster_scores(db: Database, truth_dir: Path) -> dict[str, float] | None:
    """NMI and ARI of the graph's communities against ``truth/communities.csv``.

    Each real person or company is represented by the golden customer of its record(s);
    where its records resolved to several customers, the most frequent one counts.

    Returns
    -------
    dict or None
        ``nmi``, ``ari``, ``customers`` scored; None when no community is computed.
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    truth = pd.read_csv(truth_dir / "communities.csv", dtype=str, keep_default_na=False)
    ids = pd.read_csv(truth_dir / "identities.csv", dtype=str, keep_default_na=False)
    graph = pd.DataFrame(db.read("analytics/read_communities"))
    if graph.empty or graph["community"].isna().all():
        return None
    joined = ids.merge(graph, on=["system", "record_id"]).dropna(subset=["community"])
    per_person = (
        joined.groupby(["person_id", "community"])
        .size()
        .reset_index(name="n")
        .sort_values(["person_id", "n"], ascending=[True, False])
        .drop_duplicates("person_id")
    )
    scored = truth.merge(per_person, on="person_id")
    predicted = scored["community"].astype(str)
    return {
        "nmi": round(float(normalized_mutual_info_score(scored["community_id"], predicted)), 4),
        "ari": round(float(adjusted_rand_score(scored["community_id"], predicted)), 4),
        "customers": len(scored),
    }


def evaluate(db: Database, truth_dir: Path) -> dict[str, Any]:
    """Return every metric whose feature exists (see DESIGN's evaluation contract).

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
    return result
