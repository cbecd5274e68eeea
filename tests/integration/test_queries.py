"""The analysts' Cypher library on a generated, analyzed bank: every query runs, returns
its declared columns, uses indexes where a key is given, and agrees with a hand count."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import pytest
from tests.conftest import load_bank, run_cli

from crm_graph.analytics.clusters import cluster_profiles
from crm_graph.config import Settings
from crm_graph.db import Database
from crm_graph.errors import CypherNotFound, DatabaseError, QueryParameterError
from crm_graph.queries import bind, get_query, list_queries, run_query

CUTOFF = "2026-01-01"


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory, session_db: Database) -> Path:
    return load_bank(
        session_db, tmp_path_factory.mktemp("queries") / "bank", 4000, seed=29, analyze=True
    )


@pytest.fixture(scope="module")
def keys(bank: Path, session_db: Database) -> dict[str, Any]:
    """Values for the required parameters: a customer with contacts, a cluster, a product."""
    customer = session_db.run_statement(
        "MATCH (c:Customer)-[:HAD_CONTACT]->() WITH c, count(*) AS k "
        "RETURN c.customer_id AS id ORDER BY k DESC, id LIMIT 1"
    )[0]["id"]
    community = cluster_profiles(session_db)[0].community
    return {"customer_id": customer, "community": community, "product_id": "WEALTH_MGMT"}


def _run(db: Database, name: str, keys: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
    spec = get_query(name)
    given = {p.name: keys[p.name] for p in spec.params if p.required}
    return run_query(db, name, {**given, **params})


def _frame(db: Database, statement: str, **params: Any) -> pd.DataFrame:
    return pd.DataFrame(db.run_statement(statement, params))


@pytest.mark.parametrize("name", [s.name for s in list_queries()])
def test_every_query_runs_and_returns_its_declared_columns(
    name: str, keys: dict[str, Any], session_db: Database
) -> None:
    spec = get_query(name)
    rows = _run(session_db, name, keys)
    assert rows, f"{name} returned nothing on a generated bank"
    assert list(rows[0]) == list(spec.columns)
    assert spec.example.startswith(f"crm-graph query {name}")


def test_the_library_covers_the_banks_questions() -> None:
    names = {s.name for s in list_queries()}
    assert len(names) >= 15
    assert {
        "show_customer_360",
        "list_households",
        "list_payroll_companies",
        "find_crosssell_paths",
        "list_cluster_influencers",
        "find_churned_neighbours",
        "count_churn_flows",
        "count_complaint_topics",
        "find_conflicting_records",
        "find_product_pairs",
        "summarize_rm_portfolios",
        "count_channel_usage",
        "find_guarantee_chains",
        "find_uncontacted_high_value",
        "measure_application_cycle_time",
    } <= names


KEYED = ["show_customer_360", "find_crosssell_paths", "list_cluster_influencers"]


@pytest.mark.parametrize("name", KEYED)
def test_keyed_queries_start_from_an_index(
    name: str, keys: dict[str, Any], session_db: Database
) -> None:
    spec = get_query(name)
    params = bind(spec, {p.name: keys[p.name] for p in spec.params if p.required})
    with session_db.driver.session(database=session_db.database) as session:
        summary = session.run("PROFILE " + spec.statement, params).consume()
    operators: list[str] = []

    def walk(plan: dict[str, Any]) -> None:
        operators.append(plan["operatorType"])
        for child in plan.get("children", []):
            walk(child)

    assert summary.profile is not None
    walk(summary.profile)
    assert any("Index" in op for op in operators), operators
    assert not any(op.startswith(("NodeByLabelScan", "AllNodesScan")) for op in operators), (
        operators
    )


def test_customer_360_shows_the_systems_behind_the_customer(
    keys: dict[str, Any], session_db: Database
) -> None:
    row = _run(session_db, "show_customer_360", keys, contacts=3)[0]
    systems = _frame(
        session_db,
        "MATCH (s:SourceRecord)-[:RESOLVES_TO]->(:Customer {customer_id: $id}) "
        "RETURN DISTINCT s.system AS system",
        id=keys["customer_id"],
    )
    assert sorted(row["systems"]) == sorted(systems.system)
    assert len(row["recent_contacts"]) == 3
    dates = [c["at"] for c in row["recent_contacts"]]
    assert dates == sorted(dates, reverse=True)
    assert row["relationship_manager"]


def test_households_match_family_components(keys: dict[str, Any], session_db: Database) -> None:
    ties = _frame(
        session_db,
        "MATCH (a:Customer)-[:FAMILY]->(b:Customer) RETURN a.customer_id AS a, b.customer_id AS b",
    )
    aum = _frame(
        session_db, "MATCH (c:Customer) RETURN c.customer_id AS id, coalesce(c.aum, 0.0) AS aum"
    ).set_index("id")["aum"]
    g = nx.from_pandas_edgelist(ties, "a", "b")
    # components within three family steps: households here are small, so the same
    biggest = max(nx.connected_components(g), key=lambda c: (sum(aum[x] for x in c), min(c)))
    top = _run(session_db, "list_households", keys, limit=1)[0]
    assert top["household"] == min(biggest)
    assert top["members"] == len(biggest)
    assert top["combined_aum"] == pytest.approx(sum(aum[x] for x in biggest))


def test_payroll_penetration_matches_a_count(keys: dict[str, Any], session_db: Database) -> None:
    top = _run(session_db, "list_payroll_companies", keys, limit=1)[0]
    staff = _frame(
        session_db,
        "MATCH (:Customer {customer_id: $id})-[:EMPLOYS]->(p:Customer) "
        "OPTIONAL MATCH (p)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(:Product {category: 'card'}) "
        "WHERE coalesce(a.status, 'open') <> 'closed' "
        "RETURN p.customer_id AS id, count(a) > 0 AS card",
        id=top["company_id"],
    )
    assert top["employees"] == len(staff)
    share = {p["category"]: p["share"] for p in top["penetration"]}
    assert share["card"] == pytest.approx(staff.card.mean(), abs=1e-4)


def test_crosssell_paths_list_non_holders_tied_to_holders(
    keys: dict[str, Any], session_db: Database
) -> None:
    rows = _run(session_db, "find_crosssell_paths", keys, limit=10)
    first = rows[0]
    held = _frame(
        session_db,
        "MATCH (c:Customer {customer_id: $id}) "
        "RETURN EXISTS { (c)-[:OWNS]->(:Account)-[:OF_PRODUCT]->(:Product {product_id: $p}) } "
        "AS holds, COUNT { MATCH (c)-[:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED]-(h:Customer) "
        "WHERE coalesce(h.status, 'active') <> 'churned' "
        "AND EXISTS { (h)-[:OWNS]->(:Account)-[:OF_PRODUCT]->(:Product {product_id: $p}) } "
        "RETURN DISTINCT h } AS holders",
        id=first["customer_id"],
        p=keys["product_id"],
    ).iloc[0]
    assert not held.holds
    assert first["holders"] == held.holders
    assert [r["holders"] for r in rows] == sorted((r["holders"] for r in rows), reverse=True)


def test_cluster_queries_agree_with_the_python_profiles(
    keys: dict[str, Any], session_db: Database
) -> None:
    profile = cluster_profiles(session_db, community=keys["community"])[0]
    leaders = _run(session_db, "list_cluster_influencers", keys, limit=3)
    assert [r["customer_id"] for r in leaders] == [i[0] for i in profile.influencers]
    summary = {r["community"]: r for r in _run(session_db, "summarize_clusters", keys, limit=500)}
    assert summary[profile.community]["size"] == profile.size
    assert summary[profile.community]["churn_rate"] == pytest.approx(profile.churn_rate, abs=1e-4)
    assert summary[profile.community]["fee_income"] == pytest.approx(profile.fee_income, abs=0.01)
    tiers = {t["tier"]: t["members"] for t in summary[profile.community]["tiers"] if t["members"]}
    assert tiers == profile.tiers


def test_churn_queries_match_the_source_closures(
    bank: Path, keys: dict[str, Any], session_db: Database
) -> None:
    closures = pd.read_csv(bank / "core_banking" / "closures.csv", dtype=str)
    destinations = {
        r["competitor_id"]: r for r in _run(session_db, "count_churn_destinations", keys)
    }
    for competitor, n in closures["destination_bank"].value_counts().items():
        assert destinations[competitor]["customers"] == pytest.approx(n, rel=0.05, abs=3)
    flows = pd.DataFrame(_run(session_db, "count_churn_flows", keys, months=6))
    churned = _frame(
        session_db,
        "MATCH (c:Customer)-[t:CHURNED_TO]->() RETURN t.on AS on, c.customer_id AS id",
    )
    last = pd.Timestamp(churned.on.max())
    window = churned[pd.to_datetime(churned.on) > last - pd.DateOffset(months=6)]
    assert flows.customers.sum() == window.id.nunique()
    topics = _run(session_db, "count_complaint_topics", keys)
    assert sum(t["share"] for t in topics) == pytest.approx(1.0, abs=0.01)
    # the same counts from raw rows in pandas
    raw = _frame(
        session_db,
        "MATCH (c:Customer {status: 'churned'})-[:HAD_CONTACT]->(k:Contact {kind: 'complaint'}) "
        "RETURN c.customer_id AS id, c.churned_on AS churned_on, k.at AS at, k.topic AS topic",
    )
    left = pd.to_datetime(raw.churned_on)
    at = pd.to_datetime(raw["at"])
    before = raw[(at < left) & (at >= left - pd.DateOffset(months=6))]
    counts = before.groupby("topic").size()
    everyone = _frame(
        session_db, "MATCH (k:Contact {kind: 'complaint'}) RETURN k.topic AS topic"
    ).topic.value_counts(normalize=True)
    for t in topics:
        assert t["complaints"] == counts[t["topic"]]
        assert t["customers"] == before[before.topic == t["topic"]].id.nunique()
        share = counts[t["topic"]] / counts.sum()
        assert t["lift"] == pytest.approx(share / everyone[t["topic"]], abs=1e-3)


def test_churned_neighbours_counts_who_left(keys: dict[str, Any], session_db: Database) -> None:
    first = _run(session_db, "find_churned_neighbours", keys, since="2025-07-01")[0]
    n = _frame(
        session_db,
        "MATCH (c:Customer {customer_id: $id})-[:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED]-"
        "(x:Customer {status: 'churned'}) WHERE x.churned_on >= '2025-07-01' "
        "RETURN count(DISTINCT x) AS n",
        id=first["customer_id"],
    ).n.iloc[0]
    assert first["churned_ties"] == n


def test_conflicting_records_really_disagree(keys: dict[str, Any], session_db: Database) -> None:
    for row in _run(session_db, "find_conflicting_records", keys, limit=5):
        hashes = _frame(
            session_db,
            "MATCH (s:SourceRecord)-[:RESOLVES_TO]->(:Customer {customer_id: $id}) "
            "RETURN s.name_hash AS name, s.birth_hash AS birth",
            id=row["customer_id"],
        )
        assert hashes.name.nunique() > 1 or hashes.birth.nunique() > 1


def test_product_lift_matches_pandas(keys: dict[str, Any], session_db: Database) -> None:
    held = _frame(
        session_db,
        "MATCH (c:Customer) OPTIONAL MATCH (c)-[:OWNS]->(:Account)-[:OF_PRODUCT]->(p:Product) "
        "RETURN DISTINCT c.customer_id AS id, p.product_id AS product",
    )
    total = held.id.nunique()
    top = _run(session_db, "find_product_pairs", keys, limit=1)[0]
    a = set(held[held["product"] == top["product_a"]].id)
    b = set(held[held["product"] == top["product_b"]].id)
    assert top["customers"] == len(a & b)
    assert top["lift"] == pytest.approx(len(a & b) * total / (len(a) * len(b)), abs=1e-3)


def test_rm_portfolios_cover_every_served_active_customer(
    keys: dict[str, Any], session_db: Database
) -> None:
    rows = _run(session_db, "summarize_rm_portfolios", keys, limit=1000)
    served = _frame(
        session_db,
        "MATCH (c:Customer)-[:SERVED_BY]->(:Employee) "
        "WHERE coalesce(c.status, 'active') <> 'churned' "
        "RETURN count(c) AS n",
    ).n.iloc[0]
    assert sum(r["customers"] for r in rows) == served
    at_risk = _frame(
        session_db,
        "MATCH (c:Customer)-[:SERVED_BY]->(:Employee) WHERE c.high_value_at_risk "
        "RETURN count(c) AS n",
    ).n.iloc[0]
    assert sum(r["at_risk"] for r in rows) == at_risk


def test_channel_usage_shares(keys: dict[str, Any], session_db: Database) -> None:
    rows = pd.DataFrame(_run(session_db, "count_channel_usage", keys))
    mass = _frame(
        session_db,
        "MATCH (c:Customer {tier: 'mass'}) WHERE coalesce(c.status, 'active') <> 'churned' "
        "RETURN c.customer_id AS id, "
        "EXISTS { (c)-[:ENROLLED_IN]->(:Channel {channel_id: 'mobile_banking'}) } AS mobile",
    )
    cell = rows[(rows.tier == "mass") & (rows.channel == "mobile_banking")].iloc[0]
    assert cell.customers == mass.mobile.sum()
    assert cell.share == pytest.approx(mass.mobile.mean(), abs=1e-4)


def test_guarantee_chains_add_up(keys: dict[str, Any], session_db: Database) -> None:
    for row in _run(session_db, "find_guarantee_chains", keys, limit=5):
        assert len(row["chain"]) == row["links"] + 1
        total = 0.0
        for a, b in zip(row["chain"], row["chain"][1:], strict=False):
            total += _frame(
                session_db,
                "MATCH (:Customer {customer_id: $a})-[g:GUARANTEES]->(:Customer {customer_id: $b})"
                " RETURN g.amount AS amount",
                a=a,
                b=b,
            ).amount.iloc[0]
        assert row["total_guaranteed"] == pytest.approx(total)


def test_high_value_without_contact(keys: dict[str, Any], session_db: Database) -> None:
    rows = _run(session_db, "find_uncontacted_high_value", keys, days=90, limit=1000)
    limit = (pd.Timestamp(CUTOFF) - pd.Timedelta(days=90)).date().isoformat()
    for row in rows:
        assert row["tier"] in ("wealth", "private")
        assert row["last_contact"] is None or row["last_contact"] < limit
    # the same list from raw contacts in pandas
    contacts = _frame(
        session_db,
        "MATCH (c:Customer) WHERE c.tier IN ['wealth', 'private'] "
        "AND coalesce(c.status, 'active') <> 'churned' "
        "OPTIONAL MATCH (c)-[:HAD_CONTACT]->(k:Contact) "
        "RETURN c.customer_id AS id, k.at AS at",
    )
    before = contacts[contacts["at"].isna() | (contacts["at"] < CUTOFF)]
    last = before.groupby("id")["at"].max()
    quiet = {i for i, at in last.items() if not isinstance(at, str) or at < limit}
    assert {r["customer_id"] for r in rows} == quiet


def test_application_cycle_time_matches_pandas(keys: dict[str, Any], session_db: Database) -> None:
    rows = pd.DataFrame(_run(session_db, "measure_application_cycle_time", keys))
    apps = _frame(
        session_db,
        "MATCH (c:Customer)-[:APPLIED]->(a:Application) WHERE c.tier = 'mass' "
        "AND a.received_on IS NOT NULL AND a.assessed_on IS NOT NULL "
        "RETURN a.received_on AS r, a.assessed_on AS s",
    )
    days = (pd.to_datetime(apps.s) - pd.to_datetime(apps.r)).dt.days
    cell = rows[(rows.tier == "mass") & (rows.stage == "received->assessed")].iloc[0]
    assert cell.applications == len(apps)
    assert cell.mean_days == pytest.approx(days.mean(), abs=0.01)


def test_library_queries_are_read_only(session_db: Database) -> None:
    with pytest.raises(DatabaseError, match="(?i)write"):
        session_db.run_statement("CREATE (:Intruder) RETURN 1 AS x")
    assert not session_db.run_statement("MATCH (n:Intruder) RETURN n")


def test_parameters_are_checked_and_named(keys: dict[str, Any], session_db: Database) -> None:
    with pytest.raises(QueryParameterError, match="'community'") as err:
        run_query(session_db, "list_cluster_influencers", {"community": "ten"})
    assert err.value.parameter == "community"
    with pytest.raises(QueryParameterError, match="required"):
        run_query(session_db, "list_cluster_influencers", {})
    with pytest.raises(QueryParameterError, match="unknown parameter 'tier'"):
        run_query(session_db, "list_households", {"tier": "mass"})
    with pytest.raises(QueryParameterError, match="not a date"):
        run_query(session_db, "find_uncontacted_high_value", {"as_of": "2025-02-30"})
    with pytest.raises(CypherNotFound):
        run_query(session_db, "../admin/delete_nodes_batch", {})
    # an injection attempt is just a value: it matches no customer
    assert not run_query(session_db, "show_customer_360", {"customer_id": "x' OR 1=1 //"})


def test_cli_query_table_json_csv_and_errors(
    keys: dict[str, Any], neo4j_settings: Settings
) -> None:
    listed = run_cli(neo4j_settings, "query", "--list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {q["name"] for q in json.loads(listed.stdout)} == {s.name for s in list_queries()}
    as_json = run_cli(
        neo4j_settings,
        "query",
        "list_cluster_influencers",
        "--param",
        f"community={keys['community']}",
        "--json",
    )
    assert as_json.returncode == 0, as_json.stderr
    assert len(json.loads(as_json.stdout)) == 10
    as_csv = run_cli(neo4j_settings, "query", "list_households", "-p", "limit=3", "--csv")
    assert as_csv.returncode == 0, as_csv.stderr
    lines = as_csv.stdout.strip().splitlines()
    assert lines[0] == ",".join(get_query("list_households").columns)
    assert len(lines) == 4
    table = run_cli(neo4j_settings, "query", "summarize_rm_portfolios")
    assert table.returncode == 0, table.stderr
    assert "Relationship managers" in table.stderr
    bad = run_cli(neo4j_settings, "query", "list_households", "-p", "limit=many")
    assert bad.returncode == 1
    assert bad.stderr.strip() == "error: parameter 'limit': 'many' is not an integer"
