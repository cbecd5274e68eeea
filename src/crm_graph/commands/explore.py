"""``crm-graph clusters``, ``query``, ``evaluate`` and ``report``: reading the results."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from crm_graph.audit import customer_ids_in
from crm_graph.commands.audit import record_cli
from crm_graph.commands.common import (
    JsonOpt,
    console,
    emit,
    open_database,
)
from crm_graph.config import get_settings
from crm_graph.errors import ConfigError

__all__ = ["clusters_cmd", "evaluate_cmd", "query_cmd", "report"]


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
