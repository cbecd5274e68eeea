"""The API under attack and faults: Cypher injection everywhere, slow clients, Neo4j restarts.

Figures (requests sent, statuses seen) are appended to out/faults.jsonl for the docs.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from tests.conftest import load_bank, scratch_settings, serve_api

from crm_graph.api import create_app
from crm_graph.api.security import new_key
from crm_graph.config import Settings
from crm_graph.db import Database, connect
from crm_graph.neo4j_local import LocalNeo4j

FAULT_LOG = Path(os.environ.get("CRM_FAULT_LOG", "out/faults.jsonl"))
KEYS = {role: new_key() for role in ("analyst", "marketing", "service", "admin")}
INJECTIONS = [
    "' OR 1=1 //",
    "x'}) DETACH DELETE c //",
    '" }) MATCH (n) DETACH DELETE n //',
    "1; MATCH (n) DETACH DELETE n",
    "$customer_id",
    "`Customer`",
    "\\u0027 OR \\u00271\\u0027=\\u00271",
    "CALL dbms.components()",
    "x\u0000y",
    "王' RETURN 1 UNION MATCH (n) RETURN n //",
]


def _record(fact: dict[str, object]) -> None:
    FAULT_LOG.parent.mkdir(parents=True, exist_ok=True)
    with FAULT_LOG.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(fact) + "\n")


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory, session_db: Database) -> Path:
    return load_bank(session_db, tmp_path_factory.mktemp("apifaults") / "bank", 1500, 43, True)


def _totals(db: Database) -> dict[str, int]:
    row = db.read("admin/count_totals")[0]
    return {"nodes": row["nodes"], "relationships": row["relationships"]}


def test_cypher_injection_in_every_parameter_changes_nothing(
    bank: Path, session_db: Database, neo4j_settings: Settings
) -> None:
    settings = neo4j_settings.model_copy(
        update={"api_keys": SecretStr(",".join(f"{r}:{k}" for r, k in KEYS.items()))}
    )
    app = create_app(settings, db=session_db)
    before = _totals(session_db)
    statuses: Counter[int] = Counter()
    headers = {"X-API-Key": KEYS["admin"]}
    with TestClient(app, raise_server_exceptions=False) as c:
        spec = c.get("/openapi.json").json()
        queries = {q["name"]: q for q in c.get("/v1/queries", headers=headers).json()}
        for path, methods in spec["paths"].items():
            for method, op in methods.items():
                params = op.get("parameters", [])
                for payload in INJECTIONS:
                    url = path
                    query: dict[str, str] = {}
                    for p in params:
                        if p["in"] == "path":
                            url = url.replace("{" + p["name"] + "}", quote(payload, safe=""))
                        elif p["in"] == "query":
                            query[p["name"]] = payload
                    if method == "get":
                        r = c.get(url, params=query, headers=headers)
                        statuses[r.status_code] += 1
                        assert r.status_code < 500, (url, payload, r.text)
                        continue
                    bodies: list[dict[str, Any]]
                    if path == "/v1/churn/what-if":
                        bodies = [{"customer_id": payload}]
                    elif path == "/v1/campaigns":
                        bodies = [
                            {"product_id": payload, "budget": 5, "dry_run": True},
                            {"product_id": "CARD_CREDIT", "budget": 5, "dry_run": True,
                             "name": payload, "branch_id": payload},
                        ]  # fmt: skip
                    elif path == "/v1/queries/{name}":
                        bodies = [
                            {"params": {p["name"]: payload for p in q["params"]}}
                            for q in queries.values()
                        ]
                        url_for = [f"/v1/queries/{name}" for name in queries]
                        for target, body in zip(url_for, bodies, strict=True):
                            r = c.post(target, json=body, headers=headers)
                            statuses[r.status_code] += 1
                            assert r.status_code < 500, (target, payload, r.text)
                        continue
                    else:
                        bodies = [{}]
                    for body in bodies:
                        r = c.post(url, json=body, params=query, headers=headers)
                        statuses[r.status_code] += 1
                        assert r.status_code < 500, (url, payload, r.text)
    assert _totals(session_db) == before, "an injection wrote to the graph"
    assert sum(statuses.values()) > 150
    _record({"fault": "cypher injection", "requests": sum(statuses.values()),
             "statuses": dict(statuses)})  # fmt: skip


def test_a_slow_client_does_not_hold_up_the_others(bank: Path, neo4j_settings: Settings) -> None:
    with serve_api(neo4j_settings, CRM_API_KEYS=f"analyst:{KEYS['analyst']}") as base:
        port = int(base.rsplit(":", 1)[1])
        slow = socket.create_connection(("127.0.0.1", port))
        stop = threading.Event()

        def dribble() -> None:  # a header a byte at a time (slowloris)
            request = b"GET /v1/clusters HTTP/1.1\r\nHost: x\r\nX-API-Key: "
            for byte in request:
                if stop.is_set():
                    return
                try:
                    slow.send(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.1)

        thread = threading.Thread(target=dribble)
        thread.start()
        try:
            times = []
            for _ in range(20):
                started = time.monotonic()
                request = urllib.request.Request(
                    f"{base}/v1/clusters?limit=5", headers={"X-API-Key": KEYS["analyst"]}
                )
                with urllib.request.urlopen(request, timeout=10) as r:
                    assert r.status == 200
                times.append(time.monotonic() - started)
                time.sleep(0.1)
        finally:
            stop.set()
            thread.join()
            slow.close()
        assert max(times) < 2.0, times
        _record({"fault": "slow client", "requests": len(times), "max_s": round(max(times), 3)})


def test_neo4j_restarted_under_load_gives_503s_then_recovers(tmp_path: Path) -> None:
    settings = scratch_settings(tmp_path, "restarttest")
    server = LocalNeo4j(settings)
    server.start()
    try:
        with Database(
            connect(settings.uri, "neo4j", "crm-graph-restarttest"), owns_driver=True
        ) as direct:
            direct.init_schema()
        env = {"CRM_API_KEYS": f"analyst:{KEYS['analyst']}", "CRM_API_DB_RETRY_S": "1"}
        log = tmp_path / "api.log"
        with serve_api(settings, log=log, **env) as base:
            seen: list[tuple[float, int]] = []
            retry_after: set[str | None] = set()
            done = threading.Event()

            def hammer() -> None:
                request = urllib.request.Request(
                    # an empty graph: campaigns answer 200 (clusters would be a 409)
                    f"{base}/v1/campaigns?limit=5",
                    headers={"X-API-Key": KEYS["analyst"]},
                )
                while not done.is_set():
                    try:
                        with urllib.request.urlopen(request, timeout=30) as r:
                            seen.append((time.monotonic(), r.status))
                    except urllib.error.HTTPError as e:
                        seen.append((time.monotonic(), e.code))
                        retry_after.add(e.headers.get("Retry-After"))
                    time.sleep(0.05)

            workers = [threading.Thread(target=hammer) for _ in range(4)]
            for w in workers:
                w.start()
            time.sleep(2)
            stopped = time.monotonic()  # before the stop: requests during it may see 503
            server.stop()
            time.sleep(3)
            server.start()
            restarted = time.monotonic()
            deadline = restarted + 60
            while time.monotonic() < deadline:
                if any(t > restarted and s == 200 for t, s in seen[-20:]):
                    break
                time.sleep(0.5)
            time.sleep(3)
            end = time.monotonic()
            done.set()
            for w in workers:
                w.join()
    finally:
        server.stop()
    statuses = Counter(s for _, s in seen)
    assert set(statuses) <= {200, 503}, (statuses, log.read_text(encoding="utf-8")[-3000:])
    assert statuses[503] > 0, "the outage was not seen"
    before = [s for t, s in seen if t < stopped]
    after = [s for t, s in seen if end - 2 < t <= end]
    assert retry_after == {"5"}, "every 503 says when to retry"
    assert before
    assert set(before) == {200}
    assert after, "no request after the restart"
    assert set(after) == {200}, "the API did not recover by itself"
    first_ok = min(t for t, s in seen if t > restarted and s == 200)
    _record(
        {
            "fault": "neo4j restart under load",
            "requests": len(seen),
            "statuses": dict(statuses),
            "recovered_after_s": round(first_ok - restarted, 1),
        }
    )
