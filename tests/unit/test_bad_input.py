"""The bad-input corpus (tests/data/bad/) read against its mapping: rejects or one error."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from crm_graph.errors import SourceFileError
from crm_graph.ingest.spec import load_spec
from crm_graph.ingest.validate import read_validated, write_rejects

BAD = Path(__file__).parents[1] / "data" / "bad"
#: case -> (rows loaded, [(line, reason fragment)] rejected) or the error's fragment
EXPECTED: dict[str, tuple[int, list[tuple[int, str]]] | str] = {
    "utf8_clean": (3, []),
    "bom": (3, []),
    "crlf_and_blank_lines": (3, []),
    "header_only": (0, []),
    "dates_five_formats": (5, [(7, "not a date")]),
    "formula_injection": (2, [(4, "not a phone number"), (5, "not a phone number")]),
    "huge_field": (2, [(3, "field note over 10,000 characters")]),
    "nul_byte": (1, [(3, "control character in field name")]),
    "quotes_and_newlines": (3, [(5, "not a phone number")]),
    "ragged_rows": (3, [(3, "expected 6 fields, found 7"), (5, "expected 6 fields, found 4")]),
    "unterminated_quote": (1, [(3, "a quote left open")]),
    "gbk_declared_utf8": "cannot be read as utf-8 (line 2)",
    "binary_garbage": "cannot be read as utf-8 (line 1)",
    "duplicated_header": "duplicated column(s) in the header: name",
    "empty_file": "the file is empty (no header)",
}


def test_every_case_in_the_corpus_has_an_expectation() -> None:
    cases = {p.name for p in BAD.iterdir() if p.is_dir()}
    assert cases == set(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_input_gives_rejects_or_one_clear_error(case: str, tmp_path: Path) -> None:
    spec = load_spec(BAD / "mapping.yaml").file("cardholders")
    expected = EXPECTED[case]
    if isinstance(expected, str):
        with pytest.raises(SourceFileError) as caught:
            read_validated(BAD / case, spec, today=date(2026, 1, 1))
        message = str(caught.value)
        assert expected in message
        assert "cardholders.csv" in message
        assert "\n" not in message
        return
    loaded, rejected = expected
    result = read_validated(BAD / case, spec, today=date(2026, 1, 1))
    assert result.loaded == loaded
    got = (
        list(zip(result.rejects["_line"].astype(int), result.rejects["_reason"], strict=True))
        if len(result.rejects)
        else []
    )
    assert len(got) == len(rejected)
    for (line, reason), (want_line, fragment) in zip(got, rejected, strict=True):
        assert line == want_line
        assert fragment in reason
    assert result.loaded + len(result.rejects) == result.read, "nothing lost"
    path = write_rejects(tmp_path, "badcards", "cardholders", result.rejects)
    assert (path is not None) == bool(rejected)
    if path is not None:
        with path.open(newline="", encoding="utf-8") as handle:
            cells = [c for row in csv.reader(handle) for c in row]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))], "formulas"
