"""Influence clusters: quality as mixing grows, and speed at scale (GDS vs networkx).

Two benchmarks, each step in a fresh process against the local default instance
(or ``CRM_NEO4J_URI``), whose graph is emptied first:

- ``sweep``: a 10k-customer bank per mixing level (0.1 ... 0.5) generated, loaded with
  the loaders, clustered with GDS Leiden and with networkx Louvain; NMI and ARI of
  each against ``truth/communities.csv``.
- ``scale``: the tie graph of a generated world (customers and their five tie types,
  written straight from the generator's world with the loader's own Cypher files, no
  accounts or contacts) clustered with GDS (Leiden + PageRank, written back), and
  with networkx where it finishes in reasonable time.
"""

from __future__ import annotations

from typing import Any

from bench import loaded_bank_child, run_child

SWEEP = r"""
from crm_graph.analytics.evaluate import cluster_scores
from crm_graph.analytics.pipeline import AnalysisOptions, Pipeline
result = {"customers": n, "mixing": MIXING}
for backend in ("gds", "networkx"):
    # tie weights learned from the bank's history, as `analyze` does
    options = AnalysisOptions(backend=backend, store_profiles=False)
    r = Pipeline(db, options).run_step("clusters")["clusters"]
    scores = cluster_scores(db, out / "truth")
    result[backend] = {"seconds": r["seconds"], "communities": r["communities"],
                       "modularity": r["modularity"], **scores}
print(json.dumps(result))
"""

SCALE = r"""
import json, resource, sys, time
import numpy as np
from crm_graph.analytics.clusters import ClusterConfig, compute_clusters
from crm_graph.config import get_settings
from crm_graph.db import Database, connect
from crm_graph.generate.world import TIE_TYPES, build_world
from crm_graph.neo4j_local import LocalNeo4j
n, backends = int(sys.argv[1]), "BACKENDS".split(",")
world = build_world(np.random.default_rng(7), n, 0.2)
ids = world.ids()
s = get_settings()
if not s.is_external:
    LocalNeo4j(s).start()
driver = connect(s.uri, s.neo4j_user, s.neo4j_password.get_secret_value())
result = {"customers": n, "ties": len(world.ties)}
with Database(driver, s.neo4j_database, owns_driver=True) as db:
    db.clear()
    db.init_schema()
    t = time.perf_counter()
    customers = [{"customer_id": str(i), "props": {"kind": "person"}} for i in ids]
    for _ in db.write_batches("load/upsert_customers", customers, batch_size=20_000):
        pass
    tie = world.ties
    # transfer counts as the generator's core-banking extract draws them (1..39 a pair)
    count = np.random.default_rng(8).integers(1, 40, len(tie.kind))
    for k, kind in enumerate(TIE_TYPES):
        sel = np.flatnonzero(tie.kind == k)
        rows = [{"from_id": str(ids[tie.src[i]]), "to_id": str(ids[tie.dst[i]]),
                 "props": {"amount": float(tie.amount[i])}
                 | ({"count": int(count[i])} if kind == "TRANSFERS" else {})} for i in sel]
        for _ in db.write_batches(f"load/merge_{kind.lower()}", rows, batch_size=20_000):
            pass
    result["write_seconds"] = time.perf_counter() - t
    for backend in backends:
        r = compute_clusters(db, ClusterConfig(), backend=backend)
        result[backend] = {"seconds": r.seconds, "communities": r.communities,
                           "modularity": r.modularity}
result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""

MIXINGS = (0.1, 0.2, 0.3, 0.4, 0.5)


def sweep(customers: int = 10_000) -> list[dict[str, Any]]:
    """Quality of GDS Leiden and networkx Louvain per mixing level."""
    results = []
    for mixing in MIXINGS:
        code = loaded_bank_child(SWEEP.replace("MIXING", str(mixing)), seed=11, mixing=mixing)
        r = run_child(code, customers, "cluster sweep")
        results.append(r)
        print(
            f"mixing {mixing:.1f}: GDS Leiden NMI {r['gds']['nmi']:.3f} "
            f"({r['gds']['seconds']:.1f} s), networkx Louvain NMI {r['networkx']['nmi']:.3f} "
            f"({r['networkx']['seconds']:.1f} s)",
            flush=True,
        )
    return results


def scale(sizes: list[int], networkx_up_to: int = 100_000) -> list[dict[str, Any]]:
    """Clusters + influence at each size on GDS, and on networkx up to ``networkx_up_to``."""
    results = []
    for n in sizes:
        backends = "gds,networkx" if n <= networkx_up_to else "gds"
        r = run_child(SCALE.replace("BACKENDS", backends), n, "cluster scale")
        results.append(r)
        line = (
            f"clusters {n:>9,}: {r['ties']:,} ties written in {r['write_seconds']:.0f} s; "
            f"GDS {r['gds']['seconds']:.1f} s"
        )
        if "networkx" in r:
            line += (
                f", networkx {r['networkx']['seconds']:.1f} s "
                f"({r['networkx']['seconds'] / r['gds']['seconds']:.1f}x)"
            )
        print(line, flush=True)
    return results


def markdown_sweep(results: list[dict[str, Any]]) -> str:
    """Table of the mixing sweep."""
    lines = [
        "| mixing | GDS Leiden NMI | ARI | communities | networkx Louvain NMI | ARI "
        "| communities |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        g, x = r["gds"], r["networkx"]
        lines.append(
            f"| {r['mixing']:.1f} | {g['nmi']:.3f} | {g['ari']:.3f} | {g['communities']:,} "
            f"| {x['nmi']:.3f} | {x['ari']:.3f} | {x['communities']:,} |"
        )
    return "\n".join(lines)


def markdown_scale(results: list[dict[str, Any]]) -> str:
    """Table of the scale run."""
    lines = [
        "| customers | ties | GDS (Leiden + PageRank, written) | networkx (Louvain + "
        "PageRank, written) | networkx / GDS |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        nx_cell, ratio = "not run", "-"
        if "networkx" in r:
            nx_cell = f"{r['networkx']['seconds']:.1f} s"
            ratio = f"{r['networkx']['seconds'] / r['gds']['seconds']:.1f}x"
        lines.append(
            f"| {r['customers']:,} | {r['ties']:,} | {r['gds']['seconds']:.1f} s "
            f"| {nx_cell} | {ratio} |"
        )
    return "\n".join(lines)
