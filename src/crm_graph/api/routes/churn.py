"""``/v1/churn``: the retention list and what-if cascades."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from crm_graph.analytics.churn import follow_probabilities, retention_list, what_if
from crm_graph.api.deps import (
    ApiError,
    Caller,
    DbDep,
    check_tiers,
    decode_cursor,
    encode_cursor,
    require,
    require_analysis,
)
from crm_graph.api.routes.customers import ERRORS
from crm_graph.api.schemas import (
    AtRiskItem,
    AtRiskPage,
    ChurnFlow,
    ChurnFlows,
    ErrorResponse,
    WhatIfRequest,
    WhatIfResult,
)
from crm_graph.api.security import Role
from crm_graph.errors import NotFoundError
from crm_graph.queries import run_query

router = APIRouter(prefix="/v1/churn", tags=["churn"])
Browsing = Annotated[Caller, Depends(require(Role.ANALYST, Role.MARKETING))]
#: Follow probabilities change only when the data does; re-estimated at most this often.
PROBABILITY_TTL_S = 600.0


@router.get(
    "/at-risk", response_model=AtRiskPage, responses={**ERRORS, 409: {"model": ErrorResponse}}
)
def at_risk(
    db: DbDep,
    caller: Browsing,
    tier: Annotated[
        str | None,
        Query(pattern=r"^[a-z][a-z0-9_]{0,31}$", description="Only this tier (`GET /v1/tiers`)."),
    ] = None,
    min_value: Annotated[
        float, Query(ge=0.0, le=1.0, description="Minimum value score (0 to 1).")
    ] = 0.0,
    limit: Annotated[int, Query(ge=1, le=200, description="Customers per page.")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=300, description="next_cursor of the previous page.")
    ] = None,
) -> AtRiskPage:
    """Active customers by retention priority (risk x value x influence), with their RM."""
    if tier is not None:
        check_tiers(db, [tier], "tier")
    after = decode_cursor(cursor, ("p", "id")) if cursor else None
    try:
        position = (float(after["p"]), str(after["id"])) if after else None
    except (TypeError, ValueError):
        raise ApiError(422, "validation", "cursor is not valid", field="cursor") from None
    rows = retention_list(db, limit=limit + 1, tier=tier, min_value=min_value, after=position)
    if not rows and position is None:
        require_analysis(db, "churn")
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        AtRiskItem(
            **{
                **r,
                "name": caller.name(r.get("name"), r.get("kind")),
                "drivers": r.get("drivers") or [],
            }
        )
        for r in rows
    ]
    last = rows[-1] if rows else None
    return AtRiskPage(
        items=items,
        next_cursor=encode_cursor({"p": last["retention_priority"], "id": last["customer_id"]})
        if more and last
        else None,
    )


@router.post("/what-if", response_model=WhatIfResult, responses=ERRORS)
def churn_what_if(
    body: WhatIfRequest, request: Request, db: DbDep, caller: Browsing
) -> WhatIfResult:
    """If this customer leaves, who follows? Independent-cascade estimate over the tie graph."""
    cache = request.app.state.cache
    cached = cache.get("follow_probabilities")
    if cached is None or time.monotonic() - cached[0] > PROBABILITY_TTL_S:
        cached = (time.monotonic(), follow_probabilities(db))
        cache["follow_probabilities"] = cached
    try:
        result = what_if(
            db, body.customer_id, probabilities=cached[1], runs=body.runs, seed=body.seed
        )
    except NotFoundError:
        raise ApiError(404, "not_found", f"no customer {body.customer_id!r}") from None
    for f in result["followers"]:
        f["name"] = caller.name(f.get("name"), "person")
    return WhatIfResult(**result)


@router.get("/flows", response_model=ChurnFlows, responses=ERRORS)
def flows(db: DbDep, caller: Browsing) -> ChurnFlows:
    """Where churned customers went: customers and money per competitor (library query)."""
    return ChurnFlows(items=[ChurnFlow(**r) for r in run_query(db, "count_churn_destinations")])
