"""The whole pipeline per size, one fresh process per step (so peak memory is the step's).

Against the local default instance (or ``CRM_NEO4J_URI``), whose graph is emptied
first: generate, load (with identity resolution), then segments, clusters on GDS and on
networkx (up to ``NETWORKX_UP_TO`` customers), churn, cross-sell and one campaign plan,
each in its own Python process timed from its first database call to its last, with
the process's peak RSS. Up to ``ADMIN_IMPORT_UP_TO`` customers, Neo4j's own bulk
importer builds the same graph offline after the load (``admin_import``, for the
load's ratio); after the analytics, ``api`` serves the graph and loads the customer
view and recommendations (bench/api.py, shorter runs). Then the resolution quality
from ``evaluate`` and the store size on disk (local instance only; the ``store`` step
measures it alone, for a size whose ``evaluate`` is too slow to run: at 1M it reads the
graph again for both models).

``python -m bench --only pipeline --pipeline-steps ... --pipeline-dir DIR`` runs some
steps and keeps the bank, so that a later call runs the rest on the same graph; every
call merges its figures into ``bench/results/pipeline.json`` (:func:`merge`).
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from bench import StepTimeout, run_code

#: The whole pipeline (no steps named) runs networkx clusters up to this size ...
NETWORKX_UP_TO = 100_000
#: ... and neo4j-admin import up to this one: exporting the 1M graph to the importer's
#: CSVs streams about 50M rows through Python, about as long as the load itself.
#: Steps named with ``--pipeline-steps`` run at every size.
ADMIN_IMPORT_UP_TO = 100_000
#: Seconds a step may run before it is killed and recorded as not finished.
STEP_LIMIT_S = {"clusters_networkx": 1800.0}
#: Seconds of load per endpoint and offered rate in the ``api`` step (bench/api.py) ...
API_SECONDS = 10.0
#: ... and how many times the run at the offered rate is repeated: one short run can
#: catch a single pause (at 1M, on 2026-12-07, every slow request fell in one second).
API_REPEATS = 3

STEP = r"""
import json, resource, sys, time
from pathlib import Path
from crm_graph.config import get_settings
from crm_graph.db import Database, connect
from crm_graph.neo4j_local import LocalNeo4j
step, n, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
result = {"step": step}
if step == "generate":
    from crm_graph.generate import generate_bank
    t = time.perf_counter()
    generate_bank(out, customers=n, seed=7)
    result["seconds"] = time.perf_counter() - t
else:
    s = get_settings()
    if not s.is_external:
        LocalNeo4j(s).start()
    db = Database(connect(s.uri, s.neo4j_user, s.neo4j_password.get_secret_value()),
                  s.neo4j_database, owns_driver=True)
    if step == "load":
        db.clear()  # not timed: deleting the previous size's graph is not this load's work
    t = time.perf_counter()
    if step == "load":
        from crm_graph.ingest.load import load_extract
        from crm_graph.ingest.spec import default_loaders_dir, load_specs
        import os, threading
        # the loader's peak RSS per phase: the task the loading thread last announced,
        # sampled every 50 ms from /proc (the writer thread's tasks overlap the next ones)
        phase, peaks, running = ["start"], {}, [True]
        page = os.sysconf("SC_PAGE_SIZE")
        def track(task, done, total):
            if threading.current_thread() is threading.main_thread():
                phase[0] = task.split(" -> ")[-1]
        def sample():
            while running[0]:
                with open("/proc/self/statm") as f:
                    rss = int(f.read().split()[1]) * page / 2**20
                peaks[phase[0]] = max(peaks.get(phase[0], 0.0), rss)
                time.sleep(0.05)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        report = load_extract(db, out, load_specs(default_loaders_dir()), pii_key=b"bench",
                              workers=s.load_workers, progress=track)
        running[0] = False
        sampler.join()
        result["rows"] = report.as_dict()["rows_read"]
        result["phase_peaks_mib"] = {k: round(v) for k, v in peaks.items()}
    elif step in ("segments", "clusters_gds", "clusters_networkx", "churn", "crosssell"):
        # the analyses as `analyze all` runs them (crm_graph.analytics.pipeline)
        from crm_graph.analytics.pipeline import AnalysisOptions, Pipeline
        backend = step.split("_")[1] if step.startswith("clusters") else None
        options = AnalysisOptions(backend=backend, store_profiles=backend != "networkx")
        say = lambda line: print(line, file=sys.stderr, flush=True)
        Pipeline(db, options, say).run_step(step.split("_")[0])
    elif step == "campaign":
        from crm_graph.analytics.campaign import CampaignRequest, plan_campaign
        plan_campaign(db, CampaignRequest(product_id="CARD_CREDIT", budget=1000))
    elif step == "admin_import":
        # Neo4j's bulk importer on the graph the load just wrote (bench/admin_import.py):
        # the export to its CSV layout is not timed, the offline import is
        import shutil
        from bench.admin_import import admin_import, export_graph
        from crm_graph.neo4j_local import ensure_distribution
        scratch = out.parent / f"admin-import-{n}"
        try:
            exported = export_graph(db, scratch / "csv")
            result["export_seconds"] = time.perf_counter() - t
            result["imported"] = [exported["nodes"], exported["relationships"]]
            t = time.perf_counter()
            admin_import(ensure_distribution(s).lib, scratch / "home", exported)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    elif step == "api":
        # `crm-graph serve` in its own process, a load generator in another (bench/api.py),
        # the two endpoints of the issue's target; this process only waits for them
        import contextlib
        from bench.api import run as load_api
        with contextlib.redirect_stdout(sys.stderr):
            result["endpoints"] = load_api(seconds=API_SECONDS, repeats=API_REPEATS,
                                           only=("customer view", "recommendations"))
        result["server_peak_rss_mib"] = (
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    elif step == "evaluate":
        from crm_graph.analytics.evaluate import evaluate
        result["scores"] = evaluate(db, out / "truth")
    result["seconds"] = time.perf_counter() - t
    if step in ("evaluate", "store") and not s.is_external:
        # the store files of the graph (transaction logs, kept up to 2 GB, left out),
        # with the server stopped: a clean shutdown checkpoints (Community has no
        # db.checkpoint()), and until a checkpoint recent writes are in the page cache
        db.close()
        LocalNeo4j(s).stop()
        data = Path(s.instance_dir) / "data" / "databases" / s.neo4j_database
        result["store_bytes"] = sum(p.stat().st_size for p in data.rglob("*") if p.is_file())
        LocalNeo4j(s).start()
    else:
        db.close()
result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result, default=str))
"""

STEPS = (
    "generate",
    "load",
    "admin_import",
    "segments",
    "clusters_gds",
    "clusters_networkx",
    "churn",
    "crosssell",
    "campaign",
    "api",
    "evaluate",
    "store",
)


RESULTS = Path(__file__).resolve().parent / "results" / "pipeline.json"


def run(
    sizes: list[int],
    steps: tuple[str, ...] = STEPS,
    bank_dir: Path | None = None,
    *,
    size_limits: bool = True,
) -> list[dict[str, Any]]:
    """Run ``steps`` at every size; return one result per size.

    With ``bank_dir`` the generated bank of each size is kept in ``bank_dir/<size>``
    (so that a later call can run the remaining steps on the same bank and graph);
    without it a temporary folder is used and removed. With ``size_limits`` the
    networkx clusters and the bulk import are left out above ``NETWORKX_UP_TO`` and
    ``ADMIN_IMPORT_UP_TO`` customers. A step running longer than its
    ``STEP_LIMIT_S`` is killed and recorded as not finished.
    """
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise ValueError(f"unknown pipeline steps {sorted(unknown)}; known: {', '.join(STEPS)}")
    code = STEP.replace("API_SECONDS", repr(API_SECONDS)).replace("API_REPEATS", repr(API_REPEATS))
    results = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            out = (bank_dir / str(n)) if bank_dir else Path(tmp) / "bank"
            done: dict[str, dict[str, Any]] = {}
            for step in steps:
                if size_limits and (
                    (step == "clusters_networkx" and n > NETWORKX_UP_TO)
                    or (step == "admin_import" and n > ADMIN_IMPORT_UP_TO)
                ):
                    continue
                try:
                    done[step] = r = run_code(
                        code,
                        [step, str(n), str(out)],
                        f"pipeline {step} at {n}",
                        timeout=STEP_LIMIT_S.get(step),
                    )
                except StepTimeout as exc:
                    done[step] = {"error": str(exc), "limit_s": exc.seconds}
                    done[step]["measured"] = date.today().isoformat()
                    print(f"pipeline {n:>9,} {step:<18} {exc}", flush=True)
                    continue
                except RuntimeError as exc:
                    # a failed step is a result too (the table says so); later steps
                    # still run on what the earlier ones left, unless there is no graph
                    last = str(exc).strip().splitlines()[-1]
                    done[step] = {"error": last[:200]}
                    print(f"pipeline {n:>9,} {step:<18} FAILED: {last}", flush=True)
                    if step in ("generate", "load"):
                        break
                    continue
                r["measured"] = date.today().isoformat()
                print(
                    f"pipeline {n:>9,} {step:<18} {r['seconds']:7.1f} s, "
                    f"peak {r['peak_rss_mib']:,.0f} MiB {json.dumps(r, default=str)}",
                    flush=True,
                )
            results.append({"customers": n, "steps": done})
    return results


def merge(results: list[dict[str, Any]], path: Path = RESULTS) -> list[dict[str, Any]]:
    """Merge ``results`` into the stored results at ``path``; return all rows by size.

    A step measured now replaces the same step of the same size; the other sizes and
    steps keep their earlier figures (each step carries the date it was measured), so
    that the slow 1M row can be measured on its own.
    """
    stored: dict[int, dict[str, Any]] = {}
    if path.exists():
        stored = {r["customers"]: r for r in json.loads(path.read_text(encoding="utf-8"))}
    for r in results:
        stored.setdefault(r["customers"], {"customers": r["customers"], "steps": {}})
        stored[r["customers"]]["steps"].update(r["steps"])
    rows = [stored[n] for n in sorted(stored)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=1, default=str) + "\n", encoding="utf-8")
    return rows


def markdown(results: list[dict[str, Any]]) -> str:
    """One row per size."""
    lines = [
        "| customers | generate | load (rows/s; x neo4j-admin import) | resolution P / R "
        "| segments | clusters GDS (with profiles) "
        "| clusters networkx (x GDS) | churn | cross-sell | campaign plan "
        "| API customer view / recommendations: p50 / p99 at 200 req/s, each run; req/s flat out "
        "| store | measured |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        s = r["steps"]

        def cell(name: str, s: dict[str, Any] = s) -> str:
            x = s.get(name)
            if not x:
                return "not run"
            if "limit_s" in x:
                return f"did not finish in {x['limit_s']:,.0f} s"
            if "error" in x:
                return f"failed ({x['error']})"
            return f"{x['seconds']:.1f} s, {x['peak_rss_mib']:,.0f} MiB"

        def ok(name: str, s: dict[str, Any] = s) -> bool:
            return name in s and "error" not in s[name]

        load = s.get("load", {})
        rate = f" ({load['rows'] / load['seconds']:,.0f}" if ok("load") else ""
        if rate:
            admin = s["admin_import"]["seconds"] if ok("admin_import") else None
            rate += f"; {load['seconds'] / admin:.1f}x of {admin:.1f} s)" if admin else ")"
        evaluated = s["evaluate"] if ok("evaluate") else {}
        res = evaluated.get("scores", {}).get("resolution", {})
        nx_cell = cell("clusters_networkx")
        if ok("clusters_networkx") and ok("clusters_gds"):
            nx_cell += f" ({s['clusters_networkx']['seconds'] / s['clusters_gds']['seconds']:.1f}x)"
        store = (s["store"] if ok("store") else evaluated).get("store_bytes")
        size = f"{store / 2**20:,.0f} MiB" if store else "-"
        days = sorted({x["measured"] for x in s.values() if "measured" in x})
        measured = " to ".join(dict.fromkeys([days[0], days[-1]])) if days else "-"
        lines.append(
            f"| {r['customers']:,} | {cell('generate')} | {cell('load')}{rate} "
            f"| {res.get('precision', '-')} / {res.get('recall', '-')} | {cell('segments')} "
            f"| {cell('clusters_gds')} | {nx_cell} | {cell('churn')} | {cell('crosssell')} "
            f"| {cell('campaign')} | {api_cell(s.get('api'))} | {size} | {measured} |"
        )
    return "\n".join(lines)


def api_cell(step: dict[str, Any] | None) -> str:
    """The ``api`` step as ``p50 / p99 ms`` of each offered-rate run, then ``req/s`` flat out.

    One pair per run at the offered rate (the step repeats it, :data:`API_REPEATS`),
    per endpoint, then the server's peak RSS and the largest CPU steal recorded.
    """
    if not step:
        return "not run"
    if "error" in step:
        return f"failed ({step['error']})"
    parts = []
    for endpoint in ("customer view", "recommendations"):
        runs = [r for r in step["endpoints"] if r["endpoint"] == endpoint]
        offered = [r for r in runs if "offered" in r["load"]]
        flat = [r for r in runs if r["load"] == "as fast as it goes"]
        if not offered or not flat:
            parts.append("-")
            continue
        errors = sum(r["errors"] for r in runs)
        pairs = ", ".join(f"{r['p50_ms']:.1f} / {r['p99_ms']:.1f}" for r in offered)
        parts.append(
            f"{pairs} ms, {flat[0]['rps']:,.0f} req/s" + (f" ({errors} errors)" if errors else "")
        )
    steals = [r["cpu_steal"] for r in step["endpoints"] if r.get("cpu_steal") is not None]
    steal = f"; CPU steal up to {max(steals):.0%}" if steals else ""
    return "; ".join(parts) + f"; server peak {step['server_peak_rss_mib']:,.0f} MiB" + steal
