"""``/v1/queries``: the analysts' Cypher library, read-only, with checked parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from crm_graph.api.deps import Caller, DbDep, require
from crm_graph.api.routes.customers import ERRORS
from crm_graph.api.schemas import QueryInfo, QueryRequest, QueryResult
from crm_graph.api.security import Role
from crm_graph.queries import get_query, list_queries, run_query

router = APIRouter(prefix="/v1/queries", tags=["queries"])
Analysts = Annotated[Caller, Depends(require(Role.ANALYST))]
#: Most rows one answer carries; library queries bound themselves with their limits.
MAX_ROWS = 1000


@router.get("", response_model=list[QueryInfo], responses=ERRORS)
def list_library(caller: Analysts) -> list[QueryInfo]:
    """Every library query with its question, parameters and columns."""
    return [QueryInfo(**spec.as_dict()) for spec in list_queries()]


@router.post("/{name}", response_model=QueryResult, responses=ERRORS)
def run_library_query(
    name: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")],
    body: QueryRequest,
    db: DbDep,
    caller: Analysts,
) -> QueryResult:
    """Run a library query in a READ transaction; parameters are checked by declaration.

    Columns the query declares as personal data (``pii``) are null for roles that may
    not see personal data.
    """
    spec = get_query(name)
    rows = run_query(db, name, dict(body.params))
    if not caller.sees_pii:
        for row in rows:
            for column in spec.pii:
                row[column] = None
    return QueryResult(
        name=name,
        columns=list(spec.columns),
        items=rows[:MAX_ROWS],
        truncated=len(rows) > MAX_ROWS,
    )
