"""Run the benchmarks and rewrite their sections of docs/benchmarks.md.

Usage: ``python -m bench [--sizes 10000,100000,1000000]``.
"""

from __future__ import annotations

import argparse
import platform
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

from bench import (
    api,
    campaign,
    churn,
    churn_bound,
    clusters,
    crosssell,
    generate,
    guard_wipe,
    load,
    pipeline,
    real,
    reliability,
    resolution,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def machine() -> str:
    cpus = len(
        [
            line
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("processor")
        ]
    )
    mem = next(
        int(line.split()[1]) // 2**20
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return (
        f"{cpus} cores, {mem} GiB, {platform.python_implementation()} {platform.python_version()}"
    )


def replace_section(text: str, name: str, body: str) -> str:
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body}\n{end}"
    if start in text:
        return re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    return text.rstrip() + "\n\n" + block + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--load-sizes", default="10000,100000,1000000")
    parser.add_argument("--cluster-sizes", default="100000,1000000")
    parser.add_argument("--churn-sizes", default="20000,100000")
    parser.add_argument("--bound-sizes", default="100000,1000000")
    parser.add_argument("--crosssell-sizes", default="20000,100000")
    parser.add_argument("--campaign-sizes", default="20000,100000")
    parser.add_argument("--pipeline-sizes", default="10000,100000")
    parser.add_argument(
        "--pipeline-steps",
        default=",".join(pipeline.STEPS),
        help=(
            "a subset of the pipeline's steps, in order (later ones run on the graph left); "
            "named steps run at every size, also networkx and admin_import above their "
            "size limits"
        ),
    )
    parser.add_argument(
        "--pipeline-dir",
        type=Path,
        default=None,
        help="keep each size's generated bank in DIR/<size> (to run later steps on it)",
    )
    parser.add_argument("--resolution-sizes", default="100000,1000000")
    steps = [
        "generate", "load", "sweep", "clusters", "churn", "churn_bound", "crosssell",
        "campaign", "api", "pipeline", "resolution", "real", "reliability",
    ]  # fmt: skip
    parser.add_argument("--only", choices=steps, default=None)
    args = parser.parse_args()
    unknown = sorted(set(args.pipeline_steps.split(",")) - set(pipeline.STEPS))
    if unknown:
        parser.error(f"unknown pipeline steps {unknown}; known: {', '.join(pipeline.STEPS)}")
    guard_wipe()  # every step empties the graph of the server it runs on
    if args.only in (None, "generate"):
        bench_generate([int(s) for s in args.sizes.split(",")])
    if args.only in (None, "load"):
        bench_load([int(s) for s in args.load_sizes.split(",")])
    if args.only in (None, "sweep"):
        bench_sweep()
    if args.only in (None, "clusters"):
        bench_clusters([int(s) for s in args.cluster_sizes.split(",")])
    if args.only in (None, "churn"):
        bench_churn([int(s) for s in args.churn_sizes.split(",")])
    if args.only in (None, "churn_bound"):
        bench_churn_bound([int(s) for s in args.bound_sizes.split(",")])
    if args.only in (None, "crosssell"):
        bench_crosssell([int(s) for s in args.crosssell_sizes.split(",")])
    if args.only in (None, "campaign"):
        bench_campaign([int(s) for s in args.campaign_sizes.split(",")])
    if args.only in (None, "api"):  # on the graph the campaign run leaves
        bench_api()
    if args.only in (None, "resolution"):
        bench_resolution([int(s) for s in args.resolution_sizes.split(",")])
    if args.only in (None, "real"):
        bench_real()
    if args.only in (None, "reliability"):
        bench_reliability()
    if args.only in (None, "pipeline"):
        bench_pipeline(
            [int(s) for s in args.pipeline_sizes.split(",")],
            tuple(args.pipeline_steps.split(",")),
            args.pipeline_dir,
            size_limits=args.pipeline_steps == ",".join(pipeline.STEPS),
        )


def bench_reliability() -> None:
    result = reliability.run()
    _write(
        "reliability",
        f"Measured {date.today().isoformat()} on {machine()} by `python -m bench --only "
        "reliability` (bench/reliability.py): the fault, bad-input and attack tests run in "
        "one pytest process against the tests' own Neo4j instance, each fault test "
        "appending what it did and saw; every check in them can fail and fails the build "
        f"(pytest exit code this run: {result['exit_code']}).\n\n" + reliability.markdown(result),
    )


def bench_real() -> None:
    results = real.run()
    _write(
        "real",
        f"Measured {date.today().isoformat()} on {machine()} by `python -m bench --only real` "
        "(bench/real.py): each real extract of shared/data loaded into an emptied graph with "
        "its drafted mapping (`crm-graph mapping draft`) and with the shipped one, in a fresh "
        "process; on BankChurners, `compute_snapshot_churn` for three seeds (5-fold "
        "stratified cross-validation of the model and of the reference, plain "
        "GradientBoostingClassifier on the same columns).\n\n" + real.markdown(results),
    )


def bench_resolution(sizes: list[int]) -> None:
    results = resolution.run(sizes)
    _write(
        "resolution",
        f"Measured {date.today().isoformat()} on {machine()} by `make bench` "
        "(bench/resolution.py): `generate_bank(seed=7, hard_names=True)`; the customer "
        "records as the loader reads and normalizes them, resolved by `resolve` with the rules "
        "and with the Splink matcher at three thresholds (Fellegi-Sunter on DuckDB, trained "
        "on the records each time; model in `SplinkMatcher`'s docstring; up to 100k "
        "customers); pairwise precision and recall against truth/identities.csv over the "
        "records that have a truth row; wall time of the resolution alone (Splink: "
        "training, prediction and clustering).\n\n" + resolution.markdown(results),
    )


def bench_pipeline(
    sizes: list[int], steps: tuple[str, ...], bank_dir: Path | None, *, size_limits: bool
) -> None:
    rows = pipeline.merge(pipeline.run(sizes, steps, bank_dir, size_limits=size_limits))
    _write(
        "pipeline",
        f"Measured {date.today().isoformat()} on {machine()} by `make bench` "
        "(bench/pipeline.py): each step in a fresh Python process against the local "
        "instance (heap 4g, page cache 2g), wall time of the step's work and the process's "
        "peak RSS (Neo4j's own memory is not in it: the server is a separate JVM with a "
        "fixed heap and page cache). The load's ratio: its time over `neo4j-admin database "
        "import full` building the same graph offline from CSVs exported after the load "
        "(the export not timed). API: `crm-graph serve` (one uvicorn "
        "worker) and a load generator in a second process on loopback, 8 keep-alive "
        "connections, each run after a warm-up (3 s before 2026-12-07, 10 s since), per "
        "endpoint 10 s at 200 requests/s offered (p50 / p99, one pair per run: "
        f"{pipeline.API_REPEATS} runs since 2026-12-07, one before) and 10 s as "
        "fast as it goes (requests/s); customers from the retention list; server peak: "
        "the largest RSS of the serving and load processes; CPU steal (where recorded): "
        "the largest share of the machine's CPU time its hypervisor took during one of "
        "the step's load runs (/proc/stat). Store: the graph's store "
        "files after all steps. Each "
        "size's figures are kept in bench/results/pipeline.json and a rerun replaces only "
        "the sizes and steps it measured (the last column says when).\n\n"
        + pipeline.markdown(rows),
    )


def bench_campaign(sizes: list[int]) -> None:
    results = campaign.run(sizes)
    _write(
        "campaign",
        f"Measured {date.today().isoformat()} on {machine()} by `make bench` "
        "(bench/campaign.py): `generate_bank(seed=7)`, loaded, segments, clusters and "
        "cross-sell run, then per seed count a dry-run plan for the credit card, budget "
        "1,000, whole audience: cold (an empty plan cache: audience and ties read from "
        "Neo4j, IMM's samples drawn), warm (the same plan again on that cache), and a plan "
        "for the first tier's customers on the same cache (its audience read, the samples "
        "reused). Reach on 200 fresh cascades (spread 0.15), the baselines drawn from the "
        "same audience with the same number of seeds. IMM / CELF: the reach of IMM's seeds "
        "over CELF's (greedy on 200 live-edge samples) on the same 1,000 fresh cascades, "
        "for five random seeds. Samples: the RR sets the seeds were chosen on.\n\n"
        + campaign.markdown(results),
    )


def bench_crosssell(sizes: list[int]) -> None:
    results = crosssell.run(sizes)
    _write(
        "crosssell",
        f"Measured {date.today().isoformat()} on {machine()} by `make bench` "
        "(bench/crosssell.py): `generate_bank(seed=7)`, loaded and analyzed, then "
        "`compute_crosssell` timed and `crosssell_scores` against "
        "truth/future_adoptions.csv (temporal hold-out: trained on the sources, scored on "
        "the six months after the cutoff).\n\n" + crosssell.markdown(results),
    )


def bench_api() -> None:
    results = api.run(repeats=3)
    _write(
        "api",
        f"Measured {date.today().isoformat()} on {machine()} by `python -m bench --only api` "
        "(bench/api.py) on the graph the cross-sell benchmark leaves behind (100,000 "
        f"customers, analyzed): `crm-graph serve --workers {api.WORKERS}` and a load generator "
        f"in a second process on loopback, {api.CONCURRENCY} keep-alive connections, "
        f"{api.WARM_UP_S:.0f} s warm-up before each run, then 20 s per endpoint and load over "
        "200 customers from the retention list: three times offered "
        f"{api.RATE:.0f} requests/s at fixed times (open loop; latency counted from the "
        "scheduled send time, so queueing is not hidden), once as fast as the connections "
        "go (closed loop). The access audit is on, as it always is: every request appends "
        "its entry (who, what, which customers) to the audit file. Server, generator and "
        "Neo4j share the two cores.\n\n" + api.markdown(results),
    )


def bench_churn_bound(sizes: list[int]) -> None:
    results = churn_bound.run(sizes)
    _write(
        "churn_bound",
        f"Measured {date.today().isoformat()} on {machine()} by `python -m bench --only "
        f"churn_bound` (bench/churn_bound.py, no database): the generator's world and "
        f"simulation drawn in memory (seed 7) with each contagion strength; AUC over the "
        f"customers active at the cutoff, positives: churned in the six months after; the "
        f"expected contagion from {churn_bound.RUNS} Monte Carlo runs of the generator's "
        f"churn process from the cutoff; noisy own: the own log-hazard plus Gaussian "
        f"noise, sigma {churn_bound.NOISE}.\n\n" + churn_bound.markdown(results),
    )


def bench_churn(sizes: list[int]) -> None:
    results = churn.run(sizes)
    _write(
        "churn",
        f"Measured {date.today().isoformat()} on {machine()} by `make bench` "
        "(bench/churn.py): `generate_bank(seed=7)`, loaded, segments and clusters computed, "
        "then `compute_churn` timed (reading the graph, features as of two dates, the "
        "own-signal and the graph model, drivers, write-back) and `churn_scores` against "
        "truth/future_churn.csv (customers active at the cutoff; positives: churned in the "
        "six months after).\n\n" + churn.markdown(results),
    )


def _provenance() -> str:
    """The commit (marked when the tree had changes) and the command that measured."""
    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        return proc.stdout.strip() if proc.returncode == 0 else ""

    commit = git("rev-parse", "--short=10", "HEAD") or "unknown"
    # what the benchmarks themselves write is not a change to what was measured
    outputs = (":(exclude)docs/benchmarks.md", ":(exclude)bench/results")
    if git("status", "--porcelain", "--untracked-files=no", "--", ".", *outputs):
        commit += " with uncommitted changes"
    command = " ".join(["python -m bench", *sys.argv[1:]])
    return f"Commit `{commit}`; command `{command}`."


def _write(name: str, body: str) -> None:
    head, sep, table = body.partition("\n\n")
    stamped = f"{head} {_provenance()}{sep}{table}"
    DOC.write_text(
        replace_section(DOC.read_text(encoding="utf-8"), name, stamped), encoding="utf-8"
    )
    print(f"wrote {DOC}")


def bench_sweep() -> None:
    results = clusters.sweep()
    _write(
        "sweep",
        f"Measured {date.today().isoformat()} on {machine()} by `make bench` "
        "(bench/clusters.py `sweep`): a 10,000-customer bank per mixing level "
        "(`generate_bank(seed=11, mixing=m)`), loaded with the default loaders, then "
        "`compute_clusters` with each backend and `cluster_scores` against "
        "truth/communities.csv.\n\n" + clusters.markdown_sweep(results),
    )


def bench_clusters(sizes: list[int]) -> None:
    results = clusters.scale(sizes)
    _write(
        "clusters",
        f"Measured {date.today().isoformat()} on {machine()} by `make bench` "
        "(bench/clusters.py `scale`): the tie graph of `build_world(seed 7, mixing 0.2)` "
        "written with the loader's Cypher files (customers and their five tie types only), "
        "then `compute_clusters` per backend: projection, Leiden (networkx: Louvain), "
        "PageRank and the write-back of community and influence onto every customer, "
        "wall time of the whole call; local Neo4j heap 4g, page cache 2g.\n\n"
        + clusters.markdown_scale(results),
    )


def bench_load(sizes: list[int]) -> None:
    results = load.run(sizes)
    body = (
        f"Measured {date.today().isoformat()} on {machine()} by `make bench` (bench/load.py): "
        "`generate_bank(seed=7)` in one process, then `load_extract` of every default mapping "
        "in a fresh one, into an emptied graph on the local Neo4j 5.26 (heap 4g, page cache 2g, "
        "same machine), batches of 5,000 rows, `CRM_LOAD_WORKERS=2` (two check processes, two "
        "write transactions in flight); wall time of the load alone; peak RSS of the loader "
        "process and of the largest check worker (Neo4j's JVM is not in either). The "
        "neo4j-admin import runs up to 100k. The review queue: every open conflict read as "
        "`crm-graph resolve review` reads it (`list_conflicts`), after the load.\n\n"
        + load.markdown(results)
    )
    _write("load", body)


def bench_generate(sizes: list[int]) -> None:
    results = generate.run(sizes)
    body = (
        f"Measured {date.today().isoformat()} on {machine()} by `make bench` "
        "(bench/generate.py): `generate_bank(seed=7)` in a fresh process per size; "
        "wall time with `time.perf_counter`, peak memory as the process's maximum RSS.\n\n"
        + generate.markdown(results)
    )
    _write("generate", body)
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
