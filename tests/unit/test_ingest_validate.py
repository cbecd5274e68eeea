from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from crm_graph.errors import MappingError, SourceFileError
from crm_graph.identifiers import resident_id_check
from crm_graph.ingest.spec import load_spec
from crm_graph.ingest.validate import read_validated, write_rejects

MAPPING = """
system: cards
phone_region: CN
files:
  - name: cardholders
    path: cards/cardholders.csv
    key: [holder_no]
    columns:
      holder_no: {type: string, required: true}
      name: {type: string, required: true, normalize: name}
      id_number: {type: string, normalize: id_number}
      mobile: {type: string, normalize: phone}
      birth_date: {type: date}
      limit: {type: decimal}
      vip: {type: boolean}
      status: {type: string, allowed: [active, cancelled]}
"""

GOOD_ID = "44200019900101001" + resident_id_check("44200019900101001")


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "cards.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


def _write(folder: Path, text: str, encoding: str = "utf-8") -> None:
    (folder / "cards").mkdir(parents=True, exist_ok=True)
    (folder / "cards" / "cardholders.csv").write_bytes(text.encode(encoding))


HEADER = "holder_no,name,id_number,mobile,birth_date,limit,vip,status\n"


def test_good_rows_are_typed_and_normalised(tmp_path: Path, spec_file: Path) -> None:
    _write(
        tmp_path, HEADER + f"CH1,王　小明,{GOOD_ID},+86 138 1234 5678,1990-01-01,5000,Y,active\n"
    )
    spec = load_spec(spec_file).file("cardholders")
    result = read_validated(tmp_path, spec, today=date(2025, 12, 31))
    assert result.read == 1
    assert result.rejects.empty
    row = result.rows.iloc[0].to_dict()
    assert row == {
        "holder_no": "CH1",
        "name": "王小明",
        "id_number": GOOD_ID,
        "mobile": "+8613812345678",
        "birth_date": "1990-01-01",
        "limit": 5000.0,
        "vip": True,
        "status": "active",
    }


@pytest.mark.parametrize(
    ("line", "column", "reason"),
    [
        (
            f",王五,{GOOD_ID},13812345678,1990-01-01,1,Y,active",
            "holder_no",
            "required value missing",
        ),
        (f"CH2,王五,{GOOD_ID[:-1]}9,13812345678,1990-01-01,1,Y,active", "id_number", "check digit"),
        (f"CH2,王五,{GOOD_ID},12345,1990-01-01,1,Y,active", "mobile", "not a phone number"),
        (f"CH2,王五,{GOOD_ID},13812345678,2024-13-45,1,Y,active", "birth_date", "not a date"),
        (
            f"CH2,王五,{GOOD_ID},13812345678,2091-05-01,1,Y,active",
            "birth_date",
            "date in the future",
        ),
        (f"CH2,王五,{GOOD_ID},13812345678,1990-01-01,lots,Y,active", "limit", "not a number"),
        (f"CH2,王五,{GOOD_ID},13812345678,1990-01-01,1,maybe,active", "vip", "not a yes/no value"),
        (f"CH2,王五,{GOOD_ID},13812345678,1990-01-01,1,Y,frozen", "status", "not among"),
    ],
)
def test_each_reject_reason_names_line_column_and_reason(
    tmp_path: Path, spec_file: Path, line: str, column: str, reason: str
) -> None:
    good = f"CH1,李四,{GOOD_ID},13812345678,1990-01-01,1,N,active"
    _write(tmp_path, HEADER + good + "\n" + line + "\n")
    spec = load_spec(spec_file).file("cardholders")
    result = read_validated(tmp_path, spec, today=date(2025, 12, 31))
    assert result.read == 2
    assert result.loaded == 1
    assert len(result.rejects) == 1
    bad = result.rejects.iloc[0]
    assert bad["_line"] == 3
    assert bad["_column"] == column
    assert reason in bad["_reason"]
    written = write_rejects(tmp_path / "rejects", "cards", "cardholders", result.rejects)
    assert written == tmp_path / "rejects" / "cards" / "cardholders.csv"
    back = pd.read_csv(written, dtype=str, keep_default_na=False)
    assert list(back.columns[:3]) == ["_line", "_column", "_reason"]
    assert len(back) == 1
    # nothing lost: every row read is either loaded or rejected
    assert result.loaded + len(result.rejects) == result.read


def test_formula_injection_is_neutralised_in_rejects(tmp_path: Path, spec_file: Path) -> None:
    _write(tmp_path, HEADER + "CH1,=HYPERLINK(1),x,1,1990-01-01,1,Y,active\n")
    result = read_validated(tmp_path, load_spec(spec_file).file("cardholders"))
    path = write_rejects(tmp_path / "rejects", "cards", "cardholders", result.rejects)
    assert path is not None
    assert "'=HYPERLINK(1)" in path.read_text(encoding="utf-8")


def test_a_missing_file_fails_with_its_name(tmp_path: Path, spec_file: Path) -> None:
    with pytest.raises(SourceFileError, match=r"cards/cardholders.csv: file not found"):
        read_validated(tmp_path, load_spec(spec_file).file("cardholders"))


def test_a_missing_required_column_fails_before_any_row(tmp_path: Path, spec_file: Path) -> None:
    _write(tmp_path, "holder_no,mobile\nCH1,13812345678\n")
    with pytest.raises(SourceFileError, match="required column.*missing: name"):
        read_validated(tmp_path, load_spec(spec_file).file("cardholders"))


def test_a_wrong_encoding_fails_with_a_clear_message(tmp_path: Path, spec_file: Path) -> None:
    _write(tmp_path, HEADER + f"CH1,王小明,{GOOD_ID},13812345678,1990-01-01,1,Y,active\n", "gbk")
    with pytest.raises(SourceFileError, match="cannot be read as utf-8"):
        read_validated(tmp_path, load_spec(spec_file).file("cardholders"))


def test_gbk_reads_when_the_mapping_says_so(tmp_path: Path, spec_file: Path) -> None:
    _write(tmp_path, HEADER + f"CH1,王小明,{GOOD_ID},13812345678,1990-01-01,1,Y,active\n", "gbk")
    spec = load_spec(spec_file).file("cardholders").model_copy(update={"encoding": "gbk"})
    assert read_validated(tmp_path, spec).rows.name.tolist() == ["王小明"]


def test_a_bom_and_an_empty_file(tmp_path: Path, spec_file: Path) -> None:
    spec = load_spec(spec_file).file("cardholders")
    _write(
        tmp_path, "\ufeff" + HEADER + f"CH1,王小明,{GOOD_ID},13812345678,1990-01-01,1,Y,active\n"
    )
    assert read_validated(tmp_path, spec).loaded == 1
    _write(tmp_path, "")
    with pytest.raises(SourceFileError, match="empty"):
        read_validated(tmp_path, spec)


def test_a_duplicated_header_is_refused(tmp_path: Path, spec_file: Path) -> None:
    _write(tmp_path, "holder_no,name,name\nCH1,a,b\n")
    with pytest.raises(SourceFileError, match="duplicated column"):
        read_validated(tmp_path, load_spec(spec_file).file("cardholders"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            MAPPING.replace("normalize: name", "normalise: name"),
            "unknown field (did you mean 'normalize'?)",
        ),
        (MAPPING.replace("type: date", "type: datetime"), "files.0.columns.birth_date.type"),
        (MAPPING.replace("key: [holder_no]", "key: [holder]"), "key column 'holder' is not among"),
        ("system: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
    ],
)
def test_a_mapping_with_a_typo_gives_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as info:
        load_spec(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)
