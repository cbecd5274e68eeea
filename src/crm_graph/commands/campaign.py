"""``crm-graph campaign``: plan, list, outcomes and results of campaigns."""

from __future__ import annotations

from pathlib import Path
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
    parse_date,
    progress_printer,
)
from crm_graph.config import get_settings
from crm_graph.errors import ConfigError

__all__ = ["campaign_app"]


campaign_app = typer.Typer(
    help="Cross-sell campaigns: plan (targets, word-of-mouth seeds, control), outcomes, results.",
    no_args_is_help=True,
)


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
