"""Campaign planning: word-of-mouth seeds against simple choices, and planning time.

One fresh process per size against the local default instance (or ``CRM_NEO4J_URI``),
whose graph is emptied first: ``generate_bank(seed=7)``, load, then the analytics the
planner reads (segments, clusters, cross-sell), then one dry-run plan per seed count
for the credit card with the whole audience (no contact exclusion), timed. Each plan
reports the reach of its greedy seeds and of as many top-degree and top-PageRank seeds
on 200 fresh cascade samples.
"""

from __future__ import annotations

from typing import Any

from bench import loaded_bank_child, run_child

SEEDS = (10, 25, 50)

CHILD = loaded_bank_child(
    r"""
from crm_graph.analytics.campaign import CampaignRequest, plan_campaign
from crm_graph.analytics.clusters import compute_clusters
from crm_graph.analytics.crosssell import compute_crosssell
from crm_graph.analytics.segments import compute_segments
compute_segments(db)
compute_clusters(db)
compute_crosssell(db)
plans = []
for k in SEEDS_:
    t = time.perf_counter()
    plan = plan_campaign(db, CampaignRequest(product_id="CARD_CREDIT", budget=1000, seeds=k,
                                             exclude_contacted_days=0))
    plans.append({"seeds": k, "seconds": time.perf_counter() - t, "audience": plan.audience,
                  "contacts": len(plan.contacts), "control": len(plan.control),
                  "expected": plan.expected_conversions,
                  "interval": plan.conversions_interval,
                  "comparison": plan.seed_comparison})
print(json.dumps({"customers": n, "plans": plans,
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
                f"campaign {n:>9,}, {p['seeds']:>2} seeds: reach greedy {c['greedy']['mean']:.1f}, "
                f"top-degree {c['top_degree']['mean']:.1f}, "
                f"top-PageRank {c['top_pagerank']['mean']:.1f}; planned in {p['seconds']:.1f} s",
                flush=True,
            )
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    """Table of the campaign runs."""
    lines = [
        "| customers | seeds | reach: greedy (5-95%) | top-degree | top-PageRank "
        "| greedy / best other | expected conversions (90%) | planning time |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for p in r["plans"]:
            c = p["comparison"]
            g, d, pr = c["greedy"], c["top_degree"], c["top_pagerank"]
            lo, hi = p["interval"]
            lines.append(
                f"| {r['customers']:,} | {p['seeds']} | {g['mean']:.1f} ({g['low']:.0f}-"
                f"{g['high']:.0f}) | {d['mean']:.1f} | {pr['mean']:.1f} "
                f"| {g['mean'] / max(d['mean'], pr['mean']):.2f}x "
                f"| {p['expected']:.1f} ({lo:.1f}-{hi:.1f}) | {p['seconds']:.1f} s |"
            )
    return "\n".join(lines)
