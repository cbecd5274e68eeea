"""The snapshot churn model's parts without a database: features, graph signals, folds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_graph.analytics.churn_snapshot import (
    _graph_features,
    choose_features,
    cross_validate,
    lift_at,
)
from crm_graph.errors import ConfigError


def test_text_with_many_values_and_single_values_are_left_out() -> None:
    n = 200
    rng = np.random.default_rng(0)
    c = pd.DataFrame(
        {
            "email_text": [f"user{i}@x.org" for i in range(n)],
            "region": rng.choice(["north", "south"], n),
            "constant": ["A"] * n,
            "score": rng.normal(size=n),
            "vip": rng.random(n) < 0.2,
            "account_id": [str(i) for i in range(n)],
        }
    )
    x, why = choose_features(c, rng.random(n) < 0.3)
    assert list(x.columns) == ["region", "score", "vip"]
    assert why["email_text"] == "text with over 50 distinct values"
    assert why["constant"] == "a single value"
    assert why["account_id"] == "identifier or written by the analytics"


def test_graph_features_count_ties_and_those_who_left() -> None:
    index = pd.Index(["a", "b", "c", "d"])
    ties = pd.DataFrame({"a": ["a", "a", "b", "x"], "b": ["b", "c", "c", "a"]})
    g = _graph_features(index, ties, np.array([False, True, True, False]))
    assert g["graph_ties"].tolist() == [2.0, 2.0, 2.0, 0.0]
    assert g["graph_ties_left"].tolist() == [2.0, 1.0, 1.0, 0.0]
    assert g["graph_share_left"].tolist() == [1.0, 0.5, 0.5, 0.0]


def test_a_learnable_label_is_learned_and_too_few_churners_is_an_error() -> None:
    rng = np.random.default_rng(1)
    n = 600
    x = pd.DataFrame({"signal": rng.normal(size=n), "noise": rng.normal(size=n)})
    label = (x.signal + rng.normal(scale=0.3, size=n)) > 1.0
    auc, oof = cross_validate(x, label.to_numpy(), folds=5, seed=3)
    assert auc > 0.9
    assert oof.shape == (n,)
    assert lift_at(label.to_numpy(), oof, 0.1) > 3
    with pytest.raises(ConfigError, match="5-fold validation needs at least 5 of each"):
        cross_validate(x, np.arange(n) < 3, folds=5)
