"""A multi-table extract loads with one mapping file per source system and no code change.

The mappings in ``tests/data/linked_bank`` stand for a bank laid out like the PKDD'99
Czech financial data set ("Berka"): a link table (disp) says which client holds which
account as OWNER or DISPONENT; cards are issued to a link-table row; loans and standing
orders are keyed by account; birth numbers carry the birth date and sex. Every card,
loan and order must land on the right customer, recounted here from the files with
pandas, independently of the loader.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.conftest import run_cli
from tests.linked_bank import DEFECTS, write_extract

from crm_graph.analytics.crosssell import compute_crosssell
from crm_graph.analytics.readiness import graph_currency
from crm_graph.config import Settings
from crm_graph.db import Database
from crm_graph.ingest.load import load_extract
from crm_graph.ingest.spec import load_specs

KEY = b"test-key"
MAPPINGS = Path(__file__).resolve().parents[1] / "data" / "linked_bank"


def _holdings(db: Database, prefix: str) -> set[tuple[str, str, str]]:
    rows = db.run_statement(
        "MATCH (s:SourceRecord {system: 'core'})-[:RESOLVES_TO]->(c:Customer)-[o:OWNS]->(a:Account)"
        " WHERE a.account_id STARTS WITH $prefix"
        " RETURN s.record_id AS client, a.account_id AS account, o.role AS role",
        {"prefix": prefix},
    )
    return {(r["client"], r["account"].removeprefix(prefix), r["role"]) for r in rows}


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    folder = tmp_path / "extract"
    write_extract(folder)
    return folder


def test_cards_loans_and_orders_reach_their_customers_through_the_link_table(
    db: Database, extract: Path, tmp_path: Path
) -> None:
    specs = load_specs(*sorted(MAPPINGS.glob("*.yaml")))
    report = load_extract(db, extract, specs, pii_key=KEY, rejects_dir=tmp_path / "r").as_dict()
    read = {n: pd.read_csv(extract / f"{n}.csv", sep=";", dtype=str, keep_default_na=False)
            for n in ("client", "disp", "account", "card", "loan", "order")}  # fmt: skip
    disp = read["disp"].assign(
        role=np.where(read["disp"].type == "OWNER", "owner", "authorised_user")
    )
    # one customer per client (distinct keys, no identifying values to merge on)
    assert report["customers_total"] == len(read["client"])
    # accounts: every holder of the link table, with their role
    expected = {(r.client_id, r.account_id, r.role) for r in disp.itertuples()}
    assert _holdings(db, "core:") == expected
    assert any(role == "authorised_user" for _, _, role in expected)
    # cards: card -> disp row -> client
    cards = read["card"].merge(disp, on="disp_id")
    assert _holdings(db, "cards:") == {
        (r.client_id, r.card_id, "owner") for r in cards.itertuples()
    }
    # loans: loan -> account -> every holder, filtered by the SQL condition
    loans = read["loan"].merge(disp, on="account_id")
    loans = loans[loans.status.isin(["C", "D"]) | (loans.amount.astype(float) >= 100_000)]
    orders = read["order"].merge(disp[disp.type == "OWNER"], on="account_id")
    held = _holdings(db, "loans:")
    assert {h for h in held if h[1].startswith("L")} == {
        (r.client_id, r.loan_id, r.role) for r in loans.itertuples()
    }
    assert {h for h in held if h[1].startswith("O")} == {
        (r.client_id, r.order_id, "owner") for r in orders.itertuples()
    }
    # the system's currency on its accounts (the mapping's, not a default)
    currencies = db.run_statement(
        "MATCH (a:Account) RETURN split(a.account_id, ':')[0] AS system,"
        " collect(DISTINCT a.currency) AS currencies ORDER BY system"
    )
    assert currencies == [
        {"system": "cards", "currencies": []},
        {"system": "core", "currencies": ["CZK"]},
        {"system": "loans", "currencies": []},
    ]
    # and what reports and churn's reasons label amounts with
    assert graph_currency(db) == "CZK"
    # extra columns are typed properties; computed ones decoded
    loan_props = db.run_statement(
        "MATCH (a:Account {account_id: $id}) RETURN a.duration_months AS d, a.status AS s,"
        " a.amount AS amount",
        {"id": "loans:" + loans.iloc[0].loan_id},
    )[0]
    assert loan_props["d"] == int(loans.iloc[0].duration)
    assert loan_props["amount"] == float(loans.iloc[0].amount)
    assert loan_props["s"] in ("running", "running_in_debt", "finished", "finished_unpaid")
    first = read["client"].iloc[0]
    born = db.run_statement(
        "MATCH (:SourceRecord {system: 'core', record_id: $id})-[:RESOLVES_TO]->(c)"
        " RETURN c.gender AS g",
        {"id": first.client_id},
    )[0]["g"]
    assert born == ("F" if int(first.birth_number[2:4]) > 50 else "M")
    # the planted defects are rejected with the join that found nothing, never dropped
    files = report["files"]
    assert files["cards/card"]["rejected"] == 1
    assert files["loans/loan"]["rejected"] == 1
    reject = pd.read_csv(tmp_path / "r" / "cards" / "card.csv", dtype=str)
    assert reject._reason.tolist() == ["no core.disp row where disp_id = disp.disp_id"]
    assert reject.card_id.tolist() == [DEFECTS["card"]]


def test_holders_of_one_account_are_tied_and_shown_together(
    db: Database, extract: Path, tmp_path: Path
) -> None:
    specs = load_specs(*sorted(MAPPINGS.glob("*.yaml")))
    report = load_extract(db, extract, specs, pii_key=KEY, rejects_dir=tmp_path / "r").as_dict()
    disp = pd.read_csv(extract / "disp.csv", sep=";", dtype=str)
    pairs = {
        tuple(sorted(group.client_id)) for _, group in disp.groupby("account_id") if len(group) > 1
    }
    assert pairs
    ties = db.run_statement(
        "MATCH (sx:SourceRecord {system: 'core'})-[:RESOLVES_TO]->(x:Customer)-[t:CO_HOLDS]->"
        "(y:Customer)<-[:RESOLVES_TO]-(sy:SourceRecord {system: 'core'})"
        " RETURN sx.record_id AS x, sy.record_id AS y, t.accounts AS n"
    )
    # co-holders of a current account also share its loans (one more account each)
    assert {tuple(sorted((t["x"], t["y"]))) for t in ties} == pairs
    assert report["co_holder_ties"] == len(pairs)
    # a second load changes nothing
    again = load_extract(db, extract, specs, pii_key=KEY, rejects_dir=tmp_path / "r2").as_dict()
    assert again["co_holder_ties"] == len(pairs)


def test_analyze_all_runs_what_the_extract_supports_and_skips_churn(
    db: Database, extract: Path, tmp_path: Path, neo4j_settings: Settings
) -> None:
    # accounts, cards, loans and shared accounts, but no balances, contacts or exits
    specs = load_specs(*sorted(MAPPINGS.glob("*.yaml")))
    load_extract(db, extract, specs, pii_key=KEY, rejects_dir=tmp_path / "r")
    proc = run_cli(neo4j_settings, "analyze", "all", "--json")
    steps = {s["step"]: s for s in json.loads(proc.stdout)["steps"]}
    assert proc.returncode == 0, steps
    assert steps["churn"]["status"] == "skipped"
    assert "no customer has left" in steps["churn"]["reason"]
    assert steps["clusters"]["status"] == "ran"
    assert steps["clusters"]["mode"] == "ties"  # the co-holders
    assert steps["segments"]["status"] == "ran"
    assert steps["crosssell"]["status"] in ("ran", "skipped")
    assert all(s["status"] != "failed" for s in steps.values())
    human = run_cli(neo4j_settings, "analyze", "all")
    assert human.returncode == 0, human.stderr
    assert "skipped churn: no customer has left" in human.stderr


def test_cross_sell_respects_the_catalogues_families_and_bounds(
    db: Database, extract: Path, tmp_path: Path
) -> None:
    # the catalogue makes the card tiers one family and keeps junior cards for minors
    # (every client of the extract is an adult): a card holder is never offered
    # another tier, and nobody a junior card, while cards still reach non-holders
    specs = load_specs(*sorted(MAPPINGS.glob("*.yaml")))
    load_extract(db, extract, specs, pii_key=KEY, rejects_dir=tmp_path / "r")
    result = compute_crosssell(db, as_of=date(1999, 3, 31))
    assert result.recommendations > 0
    rows = db.run_statement(
        "MATCH (c:Customer)-[r:RECOMMENDED]->(p:Product {family: 'card'})"
        " RETURN c.customer_id AS customer, p.product_id AS product,"
        " EXISTS { (c)-[:OWNS]->(:Account)-[:OF_PRODUCT]->(:Product {family: 'card'}) } AS holds"
    )
    assert rows, "cards are recommended to customers without one"
    assert not [r for r in rows if r["holds"]]
    assert not [r for r in rows if r["product"] == "CARD_JUNIOR"]
    # the same run without the catalogue's family offers other tiers to card holders
    db.run_statement("MATCH (p:Product {family: 'card'}) REMOVE p.family", write=True)
    compute_crosssell(db, as_of=date(1999, 3, 31))
    again = db.run_statement(
        "MATCH (c:Customer)-[:RECOMMENDED]->(p:Product {category: 'card'})"
        " WHERE EXISTS { (c)-[:OWNS]->(:Account)-[:OF_PRODUCT]->(:Product {category: 'card'}) }"
        " RETURN count(*) AS n"
    )
    assert again[0]["n"] > 0
