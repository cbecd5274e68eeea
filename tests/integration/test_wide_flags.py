"""A product-holding panel (one 0/1 column per product) maps to holdings in one block.

The fixture stands for the layout of the Santander product recommendation panel
(Kaggle, 2016): one row per customer and month, ``ncodpers`` the customer number,
one ``ind_*_ult1`` flag per product (here three products and four customers).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_graph.db import Database
from crm_graph.errors import MappingError
from crm_graph.ingest.load import load_extract
from crm_graph.ingest.spec import load_spec

KEY = b"test-key"
MAPPING = """
system: panel
static:
  - into: products
    rows:
      - {product_id: CURRENT, name: Current account, category: deposit}
      - {product_id: CARD, name: Credit card, category: card}
      - {product_id: MORTGAGE, name: Mortgage, category: loan}
files:
  - name: holdings
    path: panel.csv
    key: [ncodpers]
    columns:
      ncodpers: {type: string, required: true}
      ind_cco_fin_ult1: {type: boolean}
      ind_tjcr_fin_ult1: {type: boolean}
      ind_hip_fin_ult1: {type: boolean}
    identity: {kind: {default: person}}
    targets:
      - into: accounts
        flags: {CURRENT: ind_cco_fin_ult1, CARD: ind_tjcr_fin_ult1, MORTGAGE: ind_hip_fin_ult1}
        fields: {account_id: "{ncodpers}:{product_id}", customer: ncodpers}
"""
PANEL = """ncodpers,ind_cco_fin_ult1,ind_tjcr_fin_ult1,ind_hip_fin_ult1
1375586,1,0,0
1050611,1,1,0
1050612,0,0,0
1050613,1,1,1
"""


def test_each_true_flag_is_a_holding(db: Database, tmp_path: Path) -> None:
    (tmp_path / "panel.yaml").write_text(MAPPING, encoding="utf-8")
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "panel.csv").write_text(PANEL, encoding="utf-8")
    spec = load_spec(tmp_path / "panel.yaml")
    report = load_extract(db, folder, [spec], pii_key=KEY, rejects_dir=tmp_path / "r").as_dict()
    assert report["rows_rejected"] == 0
    held = db.run_statement(
        "MATCH (s:SourceRecord)-[:RESOLVES_TO]->(:Customer)-[:OWNS]->(a)-[:OF_PRODUCT]->(p)"
        " RETURN s.record_id AS c, p.product_id AS p, a.account_id AS a ORDER BY c, p"
    )
    assert [(h["c"], h["p"]) for h in held] == [
        ("1050611", "CARD"), ("1050611", "CURRENT"),
        ("1050613", "CARD"), ("1050613", "CURRENT"), ("1050613", "MORTGAGE"),
        ("1375586", "CURRENT"),
    ]  # fmt: skip
    assert held[0]["a"] == "panel:1050611:CARD"


def test_flags_must_be_boolean_columns(tmp_path: Path) -> None:
    bad = MAPPING.replace("ind_hip_fin_ult1: {type: boolean}", "ind_hip_fin_ult1: {type: string}")
    (tmp_path / "panel.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(MappingError, match="flags.MORTGAGE: column 'ind_hip_fin_ult1' must be"):
        load_spec(tmp_path / "panel.yaml")
