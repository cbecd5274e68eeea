"""The graph model as a loaded graph holds it: labels, relationships and their properties.

docs/design.md's graph model section is written from a loaded graph by
``python -m crm_graph.graph_model --write docs/design.md`` (between the
``<!-- graph-model -->`` markers), so that it cannot drift from what the loaders and
analytics write; a test checks that every label, relationship type and property of
an analyzed test graph is in the document.
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from crm_graph.db import Database

__all__ = ["GraphModel", "describe", "markdown", "write_section"]

START, END = "<!-- graph-model -->", "<!-- /graph-model -->"


@dataclass
class GraphModel:
    """Labels and relationship types with their properties and end points."""

    #: label -> property -> (types, mandatory)
    nodes: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)
    #: type -> property -> (types, mandatory)
    relationships: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)
    #: type -> sorted "(Start)->(End)" patterns
    patterns: dict[str, list[str]] = field(default_factory=dict)


def _types(values: list[str] | None) -> str:
    return "/".join(sorted(values or [])) or "-"


def describe(db: Database) -> GraphModel:
    """Read the model of the graph in ``db`` (the end points are a full scan)."""
    model = GraphModel()
    for row in db.read("admin/read_node_type_properties"):
        for label in row["labels"]:
            props = model.nodes.setdefault(label, {})
            if row["property"] is not None:
                props[row["property"]] = (_types(row["types"]), bool(row["mandatory"]))
    for row in db.read("admin/read_rel_type_properties"):
        name = str(row["type"]).removeprefix(":").strip("`")
        props = model.relationships.setdefault(name, {})
        if row["property"] is not None:
            props[row["property"]] = (_types(row["types"]), bool(row["mandatory"]))
    seen: dict[str, set[str]] = defaultdict(set)
    for row in db.read("admin/read_relationship_patterns"):
        start = ":".join(sorted(row["start"]))
        end = ":".join(sorted(row["end"]))
        seen[row["type"]].add(f"({start})->({end})")
    model.patterns = {k: sorted(v) for k, v in seen.items()}
    return model


def markdown(model: GraphModel) -> str:
    """Return the model as two markdown tables (nodes, relationships).

    Examples
    --------
    >>> m = GraphModel({"Customer": {"customer_id": ("String", True)}},
    ...                {"OWNS": {"role": ("String", False)}},
    ...                {"OWNS": ["(Customer)->(Account)"]})
    >>> print(markdown(m))
    | label | properties (type; * always present) |
    |---|---|
    | Customer | customer_id (String*) |
    <BLANKLINE>
    | relationship | from -> to | properties (type; * always present) |
    |---|---|---|
    | OWNS | (Customer)->(Account) | role (String) |
    """

    def props(p: dict[str, tuple[str, bool]]) -> str:
        return ", ".join(f"{k} ({t}{'*' if m else ''})" for k, (t, m) in sorted(p.items())) or "-"

    lines = ["| label | properties (type; * always present) |", "|---|---|"]
    for label in sorted(model.nodes):
        lines.append(f"| {label} | {props(model.nodes[label])} |")
    lines += [
        "",
        "| relationship | from -> to | properties (type; * always present) |",
        "|---|---|---|",
    ]
    for rel in sorted(model.relationships):
        ends = "<br>".join(model.patterns.get(rel, [])) or "-"
        lines.append(f"| {rel} | {ends} | {props(model.relationships[rel])} |")
    return "\n".join(lines)


def write_section(doc: Path, model: GraphModel) -> None:
    """Replace the text between the graph-model markers of ``doc``."""
    text = doc.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"{doc} has no {START} ... {END} section")
    body = f"{START}\n{markdown(model)}\n{END}"
    doc.write_text(pattern.sub(lambda _: body, text), encoding="utf-8")


def main() -> None:  # pragma: no cover - a maintainer's tool
    """Write docs/design.md's graph model from the configured server's graph."""
    from crm_graph.commands.common import open_database
    from crm_graph.config import get_settings

    parser = argparse.ArgumentParser(prog="python -m crm_graph.graph_model")
    parser.add_argument("--write", type=Path, default=Path("docs/design.md"))
    args = parser.parse_args()
    with open_database(get_settings()) as db:
        write_section(args.write, describe(db))
    print(f"wrote the graph model into {args.write}")  # noqa: T201


if __name__ == "__main__":  # pragma: no cover
    main()
