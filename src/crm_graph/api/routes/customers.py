"""``/v1/customers``: the 360 view, recommendations and the ego network."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from crm_graph.api.deps import ApiError, Caller, DbDep, require
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
    rows = db.read("api/read_customer", customer_id=customer_id, contacts=10)
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
        can_do={"channels": [ch for ch in row["channels"] if ch]},
        did={"contacts": [k for k in row["contacts"] if k], "transfers": row["transfers"]},
        scores={k: c.get(k) for k in _SCORES},
        sources=sources,
    )


@router.get("/{customer_id}/recommendations", response_model=RecommendationPage, responses=ERRORS)
def get_recommendations(
    customer_id: CustomerId,
    db: DbDep,
    caller: AnyRole,
    limit: Annotated[int, Query(ge=1, le=20, description="Products to return.")] = 5,
) -> RecommendationPage:
    """Products the customer does not hold yet, best first, with the paths that explain them."""
    found = db.read("api/read_recommendations", customer_id=customer_id, limit=limit)
    if not found:
        raise _not_found(customer_id)
    rows = found[0]["items"]
    return RecommendationPage(
        customer_id=customer_id,
        items=[Recommendation(**{k: r[k] for k in Recommendation.model_fields}) for r in rows],
        computed_at=rows[0]["computed_at"] if rows else None,
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
    centre = db.read("api/read_customer_node", customer_id=customer_id)
    if not centre:
        raise _not_found(customer_id)
    nodes: dict[str, dict[str, Any]] = {customer_id: {**centre[0]["node"], "depth": 0}}
    edges: dict[tuple[str, str, str], NetworkEdge] = {}
    frontier = [customer_id]
    truncated = False
    for step in range(1, depth + 1):
        rows = db.read("api/read_neighbours", ids=frontier, limit=limit)
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
