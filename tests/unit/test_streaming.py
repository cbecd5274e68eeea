"""Files checked in chunks give what a whole-file read gives; spools round-trip."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_graph.db import parse_lines, quote_field
from crm_graph.errors import SourceFileError
from crm_graph.ingest.spec import load_spec
from crm_graph.ingest.validate import iter_validated, read_validated, spool_validated

BAD = Path(__file__).parents[1] / "data" / "bad"
DAY = date(2026, 1, 1)
READABLE = sorted(
    p.name
    for p in BAD.iterdir()
    if p.is_dir()
    and p.name not in {"gbk_declared_utf8", "binary_garbage", "duplicated_header", "empty_file"}
)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@pytest.mark.parametrize("case", READABLE)
@pytest.mark.parametrize("chunk", [1, 2, 3])
def test_any_chunk_size_gives_the_whole_file_result(case: str, chunk: int) -> None:
    spec = load_spec(BAD / "mapping.yaml").file("cardholders")
    whole = read_validated(BAD / case, spec, today=DAY)
    _, chunks = iter_validated(BAD / case, spec, today=DAY, chunk=chunk)
    parts = list(chunks)
    assert all(p.read <= chunk for p in parts)
    assert sum(p.read for p in parts) == whole.read
    rows = _concat([p.rows for p in parts])
    if len(whole.rows):
        pd.testing.assert_frame_equal(rows.drop(columns="_line"), whole.rows)
        assert rows["_line"].is_monotonic_increasing
    else:
        assert rows.empty
    rejects = _concat([p.rejects for p in parts])
    if len(whole.rejects):
        assert rejects["_line"].tolist() == whole.rejects["_line"].tolist()
        assert rejects["_reason"].tolist() == whole.rejects["_reason"].tolist()
    else:
        assert rejects.empty


def test_row_ids_count_records_across_chunks(tmp_path: Path) -> None:
    spec_file = tmp_path / "m.yaml"
    spec_file.write_text(
        "system: s\nfiles:\n  - name: f\n    path: f.csv\n    row_id: true\n"
        "    key: [_row]\n    columns:\n      v: {type: integer}\n",
        encoding="utf-8",
    )
    (tmp_path / "f.csv").write_text("v\n1\nx\n3\n\n5\n", encoding="utf-8")
    spec = load_spec(spec_file).file("f")
    _, chunks = iter_validated(tmp_path, spec, chunk=2)
    parts = list(chunks)
    rows = _concat([p.rows for p in parts])
    # the blank line is no record; "x" is rejected but still counts as a record
    assert rows["_row"].tolist() == ["2", "4", "5"]
    assert rows["_line"].tolist() == [2, 4, 6]
    assert _concat([p.rejects for p in parts])["_line"].tolist() == [3]


def test_a_spool_streams_back_what_was_checked(tmp_path: Path) -> None:
    spec = load_spec(BAD / "mapping.yaml").file("cardholders")
    spool = tmp_path / "spool"
    spool.mkdir()
    spooled = spool_validated(BAD / "ragged_rows", "badcards", spec, spool, DAY, chunk=2)
    whole = read_validated(BAD / "ragged_rows", spec, today=DAY)
    assert (spooled.read, spooled.loaded, spooled.rejected) == (
        whole.read,
        whole.loaded,
        len(whole.rejects),
    )
    back = _concat(list(spooled.iter_rows()))
    pd.testing.assert_frame_equal(back.drop(columns="_line"), whole.rows)
    assert list(next(spooled.iter_rows(["name"])).columns) == ["name"]
    assert _concat(list(spooled.iter_rejects()))["_line"].tolist() == [3, 5]


def test_a_late_undecodable_line_fails_while_iterating(tmp_path: Path) -> None:
    spec = load_spec(BAD / "mapping.yaml").file("cardholders")
    folder = tmp_path / "late"
    folder.mkdir()
    header, first = (BAD / "utf8_clean" / "cardholders.csv").read_bytes().splitlines()[:2]
    body = b"\n".join([header, *[first] * 5000]) + b"\n"
    (folder / "cardholders.csv").write_bytes(body + b"X1,\xff\xfe,,,,\n")
    _, chunks = iter_validated(folder, spec, today=DAY, chunk=100)
    first_chunk = next(chunks)  # the file opened and its first chunks were fine
    assert first_chunk.read == 100
    with pytest.raises(SourceFileError, match=r"cannot be read as utf-8 \(line 5002\)"):
        list(chunks)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["C1", "C2", "C10", "C3"]),
            st.sampled_from(["2025-01", "2025-02", "2024-12", "2025-10"]),
            st.floats(-1e6, 1e6, allow_nan=False),
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 3),
)
def test_balance_rows_group_each_customers_months_in_order(
    rows: list[tuple[str, str, float]], slice_rows: int
) -> None:
    from crm_graph.ingest import load

    frame = pd.DataFrame(rows, columns=["customer", "month", "balance"])
    frame = frame.astype({"customer": "category", "month": "category"})
    expected: dict[str, list[tuple[str, float]]] = {}
    for customer, month, balance in rows:
        expected.setdefault(customer, []).append((month, balance))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(load, "SLICE_ROWS", slice_rows)
        chunks = list(load._balance_rows(frame))
    assert all(len(chunk) <= slice_rows for chunk in chunks)
    got = [row for chunk in chunks for row in chunk]
    assert sorted(r["customer_id"] for r in got) == sorted(expected)
    for row in got:
        history = sorted(expected[row["customer_id"]], key=lambda mb: mb[0])  # stable
        assert row["months"] == [m for m, _ in history]
        assert row["balances"] == [b for _, b in history]
        assert row["aum"] == history[-1][1]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(min_size=1, max_size=30), st.one_of(st.none(), st.text(max_size=20))),
        min_size=1,
        max_size=20,
    )
)
def test_quoted_fields_survive_the_packed_read_round_trip(
    rows: list[tuple[str, str | None]],
) -> None:
    """Any text (commas, quotes, line breaks, unicode) comes back as it went in."""
    lines = [f"C{i},{quote_field(a)},{quote_field(b)}" for i, (a, b) in enumerate(rows)]
    table = parse_lines(lines, {"id": "string", "a": "string", "b": "string"}).to_pandas()
    assert table["id"].tolist() == [f"C{i}" for i in range(len(rows))]
    assert table["a"].tolist() == [a for a, _ in rows]
    # an empty text and a missing value both come back empty (null): the packed reads
    # carry no empty text apart from null
    assert [None if pd.isna(v) else v for v in table["b"]] == [b or None for _, b in rows]
