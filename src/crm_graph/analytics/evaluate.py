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

__all__ = ["evaluate", "pairwise_scores", "resolution_scores"]


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


def evaluate(db: Database, truth_dir: Path) -> dict[str, Any]:
    """Return every metric whose feature exists (see DESIGN's evaluation contract).

    Raises
    ------
    ConfigError
        If ``truth_dir`` lacks the truth files.
    """
    if not (truth_dir / "identities.csv").is_file():
        raise ConfigError(f"{truth_dir}: no identities.csv (give the generated truth/ folder)")
    return {"resolution": resolution_scores(db, truth_dir)}
