"""The FastAPI application: routers, error handlers, limits.

:func:`create_app` builds the app from settings (by default :func:`get_settings`).
It opens one Neo4j driver for the process without waiting for the server: when
Neo4j is down, requests answer 503 with ``Retry-After`` and the driver reconnects
by itself once the server is back (no API restart).

Errors are answered as ``{"error": {"code", "message"[, "field"]}}``; library
errors are turned into status codes here and only here: unknown entity 404, bad
parameters 422 (with the field), Neo4j unreachable 503, a write attempt through a
read endpoint 403, anything unexpected 500 with no details (it is logged).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_graph import __version__
from crm_graph.analytics.campaign import PlanCache
from crm_graph.api.audit import AuditMiddleware
from crm_graph.api.deps import ApiError
from crm_graph.api.routes import (
    campaigns,
    churn,
    clusters,
    customers,
    health,
    queries,
    resolution,
)
from crm_graph.api.security import parse_keys
from crm_graph.audit import AuditLog
from crm_graph.config import Settings, get_settings
from crm_graph.db import Database, connect
from crm_graph.errors import (
    ConfigError,
    CypherNotFound,
    DatabaseError,
    DatabaseUnavailable,
    NotFoundError,
    QueryParameterError,
)

__all__ = ["STATIC", "create_app"]

#: The planner's web page, served at ``/app`` (plain files, no build step).
STATIC = Path(__file__).parent / "static"

log = logging.getLogger("crm_graph.api")


def _error(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    return JSONResponse({"error": body}, status_code=status, headers=headers)


class BodyLimit:
    """Refuse request bodies larger than ``limit`` bytes with 413 (declared or streamed)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _error(413, "too_large", f"request body over {self.limit} bytes")(
                scope, receive, send
            )
            return
        seen = 0
        too_large = False

        async def limited() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    too_large = True
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _error(413, "too_large", f"request body over {self.limit} bytes")(
                scope, receive, send
            )


class _TooLarge(Exception):
    pass


def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "request"


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.field, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = _field(first.get("loc", ()))
        return _error(422, "validation", f"{field}: {first.get('msg')}", field)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(
            exc.status_code,
            f"http_{exc.status_code}",
            str(exc.detail),
            None,
            dict(exc.headers or {}),
        )

    @app.exception_handler(QueryParameterError)
    async def bad_parameter(_: Request, exc: QueryParameterError) -> JSONResponse:
        return _error(422, exc.code, exc.message, f"params.{exc.parameter}")

    @app.exception_handler(CypherNotFound)
    async def no_query(_: Request, exc: CypherNotFound) -> JSONResponse:
        return _error(404, "not_found", exc.message)

    @app.exception_handler(NotFoundError)
    async def not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return _error(404, "not_found", exc.message)

    @app.exception_handler(ConfigError)
    async def config_error(_: Request, exc: ConfigError) -> JSONResponse:
        return _error(422, exc.code, exc.message)

    @app.exception_handler(DatabaseUnavailable)
    async def unavailable(_: Request, exc: DatabaseUnavailable) -> JSONResponse:
        log.warning("Neo4j unavailable: %s", exc.message)
        return _error(
            503,
            "unavailable",
            "the graph database is unavailable; retry shortly",
            None,
            {"Retry-After": "5"},
        )

    @app.exception_handler(DatabaseError)
    async def database_error(_: Request, exc: DatabaseError) -> JSONResponse:
        if "AccessMode" in exc.message or "read access mode" in exc.message.lower():
            return _error(403, "read_only", "this endpoint is read-only; the write was refused")
        log.error("database error: %s", exc.message)
        return _error(500, "internal", "internal error")

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return _error(500, "internal", "internal error")


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    """Build the API.

    Parameters
    ----------
    settings : Settings, optional
        Default: :func:`crm_graph.config.get_settings`.
    db : Database, optional
        Use this database instead of opening one from the settings (tests); the app
        then does not close it.

    Returns
    -------
    fastapi.FastAPI

    Raises
    ------
    ConfigError
        If the API keys are malformed or the audit folder cannot be written
        (checked before serving).
    """
    settings = settings or get_settings()
    keys = parse_keys(settings.api_keys.get_secret_value(), settings.api_keys_file)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = db is None
        app.state.db = db or Database(
            connect(
                settings.uri,
                settings.neo4j_user,
                settings.neo4j_password.get_secret_value(),
                verify=False,
                retry_s=settings.api_db_retry_s,
            ),
            settings.neo4j_database,
            owns_driver=True,
        )
        # What exists now (modules, the app, the driver) lives as long as the process:
        # frozen, it is left out of every later collection. Unfrozen, each full collection
        # scanned it all, 100 to 150 ms during which every request waited (docs/api.md).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if owned:
                app.state.db.close()

    app = FastAPI(
        title="crm-graph",
        version=__version__,
        summary="A bank's customers as one graph: 360 views, clusters, churn, recommendations.",
        description=(
            "Send your key in the `X-API-Key` header (not needed for /health and /ready). "
            "Lists are `{items, next_cursor}`: pass `next_cursor` as `cursor` for the next "
            "page. Errors are `{error: {code, message, field?}}`."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.keys = keys
    app.state.cache = {}
    # word-of-mouth samples and graph reads kept between campaign plans (PlanCache)
    app.state.plan_cache = PlanCache()
    if db is not None:
        app.state.db = db
    _install_handlers(app)
    for module in (health, customers, clusters, churn, campaigns, queries, resolution):
        app.include_router(module.router)
    app.mount("/app", StaticFiles(directory=STATIC, html=True), name="app")
    app.add_middleware(BodyLimit, limit=settings.api_max_body_bytes)
    # outermost: a request refused by the body limit is audited too
    app.add_middleware(
        AuditMiddleware, audit=AuditLog(settings.audit_folder, settings.audit_max_bytes)
    )
    return app
