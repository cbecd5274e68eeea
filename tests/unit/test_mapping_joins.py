"""Joins across the files of an extract are checked when the mappings are read."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_graph.errors import MappingError
from crm_graph.ingest.spec import load_specs

LINKS = """
system: core
files:
  - name: client
    path: client.csv
    key: [client_id]
    columns: {client_id: {type: string, required: true}}
    identity: {kind: {default: person}}
  - name: disp
    path: disp.csv
    key: [disp_id]
    columns:
      disp_id: {type: string, required: true}
      client_id: {type: string, required: true}
      type: {type: string}
"""
CARDS = """
system: cards
static: [{into: products, rows: [{product_id: CARD, name: Card}]}]
files:
  - name: card
    path: card.csv
    key: [card_id]
    columns:
      card_id: {type: string, required: true}
      disp_id: {type: string, required: true}
    targets:
      - into: accounts
        join: [{file: core.disp, by: {disp_id: disp_id}}]
        systems: {customer: core}
        where: "\\"disp.type\\" = 'OWNER'"
        fields: {account_id: card_id, customer: disp.client_id, product_id: "=CARD"}
"""


def _specs(tmp_path: Path, cards: str) -> list[Path]:
    (tmp_path / "core.yaml").write_text(LINKS, encoding="utf-8")
    (tmp_path / "cards.yaml").write_text(cards, encoding="utf-8")
    return [tmp_path / "core.yaml", tmp_path / "cards.yaml"]


def test_a_join_across_systems_is_accepted(tmp_path: Path) -> None:
    specs = load_specs(*_specs(tmp_path, CARDS))
    (join,) = specs[0].files[0].targets[0].join
    assert (join.file, join.alias, join.by) == ("core.disp", "disp", {"disp_id": "disp_id"})


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("file: core.disp", "file: corp.disp",
         r"system cards: files.0.targets.0.join.0: no file 'corp.disp'"),
        ("by: {disp_id: disp_id}", "by: {disp_id: disp_no}",
         r"join.0.by: core.disp has no column 'disp_no'"),
        ("by: {disp_id: disp_id}", "by: {disp_no: disp_id}",
         r"files.0.targets.0.join.0.by names column 'disp_no'"),
        ("customer: disp.client_id", "customer: disp.client",
         r"files.0.targets.0.fields.customer: no column 'disp.client'"),
        ('\\"disp.type\\"', '\\"disp.kind\\"',
         r"files.0.targets.0.where: Binder Error: Referenced column \"disp.kind\""),
        ("by: {disp_id", "on: {disp_id",
         r"join.0.by: Field required"),
    ],
)  # fmt: skip
def test_a_bad_join_names_the_mapping_field(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(MappingError, match=message):
        load_specs(*_specs(tmp_path, CARDS.replace(old, new)))


def test_extra_properties_only_where_a_node_takes_them(tmp_path: Path) -> None:
    bad = CARDS.replace(
        'product_id: "=CARD"}', 'product_id: "=CARD"}\n        extra: {status: card_id}'
    )
    with pytest.raises(MappingError, match="extra propert"):
        load_specs(*_specs(tmp_path, bad))


def test_a_static_catalogue_is_typed_and_checked(tmp_path: Path) -> None:
    rows = (
        "[{product_id: CARD, name: Card, family: card, stackable: false, min_age: 18},"
        " {product_id: 7, name: 2025, max_risk_grade: 3}]"
    )
    specs = load_specs(*_specs(tmp_path, CARDS.replace("[{product_id: CARD, name: Card}]", rows)))
    card, series = next(s for s in specs if s.system == "cards").static[0].rows
    assert card == {"product_id": "CARD", "name": "Card", "family": "card",
                    "stackable": False, "min_age": 18}  # fmt: skip
    # numbers given for text fields are kept as their text
    assert series == {"product_id": "7", "name": "2025", "max_risk_grade": 3}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{product_id: CARD, catagory: card}",
         r"cards.yaml: static.0: rows.0: products take no field 'catagory' \(did you mean"),
        ("{name: Card}", r"rows.0: products need 'product_id'"),
        ("{product_id: CARD, stackable: yes please}", r"rows.0.stackable: expected true or false"),
        ("{product_id: CARD, max_age: '17'}", r"rows.0.max_age: expected a whole number"),
        ("{product_id: CARD, min_age: -1}", r"rows.0.min_age: expected a whole number"),
        ("{product_id: CARD, name: true}", r"rows.0.name: expected text, not true"),
    ],
)  # fmt: skip
def test_a_bad_static_row_names_its_place(tmp_path: Path, row: str, message: str) -> None:
    paths = _specs(tmp_path, CARDS.replace("{product_id: CARD, name: Card}", row))
    with pytest.raises(MappingError, match=message):
        load_specs(*paths)
