"""``/v1/products`` and ``/v1/campaigns``: plan cross-sell campaigns and follow them up."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from crm_graph.analytics.campaign import (
    CampaignRequest,
    Target,
    campaign_results,
    plan_campaign,
    record_campaign,
)
from crm_graph.api.deps import (
    ApiError,
    Caller,
    DbDep,
    PlanCacheDep,
    check_tiers,
    decode_cursor,
    encode_cursor,
    require,
    stored_tiers,
)
from crm_graph.api.routes.customers import ERRORS
from crm_graph.api.schemas import (
    CampaignIn,
    CampaignPage,
    CampaignPlanOut,
    CampaignResultsOut,
    CampaignSummary,
    CampaignTarget,
    ChannelList,
    ChannelOut,
    ErrorResponse,
    Product,
    ProductList,
    TiersOut,
)
from crm_graph.api.security import Role

router = APIRouter(tags=["campaigns"])
Planner = Annotated[Caller, Depends(require(Role.MARKETING))]
Browsing = Annotated[Caller, Depends(require(Role.ANALYST, Role.MARKETING))]
#: Targets per group returned with a campaign's results.
TARGETS_SHOWN = 200


@router.get("/v1/products", response_model=ProductList, responses=ERRORS)
def products(db: DbDep, caller: Browsing) -> ProductList:
    """List the product catalogue, with how many customers have each among their recommendations."""
    return ProductList(items=[Product(**r) for r in db.read_autocommit("api/read_products")])


@router.get("/v1/channels", response_model=ChannelList, responses=ERRORS)
def channels(db: DbDep, caller: Browsing) -> ChannelList:
    """List the bank's channels, most used first (active customers enrolled)."""
    return ChannelList(items=[ChannelOut(**r) for r in db.read("campaign/read_channels")])


@router.get(
    "/v1/tiers", response_model=TiersOut, responses={**ERRORS, 409: {"model": ErrorResponse}}
)
def tiers(db: DbDep, caller: Browsing) -> TiersOut:
    """List the service tiers of the last segments run, highest first (the bank's names)."""
    found = stored_tiers(db)
    return TiersOut(tiers=list(found.names), base=found.base, computed_at=found.computed_at)


def _target(t: Target | dict[str, Any], caller: Caller) -> CampaignTarget:
    row = t if isinstance(t, dict) else asdict(t)
    fields: dict[str, Any] = {k: row.get(k) for k in CampaignTarget.model_fields}
    fields["name"] = caller.name(row.get("name"), row.get("kind"))
    fields["reasons"] = list(row.get("reasons") or [])
    return CampaignTarget.model_validate(fields)


@router.post(
    "/v1/campaigns",
    response_model=CampaignPlanOut,
    responses={**ERRORS, 409: {"model": ErrorResponse}},
)
def plan(body: CampaignIn, db: DbDep, caller: Planner, cache: PlanCacheDep) -> CampaignPlanOut:
    """Plan a cross-sell campaign: targets, word-of-mouth seeds, control group, yield.

    Recorded in the graph (Campaign, PROMOTES, TARGETED) unless ``dry_run``.
    """
    if body.tiers:
        check_tiers(db, body.tiers, "tiers", indexed=True)
    if body.channel is not None:
        known = [str(c["channel_id"]) for c in db.read("campaign/read_channels")]
        if body.channel not in known:
            raise ApiError(
                422,
                "validation",
                f"no channel {body.channel!r}; the channels are {', '.join(known) or 'none'}",
                "channel",
            )
    request = CampaignRequest(
        product_id=body.product_id,
        budget=body.budget,
        name=body.name,
        tiers=tuple(body.tiers) if body.tiers else None,
        branch_id=body.branch_id,
        community=body.community,
        channel=body.channel,
        exclude_contacted_days=body.exclude_contacted_days,
        rm_capacity_per_week=body.rm_capacity_per_week,
        weeks=body.weeks,
        seeds=body.seeds,
        control_share=body.control_share,
        starts_on=body.starts_on,
    )
    result = plan_campaign(db, request, cache=cache)
    recorded = False
    if not body.dry_run:
        record_campaign(db, result, planned_by=f"api:{caller.role.value}")
        recorded = True
    data = result.to_dict()
    data["contacts"] = [_target(t, caller) for t in result.contacts]
    data["control"] = [_target(t, caller) for t in result.control]
    return CampaignPlanOut(**data, recorded=recorded)


def _summary(row: dict[str, Any]) -> CampaignSummary:
    c = row["campaign"]
    return CampaignSummary(
        campaign_id=c["campaign_id"],
        name=c.get("name"),
        product_id=row.get("product_id"),
        product=row.get("product"),
        starts_on=c.get("starts_on"),
        ends_on=c.get("ends_on"),
        planned_at=c.get("planned_at"),
        planned_by=c.get("planned_by"),
        budget=c.get("budget"),
        expected_conversions=c.get("expected_conversions"),
        targeted=int(row.get("targeted") or 0),
    )


@router.get("/v1/campaigns", response_model=CampaignPage, responses=ERRORS)
def campaigns(
    db: DbDep,
    caller: Browsing,
    limit: Annotated[int, Query(ge=1, le=100, description="Campaigns per page.")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=300, description="next_cursor of the previous page.")
    ] = None,
) -> CampaignPage:
    """List recorded campaigns, newest first."""
    after = decode_cursor(cursor, ("at", "id")) if cursor else {"at": None, "id": None}
    rows = db.read_autocommit(
        "campaign/read_campaigns",
        after_at=None if after["at"] is None else str(after["at"]),
        after_id=None if after["id"] is None else str(after["id"]),
        limit=limit + 1,
    )
    more = len(rows) > limit
    items = [_summary(r) for r in rows[:limit]]
    last = items[-1] if items else None
    return CampaignPage(
        items=items,
        next_cursor=encode_cursor({"at": last.planned_at, "id": last.campaign_id})
        if more and last
        else None,
    )


@router.get("/v1/campaigns/{campaign_id}", response_model=CampaignResultsOut, responses=ERRORS)
def campaign(
    campaign_id: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_:\-]+$")],
    db: DbDep,
    caller: Browsing,
) -> CampaignResultsOut:
    """Show a recorded campaign: conversion and response per group, uplift over control."""
    results = campaign_results(db, campaign_id)
    shown: dict[str, int] = {}
    targets = []
    for t in results.targets:
        shown[t["group"]] = shown.get(t["group"], 0) + 1
        if shown[t["group"]] <= TARGETS_SHOWN:
            targets.append(_target(t, caller))
    summary = _summary(
        {
            "campaign": results.campaign,
            "product_id": results.product_id,
            "product": results.product,
            "targeted": len(results.targets),
        }
    )
    return CampaignResultsOut(
        campaign=summary,
        groups=results.groups,  # type: ignore[arg-type]
        uplift=results.uplift,
        uplift_interval=results.uplift_interval,
        targets=targets,
    )
