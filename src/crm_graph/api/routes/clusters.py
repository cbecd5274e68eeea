"""``/v1/clusters``: influence clusters with their stats and influencers."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from crm_graph.api.deps import (
    ApiError,
    Caller,
    DbDep,
    decode_cursor,
    encode_cursor,
    require,
    require_analysis,
)
from crm_graph.api.routes.customers import ERRORS
from crm_graph.api.schemas import ClusterDetail, ClusterPage, ClusterSummary, ErrorResponse
from crm_graph.api.security import Role

router = APIRouter(prefix="/v1/clusters", tags=["clusters"])
Browsing = Annotated[Caller, Depends(require(Role.ANALYST, Role.MARKETING))]


@router.get("", response_model=ClusterPage, responses={**ERRORS, 409: {"model": ErrorResponse}})
def list_clusters(
    db: DbDep,
    caller: Browsing,
    limit: Annotated[int, Query(ge=1, le=200, description="Clusters per page.")] = 20,
    min_size: Annotated[int, Query(ge=2, le=10_000_000, description="Smallest cluster.")] = 2,
    cursor: Annotated[
        str | None, Query(max_length=200, description="next_cursor of the previous page.")
    ] = None,
) -> ClusterPage:
    """Clusters, largest first (written by `crm-graph analyze clusters`)."""
    after = decode_cursor(cursor, ("s", "c")) if cursor else None
    rows = db.read_autocommit(
        "api/read_clusters",
        min_size=min_size,
        after_size=int(after["s"]) if after else None,
        after_community=int(after["c"]) if after else None,
        limit=limit + 1,
    )
    if not rows and after is None:
        require_analysis(db, "clusters")
    more = len(rows) > limit
    rows = rows[:limit]
    return ClusterPage(
        items=[ClusterSummary(**r) for r in rows],
        next_cursor=encode_cursor({"s": rows[-1]["size"], "c": rows[-1]["community"]})
        if more
        else None,
    )


@router.get("/{community}", response_model=ClusterDetail, responses=ERRORS)
def get_cluster(
    community: Annotated[int, Path(ge=0, le=2**31 - 1, description="Cluster id.")],
    db: DbDep,
    caller: Browsing,
) -> ClusterDetail:
    """One cluster: size, tiers, AUM, fees, penetration, churn rate, influencers, label."""
    rows = db.read_autocommit("api/read_cluster", community=community)
    if not rows:
        raise ApiError(404, "not_found", f"no cluster {community} (clusters of 2 or more)")
    profile = json.loads(rows[0]["profile"])
    for person in profile["influencers"]:
        person["name"] = caller.name(person.get("name"), person.get("kind"))
    return ClusterDetail(**profile, computed_at=rows[0]["computed_at"])
