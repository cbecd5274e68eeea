"""A canonical fingerprint of the whole graph: equal graphs, equal fingerprints.

``crm-graph db fingerprint`` prints it, so that a restore, a migration or a reload
can be checked by anyone. Nodes are named by their business keys (a customer by its
``customer_id``, a source record by system and record id, ...), never by Neo4j's
internal ids, so two stores built separately from the same data have the same
fingerprint. Properties that only say *when* something was written
(:data:`VOLATILE`) are left out.

Each node and relationship becomes one canonical JSON line; the fingerprint is the
SHA-256 of the counts and of the sum modulo 2**256 of the lines' SHA-256 digests (a
multiset hash). The sum does not depend on the order the server returns rows in,
so the graph is streamed rather than sorted in memory; only a map from internal
node ids to business keys is held (about 150 bytes per node).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from crm_graph.db import Database

__all__ = ["KEYS", "VOLATILE", "fingerprint"]

#: when a value was written, not what it is
VOLATILE = frozenset({"loaded_at", "computed_at", "at_load"})
#: the business key of each label (a node of another label is named by its properties)
KEYS: dict[str, tuple[str, ...]] = {
    "Customer": ("customer_id",),
    "SourceRecord": ("system", "record_id"),
    "Account": ("account_id",),
    "Product": ("product_id",),
    "Channel": ("channel_id",),
    "Contact": ("contact_id",),
    "Employee": ("employee_id",),
    "Branch": ("branch_id",),
    "Competitor": ("competitor_id",),
    "Campaign": ("campaign_id",),
    "Application": ("application_id",),
    "ResolutionEvent": ("event_id",),
    "ResolutionConflict": ("conflict_id",),
}
_MOD = 2**256


def _key(labels: list[str], props: dict[str, Any]) -> str:
    for label in sorted(labels):
        if label in KEYS:
            return label + ":" + "|".join(str(props.get(k)) for k in KEYS[label])
    return "?:" + json.dumps(_clean(props), sort_keys=True, default=str)


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k not in VOLATILE}


def _digest(item: list[Any]) -> int:
    line = json.dumps(item, sort_keys=True, default=str, ensure_ascii=False)
    return int.from_bytes(hashlib.sha256(line.encode("utf-8")).digest(), "big")


def fingerprint(db: Database) -> dict[str, Any]:
    """Return ``{"fingerprint", "nodes", "relationships"}`` of the whole graph.

    Parameters
    ----------
    db : Database
        The database to read (read transactions only).

    Returns
    -------
    dict
        ``fingerprint``: 64 hex digits; ``nodes`` and ``relationships``: counts.
    """
    key_of: dict[str, str] = {}
    node_sum = nodes = 0
    for rows in db.stream("admin/dump_nodes"):
        for n in rows:
            key_of[n["id"]] = _key(n["labels"], n["props"])
            node_sum = (
                node_sum + _digest([key_of[n["id"]], sorted(n["labels"]), _clean(n["props"])])
            ) % _MOD
            nodes += 1
    rel_sum = rels = 0
    for rows in db.stream("admin/dump_relationships"):
        for r in rows:
            item = [key_of[r["start"]], r["type"], key_of[r["end"]], _clean(r["props"])]
            rel_sum = (rel_sum + _digest(item)) % _MOD
            rels += 1
    summary = f"{nodes}:{node_sum:064x}:{rels}:{rel_sum:064x}"
    return {
        "fingerprint": hashlib.sha256(summary.encode("ascii")).hexdigest(),
        "nodes": nodes,
        "relationships": rels,
    }
