"""Cross-sell: quality of every ranker against the generated future, and speed.

One fresh process per size against the local default instance (or ``CRM_NEO4J_URI``),
whose graph is emptied first: ``generate_bank(seed=7)``, load, segments, clusters,
churn, then ``compute_crosssell`` timed (read, signals as of two dates, per-product
blends, top 5 with reasons, write-back) and ``crosssell_scores`` against
truth/future_adoptions.csv; then one customer on demand (``recommend_customer``: one
query for the ego network, scoring in Python) for 500 random customers after 50
warm-up calls, single-threaded, p50/p95.
"""

from __future__ import annotations

from typing import Any

from bench import loaded_bank_child, run_child

CHILD = loaded_bank_child(
    r"""
from crm_graph.analytics.crosssell import CrossSellConfig, compute_crosssell
from crm_graph.analytics.evaluate import crosssell_scores
from crm_graph.analytics.pipeline import Pipeline
pipe = Pipeline(db)  # tie weights learned from the bank's history, as `analyze` does
for step in ("segments", "clusters", "churn"):
    pipe.run_step(step)
result = compute_crosssell(db, CrossSellConfig(**pipe.weight_settings()))
t = time.perf_counter()
scores = crosssell_scores(db, out / "truth")
eval_s = time.perf_counter() - t
# one customer on demand: the stored context, then one query and the scoring per call
import random
from crm_graph.analytics.ondemand import read_scoring_context, recommend_customer
context = read_scoring_context(db)
ids = [r["customer_id"] for r in db.read("analytics/read_customer_ids")]
sample = random.Random(7).sample(ids, min(550, len(ids)))
latencies = []
for i, cid in enumerate(sample):
    t = time.perf_counter()
    recommend_customer(db, context, cid)
    if i >= 50:  # the first 50 warm the plan cache and the page cache
        latencies.append((time.perf_counter() - t) * 1000)
latencies.sort()
on_demand = {"calls": len(latencies), "p50_ms": latencies[len(latencies) // 2],
             "p95_ms": latencies[int(len(latencies) * 0.95)],
             "max_ms": latencies[-1]}
print(json.dumps({"customers": n, "seconds": result.seconds, "on_demand": on_demand,
                  "recommendations": result.recommendations, "scores": scores,
                  "eval_seconds": eval_s,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
)

RANKERS = ("blend", "similar", "sequence", "social", "walk", "popularity", "svd")


def run(sizes: list[int]) -> list[dict[str, Any]]:
    """Cross-sell quality and speed per size."""
    results = []
    for n in sizes:
        r = run_child(CHILD, n, "crosssell")
        results.append(r)
        rec = r["scores"]["recall_at_k"]
        print(
            f"crosssell {n:>9,}: {r['seconds']:.1f} s for {r['recommendations']:,} "
            f"recommendations; recall@5 blend {rec['blend']:.3f}, popularity "
            f"{rec['popularity']:.3f}, svd {rec['svd']:.3f}",
            flush=True,
        )
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    """One quality table per size, then the timings."""
    parts = []
    for r in results:
        s = r["scores"]
        lines = [
            f"{r['customers']:,} customers ({s['customers']:,} scored, "
            f"{s['candidates_per_customer']} candidate products each on average):",
            "",
            "| ranker | recall@5 | MAP@5 | NDCG@5 | recall@1 |",
            "|---|---:|---:|---:|---:|",
        ]
        for name in RANKERS:
            lines.append(
                f"| {name} | {s['recall_at_k'][name]:.3f} | {s['map_at_k'][name]:.3f} | "
                f"{s['ndcg_at_k'][name]:.3f} | {s['recall_at_1'][name]:.3f} |"
            )
        parts.append("\n".join(lines))
    timing = [
        "| customers | recommendations | top 5 for everyone, written | peak memory "
        "| one customer on demand: p50 | p95 | slowest |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        o = r.get("on_demand") or {}
        demand = (
            f"{o['p50_ms']:.1f} ms | {o['p95_ms']:.1f} ms | {o['max_ms']:.1f} ms"
            if o
            else "- | - | -"
        )
        timing.append(
            f"| {r['customers']:,} | {r['recommendations']:,} | {r['seconds']:.1f} s | "
            f"{r['peak_rss_mib']:,.0f} MiB | {demand} |"
        )
    parts.append("\n".join(timing))
    return "\n\n".join(parts)
