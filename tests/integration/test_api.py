"""The API on a real Neo4j with a generated, analyzed bank (TestClient, schemathesis)."""

from __future__ import annotations

import getpass
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr
from tests.conftest import load_bank, raw_pii, run_cli, scratch_settings, serve_api

from crm_graph.analytics.churn import follow_probabilities, what_if
from crm_graph.analytics.crosssell import MODEL_NAME, save_scoring_context
from crm_graph.analytics.ondemand import read_scoring_context
from crm_graph.api import create_app
from crm_graph.api.security import digest
from crm_graph.audit import read_entries, search
from crm_graph.config import Settings
from crm_graph.db import Database
from crm_graph.neo4j_local import LocalNeo4j

KEYS = {
    "analyst": "analyst-key-0001",
    "marketing": "marketing-key-0001",
    "service": "service-key-0001",
    "admin": "admin-key-0001",
}


def _headers(role: str) -> dict[str, str]:
    return {"X-API-Key": KEYS[role]}


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory, session_db: Database) -> Path:
    return load_bank(
        session_db, tmp_path_factory.mktemp("api") / "bank", 4000, seed=31, analyze=True
    )


def _settings(base: Settings, tmp: Path | None = None, audit: Path | None = None) -> Settings:
    keys_file = None
    if tmp is not None:
        keys_file = tmp / "keys.txt"
        keys_file.write_text(f"# admin\nadmin:sha256:{digest(KEYS['admin'])}\n", encoding="utf-8")
    inline = ",".join(f"{r}:{k}" for r, k in KEYS.items() if r != "admin" or tmp is None)
    return base.model_copy(
        update={
            "api_keys": SecretStr(inline),
            "api_keys_file": keys_file,
            "audit_dir": audit or (tmp or base.data_dir) / "audit",
        }
    )


@pytest.fixture(scope="module")
def client(
    bank: Path,
    session_db: Database,
    neo4j_settings: Settings,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TestClient]:
    app = create_app(_settings(neo4j_settings, tmp_path_factory.mktemp("keys")), db=session_db)
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def person(bank: Path, session_db: Database) -> dict[str, Any]:
    """An active person with ties, accounts and contacts."""
    return session_db.run_statement(
        "MATCH (c:Customer {kind: 'person'})-[:HAD_CONTACT]->() "
        "WHERE c.status = 'active' AND c.churn_risk IS NOT NULL "
        "AND COUNT { (c)-[:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED]-() } >= 3 "
        "WITH c, count(*) AS k RETURN c.customer_id AS id, c.name AS name ORDER BY k DESC, id "
        "LIMIT 1"
    )[0]


def test_health_and_ready_need_no_key(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["schema"] is True
    assert body["customers"] > 3000
    assert body["analytics"]["clusters_at"]
    assert body["analytics"]["churn_at"]


def test_customer_360(client: TestClient, person: dict[str, Any], session_db: Database) -> None:
    r = client.get(f"/v1/customers/{person['id']}", headers=_headers("service"))
    assert r.status_code == 200
    body = r.json()
    accounts = session_db.run_statement(
        "MATCH (:Customer {customer_id: $id})-[:OWNS]->(a:Account) RETURN count(a) AS n",
        {"id": person["id"]},
    )[0]["n"]
    assert len(body["has"]["accounts"]) == accounts
    assert body["name"] == person["name"]
    assert body["relationship_manager"]["employee_id"]
    dates = [c["at"] for c in body["did"]["contacts"]]
    assert dates
    assert dates == sorted(dates, reverse=True)
    assert body["scores"]["tier"]
    assert body["scores"]["community"] is not None
    assert 0 <= body["scores"]["churn_risk"] <= 1
    assert body["scores"]["risk_grade"] in (1, 2, 3, 4, 5)
    assert body["can_do"]["marketing_consent"] in (True, False)
    assert "birth_date" not in str(body)  # the rules read it; the API does not show it
    assert {s["system"] for s in body["sources"]}
    assert len(body["has"]["balances"]) == 12


def test_recommendations_come_with_reasons(
    client: TestClient, person: dict[str, Any], session_db: Database
) -> None:
    r = client.get(
        f"/v1/customers/{person['id']}/recommendations?limit=3", headers=_headers("service")
    )
    assert r.status_code == 200
    body = r.json()
    stored = session_db.run_statement(
        "MATCH (:Customer {customer_id: $id})-[r:RECOMMENDED]->(p:Product) "
        "RETURN p.product_id AS p ORDER BY r.rank LIMIT 3",
        {"id": person["id"]},
    )
    assert [i["product_id"] for i in body["items"]] == [s["p"] for s in stored]
    assert body["items"]
    assert all(i["reasons"] for i in body["items"])
    assert body["computed_at"]
    assert [i["rank"] for i in body["items"]] == sorted(i["rank"] for i in body["items"])


def test_fresh_recommendations_are_scored_now(
    client: TestClient, person: dict[str, Any], session_db: Database
) -> None:
    context = read_scoring_context(session_db)
    assert context is not None
    url = f"/v1/customers/{person['id']}/recommendations"
    r = client.get(
        f"{url}?fresh=true&limit=3&as_of={context.as_of.isoformat()}", headers=_headers("service")
    )
    assert r.status_code == 200
    body = r.json()
    assert body["on_demand"] is True
    assert body["as_of"] == context.as_of.isoformat()
    assert body["computed_at"] == context.computed_at
    stored = session_db.run_statement(
        "MATCH (:Customer {customer_id: $id})-[r:RECOMMENDED]->(p:Product) "
        "RETURN p.product_id AS p, r.score AS score ORDER BY r.rank LIMIT 3",
        {"id": person["id"]},
    )
    # scored on demand as of the batch's date: what the batch stored
    assert [round(i["score"], 3) for i in body["items"]] == [round(s["score"], 3) for s in stored]
    assert all(i["reasons"] for i in body["items"])
    now = client.get(f"{url}?fresh=true", headers=_headers("marketing")).json()
    # by default, as of the date of the data the model was trained on (not the clock)
    assert now["as_of"] == context.as_of.isoformat()
    assert now["items"]
    stored_items = client.get(url, headers=_headers("marketing")).json()["items"]
    categories = {i["product_id"]: i["category"] for i in stored_items}
    assert all(i["category"] for i in now["items"]), "fresh items name their category"
    assert all(
        categories.get(i["product_id"], i["category"]) == i["category"] for i in now["items"]
    )
    # an unknown customer is a 404 on the stored path too, as on the customer view
    unknown = client.get("/v1/customers/NOPE/recommendations", headers=_headers("service"))
    assert unknown.status_code == 404
    bad = client.get(f"{url}?as_of=2026-13-01&fresh=true", headers=_headers("service"))
    assert bad.status_code == 422
    missing = "/v1/customers/NOPE/recommendations?fresh=true"
    assert client.get(missing, headers=_headers("service")).status_code == 404


def test_fresh_recommendations_need_a_model(
    neo4j_settings: Settings, person: dict[str, Any], session_db: Database
) -> None:
    context = read_scoring_context(session_db)
    assert context is not None
    # the cross-sell model only (the segments run's tiers live on another ScoringModel)
    session_db.run_statement(
        "MATCH (m:ScoringModel {name: $name}) DELETE m", {"name": MODEL_NAME}, write=True
    )
    try:
        with TestClient(create_app(_settings(neo4j_settings), db=session_db)) as fresh:
            r = fresh.get(
                f"/v1/customers/{person['id']}/recommendations?fresh=true",
                headers=_headers("service"),
            )
            assert r.status_code == 409
            assert "analyze crosssell" in r.json()["error"]["message"]
            # the stored top products are still served
            stored = fresh.get(
                f"/v1/customers/{person['id']}/recommendations", headers=_headers("service")
            )
            assert stored.status_code == 200
    finally:
        save_scoring_context(session_db, context)


def test_pii_is_masked_for_roles_without_access(client: TestClient, person: dict[str, Any]) -> None:
    masked = client.get(f"/v1/customers/{person['id']}", headers=_headers("analyst")).json()
    clear = client.get(f"/v1/customers/{person['id']}", headers=_headers("admin")).json()
    assert clear["name"] == person["name"]
    assert masked["name"] != person["name"]
    assert masked["name"].startswith(person["name"][0])
    assert set(masked["name"][1:]) == {"*"}
    assert all("name_masked" not in s for s in masked["sources"])
    # and in a library query's declared personal columns
    rows = client.post(
        "/v1/queries/list_households", json={"params": {"limit": 3}}, headers=_headers("analyst")
    ).json()["items"]
    assert rows
    assert all(r["names"] is None for r in rows)
    rows = client.post(
        "/v1/queries/list_households", json={"params": {"limit": 3}}, headers=_headers("admin")
    ).json()["items"]
    assert all(r["names"] for r in rows)


def test_keys_and_roles(client: TestClient, person: dict[str, Any]) -> None:
    url = f"/v1/customers/{person['id']}"
    assert client.get(url).status_code == 401
    wrong = client.get(url, headers={"X-API-Key": "not-a-key"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "unauthorized"
    assert client.get(url, headers=_headers("service")).status_code == 200
    # the service role serves one customer at a time: no bulk lists
    for path in ("/v1/clusters", "/v1/churn/at-risk", "/v1/queries"):
        denied = client.get(path, headers=_headers("service"))
        assert denied.status_code == 403, path
        assert denied.json()["error"]["code"] == "forbidden"
    assert client.get("/v1/queries", headers=_headers("marketing")).status_code == 403
    assert client.get("/v1/queries", headers=_headers("analyst")).status_code == 200
    # the admin key comes from the hashed keys file
    assert client.get("/v1/queries", headers=_headers("admin")).status_code == 200


def test_errors_name_the_problem(client: TestClient) -> None:
    missing = client.get("/v1/customers/C000000000000", headers=_headers("analyst"))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    bad = client.get("/v1/customers/a%20b", headers=_headers("analyst"))
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "customer_id"
    limit = client.get("/v1/clusters?limit=0", headers=_headers("analyst"))
    assert limit.status_code == 422
    assert limit.json()["error"]["field"] == "limit"
    cursor = client.get("/v1/churn/at-risk?cursor=garbage", headers=_headers("analyst"))
    assert cursor.status_code == 422
    assert cursor.json()["error"]["field"] == "cursor"
    param = client.post(
        "/v1/queries/list_households", json={"params": {"limit": "x"}}, headers=_headers("analyst")
    )
    assert param.status_code == 422
    assert param.json()["error"]["field"] == "params.limit"
    assert client.post("/v1/queries/nope", json={}, headers=_headers("analyst")).status_code == 404
    big = client.post(
        "/v1/churn/what-if",
        content=b'{"customer_id": "' + b"x" * 100_000 + b'"}',
        headers={**_headers("analyst"), "content-type": "application/json"},
    )
    assert big.status_code == 413


def test_no_stack_traces_in_responses(
    bank: Path, session_db: Database, neo4j_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(_settings(neo4j_settings), db=session_db)

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(session_db, "read_autocommit", broken)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/v1/clusters", headers=_headers("analyst"))
    assert r.status_code == 500
    assert r.json() == {"error": {"code": "internal", "message": "internal error"}}
    assert "secret" not in r.text
    assert "Traceback" not in r.text


def test_network(client: TestClient, person: dict[str, Any], session_db: Database) -> None:
    one = client.get(
        f"/v1/customers/{person['id']}/network?depth=1", headers=_headers("analyst")
    ).json()
    neighbours = session_db.run_statement(
        "MATCH (:Customer {customer_id: $id})-[:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED]-"
        "(n:Customer) RETURN count(DISTINCT n) AS n",
        {"id": person["id"]},
    )[0]["n"]
    assert len(one["nodes"]) == neighbours + 1
    assert {n["depth"] for n in one["nodes"]} == {0, 1}
    ids = {n["customer_id"] for n in one["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in one["edges"])
    two = client.get(
        f"/v1/customers/{person['id']}/network?depth=2&limit=15", headers=_headers("analyst")
    ).json()
    assert len(two["nodes"]) <= 15
    assert two["truncated"] == (len(two["nodes"]) == 15)


def test_clusters_pages_cover_every_cluster(client: TestClient, session_db: Database) -> None:
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        url = "/v1/clusters?limit=7" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=_headers("marketing")).json()
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    stored = session_db.run_statement("MATCH (k:Cluster) RETURN count(k) AS n")[0]["n"]
    assert len(seen) == stored
    assert len({c["community"] for c in seen}) == stored
    assert [c["size"] for c in seen] == sorted((c["size"] for c in seen), reverse=True)
    detail = client.get(f"/v1/clusters/{seen[0]['community']}", headers=_headers("analyst"))
    assert detail.status_code == 200
    assert detail.json()["size"] == seen[0]["size"]
    assert detail.json()["influencers"]
    assert client.get("/v1/clusters/999999", headers=_headers("analyst")).status_code == 404


def test_at_risk_pages_and_filters(client: TestClient) -> None:
    first = client.get("/v1/churn/at-risk?limit=10", headers=_headers("marketing")).json()
    second = client.get(
        f"/v1/churn/at-risk?limit=10&cursor={first['next_cursor']}", headers=_headers("marketing")
    ).json()
    both = client.get("/v1/churn/at-risk?limit=20", headers=_headers("marketing")).json()
    ids = [i["customer_id"] for i in first["items"] + second["items"]]
    assert ids == [i["customer_id"] for i in both["items"]]
    wealth = client.get(
        "/v1/churn/at-risk?tier=wealth&min_value=0.5", headers=_headers("marketing")
    ).json()
    assert all(i["tier"] == "wealth" and i["value_score"] >= 0.5 for i in wealth["items"])
    assert (
        client.get("/v1/churn/at-risk?tier=gold", headers=_headers("marketing")).status_code == 422
    )


def test_what_if_matches_the_library(
    client: TestClient, person: dict[str, Any], session_db: Database
) -> None:
    r = client.post(
        "/v1/churn/what-if",
        json={"customer_id": person["id"], "runs": 300, "seed": 4},
        headers=_headers("analyst"),
    )
    assert r.status_code == 200
    expected = what_if(
        session_db,
        person["id"],
        probabilities=follow_probabilities(session_db),
        runs=300,
        seed=4,
    )
    assert r.json()["expected_followers"] == expected["expected_followers"]
    assert r.json()["aum_at_risk"] == expected["aum_at_risk"]
    unknown = client.post(
        "/v1/churn/what-if", json={"customer_id": "C000000000000"}, headers=_headers("analyst")
    )
    assert unknown.status_code == 404
    extra = client.post(
        "/v1/churn/what-if",
        json={"customer_id": person["id"], "drop": "table"},
        headers=_headers("analyst"),
    )
    assert extra.status_code == 422


def test_queries_are_listed_and_run_read_only(client: TestClient) -> None:
    listed = client.get("/v1/queries", headers=_headers("analyst")).json()
    assert {"list_households", "show_customer_360"} <= {q["name"] for q in listed}
    r = client.post(
        "/v1/queries/count_channel_usage", json={"params": {}}, headers=_headers("analyst")
    )
    assert r.status_code == 200
    assert r.json()["columns"] == ["tier", "channel", "customers", "share"]
    injected = client.post(
        "/v1/queries/show_customer_360",
        json={"params": {"customer_id": "x'}) DETACH DELETE c //"}},
        headers=_headers("analyst"),
    )
    assert injected.status_code == 200
    assert injected.json()["items"] == []


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/health",
        "/ready",
        "/v1/customers/{customer_id}",
        "/v1/customers/{customer_id}/recommendations",
        "/v1/customers/{customer_id}/network",
        "/v1/clusters",
        "/v1/clusters/{community}",
        "/v1/churn/at-risk",
        "/v1/churn/what-if",
        "/v1/queries",
        "/v1/queries/{name}",
        "/v1/products",
        "/v1/campaigns",
        "/v1/campaigns/{campaign_id}",
        "/v1/churn/flows",
    } <= paths
    assert "APIKeyHeader" in spec["components"]["securitySchemes"]
    customer = spec["components"]["schemas"]["Customer360"]
    assert customer["properties"]["customer_id"]["examples"]


def test_campaigns_plan_record_list_and_show(client: TestClient, session_db: Database) -> None:
    products = client.get("/v1/products", headers=_headers("marketing")).json()["items"]
    card = next(p for p in products if p["product_id"] == "CARD_CREDIT")
    stored = session_db.run_statement(
        "MATCH ()-[r:RECOMMENDED]->(:Product {product_id: 'CARD_CREDIT'}) RETURN count(r) AS n"
    )[0]["n"]
    assert card["recommended"] == stored > 0
    body = {"product_id": "CARD_CREDIT", "budget": 80, "seeds": 6, "dry_run": True}
    dry = client.post("/v1/campaigns", json=body, headers=_headers("marketing"))
    assert dry.status_code == 200, dry.text
    plan = dry.json()
    assert not plan["recorded"]
    assert len(plan["contacts"]) == 80
    assert sum(t["group"] == "seed" for t in plan["contacts"]) == 6
    assert set(plan["seed_comparison"]) == {"greedy", "top_degree", "top_pagerank"}
    people = [t for t in plan["contacts"] if t["kind"] == "person"]
    assert people
    assert all(t["name"].endswith("*") for t in people), [t["name"] for t in people][:20]
    unrecorded = f"/v1/campaigns/{plan['campaign_id']}"
    assert client.get(unrecorded, headers=_headers("marketing")).status_code == 404
    real = client.post("/v1/campaigns", json={**body, "dry_run": False}, headers=_headers("admin"))
    assert real.status_code == 200, real.text
    campaign_id = real.json()["campaign_id"]
    listed = client.get("/v1/campaigns", headers=_headers("analyst")).json()["items"]
    assert campaign_id in [c["campaign_id"] for c in listed]
    shown = client.get(f"/v1/campaigns/{campaign_id}", headers=_headers("analyst"))
    assert shown.status_code == 200, shown.text
    detail = shown.json()
    assert detail["campaign"]["planned_by"] == "api:admin"
    assert detail["groups"]["seed"]["customers"] == 6
    total = sum(g["customers"] for g in detail["groups"].values())
    assert total == len(real.json()["contacts"]) + len(real.json()["control"])


@pytest.mark.parametrize(
    ("role", "body", "status", "field"),
    [
        ("analyst", {"product_id": "CARD_CREDIT", "budget": 5}, 403, None),
        ("service", {"product_id": "CARD_CREDIT", "budget": 5}, 403, None),
        ("marketing", {"product_id": "NO_SUCH", "budget": 5, "dry_run": True}, 404, None),
        ("marketing", {"product_id": "CARD_CREDIT", "budget": 0}, 422, "budget"),
        ("marketing", {"product_id": "CARD_CREDIT", "budget": 5, "x": 1}, 422, "x"),
        (
            "marketing",
            {"product_id": "CARD_CREDIT", "budget": 5, "tiers": ["gold"]},
            422,
            "tiers.0",
        ),
        ("marketing", {"product_id": "C' OR 1=1 //", "budget": 5}, 422, "product_id"),
    ],
)
def test_campaign_errors(
    client: TestClient, role: str, body: dict[str, Any], status: int, field: str | None
) -> None:
    response = client.post("/v1/campaigns", json=body, headers=_headers(role))
    assert response.status_code == status, response.text
    if field is not None:
        assert response.json()["error"]["field"] == field


def test_churn_flows_match_the_graph(client: TestClient, session_db: Database) -> None:
    flows = client.get("/v1/churn/flows", headers=_headers("marketing")).json()["items"]
    total = session_db.run_statement(
        "MATCH (c:Customer)-[:CHURNED_TO]->(:Competitor) RETURN count(DISTINCT c) AS n"
    )[0]["n"]
    assert flows
    assert sum(f["customers"] for f in flows) == total
    amounts = [f["amount_moved"] for f in flows]
    assert amounts == sorted(amounts, reverse=True)


@pytest.mark.parametrize("role", [None, "analyst", "marketing", "service", "admin"])
def test_fuzzed_requests_never_get_a_5xx(
    role: str | None, bank: Path, session_db: Database, neo4j_settings: Settings, tmp_path: Path
) -> None:
    # with the access audit on (it always is): every fuzzed request is audited too
    app = create_app(_settings(neo4j_settings, audit=tmp_path / "audit"), db=session_db)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = _headers(role) if role else {}
    calls = v1_calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            nonlocal calls
            nonlocal v1_calls
            response = case.call(headers=headers)
            calls += 1
            v1_calls += case.path.startswith("/v1/")
            assert response.status_code < 500, (case.path, response.text)

        call()
    assert calls > 100
    audited = list(read_entries(tmp_path / "audit"))
    assert len(audited) == v1_calls > 100
    assert all(e["status"] < 500 for e in audited)


def test_the_audit_names_exactly_the_customers_each_answer_contained(
    bank: Path,
    session_db: Database,
    neo4j_settings: Settings,
    person: dict[str, Any],
    tmp_path: Path,
) -> None:
    folder = tmp_path / "audit"
    app = create_app(_settings(neo4j_settings, audit=folder), db=session_db)
    known = {
        r["id"] for r in session_db.run_statement("MATCH (c:Customer) RETURN c.customer_id AS id")
    }
    pid = person["id"]
    script: list[tuple[str | None, str, str, dict[str, Any] | None]] = [
        ("service", "GET", f"/v1/customers/{pid}", None),
        ("service", "GET", f"/v1/customers/{pid}/recommendations", None),
        ("service", "GET", "/v1/churn/at-risk?limit=5", None),  # refused: no lists
        ("marketing", "GET", "/v1/churn/at-risk?limit=20", None),
        ("marketing", "GET", "/v1/clusters?limit=5", None),
        ("marketing", "GET", f"/v1/customers/{pid}/network?depth=2", None),
        ("marketing", "GET", "/v1/resolution/review", None),  # refused: admin only
        ("analyst", "POST", "/v1/queries/list_households", {"params": {"min_members": 3}}),
        ("analyst", "GET", "/v1/customers/C000000000000", None),  # no such customer
        ("admin", "GET", "/v1/resolution/review?limit=5", None),
        (None, "GET", f"/v1/customers/{pid}", None),  # refused: no key
    ]
    answers = []
    with TestClient(app) as c:
        for role, method, path, body in script:
            r = c.request(method, path, headers=_headers(role) if role else {}, json=body)
            answers.append((r.status_code, r.text))
    entries = list(read_entries(folder))
    assert len(entries) == len(script)
    refused = 0
    for (role, method, path, _), (status, text), entry in zip(
        script, answers, entries, strict=True
    ):
        assert entry["channel"] == "api"
        assert entry["action"].startswith(method + " /v1/")
        assert entry["path"] == path.split("?")[0]
        assert entry["status"] == status
        assert entry["who"]["key_id"] == (digest(KEYS[role])[:12] if role else None)
        assert all(k not in json.dumps(entry) for k in KEYS.values()), "never the key"
        named = {p for p in path.split("?")[0].split("/") if re.fullmatch(r"C[0-9A-F]{12}", p)}
        if status in (401, 403):
            refused += 1
            assert entry["outcome"] == "refused"
            assert set(entry["customers"]) == named  # who tried to reach whom, no data
            continue
        assert entry["who"]["role"] == role
        contained = {cid for cid in known if cid in text}
        assert set(entry["customers"]) == contained | named, path
    assert refused == 3
    assert entries[7]["query"] == "list_households"
    assert entries[7]["params"] == {"params": {"min_members": 3}}
    assert entries[8]["outcome"] == "not_found"
    assert entries[8]["customers"] == ["C000000000000"]
    assert len(entries[3]["customers"]) == 20
    # who saw this customer: the service and marketing calls that returned them
    seen = search(folder, customer=pid)
    assert [e["who"]["role"] for e in seen if e["outcome"] == "ok"][:2] == ["service", "service"]
    # what the marketing key saw
    by_key = search(folder, key=digest(KEYS["marketing"]))
    assert [e["path"] for e in by_key] == [
        p.split("?")[0] for r, _, p, _ in script if r == "marketing"
    ]


def test_cli_commands_that_print_customers_are_audited(
    bank: Path, neo4j_settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "audit"
    env = {"CRM_AUDIT_DIR": str(folder)}
    proc = run_cli(
        neo4j_settings, "query", "list_households", "-p", "min_members=3", "--json", **env
    )
    assert proc.returncode == 0, proc.stderr
    printed = proc.stdout
    (entry,) = read_entries(folder)
    assert entry["channel"] == "cli"
    assert entry["who"] == {"os_user": getpass.getuser()}
    assert entry["action"] == "query list_households"
    assert entry["customers"]
    assert all(cid in printed for cid in entry["customers"])
    someone = entry["customers"][0]
    found = run_cli(neo4j_settings, "audit", "--customer", someone, "--json", **env)
    assert found.returncode == 0, found.stderr
    assert [e["action"] for e in json.loads(found.stdout)["entries"]] == ["query list_households"]
    bad = run_cli(neo4j_settings, "audit", "--key", "not-hex", **env)
    assert bad.returncode == 1
    assert "hex digits" in bad.stderr


def test_neo4j_down_gives_503_and_the_api_recovers(tmp_path: Path) -> None:
    settings = scratch_settings(
        tmp_path, "apitest", api_keys=SecretStr(f"analyst:{KEYS['analyst']}"), api_db_retry_s=1.0
    )
    server = LocalNeo4j(settings)
    # an empty graph: the recorded campaigns are an empty list (the clusters would be
    # a 409, since no analysis ran)
    try:
        with TestClient(create_app(settings)) as c:
            down = c.get("/v1/campaigns", headers=_headers("analyst"))
            assert down.status_code == 503
            assert down.headers["Retry-After"] == "5"
            assert down.json()["error"]["code"] == "unavailable"
            assert c.get("/ready").status_code == 503
            server.start()
            from crm_graph.db import Database as Db
            from crm_graph.db import connect

            with Db(
                connect(settings.uri, "neo4j", "crm-graph-apitest"), owns_driver=True
            ) as direct:
                direct.init_schema()
            assert c.get("/ready").status_code == 200
            assert c.get("/v1/campaigns", headers=_headers("analyst")).json()["items"] == []
            server.stop()
            assert c.get("/v1/campaigns", headers=_headers("analyst")).status_code == 503
            server.start()
            assert c.get("/v1/campaigns", headers=_headers("analyst")).status_code == 200
    finally:
        server.stop()


def test_crm_graph_serve_answers_on_a_port(neo4j_settings: Settings) -> None:
    with serve_api(neo4j_settings, CRM_API_KEYS=f"analyst:{KEYS['analyst']}") as base:
        with urllib.request.urlopen(f"{base}/ready", timeout=10) as r:
            assert r.status == 200


def test_no_raw_pii_in_api_answers(client: TestClient, bank: Path, session_db: Database) -> None:
    """Even the admin role, which sees names, never gets ids, phones, e-mails or addresses."""
    import re

    pii = raw_pii(bank)
    assert len(pii) > 1000
    ids = [
        r["id"]
        for r in session_db.run_statement(
            "MATCH (c:Customer) RETURN c.customer_id AS id ORDER BY id LIMIT 150"
        )
    ]
    texts = []
    admin = _headers("admin")
    for customer in ids:
        texts.append(client.get(f"/v1/customers/{customer}", headers=admin).text)
        texts.append(client.get(f"/v1/customers/{customer}/network", headers=admin).text)
    texts.append(client.get("/v1/churn/at-risk?limit=200", headers=admin).text)
    texts.append(client.get("/v1/clusters?limit=200", headers=admin).text)
    for name in ("show_customer_360", "find_conflicting_records", "list_households"):
        params = {"customer_id": ids[0]} if name == "show_customer_360" else {}
        texts.append(
            client.post(f"/v1/queries/{name}", json={"params": params}, headers=admin).text
        )

    def leaks_in(blob: str) -> list[str]:
        # phone-like digit runs (separators allowed), compared on their last ten digits
        runs = {re.sub(r"\D", "", m)[-10:] for m in re.findall(r"\+?\d[\d \-]{8,}\d", blob)}
        return [v for v in pii if v in blob or v in runs]

    # the check can fail: a planted phone in the usual "+86 1xx xxxx xxxx" form is found
    phone = next(v for v in sorted(pii) if v.isdigit() and len(v) == 10 and v[0] == "3")
    planted = f'{{"note": "call +86 1{phone[:2]} {phone[2:6]} {phone[6:]}"}}'
    assert leaks_in(planted) == [phone]
    leaks = leaks_in("\n".join(texts))
    assert not leaks, leaks[:5]


def test_the_review_queue_is_for_admins(client: TestClient, session_db: Database) -> None:
    expected = session_db.run_statement(
        "MATCH (k:ResolutionConflict {status: 'open'}) RETURN count(k) AS n"
    )[0]["n"]
    assert expected > 0, "the generated bank plants records the resolver keeps apart"
    page = client.get("/v1/resolution/review?limit=1000", headers=_headers("admin"))
    assert page.status_code == 200
    items = page.json()["items"]
    assert len(items) == expected
    assert all(i["status"] == "open" and len(i["records"]) >= 2 for i in items)
    assert all(r["customer_id"] for i in items for r in i["records"])
    for role in ("analyst", "marketing", "service"):
        assert client.get("/v1/resolution/review", headers=_headers(role)).status_code == 403
    bad = client.get("/v1/resolution/review?status=closed", headers=_headers("admin"))
    assert bad.status_code == 422


@pytest.mark.parametrize("value", [1e20, -(2**63) - 1, 2**63])
def test_an_out_of_range_query_parameter_is_a_422_not_a_500(
    client: TestClient, value: float
) -> None:
    r = client.post(
        "/v1/queries/list_households",
        json={"params": {"min_members": value}},
        headers=_headers("analyst"),
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "params.min_members"
