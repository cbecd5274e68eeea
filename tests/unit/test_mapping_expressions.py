"""SQL in mappings (computed columns, where conditions), snapshots' as_of, several mappings.

The fixture stands for a Central European core-banking client file: a birth number
(rodne cislo, YYMMDD plus a serial; women's months have 50 added) that carries the
birth date and sex, a two-digit-year opening date, and a coded status.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_graph.errors import MappingError
from crm_graph.ingest.expressions import check_expression, evaluate, evaluate_rows
from crm_graph.ingest.spec import default_loaders_dir, load_spec, load_specs
from crm_graph.ingest.validate import read_validated

MAPPING = """
system: cz_core
as_of: 2024-06-30
files:
  - name: clients
    path: clients.csv
    delimiter: ";"
    key: [client_id]
    columns:
      client_id: {type: string, required: true}
      birth_number: {type: string, required: true}
      opened: {type: string}
      status: {type: string}
      amount: {type: string}
      sex:
        type: string
        allowed: [F, M]
        sql: CASE WHEN CAST(substr(birth_number, 3, 2) AS INT) > 50 THEN 'F' ELSE 'M' END
      birth_date:
        type: date
        sql: >-
          make_date(
            CASE WHEN CAST(substr(birth_number, 1, 2) AS INT) > 25 THEN 1900 ELSE 2000 END
              + CAST(substr(birth_number, 1, 2) AS INT),
            CAST(substr(birth_number, 3, 2) AS INT) % 50,
            CAST(substr(birth_number, 5, 2) AS INT))
      opened_on: {type: date, sql: "strftime(strptime(opened, '%d.%m.%y'), '%Y-%m-%d')"}
      status_label:
        type: string
        sql: CASE status WHEN 'A' THEN 'active' WHEN 'C' THEN 'closed' ELSE 'unknown' END
      amount_czk: {type: decimal, sql: "CAST(replace(amount, ',', '.') AS DECIMAL(18, 2)) * 100"}
    identity:
      kind: {default: person}
      birth_date: birth_date
      golden: {gender: sex, status: status_label}
    targets:
      - into: churn
        where: "status_label = 'closed' AND amount_czk BETWEEN 0 AND 1000000"
        fields: {customer: client_id}
"""

ROWS = [
    "client_id;birth_number;opened;status;amount",
    "1;8555121234;01.02.99;A;10,50",  # a woman born 1985-05-12
    "2;0103049876;15.11.03;C;2,00",  # a man born 2001-03-04
    "3;7012xx;01.01.20;C;x",  # a broken birth number and amount
]


def _write(tmp_path: Path) -> Path:
    (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "clients.csv").write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    return tmp_path / "m.yaml"


def test_computed_columns_decode_a_birth_number_dates_and_codes(tmp_path: Path) -> None:
    spec = load_spec(_write(tmp_path))
    result = read_validated(tmp_path, spec.files[0], today=date(2025, 1, 1))
    rows = result.rows.set_index("client_id")
    assert rows.loc["1", "sex"] == "F"
    assert rows.loc["1", "birth_date"] == "1985-05-12"
    assert rows.loc["2", "sex"] == "M"
    assert rows.loc["2", "birth_date"] == "2001-03-04"
    assert rows.loc["1", "opened_on"] == "1999-02-01"
    assert rows.loc["2", "opened_on"] == "2003-11-15"
    assert rows.loc["2", "status_label"] == "closed"
    assert float(rows.loc["1", "amount_czk"]) == pytest.approx(1050.0)
    # the broken row is rejected with the expression's error, never dropped silently
    assert len(result.rejects) == 1
    reject = result.rejects.iloc[0]
    assert reject["_line"] == 4
    assert "expression failed" in reject["_reason"]
    assert "Conversion Error" in reject["_reason"]
    assert result.loaded + len(result.rejects) == result.read == 3


def test_as_of_dates_an_exit_flag_without_a_date(tmp_path: Path) -> None:
    spec = load_spec(_write(tmp_path))
    churn = spec.files[0].targets[0]
    assert churn.fields["churned_on"] == "=2024-06-30"
    without = MAPPING.replace("as_of: 2024-06-30\n", "")
    (tmp_path / "n.yaml").write_text(without, encoding="utf-8")
    with pytest.raises(MappingError, match=r"churned_on \(or declare the extract's as_of"):
        load_spec(tmp_path / "n.yaml")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("CAST(substr(birth_number, 3, 2)", "CAST(substr(birth_no, 3, 2)",
         r"m.yaml: files.0.columns.sex.sql: Binder Error: Referenced column \"birth_no\""),
        ("status_label = 'closed'", "status_lable = 'closed'",
         r"m.yaml: files.0.targets.0.where: Binder Error: Referenced column \"status_lable\""),
        ("status_label = 'closed'", "status_label = 'closed'; DROP TABLE x",
         r"targets.0.where: an expression may not contain ';'"),
        ("ELSE 'unknown' END", "ELSE 'unknown' EN",
         r"files.0.columns.status_label.sql: Parser Error"),
    ],
)  # fmt: skip
def test_a_bad_expression_names_the_file_and_field(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = _write(tmp_path)
    path.write_text(MAPPING.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(MappingError, match=message):
        load_spec(path)


def test_expressions_cannot_read_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="disabled|Permission"):
        check_expression(f"(SELECT count(*) FROM read_csv('{secret}'))", ["a"])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-(10**6), 10**6)), min_size=1, max_size=30))
def test_a_condition_keeps_exactly_the_rows_pandas_keeps(values: list[int | None]) -> None:
    frame = pd.DataFrame({"x": pd.array(values, dtype="Int64")})
    kept = evaluate("x BETWEEN -100 AND 100 OR x IS NULL", frame)
    expected = [v is None or -100 <= v <= 100 for v in values]
    assert kept.tolist() == expected


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet="0123456789z", min_size=0, max_size=4), min_size=1, max_size=30))
def test_failed_rows_are_found_whatever_their_place(texts: list[str]) -> None:
    frame = pd.DataFrame({"a": [t or None for t in texts]})
    values, errors = evaluate_rows("CAST(a AS INTEGER)", frame)
    for i, t in enumerate(texts):
        if "z" in t:
            assert i in errors
        else:
            assert i not in errors
            assert values[i] == (int(t) if t else None)


def test_several_mapping_files_and_folders() -> None:
    loaders = default_loaders_dir()
    named = load_specs(loaders, loaders / "bank_churners.yaml")
    assert "bank_churners" in {s.system for s in named}
    assert "core_banking" in {s.system for s in named}
    with pytest.raises(MappingError, match="several mappings for system"):
        load_specs(loaders, loaders / "cards.yaml")
    with pytest.raises(MappingError, match="no such mapping file or folder"):
        load_specs(loaders / "nope.yaml")


def test_phone_numbers_of_the_declared_country(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("id,tel\n1,603 123 456\n2,+351 912 345 678\n3,12\n")
    (tmp_path / "p.yaml").write_text(
        "system: cz\nphone_region: CZ\nfiles:\n  - name: p\n    path: p.csv\n"
        "    columns: {id: {type: string}, tel: {type: string, normalize: phone}}\n",
        encoding="utf-8",
    )
    spec = load_spec(tmp_path / "p.yaml")
    assert spec.files[0].phone_region == "CZ"
    result = read_validated(tmp_path, spec.files[0])
    assert result.rows.tel.tolist() == ["+420603123456", "+351912345678"]
    assert result.rejects._reason.tolist() == ["not a phone number: '12'"]


def test_without_a_phone_region_only_numbers_with_a_country_code_are_taken(
    tmp_path: Path,
) -> None:
    """No country is assumed: a national number is rejected, saying what is missing."""
    rows = "id,tel\n1,603 123 456\n2,+351 912 345 678\n3,0086 138 1234 5678\n"
    (tmp_path / "p.csv").write_text(rows)
    (tmp_path / "p.yaml").write_text(
        "system: anywhere\nfiles:\n  - name: p\n    path: p.csv\n"
        "    columns: {id: {type: string}, tel: {type: string, normalize: phone}}\n",
        encoding="utf-8",
    )
    spec = load_spec(tmp_path / "p.yaml")
    assert spec.files[0].phone_region is None
    result = read_validated(tmp_path, spec.files[0])
    assert result.rows.tel.tolist() == ["+351912345678", "+8613812345678"]
    assert result.rejects._reason.tolist() == [
        "phone number without a country code: '603 123 456' (the mapping names no phone_region)"
    ]
