"""Generator throughput and peak memory at 10k, 100k and 1M customers.

Each size runs in a fresh process (so peak RSS is that run's own) and writes into a
temporary folder that is removed afterwards.
"""

from __future__ import annotations

from bench import run_child

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from crm_graph.generate import generate_bank
n, out = int(sys.argv[1]), Path(sys.argv[2])
t = time.perf_counter()
m = generate_bank(out, customers=n, seed=7)
wall = time.perf_counter() - t
rows = sum(v for k, v in m["files"].items() if not k.startswith("truth/"))
size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
print(json.dumps({"customers": n, "seconds": wall, "source_rows": rows, "bytes": size,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(sizes: list[int]) -> list[dict[str, float]]:
    results = []
    for n in sizes:
        result = run_child(CHILD, n, "generate")
        results.append(result)
        print(
            f"generate {n:>9,}: {result['seconds']:7.1f} s, {result['source_rows']:>11,} rows "
            f"({result['source_rows'] / result['seconds']:,.0f} rows/s), "
            f"peak {result['peak_rss_mib']:,.0f} MiB, {result['bytes'] / 2**20:,.0f} MiB on disk",
            flush=True,
        )
    return results


def markdown(results: list[dict[str, float]]) -> str:
    lines = [
        "| customers | wall time | source rows | rows/s | peak memory | on disk |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['customers']:,.0f} | {r['seconds']:.1f} s | {r['source_rows']:,.0f} | "
            f"{r['source_rows'] / r['seconds']:,.0f} | {r['peak_rss_mib']:,.0f} MiB | "
            f"{r['bytes'] / 2**20:,.0f} MiB |"
        )
    return "\n".join(lines)
