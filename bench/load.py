"""Loader throughput and memory: generate a bank, load it into an empty graph.

Runs against the configured server (``CRM_NEO4J_URI``, else the local default
instance, which it starts); the graph is emptied first. Each size runs in a fresh
process so that peak RSS is that load's own.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench import run_code

#: neo4j-admin import is compared up to this size (exporting a 1M graph to its CSVs
#: streams about 46M rows through Python, which is longer than the load itself).
ADMIN_MAX = 100_000

GENERATE = r"""
import json, sys
from pathlib import Path
from crm_graph.generate import generate_bank
generate_bank(Path(sys.argv[2]), customers=int(sys.argv[1]), seed=7)
print(json.dumps({}))
"""

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from crm_graph.config import get_settings
from crm_graph.db import Database, connect
from crm_graph.ingest.load import load_extract
from crm_graph.ingest.spec import default_loaders_dir, load_specs
from crm_graph.neo4j_local import LocalNeo4j
n, out, admin = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "admin"
s = get_settings()
if not s.is_external:
    LocalNeo4j(s).start()
driver = connect(s.uri, s.neo4j_user, s.neo4j_password.get_secret_value())
with Database(driver, s.neo4j_database, owns_driver=True) as db:
    db.clear()
    t = time.perf_counter()
    report = load_extract(db, out, load_specs(default_loaders_dir()), pii_key=b"bench",
                          batch_size=s.load_batch_size, workers=s.load_workers).as_dict()
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    store = db.read("admin/count_totals")[0]
    from crm_graph.analytics.evaluate import resolution_scores
    resolution = resolution_scores(db, out / "truth")
    # the review queue as `crm-graph resolve review` lists it: every open conflict
    from crm_graph.ingest.review import list_conflicts
    t = time.perf_counter()
    review = len(list_conflicts(db, status="open", limit=1_000_000))
    review_seconds = time.perf_counter() - t
    admin_seconds = None
    exported = {"nodes": None, "relationships": None}
    if admin:
        # Neo4j's bulk importer on the same graph, exported to its CSV layout
        from bench.admin_import import admin_import, export_graph
        from crm_graph.neo4j_local import ensure_distribution
        exported = export_graph(db, out.parent / "admin-import")
        admin_seconds = admin_import(ensure_distribution(s).lib, out.parent / "admin-home",
                                     exported)
print(json.dumps({"customers": n, "seconds": wall, "rows_read": report["rows_read"],
                  "rows_written": report["rows_written"], "nodes": store["nodes"],
                  "relationships": store["relationships"], "peak_rss_mib": peak,
                  "check_worker_peak_mib": children, "workers": s.load_workers,
                  "retried": report["retried_transactions"], "resolution": resolution,
                  "admin_import_seconds": admin_seconds,
                  "review_conflicts": review, "review_seconds": review_seconds,
                  "admin_imported": [exported["nodes"], exported["relationships"]]}))
"""


def run(sizes: list[int]) -> list[dict[str, Any]]:
    results = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            bank = str(Path(tmp) / "bank")
            run_code(GENERATE, [str(n), bank], f"generate {n}")
            admin = "admin" if n <= ADMIN_MAX else "no-admin"
            result = run_code(CHILD, [str(n), bank, admin], f"load {n}")
        results.append(result)
        print(
            f"load {n:>9,}: {result['seconds']:7.1f} s, {result['rows_read']:>11,} rows read "
            f"({result['rows_read'] / result['seconds']:,.0f} rows/s), "
            f"{result['nodes']:,} nodes, {result['relationships']:,} relationships, "
            f"peak {result['peak_rss_mib']:,.0f} MiB "
            f"(check workers {result['check_worker_peak_mib']:,.0f} MiB); neo4j-admin import "
            f"of the same graph {result['admin_import_seconds'] or 0:.1f} s",
            flush=True,
        )
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| customers | wall time | rows read | rows/s | nodes | relationships | peak memory "
        "(loader / check worker) | resolution P / R | neo4j-admin import of the same graph "
        "| load / admin import | review queue: open conflicts, listed in |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        admin = r.get("admin_import_seconds")
        lines.append(
            f"| {r['customers']:,.0f} | {r['seconds']:.1f} s | {r['rows_read']:,.0f} | "
            f"{r['rows_read'] / r['seconds']:,.0f} | {r['nodes']:,.0f} | "
            f"{r['relationships']:,.0f} | "
            f"{r['peak_rss_mib']:,.0f} / {r.get('check_worker_peak_mib', 0):,.0f} MiB | "
            f"{r['resolution']['precision']:.4f} / {r['resolution']['recall']:.4f} | "
            + (f"{admin:.1f} s | {r['seconds'] / admin:.1f}x |" if admin else "not run | - |")
            + (
                f" {r['review_conflicts']:,} in {r['review_seconds']:.2f} s |"
                if "review_seconds" in r
                else " - |"
            )
        )
    return "\n".join(lines)
