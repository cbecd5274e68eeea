"""The Cypher library's headers, checked without a database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crm_graph.errors import CypherNotFound, QueryParameterError
from crm_graph.queries import bind, get_query, list_queries, parse_header

SPECS = list_queries()


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_declared_parameters_are_exactly_the_ones_used(spec: object) -> None:
    from crm_graph.queries import QuerySpec

    assert isinstance(spec, QuerySpec)
    body = "\n".join(line for line in spec.statement.splitlines() if not line.startswith("//"))
    used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", body))
    assert used == {p.name for p in spec.params}
    assert spec.title
    assert spec.question.endswith("?")
    assert spec.columns
    # every declared column is returned by name
    for column in spec.columns:
        assert re.search(rf"\b(AS {column}|RETURN {column}|, {column})\b", body), column
    # columns holding customers' names are declared personal data
    for column in spec.columns:
        if column in ("name", "names", "paths", "who_left", "start"):
            assert column in spec.pii, (spec.name, column)
    assert set(spec.pii) <= set(spec.columns)
    # defaults bind to their own declared type
    bound = bind(spec, {p.name: "1" for p in spec.params if p.required and p.type != "date"})
    assert set(bound) == {p.name for p in spec.params}


def test_docs_list_every_query(repo_root: Path) -> None:
    text = (repo_root / "docs" / "cypher.md").read_text(encoding="utf-8")
    for spec in SPECS:
        assert f"`{spec.name}`" in text, spec.name


def test_a_header_without_a_question_is_refused() -> None:
    with pytest.raises(CypherNotFound, match="lacks question"):
        parse_header("x", "// title: t\n// columns: a\n// example: e\nRETURN 1 AS a")
    with pytest.raises(CypherNotFound, match="bad parameter"):
        parse_header("x", "// title: t\n// param: n number 1\nRETURN 1")


def test_unknown_query_names_never_reach_the_file_system() -> None:
    for name in ("../schema", "queries/households", "list_households.cypher", ""):
        with pytest.raises(CypherNotFound):
            get_query(name)


def test_values_are_converted_or_refused() -> None:
    spec = get_query("find_uncontacted_high_value")
    assert bind(spec, {"days": "30", "as_of": "2025-12-31"})["days"] == 30
    with pytest.raises(QueryParameterError, match="'days'"):
        bind(spec, {"days": 3.5})
    with pytest.raises(QueryParameterError, match="'days'"):
        bind(spec, {"days": True})


def test_integers_beyond_64_bits_and_non_finite_floats_are_refused() -> None:
    from crm_graph.errors import QueryParameterError
    from crm_graph.queries import _convert

    assert _convert("n", "integer", 2**63 - 1) == 2**63 - 1
    for bad in (2**63, -(2**63) - 1, 1e20):
        with pytest.raises(QueryParameterError, match="out of the integer range"):
            _convert("n", "integer", bad)
    for bad_float in (float("inf"), float("nan"), "Infinity"):
        with pytest.raises(QueryParameterError, match="is not a float"):
            _convert("x", "float", bad_float)
