"""A canonical fingerprint of the whole graph: equal graphs, equal hashes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from crm_graph.db import Database

VOLATILE = {"loaded_at", "computed_at", "at_load"}
KEYS = {
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


def _key(labels: list[str], props: dict[str, Any]) -> str:
    for label in sorted(labels):
        if label in KEYS:
            return label + ":" + "|".join(str(props.get(k)) for k in KEYS[label])
    return "?:" + json.dumps(props, sort_keys=True, default=str)


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k not in VOLATILE}


def fingerprint(db: Database) -> str:
    nodes = db.read("admin/dump_nodes")
    key_of = {n["id"]: _key(n["labels"], n["props"]) for n in nodes}
    lines = sorted(
        json.dumps(
            [key_of[n["id"]], sorted(n["labels"]), _clean(n["props"])], sort_keys=True, default=str
        )
        for n in nodes
    )
    lines += sorted(
        json.dumps(
            [key_of[r["start"]], r["type"], key_of[r["end"]], _clean(r["props"])],
            sort_keys=True,
            default=str,
        )
        for r in db.read("admin/dump_relationships")
    )
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
