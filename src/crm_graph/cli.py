"""The ``crm-graph`` command line (typer + rich).

Every command prints human output by default and JSON with ``--json``. Exit codes:
0 success, 1 a handled error (one line on stderr), 2 bad usage.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from crm_graph.config import Settings, get_settings
from crm_graph.db import Database, connect
from crm_graph.errors import ConfigError, CrmGraphError
from crm_graph.neo4j_local import LocalNeo4j, server_versions

__all__ = ["app", "main"]

app = typer.Typer(
    name="crm-graph",
    help="A graph-based customer relationship model for banks on Neo4j + GDS.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="The local Neo4j+GDS server and the schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

console = Console(stderr=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _emit(payload: Any, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str, indent=2) + "\n")


def _progress(as_json: bool) -> Any:
    def say(line: str) -> None:
        if not as_json:
            console.print(f"[dim]•[/dim] {line}")

    return say


@contextmanager
def open_database(settings: Settings) -> Iterator[Database]:
    """Connect to the configured server and yield a :class:`Database`."""
    driver = connect(settings.uri, settings.neo4j_user, settings.neo4j_password.get_secret_value())
    with Database(driver, settings.neo4j_database, owns_driver=True) as db:
        yield db


def graph_counts(db: Database) -> dict[str, Any]:
    """Return ``{"nodes", "relationships", "labels", "types"}`` of the graph."""
    totals = db.read("admin/count_totals")[0]
    labels = {r["label"]: r["count"] for r in db.read("admin/count_nodes")}
    types = {r["type"]: r["count"] for r in db.read("admin/count_relationships")}
    return {
        "nodes": totals["nodes"],
        "relationships": totals["relationships"],
        "labels": labels,
        "types": types,
    }


@db_app.command("start")
def db_start(as_json: JsonOpt = False) -> None:
    """Provision (first time) and start the local Neo4j+GDS; wait until it answers."""
    settings = get_settings()
    if settings.is_external:
        _emit({"skipped": True, "uri": settings.uri}, as_json)
        if not as_json:
            console.print(f"CRM_NEO4J_URI points at {settings.uri}: no local server to start.")
        return
    server = LocalNeo4j(settings, _progress(as_json))
    was_running = server.pid() is not None
    status = server.start()
    _emit({**asdict(status), "already_running": was_running}, as_json)
    if not as_json:
        state = "was already running" if was_running else "started"
        console.print(
            f"Neo4j {status.neo4j_version} with GDS {status.gds_version} {state} "
            f"at {status.uri} (pid {status.pid})."
        )


@db_app.command("stop")
def db_stop(as_json: JsonOpt = False) -> None:
    """Stop the local Neo4j (does nothing when none runs)."""
    settings = get_settings()
    if settings.is_external:
        _emit({"skipped": True, "uri": settings.uri}, as_json)
        if not as_json:
            console.print(f"CRM_NEO4J_URI points at {settings.uri}: no local server to stop.")
        return
    stopped = LocalNeo4j(settings, _progress(as_json)).stop()
    _emit({"stopped": stopped}, as_json)
    if not as_json:
        console.print("Neo4j stopped." if stopped else "Neo4j was not running.")


@db_app.command("status")
def db_status(as_json: JsonOpt = False) -> None:
    """Report the server, its versions and the graph's counts."""
    settings = get_settings()
    payload: dict[str, Any] = {"uri": settings.uri, "external": settings.is_external}
    if settings.is_external:
        neo4j_version, gds_version = server_versions(settings)
        payload.update(running=True, pid=None, neo4j_version=neo4j_version, gds_version=gds_version)
    else:
        status = LocalNeo4j(settings).status()
        payload.update(asdict(status))
    if payload["running"]:
        with open_database(settings) as db:
            payload["counts"] = graph_counts(db)
    _emit(payload, as_json)
    if as_json:
        return
    if not payload["running"]:
        console.print(f"Neo4j is not running (instance {settings.instance_dir}).")
        raise typer.Exit(0)
    table = Table(show_header=False, box=None)
    for key in ("uri", "neo4j_version", "gds_version", "pid"):
        table.add_row(key, str(payload.get(key)))
    counts = payload["counts"]
    table.add_row("nodes", f"{counts['nodes']:,}")
    table.add_row("relationships", f"{counts['relationships']:,}")
    for label, n in counts["labels"].items():
        table.add_row(f"  :{label}", f"{n:,}")
    Console().print(table)


@db_app.command("init")
def db_init(as_json: JsonOpt = False) -> None:
    """Create the constraints and indexes of the graph model (idempotent)."""
    with open_database(get_settings()) as db:
        applied = db.init_schema()
    _emit({"schema_statements": applied}, as_json)
    if not as_json:
        console.print(f"Schema applied: {applied} constraints and indexes.")


@app.command("generate")
def generate(
    customers: Annotated[
        int, typer.Option(help="Number of real customers (persons and companies).")
    ] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 7,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("out/bank"),
    mixing: Annotated[float, typer.Option(help="Share of ties leaving their community.")] = 0.2,
    noise: Annotated[
        float, typer.Option(help="Share of customer records with identity defects.")
    ] = 0.1,
    as_json: JsonOpt = False,
) -> None:
    """Generate a synthetic multi-silo bank with ground truth (see docs/data.md)."""
    from crm_graph.generate import generate_bank

    manifest = generate_bank(out, customers, seed, mixing, noise, progress=_progress(as_json))
    _emit(manifest, as_json)
    if not as_json:
        rows = sum(v for k, v in manifest["files"].items() if not k.startswith("truth/"))
        console.print(
            f"Wrote {len(manifest['files'])} files ({rows:,} source rows) for "
            f"{customers:,} customers to {out}; cutoff {manifest['cutoff']}."
        )


@app.command("load")
def load(
    extract: Annotated[Path, typer.Argument(help="Extract folder (one sub-folder per system).")],
    mappings: Annotated[
        Path | None, typer.Option(help="Folder of loader mappings (default: the shipped loaders/).")
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Folder for reject files (default: EXTRACT/rejects).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Validate, resolve identities and upsert an extract; rejects go to EXTRACT/rejects/."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from crm_graph.ingest.load import load_extract
    from crm_graph.ingest.spec import default_loaders_dir, load_specs

    if not extract.is_dir():
        raise ConfigError(f"{extract}: no such extract folder")
    specs = load_specs(mappings or default_loaders_dir())
    settings = get_settings()
    columns = (
        TextColumn("{task.description:<48}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with (
        open_database(settings) as db,
        Progress(*columns, console=console, disable=as_json, transient=False) as bar,
    ):
        tasks: dict[str, Any] = {}

        def progress(task: str, done: int, total: int) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=max(total, 1))
            bar.update(tasks[task], completed=done if total else 1, total=max(total, 1))

        report = load_extract(
            db,
            extract,
            specs,
            pii_key=settings.pii_key.get_secret_value().encode("utf-8"),
            batch_size=settings.load_batch_size,
            progress=progress,
            rejects_dir=rejects,
        ).as_dict()
    _emit(report, as_json)
    if as_json:
        return
    table = Table(title=f"Load of {extract}")
    for col in ("file", "read", "loaded", "rejected"):
        table.add_column(col, justify="left" if col == "file" else "right")
    for name, f in report["files"].items():
        table.add_row(name, f"{f['read']:,}", f"{f['loaded']:,}", f"{f['rejected']:,}")
    Console().print(table)
    console.print(
        f"{report['rows_read']:,} rows read, {report['rows_rejected']:,} rejected "
        f"(see {rejects or extract / 'rejects'}); {report['customers_created']:,} new customers, "
        f"{report['customers_total']:,} in the graph; {report['conflicts']} conflicts, "
        f"{report['merges']} merges; {report['duration_s']}s ({report['rows_per_s']:,} rows/s)."
    )
    console.print(
        "records resolved by rule: "
        + ", ".join(
            f"{k} {v:,}"
            for k, v in sorted(report["records_resolved"].items(), key=lambda kv: -kv[1])
        )
    )


@app.command("analyze")
def analyze(
    what: Annotated[
        str, typer.Argument(help="all, clusters or segments (more families follow).")
    ] = "all",
    backend: Annotated[
        str | None, typer.Option(help="gds or networkx (default: gds when the server has it).")
    ] = None,
    algorithm: Annotated[str, typer.Option(help="leiden or louvain (GDS only).")] = "leiden",
    as_json: JsonOpt = False,
) -> None:
    """Run graph algorithms and write their results back onto customers."""
    from crm_graph.analytics.clusters import ClusterConfig, compute_clusters
    from crm_graph.analytics.segments import compute_segments

    if what not in ("all", "clusters", "segments"):
        raise ConfigError(f"unknown analysis {what!r}: choose all, clusters or segments")
    if backend not in (None, "gds", "networkx"):
        raise ConfigError(f"unknown backend {backend!r}: choose gds or networkx")
    if algorithm not in ("leiden", "louvain"):
        raise ConfigError(f"unknown algorithm {algorithm!r}: choose leiden or louvain")
    payload: dict[str, Any] = {}
    with open_database(get_settings()) as db:
        if what in ("all", "clusters"):
            config = ClusterConfig(algorithm=algorithm)  # type: ignore[arg-type]
            payload["clusters"] = asdict(compute_clusters(db, config, backend))
        if what in ("all", "segments"):
            payload["segments"] = {"tiers": compute_segments(db)}
    _emit(payload, as_json)
    if as_json:
        return
    if "clusters" in payload:
        c = payload["clusters"]
        console.print(
            f"clusters: {c['communities']:,} communities over {c['customers']:,} customers "
            f"({c['algorithm']} on {c['backend']}, modularity {c['modularity']:.3f}, "
            f"{c['seconds']:.1f}s)"
        )
    if "segments" in payload:
        tiers = payload["segments"]["tiers"]
        console.print("tiers: " + ", ".join(f"{k} {v:,}" for k, v in sorted(tiers.items())))


@app.command("clusters")
def clusters_cmd(
    community: Annotated[int | None, typer.Option(help="Show only this cluster.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Largest clusters to show.")] = 10,
    top: Annotated[int, typer.Option(min=1, help="Influencers per cluster.")] = 3,
    as_json: JsonOpt = False,
) -> None:
    """Profiles of the influence clusters (run `crm-graph analyze clusters` first)."""
    from crm_graph.analytics.clusters import cluster_profiles

    with open_database(get_settings()) as db:
        profiles = cluster_profiles(db, community=community, top=top)
    if not profiles:
        what = f"cluster {community}" if community is not None else "clusters"
        raise ConfigError(f"no {what} in the graph: run `crm-graph analyze clusters` first")
    shown = [p.as_dict() for p in profiles[:limit]]
    _emit({"clusters": shown, "total": len(profiles)}, as_json)
    if as_json:
        return
    table = Table(title=f"{len(profiles):,} clusters, largest {len(shown)}")
    for column in ("cluster", "size", "label", "AUM", "churn", "top influencers"):
        table.add_column(column)
    for p in shown:
        table.add_row(
            str(p["community"]),
            f"{p['size']:,}",
            str(p["label"]),
            f"{p['aum']:,.0f}",
            f"{p['churn_rate']:.1%}",
            ", ".join(i["name"] for i in p["influencers"]),  # type: ignore[attr-defined]
        )
    console.print(table)


@app.command("evaluate")
def evaluate_cmd(
    truth: Annotated[Path, typer.Option(help="The generated truth/ folder.")],
    as_json: JsonOpt = False,
) -> None:
    """Score the graph against ground truth (identity resolution so far)."""
    from crm_graph.analytics.evaluate import evaluate

    with open_database(get_settings()) as db:
        result = evaluate(db, truth)
    _emit(result, as_json)
    if not as_json:
        for section, metrics in result.items():
            shown = ", ".join(f"{k} {v}" for k, v in metrics.items())
            console.print(f"{section}: {shown}")


@app.command("demo")
def demo(
    customers: Annotated[int, typer.Option(help="Size of the synthetic bank.")] = 20_000,
    out: Annotated[Path, typer.Option(help="Where the synthetic bank is written.")] = Path(
        "out/demo-bank"
    ),
    replace: Annotated[
        bool, typer.Option(help="Allow replacing the graph of a server named by CRM_NEO4J_URI.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Start the local server, generate a bank, load it, compute clusters, print a summary.

    The demo starts from an empty graph: it clears the local server's graph first. With
    CRM_NEO4J_URI set it uses that server instead, and clears it only with --replace.
    The API and web page join the demo when they exist (see the issues).
    """
    from crm_graph.analytics.clusters import compute_clusters
    from crm_graph.analytics.evaluate import evaluate
    from crm_graph.generate import generate_bank
    from crm_graph.ingest.load import load_extract
    from crm_graph.ingest.spec import default_loaders_dir, load_specs

    settings = get_settings()
    say = _progress(as_json)
    if not settings.is_external:
        LocalNeo4j(settings, say).start()
    manifest = out / "manifest.json"
    if (
        manifest.exists()
        and json.loads(manifest.read_text(encoding="utf-8"))["customers"] == customers
    ):
        say(f"Reusing the synthetic bank in {out}")
    else:
        generate_bank(out, customers, seed=7, progress=say)
    with open_database(settings) as db:
        existing = db.read("admin/count_totals")[0]["nodes"]
        if existing:
            if settings.is_external and not replace:
                raise ConfigError(
                    f"the demo replaces the graph at {settings.uri} ({existing:,} nodes); "
                    "pass --replace to allow it"
                )
            say(f"Clearing the {existing:,} nodes already in the graph (the demo starts fresh)")
            db.clear()
        say(f"Loading {out} (validate, resolve identities, upsert)")
        report = load_extract(
            db,
            out,
            load_specs(default_loaders_dir()),
            pii_key=settings.pii_key.get_secret_value().encode("utf-8"),
            batch_size=settings.load_batch_size,
        ).as_dict()
        say("Computing influence clusters")
        clusters = compute_clusters(db)
        scores = evaluate(db, out / "truth")
        counts = graph_counts(db)
    summary = {
        "uri": settings.uri,
        "extract": str(out),
        "load": {
            k: report[k] for k in ("rows_read", "rows_rejected", "customers_total", "duration_s")
        },
        "clusters": asdict(clusters),
        "evaluation": scores,
        "counts": counts,
    }
    _emit(summary, as_json)
    if not as_json:
        console.print(
            f"Loaded {report['rows_read']:,} rows ({report['rows_rejected']:,} rejected, see "
            f"{out / 'rejects'}) into {counts['nodes']:,} nodes and "
            f"{counts['relationships']:,} relationships in {report['duration_s']}s."
        )
        console.print(
            f"{report['customers_total']:,} golden customers; identity resolution precision "
            f"{scores['resolution']['precision']}, recall {scores['resolution']['recall']}."
        )
        if "clusters" in scores:
            console.print(
                f"{clusters.communities:,} influence clusters ({clusters.algorithm} on "
                f"{clusters.backend}); NMI against the planted communities "
                f"{scores['clusters']['nmi']}."
            )
        console.print(
            f"Neo4j: {settings.uri} (user {settings.neo4j_user}). Try: crm-graph db status"
        )


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn crm-graph errors into one line and exit code 1.

    Usage errors are reported by typer itself with exit code 2.
    """
    try:
        app(args=argv)
    except CrmGraphError as exc:
        one_line = " ".join(exc.message.split())
        console.print(f"[red]error:[/red] {one_line}", highlight=False, soft_wrap=True, markup=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
