"""The bank's own tier names reach every part that speaks of tiers (real Neo4j).

A bank that tiers its customers as gold, silver and standard (``CRM_TIERS`` =
``gold:3%,silver:10%,standard:rest``) sees those names, and no others, in churn's
high-value flag, cluster labels, the campaign planner, the report and the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from tests.conftest import load_bank, run_cli

from crm_graph.analytics.churn import compute_churn
from crm_graph.analytics.clusters import cluster_profiles, compute_clusters
from crm_graph.analytics.crosssell import compute_crosssell
from crm_graph.analytics.segments import TierConfig, compute_segments, read_tiers
from crm_graph.api import create_app
from crm_graph.config import Settings
from crm_graph.db import Database
from crm_graph.report import report_data

NAMES = ("gold", "silver", "standard")
KEYS = {"analyst": "analyst-key-0001", "marketing": "marketing-key-0001"}
DEFAULT_NAMES = {"private", "wealth", "affluent", "mass"}


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory, session_db: Database) -> Path:
    out = load_bank(session_db, tmp_path_factory.mktemp("tiers") / "bank", 1500, seed=17)
    counts = compute_segments(session_db, TierConfig.parse("gold:3%,silver:10%,standard:rest"))
    assert set(counts) == set(NAMES)
    compute_clusters(session_db)
    compute_churn(session_db)
    compute_crosssell(session_db)
    return out


@pytest.fixture(scope="module")
def client(
    bank: Path,
    session_db: Database,
    neo4j_settings: Settings,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TestClient]:
    settings = neo4j_settings.model_copy(
        update={
            "api_keys": SecretStr(",".join(f"{r}:{k}" for r, k in KEYS.items())),
            "audit_dir": tmp_path_factory.mktemp("audit"),
        }
    )
    with TestClient(create_app(settings, db=session_db)) as c:
        yield c


def test_the_tiers_are_stored_and_used_by_the_analytics(bank: Path, session_db: Database) -> None:
    stored = read_tiers(session_db)
    assert stored is not None
    assert stored.names == NAMES
    high = session_db.run_statement(
        "MATCH (c:Customer {high_value_at_risk: true}) RETURN DISTINCT c.tier AS tier"
    )
    # gold is the only high-value tier (every named tier but the lowest, silver)
    assert {r["tier"] for r in high} == {"gold"}
    labels = [p.label for p in cluster_profiles(session_db)]
    assert labels
    words = {w.strip(",") for label in labels for w in label.replace("-", " ").split()}
    assert not words & DEFAULT_NAMES
    assert any("standard-market" in label for label in labels)
    assert report_data(session_db).tier_order == NAMES


def test_the_api_lists_and_checks_the_banks_tiers(client: TestClient) -> None:
    analyst = {"X-API-Key": KEYS["analyst"]}
    marketing = {"X-API-Key": KEYS["marketing"]}
    listed = client.get("/v1/tiers", headers=analyst)
    assert listed.status_code == 200, listed.text
    assert listed.json()["tiers"] == list(NAMES)
    assert listed.json()["base"] == "standard"
    at_risk = client.get("/v1/churn/at-risk", params={"tier": "silver"}, headers=analyst)
    assert at_risk.status_code == 200, at_risk.text
    assert {i["tier"] for i in at_risk.json()["items"]} == {"silver"}
    wrong = client.get("/v1/churn/at-risk", params={"tier": "wealth"}, headers=analyst)
    assert wrong.status_code == 422
    assert wrong.json()["error"]["field"] == "tier"
    assert "the tiers are gold, silver, standard" in wrong.json()["error"]["message"]
    product = max(client.get("/v1/products", headers=analyst).json()["items"],
                  key=lambda p: p["recommended"])["product_id"]  # fmt: skip
    body = {"product_id": product, "budget": 30, "tiers": ["silver"], "dry_run": True}
    plan = client.post("/v1/campaigns", json=body, headers=marketing)
    assert plan.status_code == 200, plan.text
    targets = [t for t in plan.json()["contacts"] if t["group"] != "control"]
    assert targets
    assert {t["tier"] for t in targets} == {"silver"}
    # silver is above the base tier: its customers with an RM are contacted by the RM
    with_rm = [t for t in targets if t["rm_id"]]
    assert with_rm
    assert any(t["channel"] == "relationship_manager" for t in with_rm)
    refused = client.post("/v1/campaigns", json={**body, "tiers": ["private"]}, headers=marketing)
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "tiers.0"


def test_the_api_lists_and_checks_the_banks_channels(
    client: TestClient, session_db: Database
) -> None:
    analyst = {"X-API-Key": KEYS["analyst"]}
    listed = client.get("/v1/channels", headers=analyst)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    graph = session_db.run_statement("MATCH (ch:Channel) RETURN ch.channel_id AS id")
    assert {i["channel_id"] for i in items} == {r["id"] for r in graph}
    assert [i["enrolled"] for i in items] == sorted((i["enrolled"] for i in items), reverse=True)
    product = max(client.get("/v1/products", headers=analyst).json()["items"],
                  key=lambda p: p["recommended"])["product_id"]  # fmt: skip
    marketing = {"X-API-Key": KEYS["marketing"]}
    body = {"product_id": product, "budget": 20, "dry_run": True, "seeds": 0}
    top = items[0]["channel_id"]
    plan = client.post("/v1/campaigns", json={**body, "channel": top}, headers=marketing)
    assert plan.status_code == 200, plan.text
    assert {t["channel"] for t in plan.json()["contacts"]} == {top}
    unknown = client.post("/v1/campaigns", json={**body, "channel": "pigeon"}, headers=marketing)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["field"] == "channel"
    # without a filter, contacts not served by their RM go through a channel of the bank
    free = client.post("/v1/campaigns", json=body, headers=marketing)
    assert free.status_code == 200, free.text
    used = {t["channel"] for t in free.json()["contacts"]} - {"relationship_manager"}
    assert used
    assert used <= {i["channel_id"] for i in items}


def test_the_command_line_refuses_a_tier_the_bank_does_not_have(
    bank: Path, neo4j_settings: Settings
) -> None:
    wrong = run_cli(neo4j_settings, "churn", "at-risk", "--tier", "wealth")
    assert wrong.returncode != 0
    assert wrong.stderr.strip().splitlines()[-1] == (
        "error: --tier: no tier 'wealth'; the tiers are gold, silver, standard"
    )
    right = run_cli(neo4j_settings, "churn", "at-risk", "--tier", "gold", "--json")
    assert right.returncode == 0, right.stderr
