"""``crm-graph churn``: the retention list, what-if cascades, why customers left."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from crm_graph.audit import customer_ids_in
from crm_graph.commands.audit import record_cli
from crm_graph.commands.common import (
    JsonOpt,
    check_tiers,
    console,
    emit,
    open_database,
)
from crm_graph.config import get_settings
from crm_graph.errors import ConfigError

__all__ = ["churn_app"]


churn_app = typer.Typer(
    help="Churn: retention list, what-if cascades, where and why customers left.",
    no_args_is_help=True,
)


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
