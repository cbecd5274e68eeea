"""Dependencies of the API routes: settings, the database, the caller's role.

Routes declare what they need with the ``Annotated`` aliases (``SettingsDep``,
``DbDep``, ``Caller``); tests override :func:`get_api_settings` through
``app.dependency_overrides`` or build the app with their own settings.

The dependencies here do no I/O, so they are ``async def``: FastAPI runs a plain
``def`` dependency in its thread pool, a hop per dependency and request, while the
routes themselves (blocking driver calls) are the one hop a request needs.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from crm_graph.analytics.campaign import PlanCache
from crm_graph.analytics.segments import Tiers, read_tiers
from crm_graph.api.security import PII_ROLES, ApiKeys, Role, mask_name
from crm_graph.config import Settings
from crm_graph.db import Database

__all__ = [
    "ApiError",
    "Caller",
    "DbDep",
    "SettingsDep",
    "decode_cursor",
    "encode_cursor",
    "get_api_settings",
    "get_db",
    "require",
]

_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")


class ApiError(Exception):
    """An error the API answers with ``{"error": {"code", "message"[, "field"]}}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


async def get_api_settings(request: Request) -> Settings:
    """Return the settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> Database:
    """Return the app's database (one driver, shared by all requests)."""
    db: Database = request.app.state.db
    return db


async def get_plan_cache(request: Request) -> PlanCache:
    """Return what campaign plans keep between requests (one per app)."""
    cache: PlanCache = request.app.state.plan_cache
    return cache


SettingsDep = Annotated[Settings, Depends(get_api_settings)]
DbDep = Annotated[Database, Depends(get_db)]
PlanCacheDep = Annotated[PlanCache, Depends(get_plan_cache)]


@dataclass(frozen=True)
class CallerInfo:
    """Who is calling: the role of their API key."""

    role: Role

    @property
    def sees_pii(self) -> bool:
        """Whether this caller may see personal data unmasked."""
        return self.role in PII_ROLES

    def name(self, name: str | None, kind: str | None) -> str | None:
        """Return a customer name as this caller may see it."""
        return name if self.sees_pii else mask_name(name, kind)


async def _caller(
    request: Request, key: Annotated[str | None, Security(_key_header)] = None
) -> CallerInfo:
    keys: ApiKeys = request.app.state.keys
    role = keys.role_of(key)
    request.state.audit_role = role  # who the access audit names
    if role is None:
        raise ApiError(
            401,
            "unauthorized",
            "missing or unknown API key (header X-API-Key)",
            headers={"WWW-Authenticate": "ApiKey"},
        )
    return CallerInfo(role)


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, CallerInfo]]:
    """Build a dependency that admits only ``roles`` (admin is always admitted)."""
    allowed = frozenset(roles) | {Role.ADMIN}

    async def check(caller: Annotated[CallerInfo, Depends(_caller)]) -> CallerInfo:
        if caller.role not in allowed:
            raise ApiError(
                403,
                "forbidden",
                f"the {caller.role.value} role may not use this endpoint "
                f"(allowed: {', '.join(sorted(r.value for r in allowed))})",
            )
        return caller

    return check


Caller = CallerInfo


def encode_cursor(values: dict[str, Any]) -> str:
    """Encode a keyset position as an opaque cursor.

    Examples
    --------
    >>> decode_cursor(encode_cursor({"p": 0.5, "id": "C1"}), ("p", "id"))
    {'p': 0.5, 'id': 'C1'}
    """
    raw = json.dumps(values, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """Decode a cursor made by :func:`encode_cursor`; a bad one is a 422 on ``cursor``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise ApiError(422, "validation", "cursor is not valid", field="cursor") from None
    if not isinstance(values, dict) or set(values) != set(keys):
        raise ApiError(422, "validation", "cursor is not valid", field="cursor")
    return values


#: the command that writes each analysis's results
_ANALYZE = {"churn": "churn", "clusters": "clusters", "crosssell": "crosssell"}


def stored_tiers(db: Database) -> Tiers:
    """Return the tiers of the last segments run; a 409 when segments never ran."""
    tiers = read_tiers(db)
    if tiers is None:
        raise ApiError(
            409,
            "not_computed",
            "no segments results in the graph yet: run `crm-graph analyze segments` first",
        )
    return tiers


def check_tiers(db: Database, names: list[str], field: str, indexed: bool = False) -> None:
    """Raise a 422 naming the known tiers when one of ``names`` is not one of them.

    ``indexed``: the names are a list in the body; the error's field is ``field.<i>``.
    """
    found = stored_tiers(db).unknown(names)
    if found is not None:
        i, message = found
        raise ApiError(422, "validation", message, f"{field}.{i}" if indexed else field)


def require_analysis(db: Database, analysis: str) -> None:
    """Raise a 409 when ``analysis`` has never written its results into the graph.

    Called only when a list comes back empty, so that "no results yet" and "nothing
    matches" are told apart without a check on every request.
    """
    ran = db.read_autocommit("api/read_analysis_ran", analysis=analysis)
    if not (ran and ran[0]["ran"]):
        raise ApiError(
            409,
            "not_computed",
            f"no {analysis} results in the graph yet: run `crm-graph analyze "
            f"{_ANALYZE[analysis]}` first",
        )
