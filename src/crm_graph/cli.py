"""The ``crm-graph`` command line (typer + rich).

Every command prints human output by default and JSON with ``--json``. Exit codes:
0 success, 1 a handled error (one line on stderr), 2 bad usage.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from crm_graph.audit import customer_ids_in
from crm_graph.commands.analyze import analyze, tier_config
from crm_graph.commands.audit import audit, record_cli
from crm_graph.commands.backup import db_backup, db_fingerprint, db_restore
from crm_graph.commands.common import (
    JsonOpt,
    check_tiers,
    console,
    emit,
    open_database,
    parse_date,
    progress_printer,
)
from crm_graph.config import Settings, get_settings
from crm_graph.db import Database
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
#: Above this many nodes the demo empties a local server by deleting its store files
#: (seconds) rather than with Cypher (about 45,000 nodes and relationships a second on
#: the development machine: a 1M-customer bank's 46M take a quarter of an hour or more).
WIPE_ABOVE_NODES = 500_000

db_app = typer.Typer(help="The local Neo4j+GDS server and the schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.command("audit")(audit)
db_app.command("backup")(db_backup)
db_app.command("restore")(db_restore)
db_app.command("fingerprint")(db_fingerprint)


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
        emit({"skipped": True, "uri": settings.uri}, as_json)
        if not as_json:
            console.print(f"CRM_NEO4J_URI points at {settings.uri}: no local server to start.")
        return
    server = LocalNeo4j(settings, progress_printer(as_json))
    was_running = server.pid() is not None
    status = server.start()
    emit({**asdict(status), "already_running": was_running}, as_json)
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
        emit({"skipped": True, "uri": settings.uri}, as_json)
        if not as_json:
            console.print(f"CRM_NEO4J_URI points at {settings.uri}: no local server to stop.")
        return
    stopped = LocalNeo4j(settings, progress_printer(as_json)).stop()
    emit({"stopped": stopped}, as_json)
    if not as_json:
        console.print("Neo4j stopped." if stopped else "Neo4j was not running.")


@db_app.command("wipe")
def db_wipe(
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: the graph is deleted.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete the local server's graph fast (its store files), then start it again, empty.

    For a large graph: seconds instead of the half hour a Cypher delete of tens of
    millions of nodes takes. Users and the password are kept. Refuses a server named
    by CRM_NEO4J_URI (delete its data with its own tools).
    """
    settings = get_settings()
    if settings.is_external:
        raise ConfigError(
            f"CRM_NEO4J_URI points at {settings.uri}: db wipe only empties the local server"
        )
    if not yes:
        raise ConfigError("db wipe deletes the whole graph of the local server; pass --yes")
    status = LocalNeo4j(settings, progress_printer(as_json)).wipe()
    emit({**asdict(status), "wiped": settings.neo4j_database}, as_json)
    if not as_json:
        console.print(f"The graph of {status.uri} is empty (pid {status.pid}).")


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
    emit(payload, as_json)
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
    emit({"schema_statements": applied}, as_json)
    if not as_json:
        console.print(f"Schema applied: {applied} constraints and indexes.")


@db_app.command(
    "shell", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
def db_shell(ctx: typer.Context) -> None:
    """Open cypher-shell on the configured server (extra arguments go to cypher-shell).

    Example: ``echo 'MATCH (c:Customer) RETURN count(c);' | crm-graph db shell --format plain``
    """
    import subprocess

    from crm_graph.neo4j_local import cypher_shell_command

    command, env = cypher_shell_command(get_settings(), list(ctx.args))
    raise typer.Exit(subprocess.run(command, env=env, check=False).returncode)


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
    hard_names: Annotated[
        bool,
        typer.Option(
            "--hard-names",
            help="Harder identities: many namesakes, Latin names with legal-form words and "
            "transliteration variants, shared household phones, twins.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Generate a synthetic multi-silo bank with ground truth (see docs/data.md)."""
    from crm_graph.generate import generate_bank

    manifest = generate_bank(
        out,
        customers,
        seed,
        mixing,
        noise,
        progress=progress_printer(as_json),
        hard_names=hard_names,
    )
    emit(manifest, as_json)
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
        list[Path] | None,
        typer.Option(
            help="A mapping file, or a folder of them (its default set); repeat for several "
            "(default: the shipped loaders/)."
        ),
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Folder for reject files (default: EXTRACT/rejects).")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Everything but the writes: per target what would be written, filtered "
            "and rejected (reject files are written).",
        ),
    ] = False,
    resolver: Annotated[
        str | None,
        typer.Option(
            help="rules (default) or splink: what links records that no id number or "
            "declared link settles (setting CRM_RESOLVER).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Validate, resolve identities and upsert an extract; rejects go to EXTRACT/rejects/."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from crm_graph.ingest.load import load_extract
    from crm_graph.ingest.matchers import matcher
    from crm_graph.ingest.spec import default_loaders_dir, load_specs

    if not extract.is_dir():
        raise ConfigError(f"{extract}: no such extract folder")
    specs = load_specs(*(mappings or [default_loaders_dir()]))
    settings = get_settings()
    chosen = resolver or settings.resolver
    options = {"threshold": settings.splink_threshold} if chosen == "splink" else {}
    resolving = matcher(chosen, **options)
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
            workers=settings.load_workers,
            progress=progress,
            rejects_dir=rejects,
            dry_run=dry_run,
            matcher=resolving,
        ).as_dict()
    for warning in report["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    emit(report, as_json)
    if as_json:
        return
    if dry_run:
        plan = Table(title=f"Dry run of {extract}: nothing was written")
        for col in ("target", "rows", "filtered", "rejected", "would write"):
            plan.add_column(col, justify="left" if col == "target" else "right")
        for name, t in report["targets"].items():
            plan.add_row(
                name, f"{t['rows']:,}", f"{t['filtered']:,}", f"{t['rejected']:,}",
                f"{t['written']:,}",
            )  # fmt: skip
        Console().print(plan)
    table = Table(title=f"Load of {extract}")
    for col in ("file", "read", "loaded", "rejected"):
        table.add_column(col, justify="left" if col == "file" else "right")
    for name, f in report["files"].items():
        table.add_row(name, f"{f['read']:,}", f"{f['loaded']:,}", f"{f['rejected']:,}")
    Console().print(table)
    console.print(
        f"{report['rows_read']:,} rows read, {report['rows_rejected']:,} rejected "
        f"(see {rejects or extract / 'rejects'}); {report['customers_created']:,} new customers, "
        f"{report['customers_total']:,} in the graph{' after it' if dry_run else ''}; "
        f"{report['conflicts']} conflicts, "
        f"{report['merges']} merges; {report['duration_s']}s ({report['rows_per_s']:,} rows/s)."
    )
    console.print(
        "records resolved by rule: "
        + ", ".join(
            f"{k} {v:,}"
            for k, v in sorted(report["records_resolved"].items(), key=lambda kv: -kv[1])
        )
    )


mapping_app = typer.Typer(
    help="Loader mappings: draft one for an extract nobody has mapped yet.",
    no_args_is_help=True,
)
app.add_typer(mapping_app, name="mapping")


@mapping_app.command("draft")
def mapping_draft(
    folder: Annotated[Path, typer.Argument(help="The extract folder to profile.")],
    out: Annotated[Path, typer.Option(help="Where to write the drafted mapping (YAML).")],
    system: Annotated[
        str | None, typer.Option(help="The source system's name (default: the folder's).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite --out if it exists.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Profile every CSV/Parquet file of FOLDER and write a commented mapping that loads."""
    from crm_graph.ingest.draft import draft_mapping
    from crm_graph.ingest.spec import load_spec

    if not folder.is_dir():
        raise ConfigError(f"{folder}: no such extract folder")
    if out.exists() and not force:
        raise ConfigError(f"{out} exists; pass --force to overwrite it")
    text = draft_mapping(folder, system)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    spec = load_spec(out)  # the draft must load as it is
    summary = {
        "out": str(out),
        "system": spec.system,
        "files": [f.name for f in spec.files],
        "customer_file": next((f.name for f in spec.files if f.identity), None),
        "targets": sum(len(f.targets) for f in spec.files),
    }
    emit(summary, as_json)
    if not as_json:
        console.print(
            f"Wrote {out}: system {spec.system}, {len(spec.files)} files, customers from "
            f"{summary['customer_file']}, {summary['targets']} targets. Check the comments, "
            f"then: crm-graph load {folder} --mappings {out} --dry-run"
        )


resolve_app = typer.Typer(
    help="Identity-resolution audit: merges and splits, undo, the review queue of conflicts.",
    no_args_is_help=True,
)
app.add_typer(resolve_app, name="resolve")


@resolve_app.command("events")
def resolve_events(
    kind: Annotated[str | None, typer.Option(help="Only 'merge' or 'split' events.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Events to show.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """List merges and splits of golden customers, newest first (who, when, why)."""
    from crm_graph.ingest.merges import list_events

    if kind not in (None, "merge", "split"):
        raise ConfigError(f"--kind must be merge or split, not {kind!r}")
    with open_database(get_settings()) as db:
        rows = list_events(db, kind=kind, limit=limit)
    emit({"items": rows}, as_json)
    if as_json:
        return
    table = Table(title="Resolution events")
    for column in ("event", "kind", "at", "by", "customers", "records", "undone by", "reason"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["event_id"],
            r["kind"],
            str(r["at"]),
            str(r["by"]),
            ", ".join(r["customer_ids"] or []),
            str(r["records"]),
            str(r["undone_by_event"] or ""),
            str(r["reason"]),
        )
    console.print(table)


@resolve_app.command("undo")
def resolve_undo(
    event_id: Annotated[str, typer.Argument(help="The merge event to undo.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the split event).")],
    by: Annotated[str | None, typer.Option(help="Who undoes it (default: the OS user).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Undo a merge: restore the merged-away customers, re-point and pin their records."""
    import getpass

    from crm_graph.ingest.merges import undo_merge

    with open_database(get_settings()) as db:
        result = undo_merge(db, event_id, by=by or f"cli:{getpass.getuser()}", reason=reason)
    emit(result, as_json)
    if as_json:
        return
    console.print(
        f"Undid {event_id} ({result['split_id']}): restored {', '.join(result['restored'])}; "
        f"{result['records_relinked']} records re-pointed and pinned apart, "
        f"{result['relationships_moved']} relationships moved back."
    )


@resolve_app.command("review")
def resolve_review(
    status: Annotated[str, typer.Option(help="open, accepted, rejected or all.")] = "open",
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="Conflicts to show.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """List the merges the resolver refused (the review queue), newest first."""
    from crm_graph.ingest.review import list_conflicts

    if status not in ("open", "accepted", "rejected", "all"):
        raise ConfigError(f"--status must be open, accepted, rejected or all, not {status!r}")
    with open_database(get_settings()) as db:
        rows = list_conflicts(db, status=None if status == "all" else status, limit=limit)
    record_cli(
        "resolve review",
        customer_ids_in(rows),
        {"status": status, "limit": limit},
    )
    emit({"items": rows}, as_json)
    if as_json:
        return
    table = Table(title=f"Resolution conflicts ({status})")
    for column in ("conflict", "status", "rule", "records (customer now)", "reason"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["conflict_id"],
            r["status"],
            r["rule"],
            "\n".join(f"{x['record']} ({x['customer_id']})" for x in r["records"]),
            r["reason"],
        )
    console.print(table)


@resolve_app.command("decide")
def resolve_decide(
    conflict_id: Annotated[str, typer.Argument(help="The conflict (see resolve review).")],
    decision: Annotated[
        str, typer.Argument(help="accept (one customer) or reject (different customers).")
    ],
    reason: Annotated[str, typer.Option(help="Why (kept on the conflict).")],
    by: Annotated[str | None, typer.Option(help="Who decides (default: the OS user).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Decide a conflict; the next load applies it (accept: join, reject: keep apart)."""
    import getpass

    from crm_graph.ingest.review import decide_conflict

    with open_database(get_settings()) as db:
        result = decide_conflict(
            db, conflict_id, decision, by=by or f"cli:{getpass.getuser()}", reason=reason
        )
    emit(result, as_json)
    if not as_json:
        console.print(
            f"{conflict_id} {result['status']}: {result['pinned']} records pinned; "
            "the next load applies it."
        )


app.command("analyze")(analyze)


churn_app = typer.Typer(
    help="Churn: retention list, what-if cascades, where and why customers left.",
    no_args_is_help=True,
)
app.add_typer(churn_app, name="churn")


@churn_app.command("at-risk")
def churn_at_risk(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Rows to show.")] = 20,
    tier: Annotated[str | None, typer.Option(help="Only this tier.")] = None,
    min_value: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Minimum value score (0..1).")
    ] = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Retention list: active customers by risk x value x influence, with their RM."""
    from crm_graph.analytics.churn import retention_list

    with open_database(get_settings()) as db:
        if tier is not None:
            check_tiers(db, [tier], "--tier")
        rows = retention_list(db, limit=limit, tier=tier, min_value=min_value)
    if not rows:
        raise ConfigError("no churn scores match: run `crm-graph analyze churn` first")
    record_cli(
        "churn at-risk",
        customer_ids_in(rows),
        {"limit": limit, "tier": tier, "min_value": min_value},
    )
    emit({"items": rows}, as_json)
    if as_json:
        return
    table = Table(title=f"Retention priorities (top {len(rows)})")
    for column in ("customer", "name", "tier", "risk", "priority", "why", "RM"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["customer_id"],
            r["name"] or "",
            str(r["tier"]),
            f"{r['churn_risk']:.2f}",
            f"{r['retention_priority']:.3f}",
            "; ".join(r["drivers"] or []),
            str(r["rm_name"] or "-"),
        )
    console.print(table)


@churn_app.command("what-if")
def churn_what_if(
    customer_id: Annotated[str, typer.Argument(help="The customer who leaves.")],
    runs: Annotated[int, typer.Option(min=10, max=100_000, help="Monte Carlo runs.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    as_json: JsonOpt = False,
) -> None:
    """If this customer leaves, who follows? (independent-cascade simulation)."""
    from crm_graph.analytics.churn import what_if

    with open_database(get_settings()) as db:
        result = what_if(db, customer_id, runs=runs, seed=seed)
    record_cli(
        "churn what-if",
        customer_ids_in(result) | {customer_id},
        {"customer_id": customer_id, "runs": runs, "seed": seed},
    )
    emit(result, as_json)
    if as_json:
        return
    low, high = result["interval_90"]
    console.print(
        f"if {customer_id} leaves: {result['expected_followers']:.2f} expected followers "
        f"(90% of runs: {low:.0f} to {high:.0f}), AUM at risk {result['aum_at_risk']:,.0f} "
        f"({result['runs']} runs, {result['neighbourhood']} customers within reach)"
    )
    for f in result["followers"]:
        console.print(f"  {f['customer_id']} {f['name'] or ''}: {f['probability']:.1%}")


@churn_app.command("report")
def churn_report(as_json: JsonOpt = False) -> None:
    """Why customers left, where they went, what the bank lost."""
    from crm_graph.analytics.churn import churn_analysis
    from crm_graph.analytics.readiness import graph_currency

    settings = get_settings()
    with open_database(settings) as db:
        report = churn_analysis(db)
        unit = settings.currency or graph_currency(db)
    emit(report, as_json)
    if as_json:
        return
    lost = report["lost"]
    unit = f" {unit}" if unit else ""
    console.print(
        f"{lost['customers']:,} churned customers moved {lost['amount_moved']:,.0f}{unit} "
        f"out; they held {lost['mean_products']:.1f} products on average "
        f"and paid {lost['fee_income']:,.0f}{unit} agency fees"
    )
    console.print("why: " + ", ".join(f"{r['reason']} {r['share']:.0%}" for r in report["reasons"]))
    console.print(
        "where: "
        + ", ".join(
            f"{d['competitor']} {d['share_of_outflow']:.0%}" for d in report["destinations"]
        )
    )
    console.print(
        "complaints before leaving: "
        + ", ".join(f"{t['topic']} (lift {t['lift']:.2f})" for t in report["topics"][:5])
    )


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
    record_cli("clusters", customer_ids_in(shown), {"community": community, "top": top})
    emit({"clusters": shown, "total": len(profiles)}, as_json)
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
            ", ".join(i["name"] or i["customer_id"] for i in p["influencers"]),  # type: ignore[attr-defined]
        )
    console.print(table)


def _param_pairs(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--param {pair!r}: write it as name=value")
        out[key.strip()] = value
    return out


@app.command("query")
def query_cmd(
    name: Annotated[str | None, typer.Argument(help="Library query to run.")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="A parameter as name=value.")
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the library's queries.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run a query of the analysts' Cypher library (read-only), or list them."""
    import csv

    from crm_graph.queries import get_query, list_queries, run_query

    if list_ or name is None:
        specs = list_queries()
        emit([s.as_dict() for s in specs], as_json)
        if not as_json:
            table = Table(title=f"{len(specs)} library queries (cypher/queries/)")
            table.add_column("name")
            table.add_column("question")
            table.add_column("parameters")
            for s in specs:
                params = ", ".join(
                    f"{p.name}:{p.type}" + ("" if p.required else f"={p.default}") for p in s.params
                )
                table.add_row(s.name, s.question, params or "-")
            console.print(table)
        return
    spec = get_query(name)
    given = _param_pairs(param or [])
    with open_database(get_settings()) as db:
        rows = run_query(db, name, given)
    record_cli(f"query {name}", customer_ids_in(rows), dict(given))
    if as_json:
        emit(rows, True)
        return
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(spec.columns)
        for row in rows:
            writer.writerow([_csv_cell(row.get(c)) for c in spec.columns])
        return
    table = Table(title=f"{spec.title} ({len(rows)} rows)")
    for column in spec.columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in spec.columns))
    console.print(table)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


@app.command("evaluate")
def evaluate_cmd(
    truth: Annotated[
        Path | None,
        typer.Option(
            help="A generated bank's truth/ folder. Without it: what real labelled data "
            "allows (the snapshot churn model's cross-validated figures)."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Score the graph: against ground truth, or by cross-validation on its own labels."""
    from crm_graph.analytics.evaluate import evaluate

    with open_database(get_settings()) as db:
        if truth is None:
            from crm_graph.analytics.churn_snapshot import compute_snapshot_churn

            result = {"churn": compute_snapshot_churn(db, write=False).as_dict()}
        else:
            result = evaluate(db, truth)
    emit(result, as_json)
    if not as_json:
        for section, metrics in result.items():
            shown = ", ".join(
                f"{k} {json.dumps(v) if isinstance(v, dict) else v}" for k, v in metrics.items()
            )
            console.print(f"{section}: {shown}")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Serve the API (uvicorn). Keys: CRM_API_KEYS or CRM_API_KEYS_FILE."""
    import uvicorn

    from crm_graph.api.security import parse_keys

    settings = get_settings()
    keys = parse_keys(settings.api_keys.get_secret_value(), settings.api_keys_file)
    if not keys.roles_by_digest:
        console.print(
            "[yellow]warning:[/yellow] no API keys configured (CRM_API_KEYS or "
            "CRM_API_KEYS_FILE); only /health and /ready will answer"
        )
    console.print(f"API on http://{host}:{port} (OpenAPI docs at /docs), Neo4j {settings.uri}")
    uvicorn.run(
        "crm_graph.api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )


@app.command("report")
def report(
    out: Annotated[Path, typer.Option(help="The HTML file to write.")] = Path("out/report.html"),
    branch: Annotated[
        str | None, typer.Option(help="A branch id: its home customers only (default: the bank).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the branch report: one self-contained HTML file with its charts embedded."""
    from crm_graph.report import write_report

    if out.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(f"--out must be an .html file, got {out.name!r}")
    settings = get_settings()
    with open_database(settings) as db:
        data = write_report(db, out, branch, currency=settings.currency or None)
    payload = {
        "out": str(out),
        "bytes": out.stat().st_size,
        "branch": data.branch,
        "customers": sum(r["customers"] for r in data.tiers),
        "clusters": len(data.clusters),
        "campaigns": len(data.campaigns),
    }
    emit(payload, as_json)
    if not as_json:
        console.print(
            f"wrote {out} ({payload['bytes'] / 1024:,.0f} KiB): {payload['customers']:,} "
            f"customers, {payload['clusters']} clusters on the map, "
            f"{payload['campaigns']} campaigns"
        )


campaign_app = typer.Typer(
    help="Cross-sell campaigns: plan (targets, word-of-mouth seeds, control), outcomes, results.",
    no_args_is_help=True,
)
app.add_typer(campaign_app, name="campaign")


@campaign_app.command("plan")
def campaign_plan(
    product: Annotated[str, typer.Option(help="Product id to promote, e.g. CARD_CREDIT.")],
    budget: Annotated[int, typer.Option(min=1, max=1_000_000, help="Customers to contact.")],
    name: Annotated[str | None, typer.Option(help="Campaign name.")] = None,
    tier: Annotated[list[str] | None, typer.Option(help="Only these tiers (repeatable).")] = None,
    branch: Annotated[str | None, typer.Option(help="Only this home branch id.")] = None,
    community: Annotated[int | None, typer.Option(help="Only this influence cluster.")] = None,
    channel: Annotated[
        str | None, typer.Option(help="Only customers enrolled in this channel; contact via it.")
    ] = None,
    contacted_days: Annotated[
        int, typer.Option(min=0, help="Leave out customers contacted in the last N days (0: keep).")
    ] = 30,
    rm_capacity: Annotated[
        int, typer.Option(min=0, help="Contacts per relationship manager per week.")
    ] = 20,
    weeks: Annotated[int, typer.Option(min=1, max=52, help="Campaign duration in weeks.")] = 4,
    seeds: Annotated[
        int | None, typer.Option(min=0, help="Word-of-mouth seeds (default: budget/10, max 50).")
    ] = None,
    control_share: Annotated[
        float, typer.Option(min=0.0, max=0.5, help="Share of the ranked pool held out as control.")
    ] = 0.1,
    starts_on: Annotated[
        str | None, typer.Option(help="Start date, YYYY-MM-DD (default today).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Export the target list for the branch (.csv or .xlsx).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Plan only; do not record the campaign in the graph.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Plan a cross-sell campaign and record it (Campaign, PROMOTES, TARGETED)."""
    import getpass

    from crm_graph.analytics.campaign import (
        CampaignRequest,
        export_plan,
        plan_campaign,
        record_campaign,
    )

    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise ConfigError(f"--out must end in .csv or .xlsx, got {out.name!r}")
    request = CampaignRequest(
        product_id=product,
        budget=budget,
        name=name,
        tiers=tuple(tier) if tier else None,
        branch_id=branch,
        community=community,
        channel=channel,
        exclude_contacted_days=contacted_days,
        rm_capacity_per_week=rm_capacity,
        weeks=weeks,
        seeds=seeds,
        control_share=control_share,
        starts_on=parse_date(starts_on, "--starts-on") if starts_on else None,
    )
    say = progress_printer(as_json)
    with open_database(get_settings()) as db:
        if tier:
            check_tiers(db, list(tier), "--tier")
        say("ranking the audience and simulating word of mouth")
        plan = plan_campaign(db, request)
        recorded = 0
        if not dry_run:
            recorded = record_campaign(db, plan, planned_by=f"cli:{getpass.getuser()}")
    exported = export_plan(plan, out) if out is not None else 0
    payload = plan.to_dict() | {"recorded": recorded, "exported": exported}
    record_cli(
        "campaign plan",
        customer_ids_in(payload),
        {"product": product, "budget": budget, "dry_run": dry_run, "out": str(out or "")},
    )
    emit(payload, as_json)
    if as_json:
        return
    low, high = plan.conversions_interval
    cmp_ = plan.seed_comparison
    console.print(
        f"[bold]{plan.campaign_id}[/bold] {plan.name}: {len(plan.contacts):,} contacts "
        f"({sum(t.group == 'seed' for t in plan.contacts)} word-of-mouth seeds), "
        f"{len(plan.control):,} held out as control, from an audience of {plan.audience:,}"
    )
    console.print(
        f"expected conversions {plan.expected_conversions:.1f} (90%: {low:.1f} to {high:.1f}); "
        f"channels: " + ", ".join(f"{k} {v}" for k, v in sorted(plan.channels.items()))
    )
    console.print(
        "word-of-mouth reach of the seeds (fresh simulations): "
        f"greedy {cmp_['greedy']['mean']:.1f}, top-degree {cmp_['top_degree']['mean']:.1f}, "
        f"top-PageRank {cmp_['top_pagerank']['mean']:.1f} customers"
    )
    for note in plan.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    table = Table(title=f"First targets of {plan.campaign_id}")
    for column in ("group", "rank", "customer", "name", "score", "channel", "RM", "why"):
        table.add_column(column)
    for t in plan.contacts[:15]:
        table.add_row(
            t.group,
            str(t.rank),
            t.customer_id,
            t.name,
            "-" if t.score is None else f"{t.score:.3f}",
            str(t.channel),
            str(t.rm_name or "-"),
            "; ".join(t.reasons[:2]),
        )
    console.print(table)
    if recorded:
        console.print(f"recorded in the graph: {recorded:,} TARGETED (seed, target, control)")
    if out is not None:
        console.print(f"exported {exported:,} rows to {out}")


@campaign_app.command("list")
def campaign_list(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Campaigns to show.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """List recorded campaigns, newest first."""
    with open_database(get_settings()) as db:
        rows = db.read("campaign/read_campaigns", after_at=None, after_id=None, limit=limit)
    emit({"items": rows}, as_json)
    if as_json:
        return
    table = Table(title="Campaigns")
    for column in ("campaign", "name", "product", "starts", "targeted", "expected"):
        table.add_column(column)
    for r in rows:
        c = r["campaign"]
        table.add_row(
            c["campaign_id"],
            str(c.get("name")),
            str(r["product_id"]),
            str(c.get("starts_on")),
            str(r["targeted"]),
            f"{c.get('expected_conversions', 0):.1f}",
        )
    console.print(table)


@campaign_app.command("outcomes")
def campaign_outcomes(
    campaign_id: Annotated[str, typer.Argument(help="The campaign.")],
    file: Annotated[Path, typer.Argument(help="CSV with customer_id, responded, converted.")],
    as_json: JsonOpt = False,
) -> None:
    """Load campaign outcomes back onto the campaign's TARGETED relationships."""
    from crm_graph.analytics.campaign import load_outcomes

    with open_database(get_settings()) as db:
        report = load_outcomes(db, campaign_id, file)
    emit(report, as_json)
    if as_json:
        return
    console.print(f"{report['matched']:,} of {report['rows']:,} outcomes matched {campaign_id}")
    if report["unknown"]:
        shown = ", ".join(report["unknown"][:10])
        console.print(f"[yellow]not in the campaign:[/yellow] {shown}")


@campaign_app.command("results")
def campaign_results_cmd(
    campaign_id: Annotated[str, typer.Argument(help="The campaign.")],
    as_json: JsonOpt = False,
) -> None:
    """Response and conversion per group, and the uplift over the control group."""
    from crm_graph.analytics.campaign import campaign_results

    with open_database(get_settings()) as db:
        results = campaign_results(db, campaign_id)
    payload = results.to_dict()
    payload.pop("targets")
    emit(payload, as_json)
    if as_json:
        return
    table = Table(title=f"{campaign_id}: {results.campaign.get('name')}")
    for column in ("group", "customers", "opened", "conversion", "outcomes", "response"):
        table.add_column(column)
    for group, g in results.groups.items():
        table.add_row(
            group,
            str(g["customers"]),
            str(g["opened"]),
            "-" if g["conversion_rate"] is None else f"{g['conversion_rate']:.1%}",
            str(g["outcomes_loaded"]),
            "-" if g["response_rate"] is None else f"{g['response_rate']:.1%}",
        )
    console.print(table)
    if results.uplift is not None and results.uplift_interval is not None:
        lo, hi = results.uplift_interval
        console.print(
            f"uplift of targets over control: {results.uplift:+.1%} (90%: {lo:+.1%} to {hi:+.1%})"
        )


api_key_app = typer.Typer(help="API keys: create keys for the keys file.", no_args_is_help=True)
app.add_typer(api_key_app, name="api-key")


@api_key_app.command("new")
def api_key_new(
    role: Annotated[str, typer.Option(help="analyst, marketing, service or admin.")],
    file: Annotated[
        Path | None,
        typer.Option(help="Append the key's digest to this keys file (created 0600)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an API key: prints it once; only its SHA-256 digest is stored."""
    import os

    from crm_graph.api.security import ROLES, digest, new_key

    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}: choose {', '.join(ROLES)}")
    key = new_key()
    line = f"{role}:sha256:{digest(key)}"
    if file is not None:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(line + "\n")
    key_id = digest(key)[:12]
    emit(
        {
            "role": role,
            "key": key,
            "key_id": key_id,
            "stored": line,
            "file": str(file) if file else None,
        },
        as_json,
    )
    if not as_json:
        sys.stdout.write(key + "\n")
        where = f"appended to {file}" if file else "add this line to your keys file"
        console.print(
            f"{role} key created (shown once; key id {key_id} in the access audit). "
            f"Digest line ({where}):\n{line}"
        )


@app.command("demo")
def demo(
    customers: Annotated[int, typer.Option(help="Size of the synthetic bank.")] = 20_000,
    out: Annotated[Path, typer.Option(help="Where the synthetic bank is written.")] = Path(
        "out/demo-bank"
    ),
    replace: Annotated[
        bool, typer.Option(help="Allow replacing the graph of a server named by CRM_NEO4J_URI.")
    ] = False,
    serve_api: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the API and web page at the end.")
    ] = True,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the API.")] = 8000,
    as_json: JsonOpt = False,
) -> None:
    """Start the local server, generate a bank, load and analyze it, plan a campaign, serve.

    The demo starts from an empty graph: it clears the local server's graph first. With
    CRM_NEO4J_URI set it uses that server instead, and clears it only with --replace.
    At the end it serves the API and the planner's page on 127.0.0.1 (Ctrl-C stops);
    without API keys configured it creates a marketing and an analyst key, prints them
    once and keeps only their digests in out/demo-api-keys.txt.
    """
    from crm_graph.analytics.campaign import CampaignRequest, plan_campaign, record_campaign
    from crm_graph.analytics.churn import retention_list
    from crm_graph.analytics.clusters import (
        cluster_profiles,
    )
    from crm_graph.analytics.evaluate import evaluate
    from crm_graph.analytics.pipeline import AnalysisOptions, Pipeline
    from crm_graph.generate import generate_bank
    from crm_graph.ingest.load import load_extract
    from crm_graph.ingest.spec import default_loaders_dir, load_specs

    settings = get_settings()
    say = progress_printer(as_json)
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
    if existing and settings.is_external and not replace:
        raise ConfigError(
            f"the demo replaces the graph at {settings.uri} ({existing:,} nodes); "
            "pass --replace to allow it"
        )
    if existing > WIPE_ABOVE_NODES and not settings.is_external:
        say(
            f"Clearing the {existing:,} nodes already in the graph by deleting the local "
            "server's store files (the demo starts fresh)"
        )
        LocalNeo4j(settings, say).wipe()
        existing = 0
    with open_database(settings) as db:
        if existing:
            say(f"Clearing the {existing:,} nodes already in the graph (the demo starts fresh)")
            db.clear(progress=say)
        say(f"Loading {out} (validate, resolve identities, upsert)")
        report = load_extract(
            db,
            out,
            load_specs(default_loaders_dir()),
            pii_key=settings.pii_key.get_secret_value().encode("utf-8"),
            batch_size=settings.load_batch_size,
            workers=settings.load_workers,
        ).as_dict()
        say("Running the analyses: tiers, influence clusters, churn, cross-sell")
        results = Pipeline(db, AnalysisOptions(tiers=tier_config(settings)), say).run("all")
        failed = [x["reason"] for x in results["steps"] if x["status"] != "ran"]
        if failed:
            raise ConfigError(f"the demo bank's analyses did not all run: {failed[0]}")
        tiers = results["segments"]["tiers"]
        clusters, churn, crosssell = results["clusters"], results["churn"], results["crosssell"]
        profiles = cluster_profiles(db)
        at_risk = retention_list(db, limit=5)
        top_recs: list[dict[str, Any]] = []
        if at_risk:
            found = db.read(
                "api/read_recommendations", customer_id=at_risk[0]["customer_id"], limit=3
            )
            top_recs = found[0]["items"] if found else []
        say("Planning a credit-card campaign (500 contacts, word-of-mouth seeds, control)")
        campaign = plan_campaign(
            db, CampaignRequest(product_id="CARD_CREDIT", budget=500, name="Demo credit cards")
        )
        record_campaign(db, campaign, planned_by="demo")
        largest = profiles[:3]
        say("Evaluating against the ground truth")
        scores = evaluate(db, out / "truth")
        counts = graph_counts(db)
    summary = {
        "uri": settings.uri,
        "extract": str(out),
        "load": {
            k: report[k] for k in ("rows_read", "rows_rejected", "customers_total", "duration_s")
        },
        "tiers": tiers,
        "clusters": clusters,
        "churn": churn,
        "at_risk": at_risk,
        "crosssell": crosssell,
        "largest_clusters": [
            {"community": c.community, "size": c.size, "label": c.label} for c in largest
        ],
        "campaign": {
            k: v
            for k, v in campaign.to_dict().items()
            if k not in ("contacts", "control", "filters")
        },
        "evaluation": scores,
        "counts": counts,
    }
    emit(summary, as_json)
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
                f"{clusters['communities']:,} influence clusters ({clusters['algorithm']} on "
                f"{clusters['backend']}); NMI against the planted communities "
                f"{scores['clusters']['nmi']}."
            )
        if "churn" in scores:
            c = scores["churn"]
            console.print(
                f"Churn model: ROC AUC {c['roc_auc']['with_graph']} with graph signals, "
                f"{c['roc_auc']['without_graph']} without; {churn['high_value_at_risk']:,} "
                "high-value customers at risk. Retain first:"
            )
            for r in at_risk:
                console.print(
                    f"  {r['customer_id']} {r['name'] or ''} ({r['tier']}, "
                    f"risk {r['churn_risk']:.2f}):"
                    f" {'; '.join(r['drivers'] or [])}; RM {r['rm_name'] or '-'}"
                )
        if "crosssell" in scores:
            x = scores["crosssell"]
            console.print(
                f"Cross-sell: {crosssell['recommendations']:,} recommendations; recall@5 of the "
                f"blend {x['recall_at_k']['blend']} (popularity {x['recall_at_k']['popularity']},"
                f" SVD {x['recall_at_k']['svd']})."
            )
        if top_recs and at_risk:
            console.print(f"Next best products for {at_risk[0]['customer_id']}:")
            for r in top_recs:
                console.print(f"  {r['product']}: {'; '.join(r['reasons'])}")
        console.print("Largest influence clusters:")
        for c in largest:
            console.print(f"  {c.community}: {c.size} customers, {c.label}")
        cmp_ = campaign.seed_comparison
        low, high = campaign.conversions_interval
        console.print(
            f"Campaign {campaign.campaign_id} ({campaign.product}): {len(campaign.contacts)} "
            f"contacts, {len(campaign.control)} held out; expected conversions "
            f"{campaign.expected_conversions:.1f} (90%: {low:.1f} to {high:.1f}); word-of-mouth "
            f"reach {cmp_['greedy']['mean']:.1f} vs top-degree {cmp_['top_degree']['mean']:.1f} "
            f"and top-PageRank {cmp_['top_pagerank']['mean']:.1f} seeds."
        )
        console.print(
            f"Neo4j: {settings.uri} (user {settings.neo4j_user}). Try: crm-graph db status, "
            "crm-graph clusters, crm-graph churn at-risk, crm-graph churn report, "
            "crm-graph query --list, crm-graph campaign list"
        )
    if serve_api:
        _serve_demo(settings, out.parent / "demo-api-keys.txt", port, at_risk)


def _serve_demo(
    settings: Settings, keys_file: Path, port: int, at_risk: list[dict[str, Any]]
) -> None:
    """Serve the API and web page for the demo; create demo keys when none are set."""
    import os

    import uvicorn

    from crm_graph.api import create_app
    from crm_graph.api.security import digest, new_key, parse_keys

    keys = parse_keys(settings.api_keys.get_secret_value(), settings.api_keys_file)
    shown: dict[str, str] = {}
    if not keys.roles_by_digest:
        shown = {"marketing": new_key(), "analyst": new_key()}
        keys_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(keys_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("# demo keys (digests only), made by crm-graph demo\n")
            for role, key in shown.items():
                handle.write(f"{role}:sha256:{digest(key)}\n")
        settings = settings.model_copy(update={"api_keys_file": keys_file})
    base = f"http://127.0.0.1:{port}"
    console.print(
        f"\n[bold]Open {base}/app/[/bold] (the planner's page) and {base}/docs (OpenAPI)."
    )
    if shown:
        console.print(f"Demo keys (shown once; digests in {keys_file}):")
        for role, key in shown.items():
            console.print(f"  {role}: {key}")
        sample = at_risk[0]["customer_id"] if at_risk else "<customer_id>"
        key = shown["analyst"]
        console.print(
            "Try:\n"
            f"  curl -s {base}/ready\n"
            f'  curl -s -H "X-API-Key: {key}" "{base}/v1/churn/at-risk?tier=wealth&limit=3"\n'
            f'  curl -s -H "X-API-Key: {key}" {base}/v1/customers/{sample}/recommendations\n'
            f'  curl -s -H "X-API-Key: {key}" {base}/v1/campaigns'
        )
    console.print("Serving until Ctrl-C.")
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn crm-graph errors into one line and exit code 1.

    Usage errors are reported by typer itself with exit code 2. Warnings of the
    library (no GDS on the server, no ties in the graph) are one line each too.
    """
    import warnings

    def one_line_warning(message: Warning | str, *_: Any, **__: Any) -> None:
        console.print(f"[yellow]warning:[/yellow] {message}", highlight=False, soft_wrap=True)

    warnings.showwarning = one_line_warning
    try:
        app(args=argv)
    except CrmGraphError as exc:
        one_line = " ".join(exc.message.split())
        console.print(f"[red]error:[/red] {one_line}", highlight=False, soft_wrap=True, markup=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
