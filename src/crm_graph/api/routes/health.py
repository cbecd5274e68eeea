"""``/health`` and ``/ready``: no key needed."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from crm_graph.api.deps import DbDep
from crm_graph.api.schemas import Health, Ready
from crm_graph.db import schema_statements
from crm_graph.errors import DatabaseError

router = APIRouter(tags=["health"])
ANALYSES = ("segments_at", "clusters_at", "churn_at", "crosssell_at")


@router.get("/health", response_model=Health)
def health() -> Health:
    """Answer that the process is up (says nothing about Neo4j)."""
    return Health(status="ok")


@router.get("/ready", response_model=Ready, responses={503: {"model": Ready}})
def ready(db: DbDep) -> JSONResponse:
    """Neo4j answers, the schema is in place, and when each analysis last ran."""
    expected = sum("CONSTRAINT" in s for s in schema_statements())
    try:
        constraints = len(db.read_autocommit("admin/list_constraints"))
        stamps = db.read_autocommit("api/read_analysis_stamps")[0]
    except DatabaseError:
        body = Ready(status="not_ready", neo4j=False, schema_ok=False, customers=0, analytics={})
        return JSONResponse(
            body.model_dump(by_alias=True), status_code=503, headers={"Retry-After": "5"}
        )
    schema_ok = constraints >= expected
    body = Ready(
        status="ready" if schema_ok else "not_ready",
        neo4j=True,
        schema_ok=schema_ok,
        customers=int(stamps["customers"]),
        analytics={k: stamps[k] for k in ANALYSES},
    )
    return JSONResponse(
        body.model_dump(by_alias=True),
        status_code=200 if schema_ok else 503,
        headers={} if schema_ok else {"Retry-After": "5"},
    )
