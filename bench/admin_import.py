"""Neo4j's own bulk importer on the same graph, for the loader's ratio.

:func:`export_graph` streams the loaded graph out of Neo4j into the CSV layout of
``neo4j-admin database import full`` (one node file per label combination, one
relationship file per type, typed headers); :func:`admin_import` runs the importer from
the provisioned distribution (``org.neo4j.cli.AdminTool`` in ``lib/``) into a scratch
``NEO4J_HOME`` and times it. The importer builds a new store offline from data that is
already validated, resolved and deduplicated, so the ratio says what the loader's
checks, identity resolution and online, idempotent upserts cost over a raw bulk write.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from crm_graph.db import Database, cypher

_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}


def _kind(values: list[Any]) -> str:
    seen = {_TYPES.get(type(v), "json") for v in values if v is not None}
    if seen == {"long", "double"}:
        return "double"
    if len(seen) == 1:
        return seen.pop()
    return "json" if "json" in seen else "string"


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, default=str)
    if kind == "boolean":
        return "true" if value else "false"
    return value


def _write(path: Path, fixed: list[str], rows: list[tuple[list[Any], dict[str, Any]]]) -> None:
    keys = sorted({k for _, props in rows for k in props})
    kinds = {k: _kind([props.get(k) for _, props in rows]) for k in keys}
    header = fixed + [f"{k}:{'string' if kinds[k] == 'json' else kinds[k]}" for k in keys]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for head, props in rows:
            writer.writerow(head + [_cell(props.get(k), kinds[k]) for k in keys])


def export_graph(db: Database, folder: Path) -> dict[str, Any]:
    """Write every node and relationship as admin-import CSVs; return the file lists."""
    folder.mkdir(parents=True, exist_ok=True)
    nodes: dict[str, list[tuple[list[Any], dict[str, Any]]]] = defaultdict(list)
    rels: dict[str, list[tuple[list[Any], dict[str, Any]]]] = defaultdict(list)
    with db.driver.session(database=db.database) as session:
        for record in session.run(cypher("admin/export_nodes")):
            labels = ";".join(sorted(record["labels"]))
            nodes[labels].append(([record["id"], labels], dict(record["props"])))
        for record in session.run(cypher("admin/export_relationships")):
            rels[record["type"]].append(
                ([record["source"], record["target"], record["type"]], dict(record["props"]))
            )
    node_files, rel_files = [], []
    for i, (_, rows) in enumerate(sorted(nodes.items())):
        path = folder / f"nodes_{i}.csv"
        _write(path, ["id:ID", ":LABEL"], rows)
        node_files.append(path)
    for i, (_, rows) in enumerate(sorted(rels.items())):
        path = folder / f"rels_{i}.csv"
        _write(path, [":START_ID", ":END_ID", ":TYPE"], rows)
        rel_files.append(path)
    return {
        "nodes": sum(len(r) for r in nodes.values()),
        "relationships": sum(len(r) for r in rels.values()),
        "node_files": node_files,
        "relationship_files": rel_files,
    }


def admin_import(lib: Path, home: Path, exported: dict[str, Any], heap: str = "4g") -> float:
    """Run ``neo4j-admin database import full`` into ``home``; return its wall time."""
    (home / "conf").mkdir(parents=True, exist_ok=True)
    (home / "conf" / "neo4j.conf").write_text(
        f"server.directories.data={home / 'data'}\nserver.directories.logs={home / 'logs'}\n",
        encoding="utf-8",
    )
    command = [
        "java",
        f"-Xmx{heap}",
        "-cp",
        f"{lib}/*",
        "org.neo4j.cli.AdminTool",
        "database",
        "import",
        "full",
        "neo4j",
        "--multiline-fields=true",
        "--overwrite-destination=true",
        f"--report-file={home / 'import.report'}",
        *[f"--nodes={p}" for p in exported["node_files"]],
        *[f"--relationships={p}" for p in exported["relationship_files"]],
    ]
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode != 0 or "IMPORT DONE" not in proc.stdout + proc.stderr:
        raise RuntimeError(f"neo4j-admin import failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return seconds
