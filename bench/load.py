"""Loader throughput and memory: generate a bank, load it into an empty graph.

Runs against the configured server (``CRM_NEO4J_URI``, else the local default
instance, which it starts); the graph is emptied first. Each size runs in a fresh
process so that peak RSS is that load's own.
"""

from __future__ import annotations

from typing import Any

from bench import run_child

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from crm_graph.config import get_settings
from crm_graph.db import Database, connect
from crm_graph.generate import generate_bank
from crm_graph.ingest.load import load_extract
from crm_graph.ingest.spec import default_loaders_dir, load_specs
from crm_graph.neo4j_local import LocalNeo4j
n, out = int(sys.argv[1]), Path(sys.argv[2])
generate_bank(out, customers=n, seed=7)
s = get_settings()
if not s.is_external:
    LocalNeo4j(s).start()
driver = connect(s.uri, s.neo4j_user, s.neo4j_password.get_secret_value())
with Database(driver, s.neo4j_database, owns_driver=True) as db:
    db.clear()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    report = load_extract(db, out, load_specs(default_loaders_dir()), pii_key=b"bench").as_dict()
    wall = time.perf_counter() - t
    store = db.read("admin/count_totals")[0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Neo4j's bulk importer on the same graph, exported to its CSV layout
    from bench.admin_import import admin_import, export_graph
    from crm_graph.neo4j_local import ensure_distribution
    exported = export_graph(db, out.parent / "admin-import")
    admin_seconds = admin_import(ensure_distribution(s).lib, out.parent / "admin-home", exported)
print(json.dumps({"customers": n, "seconds": wall, "rows_read": report["rows_read"],
                  "rows_written": report["rows_written"], "nodes": store["nodes"],
                  "relationships": store["relationships"], "peak_rss_mib": peak,
                  "admin_import_seconds": admin_seconds,
                  "admin_imported": [exported["nodes"], exported["relationships"]]}))
"""


def run(sizes: list[int]) -> list[dict[str, Any]]:
    results = []
    for n in sizes:
        result = run_child(CHILD, n, "load")
        results.append(result)
        print(
            f"load {n:>9,}: {result['seconds']:7.1f} s, {result['rows_read']:>11,} rows read "
            f"({result['rows_read'] / result['seconds']:,.0f} rows/s), "
            f"{result['nodes']:,} nodes, {result['relationships']:,} relationships, "
            f"peak {result['peak_rss_mib']:,.0f} MiB; neo4j-admin import of the same graph "
            f"{result['admin_import_seconds']:.1f} s",
            flush=True,
        )
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| customers | wall time | rows read | rows/s | nodes | relationships | peak memory "
        "| neo4j-admin import of the same graph | load / admin import |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        admin = r.get("admin_import_seconds")
        lines.append(
            f"| {r['customers']:,.0f} | {r['seconds']:.1f} s | {r['rows_read']:,.0f} | "
            f"{r['rows_read'] / r['seconds']:,.0f} | {r['nodes']:,.0f} | "
            f"{r['relationships']:,.0f} | "
            f"{r['peak_rss_mib']:,.0f} MiB | "
            + (f"{admin:.1f} s | {r['seconds'] / admin:.1f}x |" if admin else "not run | - |")
        )
    return "\n".join(lines)
