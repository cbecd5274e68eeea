"""``/v1/customers``: the 360 view, recommendations and the ego network."""

from __future__ import annotations

import time
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from crm_graph.analytics.crosssell import ScoringContext
from crm_graph.analytics.ondemand import (
    read_scoring_context,
    recommend_customer,
    scoring_model_stamp,
)
from crm_graph.api.deps import ApiError, Caller, DbDep, require, require_analysis
from crm_graph.api.schemas import (
    Customer360,
    ErrorResponse,
    NetworkEdge,
    NetworkNode,
    NetworkResponse,
    Recommendation,
    RecommendationPage,
)
from crm_graph.api.security import Role
from crm_graph.db import Database

router = APIRouter(prefix="/v1/customers", tags=["customers"])

CustomerId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_:\-]+$",
        description="Golden customer id.",
        examples=["C55092116652E"],
    ),
]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse},
    403: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
    422: {"model": ErrorResponse},
    503: {"model": ErrorResponse},
}
AnyRole = Annotated[
    Caller, Depends(require(Role.ANALYST, Role.MARKETING, Role.SERVICE, Role.ADMIN))
]
Browsing = Annotated[Caller, Depends(require(Role.ANALYST, Role.MARKETING))]

_SCORES = (
    "risk_grade",  # the bank's credit grade, 1 lowest risk to 5, from core banking
    "tier",
    "value_score",
    "community",
    "influence",
    "churn_risk",
    "churn_exposure",
    "churn_drivers",
    "retention_priority",
    "high_value_at_risk",
    "segments_computed_at",
    "clusters_computed_at",
    "churn_computed_at",
)


def _not_found(customer_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no customer {customer_id!r}")


@router.get("/{customer_id}", response_model=Customer360, responses=ERRORS)
def get_customer(customer_id: CustomerId, db: DbDep, caller: AnyRole) -> Customer360:
    """Return the 360 view: what the customer has, can do and did, scores, service team."""
    rows = db.read_autocommit("api/read_customer", customer_id=customer_id, contacts=10)
    if not rows:
        raise _not_found(customer_id)
    row = rows[0]
    c: dict[str, Any] = row["customer"]
    accounts = [a for a in row["accounts"] if a]
    months = c.get("balance_months") or []
    history = c.get("balance_history") or []
    sources = [s for s in row["sources"] if s]
    if not caller.sees_pii:
        for s in sources:
            s.pop("name_masked", None)
    return Customer360(
        customer_id=c["customer_id"],
        name=caller.name(c.get("name"), c.get("kind")),
        kind=c.get("kind"),
        status=c.get("status"),
        since=c.get("since"),
        branch=row["branch"],
        relationship_manager=row["relationship_manager"],
        has={
            "aum": c.get("aum"),
            "products": sorted(
                {a["product_id"] for a in accounts if a["product_id"] and a["status"] != "closed"}
            ),
            "accounts": accounts,
            "balances": [{"month": m, "balance": b} for m, b in zip(months, history, strict=False)],
        },
        can_do={
            "channels": [ch for ch in row["channels"] if ch],
            # false: refused marketing (no recommendations are made); None: not recorded
            "marketing_consent": c.get("marketing_consent"),
        },
        did={"contacts": [k for k in row["contacts"] if k], "transfers": row["transfers"]},
        scores={k: c.get(k) for k in _SCORES},
        sources=sources,
    )


@router.get(
    "/{customer_id}/recommendations",
    response_model=RecommendationPage,
    responses={**ERRORS, 409: {"model": ErrorResponse}},
)
def get_recommendations(
    customer_id: CustomerId,
    request: Request,
    db: DbDep,
    caller: AnyRole,
    limit: Annotated[int, Query(ge=1, le=20, description="Products to return.")] = 5,
    fresh: Annotated[
        bool,
        Query(
            description="Score now, from the customer's current accounts and ties, against "
            "the last cross-sell run's model (for new customers or fresh data), instead of "
            "returning the stored top products."
        ),
    ] = False,
    as_of: Annotated[
        date | None,
        Query(
            description="With fresh: count holdings live on this day (default: the date of "
            "the data the cross-sell model was trained on)."
        ),
    ] = None,
) -> RecommendationPage:
    """Products the customer does not hold yet, best first, with the paths that explain them."""
    if fresh:
        return _fresh_recommendations(customer_id, request, db, limit, as_of)
    found = db.read_autocommit("api/read_recommendations", customer_id=customer_id, limit=limit)
    if not found:
        raise _not_found(customer_id)
    rows = found[0]["items"]
    if not rows:
        require_analysis(db, "crosssell")
    return RecommendationPage(
        customer_id=customer_id,
        items=[Recommendation(**{k: r[k] for k in Recommendation.model_fields}) for r in rows],
        computed_at=rows[0]["computed_at"] if rows else None,
    )


#: How long a cached cross-sell model is used before checking the graph for a newer one.
MODEL_CHECK_S = 30.0


def _scoring_context(request: Request, db: Database) -> ScoringContext:
    """Return the last cross-sell model, cached per app, reread when a newer one exists."""
    cache = request.app.state.cache
    cached = cache.get("crosssell_context")
    now = time.monotonic()
    if cached is not None and now - cached[0] < MODEL_CHECK_S:
        context: ScoringContext = cached[1]
        return context
    if cached is not None and scoring_model_stamp(db) == cached[1].computed_at:
        cache["crosssell_context"] = (now, cached[1])
        kept: ScoringContext = cached[1]
        return kept
    found = read_scoring_context(db)
    if found is None:
        raise ApiError(
            409,
            "not_computed",
            "no cross-sell model in the graph yet: run `crm-graph analyze crosssell` first",
        )
    cache["crosssell_context"] = (now, found)
    return found


def _fresh_recommendations(
    customer_id: str, request: Request, db: Database, limit: int, as_of: date | None
) -> RecommendationPage:
    context = _scoring_context(request, db)
    day = as_of or context.as_of  # the date of the data the model was trained on
    items = recommend_customer(db, context, customer_id, as_of=day, k=limit)
    if items is None:
        raise _not_found(customer_id)
    return RecommendationPage(
        customer_id=customer_id,
        items=[Recommendation(**r) for r in items],
        computed_at=context.computed_at,
        on_demand=True,
        as_of=day.isoformat(),
    )


@router.get("/{customer_id}/network", response_model=NetworkResponse, responses=ERRORS)
def get_network(
    customer_id: CustomerId,
    db: DbDep,
    caller: Browsing,
    depth: Annotated[int, Query(ge=1, le=2, description="Steps from the customer.")] = 1,
    limit: Annotated[int, Query(ge=1, le=500, description="Most nodes to return.")] = 100,
) -> NetworkResponse:
    """Return the customer's ego network (ties to other customers) as nodes and edges."""
    centre = db.read_autocommit("api/read_customer_node", customer_id=customer_id)
    if not centre:
        raise _not_found(customer_id)
    nodes: dict[str, dict[str, Any]] = {customer_id: {**centre[0]["node"], "depth": 0}}
    edges: dict[tuple[str, str, str], NetworkEdge] = {}
    frontier = [customer_id]
    truncated = False
    for step in range(1, depth + 1):
        rows = db.read_autocommit("api/read_neighbours", ids=frontier, limit=limit)
        following: list[str] = []
        for r in rows:
            other = r["neighbour"]["customer_id"]
            if other not in nodes:
                if len(nodes) >= limit:
                    truncated = True
                    continue
                nodes[other] = {**r["neighbour"], "depth": step}
                following.append(other)
            edges[(r["source"], r["target"], r["type"])] = NetworkEdge(
                source=r["source"], target=r["target"], type=r["type"], amount=r["amount"]
            )
        frontier = following
        if not frontier:
            break
    return NetworkResponse(
        customer_id=customer_id,
        depth=depth,
        nodes=[
            NetworkNode(**{**n, "name": caller.name(n.get("name"), n.get("kind"))})
            for n in nodes.values()
        ],
        edges=[e for e in edges.values() if e.source in nodes and e.target in nodes],
        truncated=truncated,
    )
