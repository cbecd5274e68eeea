"""The API's side of the access audit: one entry per ``/v1`` request.

A plain ASGI middleware (no per-request task or thread): it keeps the request body
(at most the body limit) and the answer's body, and once the answer is sent
appends who, what, which customers and the outcome to the :class:`AuditLog`. The
caller's role is what :func:`crm_graph.api.deps.require` found for the key (kept in
the request's state); a request refused before that has no role.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_graph.api.security import digest
from crm_graph.audit import AuditLog, customer_ids_in_json, outcome_of

__all__ = ["AuditMiddleware"]

log = logging.getLogger("crm_graph.api")


class AuditMiddleware:
    """Record every ``/v1`` request in the audit log (see :mod:`crm_graph.audit`)."""

    def __init__(self, app: ASGIApp, audit: AuditLog) -> None:
        self.app = app
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request; then append its entry (also when the app raised)."""
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        request_body = bytearray()
        answer = bytearray()
        status = 500

        async def keep_request() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request_body.extend(message.get("body", b""))
            return message

        async def keep_answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                answer.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, keep_request, keep_answer)
        finally:
            self.audit.record(_entry(scope, status, bytes(request_body), bytes(answer)))


def _entry(scope: Scope, status: int, request_body: bytes, answer: bytes) -> dict[str, Any]:
    headers = dict(scope.get("headers", []))
    key = headers.get(b"x-api-key")
    state = scope.get("state", {})
    role = state.get("audit_role")
    who = {
        "key_id": digest(key.decode("latin-1"))[:12] if key else None,
        "role": role.value if role is not None else None,
    }
    route = scope.get("route")
    template = str(getattr(route, "path", None) or scope["path"])
    params: dict[str, Any] = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    path_params = scope.get("path_params", {})
    if request_body:
        try:
            body = json.loads(request_body)
        except ValueError:
            body = None
        if isinstance(body, dict):
            params.update({k: v for k, v in body.items() if k != "items"})
    customers = set()
    if "customer_id" in path_params:
        customers.add(str(path_params["customer_id"]))
    if status < 300:
        customers |= customer_ids_in_json(answer)
    entry: dict[str, Any] = {
        "channel": "api",
        "who": who,
        "action": f"{scope['method']} {template}",
        "path": scope["path"],
        "params": params,
        "customers": sorted(customers),
        "status": status,
        "outcome": outcome_of(status),
    }
    if "name" in path_params and template.startswith("/v1/queries"):
        entry["query"] = str(path_params["name"])
    return entry
