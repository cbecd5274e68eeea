"""``/v1/resolution``: the review queue of identity resolution (admin only)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from crm_graph.api.deps import Caller, DbDep, require
from crm_graph.api.routes.customers import ERRORS
from crm_graph.api.schemas import ConflictPage, ResolutionConflict
from crm_graph.api.security import Role

router = APIRouter(prefix="/v1/resolution", tags=["resolution"])
Admin = Annotated[Caller, Depends(require(Role.ADMIN))]


@router.get("/review", response_model=ConflictPage, responses=ERRORS)
def review_queue(
    db: DbDep,
    caller: Admin,
    status: Annotated[
        Literal["open", "accepted", "rejected", "all"], Query(description="Which conflicts.")
    ] = "open",
    limit: Annotated[int, Query(ge=1, le=1000, description="Conflicts to list.")] = 100,
) -> ConflictPage:
    """List the merges the resolver refused, newest first, with each record's customer now.

    Decide them with `crm-graph resolve decide` (docs/loading.md, "The review queue").
    """
    rows = db.read_autocommit(
        "resolution/list_conflicts", status=None if status == "all" else status, limit=limit
    )
    return ConflictPage(items=[ResolutionConflict(**r) for r in rows])
