"""Real extracts of other banks load with exact counts (BankChurners; UCI is in test_load).

In CI these fail, not skip, when the data is missing (``CRM_REQUIRE_REAL_DATA=1``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from tests.realdata import real_data

from crm_graph.db import Database
from crm_graph.ingest.load import load_extract
from crm_graph.ingest.spec import default_loaders_dir, load_specs

KEY = b"test-key"


def _one(db: Database, cypher: str) -> int:
    return int(db.run_statement(cypher)[0]["n"])


def test_bank_churners_loads_one_customer_per_clientnum(db: Database, tmp_path: Path) -> None:
    folder = real_data("bank_churners", "BankChurners.csv")
    raw = pd.read_csv(folder / "BankChurners.csv", dtype={"CLIENTNUM": str})
    specs = load_specs(default_loaders_dir() / "bank_churners.yaml")
    report = load_extract(db, folder, specs, pii_key=KEY, rejects_dir=tmp_path / "r").as_dict()
    assert len(raw) == raw.CLIENTNUM.nunique() == 10_127
    assert report["rows_read"] == 10_127
    assert report["rows_rejected"] == 0
    assert report["merges"] == 0
    assert report["conflicts"] == 0
    assert _one(db, "MATCH (c:Customer) RETURN count(c) AS n") == 10_127
    # one source record per customer: no two CLIENTNUMs share a customer
    assert (
        _one(
            db,
            "MATCH (c:Customer)<-[:RESOLVES_TO]-(s) WITH c, count(s) AS k "
            "WHERE k <> 1 RETURN count(c) AS n",
        )
        == 0
    )
    # exits: the flag, dated as of the snapshot the mapping declares
    exits = int((raw.Attrition_Flag == "Attrited Customer").sum())
    assert exits == 1_627
    churned = db.run_statement(
        "MATCH (c:Customer {status: 'churned'}) RETURN c.churned_on AS on, count(*) AS n"
    )
    assert churned == [{"on": "2020-12-31", "n": exits}]
    # card accounts by tier, recounted from the file
    tiers = db.run_statement(
        "MATCH (:Customer)-[:OWNS]->(:Account)-[:OF_PRODUCT]->(p:Product) "
        "RETURN p.product_id AS p, count(*) AS n"
    )
    expected = ("CARD_" + raw.Card_Category.str.upper()).value_counts().to_dict()
    assert {r["p"]: r["n"] for r in tiers} == expected
    # every column is a typed property of the customer; a hand-checked first row
    first = db.run_statement(
        "MATCH (s:SourceRecord {system: 'bank_churners', record_id: '768805383'})"
        "-[:RESOLVES_TO]->(c) RETURN c.age AS age, c.gender AS gender, c.card_tier AS tier,"
        " c.credit_limit AS limit, c.transaction_count_12m AS count,"
        " c.utilisation AS utilisation, c.income_band AS income, c.status AS status"
    )
    assert first == [
        {
            "age": 45,
            "gender": "M",
            "tier": "Blue",
            "limit": 12691.0,
            "count": 42,
            "utilisation": 0.061,
            "income": "$60K - $80K",
            "status": None,
        }
    ]
