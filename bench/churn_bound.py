"""Churn: how much AUC graph signals *can* add in the generated bank (target: +0.03).

No database. For each contagion strength, the generator's world and simulation are
drawn in memory (``seed=7``, the default mixing) and two rankings of the customers
active at the cutoff are scored against who churned in the six months after:

- **own, perfect**: the generator's own monthly hazard of each customer (its latent
  dissatisfaction, which no model sees), with the customers whose balances already
  drain at the cutoff (those who leave in the first three months, as the sources
  show) ranked first;
- **own and graph, perfect**: the same, times each customer's expected contagion over
  the horizon. That expectation is a Monte Carlo of the generator's own churn process
  from the state at the cutoff (``RUNS`` runs, hazards averaged rather than churn
  drawn once), so it knows the ties, who churned before the cutoff and how churn
  spreads inside the horizon: everything a graph signal could know.

The difference is the most any graph signal can add to a model whose own signals are
perfect. The ``noisy own`` columns repeat it with the own log-hazard blurred by
Gaussian noise (sigma 0.9), which brings the own AUC down to about the level of the
real model's own signals. The table also gives the share of the horizon's churners
whom the generator counts as peer-driven (``peer_influence``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

RUNS = 100
CONTAGIONS = (8.0, 25.0, 50.0, 100.0)
NOISE = 0.9


def simulated(n: int, contagion: float, seed: int = 7) -> tuple[Any, Any]:
    """The generator's world and simulation for ``n`` customers, drawn in memory."""
    from crm_graph.generate.simulate import simulate
    from crm_graph.generate.world import build_world

    world_seed, sim_seed, _, _ = np.random.SeedSequence(seed).spawn(4)
    world = build_world(np.random.default_rng(world_seed), n, 0.2)
    return world, simulate(np.random.default_rng(sim_seed), world, contagion=contagion)


def expected_contagion(
    world: Any, sim: Any, contagion: float, runs: int = RUNS, seed: int = 7
) -> np.ndarray:
    """Log of each entity's expected contagion multiplier over the horizon.

    The generator's churn process is run ``runs`` times from the state at the cutoff;
    each run adds up every living entity's monthly hazard, and the average over the
    runs, divided by the entity's own hazard over the horizon, is how much its ties
    multiply its risk of leaving.
    """
    from crm_graph.generate.simulate import (
        HISTORY_MONTHS,
        HORIZON_MONTHS,
        churn_hazard,
        own_churn_hazard,
    )

    cut, month = HISTORY_MONTHS, sim.churn_month.astype(int)
    own = own_churn_hazard(world)
    influence = np.where(world.influencer, 3.0, 1.0)
    rng = np.random.default_rng(seed)
    expected = np.zeros(world.n)
    for _ in range(runs):
        left = np.where(month < cut, month, -1)
        alive = (month < 0) | (month >= cut)
        for m in range(cut, cut + HORIZON_MONTHS):
            recent = (left >= 0) & (left >= m - 6)
            h = churn_hazard(own, world.adjacency @ (recent * influence), contagion)
            expected += h * alive
            leaving = alive & (rng.random(world.n) < h)
            alive[leaving] = False
            left[leaving] = m
    out: np.ndarray = np.log(np.maximum(expected / runs, 1e-300)) - np.log(own * HORIZON_MONTHS)
    return out


def bound(n: int, contagion: float, runs: int = RUNS, seed: int = 7) -> dict[str, Any]:
    """The AUC of the perfect own ranking and of the perfect own-and-graph ranking."""
    from sklearn.metrics import roc_auc_score

    from crm_graph.generate.simulate import (
        CHURN_REASONS,
        HISTORY_MONTHS,
        HORIZON_MONTHS,
        own_churn_hazard,
    )

    world, sim = simulated(n, contagion, seed)
    cut, month = HISTORY_MONTHS, sim.churn_month.astype(int)
    active = (month < 0) | (month >= cut)
    churned = (month >= cut) & (month < cut + HORIZON_MONTHS)
    draining = ((month >= cut) & (month <= cut + 2)).astype(float)
    multiplier = expected_contagion(world, sim, contagion, runs, seed)

    def auc(score: np.ndarray) -> float:
        return float(roc_auc_score(churned[active], (10.0 * draining + score)[active]))

    blur = NOISE * np.random.default_rng(seed + 1).normal(size=n)
    log_own = np.log(own_churn_hazard(world))
    peer = CHURN_REASONS.index("peer_influence")
    return {
        "customers": n,
        "contagion": contagion,
        "runs": runs,
        "churners": int(churned[active].sum()),
        "peer_share": float((sim.churn_reason[churned] == peer).mean()),
        "own": auc(log_own),
        "with_graph": auc(log_own + multiplier),
        "noisy_own": auc(log_own + blur),
        "noisy_with_graph": auc(log_own + blur + multiplier),
        "graph_only": float(roc_auc_score(churned[active], multiplier[active])),
    }


def on_the_graph(db: Any, n: int, truth: Any, seed: int = 7) -> dict[str, float]:
    """The real churn models with and without the perfect contagion term added.

    ``db`` holds the bank ``generate_bank(truth.parent, n, seed)`` wrote, loaded and
    analyzed. Both models of ``churn_scores`` are scored again, and each one's log-odds
    is combined with :func:`expected_contagion` of the customer's person by a logistic
    regression fitted on the scored customers themselves (in-sample, so the
    combination is if anything too good). When the graph model already holds what
    contagion puts into the data, the perfect term adds nothing to it.
    """
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from crm_graph.analytics import churn
    from crm_graph.analytics.base import data_as_of, shift_months
    from crm_graph.analytics.evaluate import person_customers
    from crm_graph.analytics.tie_weights import stored_settings
    from crm_graph.generate.simulate import CONTAGION

    world, sim = simulated(n, CONTAGION, seed)
    multiplier = pd.Series(expected_contagion(world, sim, CONTAGION, seed=seed), world.ids())
    config = churn.ChurnConfig(**stored_settings(db))  # ties as the analysis run weighed them
    as_of = data_as_of(db)
    data = churn.read_churn_data(
        db, [shift_months(as_of, -config.window_months), as_of], config.window_months
    )
    people = person_customers(db, truth)
    future = pd.read_csv(truth / "future_churn.csv", dtype=str, keep_default_na=False)
    churners = set(future.merge(people, on="person_id")["customer_id"])
    of_customer = people.assign(m=people["person_id"].map(multiplier)).groupby("customer_id")["m"]
    out: dict[str, float] = {}
    for name, graph in (("with_graph", True), ("without_graph", False)):
        scored, _ = churn.score_customers(data, as_of, config, graph=graph, drivers=False)
        y = scored.index.isin(churners).astype(int)
        risk = scored["churn_risk"].clip(1e-9, 1 - 1e-9).to_numpy()
        m = np.nan_to_num(scored.index.map(of_customer.max()).to_numpy(dtype=float))
        x = np.c_[np.log(risk / (1 - risk)), m]
        fit = LogisticRegression(max_iter=1000).fit(x, y)
        out[name] = float(roc_auc_score(y, risk))
        out[name + "_plus_perfect"] = float(roc_auc_score(y, fit.decision_function(x)))
    return out


def run(sizes: list[int]) -> list[dict[str, Any]]:
    """The bound per size and contagion strength."""
    results = []
    for n in sizes:
        for c in CONTAGIONS:
            r = bound(n, c)
            results.append(r)
            print(
                f"churn bound {n:>9,} contagion {c:>5.0f}: own {r['own']:.4f}, with graph "
                f"{r['with_graph']:.4f} ({r['with_graph'] - r['own']:+.4f}); "
                f"{r['peer_share']:.0%} of {r['churners']:,} churners peer-driven",
                flush=True,
            )
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    """Table of the bounds."""
    from crm_graph.generate.simulate import CONTAGION

    lines = [
        "| customers | contagion | future churners | peer-driven | own, perfect | + graph "
        "| gain | noisy own | + graph | gain |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        mark = " (generator)" if r["contagion"] == CONTAGION else ""
        lines.append(
            f"| {r['customers']:,} | {r['contagion']:.0f}{mark} | {r['churners']:,} "
            f"| {r['peer_share']:.0%} | {r['own']:.3f} | {r['with_graph']:.3f} "
            f"| {r['with_graph'] - r['own']:+.3f} | {r['noisy_own']:.3f} "
            f"| {r['noisy_with_graph']:.3f} | {r['noisy_with_graph'] - r['noisy_own']:+.3f} |"
        )
    return "\n".join(lines)
