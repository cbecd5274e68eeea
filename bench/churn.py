"""Churn: quality against the generated future (with and without graph signals) and speed.

One fresh process per size against the local default instance (or ``CRM_NEO4J_URI``),
whose graph is emptied first: ``generate_bank(seed=7)``, load with the default
loaders, segments and clusters, then ``compute_churn`` (read, features, two models,
drivers, write-back) timed, then ``churn_scores`` against truth/future_churn.csv.
"""

from __future__ import annotations

from typing import Any

from bench import loaded_bank_child, run_child

CHILD = loaded_bank_child(
    r"""
from crm_graph.analytics.churn import ChurnConfig, compute_churn
from crm_graph.analytics.evaluate import churn_scores
from crm_graph.analytics.pipeline import Pipeline
pipe = Pipeline(db)  # tie weights learned from the bank's history, as `analyze` does
pipe.run_step("segments")
pipe.run_step("clusters")
result = compute_churn(db, ChurnConfig(**pipe.weight_settings()))
scores = churn_scores(db, out / "truth")
from bench.churn_bound import on_the_graph
bound = on_the_graph(db, n, out / "truth")
print(json.dumps({"customers": n, "load_seconds": load_seconds, "churn_seconds": result.seconds,
                  "scored": result.scored, "training_churners": result.training_churners,
                  "scores": scores, "bound": bound, "coefficients": result.coefficients,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
)


def run(sizes: list[int]) -> list[dict[str, Any]]:
    """Churn quality and speed per size."""
    results = []
    for n in sizes:
        r = run_child(CHILD, n, "churn")
        results.append(r)
        auc = r["scores"]["roc_auc"]
        print(
            f"churn {n:>9,}: {r['churn_seconds']:.1f} s for {r['scored']:,} customers; "
            f"ROC AUC {auc['with_graph']:.3f} with graph, {auc['without_graph']:.3f} without "
            f"({r['scores']['churners']} future churners)",
            flush=True,
        )
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    """Table of the churn runs."""
    lines = [
        "| customers | future churners | ROC AUC with graph | without | PR AUC with | without "
        "| top-decile lift with | without | exposure + risk + write "
        "| ROC AUC with graph + perfect contagion | without + perfect contagion |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        s, bound = r["scores"], r["bound"]
        lines.append(
            f"| {r['customers']:,} | {s['churners']:,} | {s['roc_auc']['with_graph']:.3f} "
            f"| {s['roc_auc']['without_graph']:.3f} | {s['pr_auc']['with_graph']:.3f} "
            f"| {s['pr_auc']['without_graph']:.3f} | {s['top_decile_lift']['with_graph']:.2f} "
            f"| {s['top_decile_lift']['without_graph']:.2f} | {r['churn_seconds']:.1f} s "
            f"| {bound['with_graph_plus_perfect']:.3f} "
            f"| {bound['without_graph_plus_perfect']:.3f} |"
        )
    return "\n".join(lines)
