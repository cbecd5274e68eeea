"""Churn from a snapshot: a gradient-boosted model on the customers' own properties.

A snapshot extract (one row per customer as of one day, an exit flag, no history of
balances or contacts) cannot feed the temporal churn model, which learns from what
happened before each exit. It does carry what the bank knew of each customer that
day, and the mapping keeps every column as a typed property of the customer. This
module learns churn from those properties:

- **Features**: every property of the customers that is a number, a yes/no value, or
  text with at most :data:`MAX_CATEGORIES` distinct values (a category), chosen
  automatically. Left out, by rule: identifiers (``customer_id``, ``*_id``, ``name``),
  the label and its proxies (``status``, ``churned_on``, ``churn_reason``, any name
  holding ``churn``, ``attrit`` or ``exit``, and any property whose presence alone
  tells the classes apart: present for at least 95% of one and at most 5% of the
  other), what the analytics write themselves (:data:`ANALYTICS_OUTPUTS`), and text
  with more distinct values (names, dates, free text). The report lists what was used
  and what was left out, and why.
- **Graph features**, where customers have ties: the number of ties, and the number
  and share of tied customers who left.
- **Model**: scikit-learn's ``HistGradientBoostingClassifier`` (categories as
  categories), 5-fold stratified cross-validation with a fixed seed. Beside it, the
  same folds give the model without the graph features and a **reference**: a plain
  ``GradientBoostingClassifier`` on the same columns (categories one-hot), so that a
  user can see the model is as good as the obvious baseline on their data.
- **Scores**: each customer's ``churn_risk`` is the out-of-fold probability (the
  model never scores a customer it learned from).

On BankChurners (shared/data, 10,127 customers): see docs/analytics.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from crm_graph.db import Database
from crm_graph.errors import ConfigError

__all__ = [
    "ANALYTICS_OUTPUTS",
    "MAX_CATEGORIES",
    "SnapshotChurn",
    "SnapshotConfig",
    "choose_features",
    "compute_snapshot_churn",
    "cross_validate",
    "lift_at",
    "read_snapshot",
]

#: text properties with more distinct values than this are not categories
MAX_CATEGORIES = 50
#: properties the loader and the analytics write themselves (never features)
ANALYTICS_OUTPUTS = frozenset(
    (
        "customer_id name kind status churned_on churn_reason churn_risk churn_exposure "
        "churn_drivers retention_priority high_value_at_risk churn_computed_at tier "
        "value_score segment community influence cluster_label clusters_computed_at "
        "segments_computed_at balance_history balance_months loaded_at"
    ).split()
)
_LABEL_LIKE = re.compile(r"churn|attrit|exit", re.I)
_ID_LIKE = re.compile(r"(^|_)id$|_ids?$|^id_", re.I)


@dataclass(frozen=True)
class SnapshotConfig:
    """Settings of the snapshot churn model."""

    folds: int = 5
    seed: int = 7
    min_present: float = 0.05  # a property must be known for this share of customers
    reference: bool = True  # also cross-validate the plain GradientBoostingClassifier


@dataclass
class SnapshotChurn:
    """What :func:`compute_snapshot_churn` found (``evaluate --json``: ``churn.*``)."""

    customers: int
    churned: int
    features: list[str]
    graph_features: list[str]
    left_out: dict[str, str]
    cv_roc_auc: float
    cv_roc_auc_without_graph: float
    cv_roc_auc_reference: float | None
    cv_pr_auc: float
    lift_top_5: float
    lift_top_10: float
    folds: int
    seed: int
    computed_at: str = ""
    scores: pd.Series = field(default_factory=lambda: pd.Series(dtype=float), repr=False)

    def as_dict(self) -> dict[str, Any]:
        """Return the figures, JSON-ready (without the scores)."""
        out = {k: v for k, v in vars(self).items() if k != "scores"}
        return out


def read_snapshot(db: Database) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read every customer's properties and ties.

    Returns
    -------
    (customers, ties)
        One row per customer (``customer_id`` as index, a column per property), and
        the ties as ``a, b`` customer ids.
    """
    rows = db.read("analytics/read_customer_properties")
    frame = pd.DataFrame([r["props"] for r in rows])
    if frame.empty:
        return frame, pd.DataFrame(columns=["a", "b"])
    frame.index = pd.Index([r["customer_id"] for r in rows], name="customer_id")
    ties = pd.DataFrame(db.read("analytics/read_tie_pairs"), columns=["a", "b"])
    return frame, ties


def choose_features(
    customers: pd.DataFrame, label: npt.NDArray[np.bool_], min_present: float = 0.05
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Pick the feature columns of a snapshot and type them; say why the rest are left out.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "age": [30, 40, 50, 60],
    ...                   "card": ["Blue", "Gold", "Blue", "Blue"], "closed_on": [None, None,
    ...                   "2020-01-01", "2020-02-01"], "attrition_flag": ["n", "n", "y", "y"]})
    >>> x, why = choose_features(c, np.array([False, False, True, True]))
    >>> list(x.columns), str(x["card"].dtype)
    (['age', 'card'], 'category')
    >>> why["customer_id"]
    'identifier or written by the analytics'
    >>> why["closed_on"], why["attrition_flag"]
    ('its presence tells the classes apart', 'the label or its proxy')
    """
    chosen: dict[str, pd.Series] = {}
    why: dict[str, str] = {}
    churned = label.astype(bool)
    for col in customers.columns:
        values = customers[col]
        if col in ANALYTICS_OUTPUTS or _ID_LIKE.search(col):
            why[col] = "identifier or written by the analytics"
            continue
        if _LABEL_LIKE.search(col):
            why[col] = "the label or its proxy"
            continue
        present = values.notna().to_numpy()
        if present.mean() < min_present:
            why[col] = f"known for under {min_present:.0%} of customers"
            continue
        if churned.any() and (~churned).any():
            a, b = present[churned].mean(), present[~churned].mean()
            if (a >= 0.95 and b <= 0.05) or (b >= 0.95 and a <= 0.05):
                why[col] = "its presence tells the classes apart"
                continue
        sample = values.dropna()
        if sample.map(lambda v: isinstance(v, list | dict)).any():
            why[col] = "a list or map"
            continue
        if sample.map(lambda v: isinstance(v, bool)).all():
            chosen[col] = values.map(lambda v: np.nan if v is None else float(v)).astype(float)
        elif sample.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool)).all():
            chosen[col] = pd.to_numeric(values, errors="coerce").astype(float)
        elif sample.astype(str).nunique() <= MAX_CATEGORIES:
            chosen[col] = values.astype(object).where(values.notna(), None).astype("category")
        else:
            why[col] = f"text with over {MAX_CATEGORIES} distinct values"
            continue
        if chosen[col].nunique(dropna=True) < 2:
            del chosen[col]
            why[col] = "a single value"
    return pd.DataFrame(chosen, index=customers.index), why


def _graph_features(
    index: pd.Index, ties: pd.DataFrame, label: npt.NDArray[np.bool_]
) -> pd.DataFrame:
    """Ties, tied customers who left, and their share, per customer (empty: no ties)."""
    if ties.empty:
        return pd.DataFrame(index=index)
    pos = pd.Series(np.arange(len(index)), index=index)
    a = pos.reindex(ties["a"]).to_numpy()
    b = pos.reindex(ties["b"]).to_numpy()
    ok = ~(np.isnan(a) | np.isnan(b))
    a, b = a[ok].astype(int), b[ok].astype(int)
    ends = np.concatenate([a, b])
    other = np.concatenate([b, a])
    degree = np.bincount(ends, minlength=len(index)).astype(float)
    left = np.bincount(ends, weights=label[other].astype(float), minlength=len(index))
    share = np.divide(left, degree, out=np.zeros_like(left), where=degree > 0)
    return pd.DataFrame(
        {"graph_ties": degree, "graph_ties_left": left, "graph_share_left": share}, index=index
    )


def lift_at(label: npt.NDArray[Any], score: npt.NDArray[Any], share: float) -> float:
    """Return the churn rate among the top ``share`` of scores over the base rate.

    Examples
    --------
    >>> lift_at(np.array([1, 0, 0, 0]), np.array([0.9, 0.1, 0.2, 0.3]), 0.25)
    4.0
    """
    k = max(1, int(round(len(score) * share)))
    top = np.argsort(-np.asarray(score), kind="stable")[:k]
    base = float(np.mean(label))
    return float(np.mean(np.asarray(label)[top]) / base) if base > 0 else 0.0


def _one_hot(x: pd.DataFrame) -> pd.DataFrame:
    cats = [c for c in x.columns if isinstance(x[c].dtype, pd.CategoricalDtype)]
    out = pd.get_dummies(x, columns=cats, dummy_na=True, dtype=float)
    return out.fillna(out.median(numeric_only=True)).fillna(0.0)


def cross_validate(
    x: pd.DataFrame,
    label: npt.NDArray[np.bool_],
    *,
    folds: int = 5,
    seed: int = 7,
    model: str = "hist",
) -> tuple[float, npt.NDArray[np.float64]]:
    """Stratified k-fold ROC AUC (mean over folds) and the out-of-fold probabilities.

    ``model``: ``hist`` (HistGradientBoostingClassifier, categories native) or
    ``reference`` (GradientBoostingClassifier with default settings, one-hot).
    """
    y = label.astype(int)
    if y.sum() < folds or (len(y) - y.sum()) < folds:
        raise ConfigError(
            f"churn: {int(y.sum())} churned and {int(len(y) - y.sum())} other customers; "
            f"{folds}-fold validation needs at least {folds} of each"
        )
    data = _one_hot(x) if model == "reference" else x
    oof = np.zeros(len(y), dtype=float)
    aucs = []
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(data, y):
        if model == "reference":
            clf: Any = GradientBoostingClassifier(random_state=seed)
        else:
            # scikit-learn's defaults: nothing here is tuned to one bank's data
            clf = HistGradientBoostingClassifier(
                random_state=seed, categorical_features="from_dtype"
            )
        clf.fit(data.iloc[train], y[train])
        oof[test] = clf.predict_proba(data.iloc[test])[:, 1]
        aucs.append(roc_auc_score(y[test], oof[test]))
    return float(np.mean(aucs)), oof


def compute_snapshot_churn(
    db: Database, config: SnapshotConfig | None = None, *, write: bool = True
) -> SnapshotChurn:
    """Learn churn from the customers' own properties; write each one's ``churn_risk``.

    Raises
    ------
    ConfigError
        When no customer has left (``status = 'churned'``), or too few have for the
        cross-validation, or no property can be a feature.
    """
    config = config or SnapshotConfig()
    customers, ties = read_snapshot(db)
    if customers.empty:
        raise ConfigError("churn: the graph has no customers; load an extract first")
    status = customers.get("status", pd.Series(None, index=customers.index))
    label = (status == "churned").to_numpy()
    if not label.any():
        raise ConfigError(
            "churn: no customer has left (status 'churned'); map an exit flag or churn "
            "dates (docs/loading.md, 'Snapshots')"
        )
    x, left_out = choose_features(customers, label, config.min_present)
    if x.empty:
        raise ConfigError("churn: no customer property can be a feature: " + str(left_out))
    graph = _graph_features(customers.index, ties, label)
    full = x.join(graph) if not graph.empty else x
    auc, oof = cross_validate(full, label, folds=config.folds, seed=config.seed)
    auc_plain = (
        cross_validate(x, label, folds=config.folds, seed=config.seed)[0]
        if not graph.empty
        else auc
    )
    reference = (
        cross_validate(x, label, folds=config.folds, seed=config.seed, model="reference")[0]
        if config.reference
        else None
    )
    computed_at = datetime.now(UTC).isoformat(timespec="seconds")
    result = SnapshotChurn(
        customers=len(label),
        churned=int(label.sum()),
        features=list(x.columns),
        graph_features=list(graph.columns),
        left_out=left_out,
        cv_roc_auc=round(auc, 4),
        cv_roc_auc_without_graph=round(auc_plain, 4),
        cv_roc_auc_reference=None if reference is None else round(reference, 4),
        cv_pr_auc=round(float(average_precision_score(label, oof)), 4),
        lift_top_5=round(lift_at(label, oof, 0.05), 2),
        lift_top_10=round(lift_at(label, oof, 0.10), 2),
        folds=config.folds,
        seed=config.seed,
        computed_at=computed_at,
        scores=pd.Series(oof, index=customers.index),
    )
    if write:
        rows = [
            {"customer_id": str(cid), "churn_risk": float(p)} for cid, p in result.scores.items()
        ]
        for start in range(0, len(rows), 10_000):
            db.write(
                "analytics/set_snapshot_churn",
                rows=rows[start : start + 10_000],
                computed_at=computed_at,
            )
    return result
