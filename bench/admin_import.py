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


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, default=str)
    if kind == "boolean":
        return "true" if value else "false"
    return value


class _Group:
    """One output file's rows, spooled as JSON lines while its header is worked out."""

    def __init__(self, path: Path, fixed: list[str]) -> None:
        self.path = path
        self.fixed = fixed
        self.spool = path.with_suffix(".jsonl")
        self.handle = self.spool.open("w", encoding="utf-8")
        self.kinds: dict[str, set[str]] = defaultdict(set)
        self.rows = 0

    def add(self, head: list[Any], props: dict[str, Any]) -> None:
        for k, v in props.items():
            if v is not None:
                self.kinds[k].add(_TYPES.get(type(v), "json"))
        self.handle.write(json.dumps([head, props], ensure_ascii=False, default=str) + "\n")
        self.rows += 1

    def write(self) -> Path:
        self.handle.close()
        keys = sorted(self.kinds)
        kinds = {k: _kind_of(self.kinds[k]) for k in keys}
        header = self.fixed + [f"{k}:{'string' if kinds[k] == 'json' else kinds[k]}" for k in keys]
        with (
            self.path.open("w", newline="", encoding="utf-8") as handle,
            self.spool.open(encoding="utf-8") as rows,
        ):
            writer = csv.writer(handle)
            writer.writerow(header)
            for line in rows:
                head, props = json.loads(line)
                writer.writerow(head + [_cell(props.get(k), kinds[k]) for k in keys])
        self.spool.unlink()
        return self.path


def _kind_of(seen: set[str]) -> str:
    if seen == {"long", "double"}:
        return "double"
    if len(seen) == 1:
        return next(iter(seen))
    return "json" if "json" in seen else "string"


def export_graph(db: Database, folder: Path) -> dict[str, Any]:
    """Write every node and relationship as admin-import CSVs; return the file lists.

    Streams: rows are spooled per output file as JSON lines while the file's columns
    and types are collected, then written as CSV, so a 1M-customer graph (tens of
    millions of rows) needs little memory.
    """
    folder.mkdir(parents=True, exist_ok=True)
    nodes: dict[str, _Group] = {}
    rels: dict[str, _Group] = {}
    with db.driver.session(database=db.database) as session:
        for record in session.run(cypher("admin/export_nodes")):
            labels = ";".join(sorted(record["labels"]))
            if labels not in nodes:
                nodes[labels] = _Group(folder / f"nodes_{len(nodes)}.csv", ["id:ID", ":LABEL"])
            nodes[labels].add([record["id"], labels], dict(record["props"]))
        for record in session.run(cypher("admin/export_relationships")):
            kind = record["type"]
            if kind not in rels:
                rels[kind] = _Group(
                    folder / f"rels_{len(rels)}.csv", [":START_ID", ":END_ID", ":TYPE"]
                )
            rels[kind].add([record["source"], record["target"], kind], dict(record["props"]))
    return {
        "nodes": sum(g.rows for g in nodes.values()),
        "relationships": sum(g.rows for g in rels.values()),
        "node_files": [g.write() for g in nodes.values()],
        "relationship_files": [g.write() for g in rels.values()],
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
