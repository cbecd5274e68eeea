"""Campaign planning: word-of-mouth seeds against CELF and simple choices, and planning time.

One fresh process per size against the local default instance (or ``CRM_NEO4J_URI``),
whose graph is emptied first: ``generate_bank(seed=7)``, load, then the analytics the
planner reads (segments, clusters, cross-sell). Per seed count, for the credit card
with the whole audience (no contact exclusion):

- **cold**: ``plan_campaign`` with an empty :class:`PlanCache` (audience and ties read,
  IMM's samples drawn, seeds chosen, reach simulated);
- **warm**: the same plan again on the same cache (what the API does for the next plan
  while the graph is unchanged);
- **new audience**: a plan for the same product restricted to the first tier, on the
  same cache (its audience is read, the samples are reused);
- **reach**: the plan's seeds, and as many top-degree and top-PageRank seeds, on 200
  fresh cascades;
- **IMM / CELF**: over five random seeds, the reach of IMM's seeds (epsilon as the
  plan's) over the reach of CELF's (greedy on 200 whole live-edge samples, the method
  IMM replaced), both on the same 1,000 fresh cascades per seed; mean and lowest ratio.
"""

from __future__ import annotations

from typing import Any

from bench import loaded_bank_child, run_child

SEEDS = (10, 25, 50)

CHILD = loaded_bank_child(
    r"""
import numpy as np
import pandas as pd
from crm_graph.analytics.campaign import (
    AUDIENCE_COLUMNS, CampaignConfig, CampaignRequest, PlanCache, TIE_COLUMNS, plan_campaign,
)
from crm_graph.analytics.clusters import tie_weights
from crm_graph.analytics.pipeline import Pipeline
from crm_graph.analytics.influence import (
    TieGraph, greedy_seeds, imm_seeds, live_edge_components, simulate_reach_forward,
)
from crm_graph.analytics.segments import read_tiers
pipe = Pipeline(db)  # tie weights learned from the bank's history, as `analyze` does
for step in ("segments", "clusters", "crosssell"):
    pipe.run_step(step)
config = CampaignConfig(**pipe.weight_settings())
first_tier = read_tiers(db).names[0]
audience = db.read_lines("campaign/read_audience", AUDIENCE_COLUMNS, product_id="CARD_CREDIT",
                         tiers=None, branch_id=None, community=None, channel=None,
                         contacted_since=None)
ties = db.read_lines("campaign/read_active_ties", TIE_COLUMNS)
ids = pd.Index(pd.unique(pd.concat([audience["customer_id"], ties["a"], ties["b"]])))
a, b = ids.get_indexer(ties["a"]), ids.get_indexer(ties["b"])
p = np.clip(config.spread * tie_weights(ties, config.weights, config.scale), 0.0, 1.0)
keep = a != b
a, b, p = a[keep], b[keep], p[keep]
graph = TieGraph.from_edges(len(ids), a, b, p)
candidates = np.zeros(len(ids), dtype=bool)
candidates[ids.get_indexer(audience["customer_id"])] = True
plans = []
for k in SEEDS_:
    request = CampaignRequest(product_id="CARD_CREDIT", budget=1000, seeds=k,
                              exclude_contacted_days=0)
    cache = PlanCache()
    t = time.perf_counter()
    plan = plan_campaign(db, request, config, cache=cache)
    cold = time.perf_counter() - t
    t = time.perf_counter()
    warm_plan = plan_campaign(db, request, config, cache=cache)
    warm = time.perf_counter() - t
    t = time.perf_counter()
    plan_campaign(db, CampaignRequest(product_id="CARD_CREDIT", budget=1000, seeds=k,
                                      exclude_contacted_days=0, tiers=(first_tier,)),
                  config, cache=cache)
    other = time.perf_counter() - t
    ratios = []
    for s in range(5):
        labels, sizes = live_edge_components(len(ids), a, b, p, 200, s)
        celf = greedy_seeds(labels, sizes, candidates, k)
        del labels, sizes
        imm = imm_seeds(graph, k, candidates, epsilon=config.epsilon, seed=s).seeds
        fresh = 1000 + s
        ratios.append(float(simulate_reach_forward(graph, imm, 1000, fresh).mean()
                            / simulate_reach_forward(graph, celf, 1000, fresh).mean()))
    plans.append({"seeds": k, "cold": cold, "warm": warm, "new_audience": other,
                  "samples": plan.samples_used, "warm_drawn": warm_plan.samples_drawn,
                  "audience": plan.audience, "contacts": len(plan.contacts),
                  "expected": plan.expected_conversions, "interval": plan.conversions_interval,
                  "comparison": plan.seed_comparison, "imm_over_celf": ratios})
print(json.dumps({"customers": n, "epsilon": config.epsilon, "plans": plans,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""".replace("SEEDS_", repr(SEEDS))
)


def run(sizes: list[int]) -> list[dict[str, Any]]:
    """Seed comparison and planning time per size."""
    results = []
    for n in sizes:
        r = run_child(CHILD, n, "campaign")
        results.append(r)
        for p in r["plans"]:
            c = p["comparison"]
            print(
                f"campaign {n:>9,}, {p['seeds']:>2} seeds: reach IMM {c['greedy']['mean']:.1f}, "
                f"top-degree {c['top_degree']['mean']:.1f}, "
                f"top-PageRank {c['top_pagerank']['mean']:.1f}; IMM / CELF "
                f"{sum(p['imm_over_celf']) / 5:.4f}; planned in {p['cold']:.1f} s cold, "
                f"{p['warm']:.1f} s warm",
                flush=True,
            )
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    """Table of the campaign runs."""
    lines = [
        "| customers | seeds | reach: IMM (5-95%) | top-degree | top-PageRank "
        "| IMM / best other | IMM / CELF: mean (lowest) of 5 | expected conversions (90%) "
        "| plan: cold | warm | new audience, warm | samples |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for p in r["plans"]:
            c = p["comparison"]
            g, d, pr = c["greedy"], c["top_degree"], c["top_pagerank"]
            lo, hi = p["interval"]
            ratios = p["imm_over_celf"]
            lines.append(
                f"| {r['customers']:,} | {p['seeds']} | {g['mean']:.1f} ({g['low']:.0f}-"
                f"{g['high']:.0f}) | {d['mean']:.1f} | {pr['mean']:.1f} "
                f"| {g['mean'] / max(d['mean'], pr['mean']):.2f}x "
                f"| {sum(ratios) / len(ratios):.3f} ({min(ratios):.3f}) "
                f"| {p['expected']:.1f} ({lo:.1f}-{hi:.1f}) | {p['cold']:.1f} s "
                f"| {p['warm']:.2f} s | {p['new_audience']:.1f} s | {p['samples']:,} |"
            )
    return "\n".join(lines)
