"""Audit and undo of identity-resolution merges.

A load that finds records of several earlier customers in one cluster merges them
into the smallest customer id and records a ``ResolutionEvent {kind: 'merge'}`` with
each record's previous customer and a snapshot of every merged-away customer's
properties; the merged-away customers' relationships move onto the survivor, marked
``merged_from``. :func:`undo_merge` reverses that:

1. the merged-away customers are re-created from their snapshots;
2. every record of the merge goes back to its previous customer and is *pinned*
   (``keep_apart = ["<event_id>=<customer_id>"]``), so later loads never join the
   sides again, whatever the matching rules say;
3. the relationships the merge moved go back (``merged_from``);
4. a ``ResolutionEvent {kind: 'split', undoes}`` records who undid it, when and why.

What cannot be separated: TRANSFERS that the merge added onto an existing tie of the
survivor (their counts and amounts were summed). The next load of a full extract
writes them per customer again.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from crm_graph.db import Database
from crm_graph.errors import NotFoundError, ResolutionError

__all__ = ["list_events", "split_plan", "undo_merge"]


def list_events(db: Database, kind: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Return identity-resolution events, newest first.

    Parameters
    ----------
    db : Database
        The graph.
    kind : {"merge", "split"}, optional
        Only events of this kind.
    limit : int, default 50
        At most this many.

    Returns
    -------
    list of dict
        ``event_id, kind, at, by, reason, into_id, customer_ids, records`` (count) and
        ``undone_by_event`` (the split that undid a merge, else None).
    """
    return db.read("resolution/list_events", kind=kind, limit=limit)


def split_plan(event: dict[str, Any]) -> dict[str, Any]:
    """Work out what undoing a merge event changes (pure; no database).

    Parameters
    ----------
    event : dict
        The merge event's properties (``event_id``, ``kind``, ``into_id``,
        ``customer_ids``, ``records``, ``previous``, ``snapshots``).

    Returns
    -------
    dict
        ``restore`` [{customer_id, props}], ``relink`` [{system, record_id,
        customer_id, pin}], ``moves`` [{from_id, into_id}].

    Raises
    ------
    ResolutionError
        If the event is not a merge, was already undone, or lacks the per-record
        previous customers (merges recorded before undo was possible).

    Examples
    --------
    >>> plan = split_plan({"event_id": "merge:C1:x", "kind": "merge", "into_id": "C1",
    ...     "customer_ids": ["C1", "C2"], "records": ["core:1", "cards:A", "crm:9"],
    ...     "previous": ["C1", "C2", ""], "snapshots": ['{"name": "王小明"}']})
    >>> plan["restore"], [r["customer_id"] for r in plan["relink"]]
    ([{'customer_id': 'C2', 'props': {'name': '王小明'}}], ['C1', 'C2'])
    >>> plan["relink"][1]["pin"], plan["moves"]
    ('merge:C1:x=C2', [{'from_id': 'C2', 'into_id': 'C1'}])
    """
    event_id = str(event.get("event_id"))
    if event.get("kind") != "merge":
        raise ResolutionError(f"{event_id} is a {event.get('kind')} event; only merges undo")
    if event.get("undone_by"):
        raise ResolutionError(f"{event_id} was already undone by {event['undone_by']}")
    previous = event.get("previous")
    records = list(event.get("records") or [])
    if not previous or len(previous) != len(records):
        raise ResolutionError(
            f"{event_id} does not record each record's previous customer (it predates "
            "undo); correct it by hand or re-load the extracts into an empty graph"
        )
    into = str(event["into_id"])
    gone = [str(c) for c in event["customer_ids"] if c != into]
    snapshots = list(event.get("snapshots") or [])
    restore = [
        {"customer_id": c, "props": json.loads(snapshots[i]) if i < len(snapshots) else {}}
        for i, c in enumerate(gone)
    ]
    relink = []
    for key, before in zip(records, previous, strict=True):
        if not before:
            continue  # new with the merge: stays with the survivor, free to move later
        system, _, record_id = str(key).partition(":")
        relink.append(
            {
                "system": system,
                "record_id": record_id,
                "customer_id": str(before),
                "pin": f"{event_id}={before}",
            }
        )
    return {
        "restore": restore,
        "relink": relink,
        "moves": [{"from_id": c, "into_id": into} for c in gone],
    }


def undo_merge(db: Database, event_id: str, *, by: str, reason: str) -> dict[str, Any]:
    """Undo a recorded merge: restore the customers, re-point and pin their records.

    Parameters
    ----------
    db : Database
        The graph.
    event_id : str
        The merge event (``crm-graph resolve events`` lists them).
    by, reason : str
        Who undoes it and why (kept in the split event).

    Returns
    -------
    dict
        ``split_id``, ``restored`` (customer ids), ``records_relinked``,
        ``relationships_moved``.

    Raises
    ------
    NotFoundError
        If there is no such event.
    ResolutionError
        If it cannot be undone (see :func:`split_plan`), or if a later load moved
        its records to another customer (undo that later merge first).
    """
    if not reason.strip():
        raise ResolutionError("give a reason for the undo (it is kept for audit)")
    found = db.read("resolution/read_event", event_id=event_id)
    if not found:
        raise NotFoundError(f"no resolution event {event_id!r}")
    event = found[0]["event"]
    plan = split_plan(event)
    into = str(event["into_id"])
    keys = [f"{r['system']}:{r['record_id']}" for r in plan["relink"]]
    now = {r["k"]: r["customer_id"] for r in db.read("resolution/read_record_customers", keys=keys)}
    moved_on = sorted(k for k in keys if now.get(k) not in (into, None))
    if moved_on:
        raise ResolutionError(
            f"{len(moved_on)} records of {event_id} now belong to other customers "
            f"(e.g. {moved_on[0]} -> {now[moved_on[0]]}); undo the later merge first"
        )
    at = datetime.now(UTC).isoformat(timespec="seconds")
    split_id = "split:" + hashlib.sha256(event_id.encode("utf-8")).hexdigest()[:12]
    db.write("resolution/restore_customers", rows=plan["restore"])
    relinked = db.write("resolution/relink_source_records", rows=plan["relink"])
    moved = db.write("resolution/move_back_relationships", rows=plan["moves"])
    db.write(
        "resolution/mark_undone",
        event_id=event_id,
        split_id=split_id,
        at=at,
        by=by,
        reason=reason,
        customer_ids=list(event["customer_ids"]),
        records=list(event["records"]),
    )
    return {
        "event_id": event_id,
        "split_id": split_id,
        "restored": [r["customer_id"] for r in plan["restore"]],
        "records_relinked": int(relinked[0]["relinked"]) if relinked else 0,
        "relationships_moved": int(moved[0]["moved"]) if moved else 0,
    }
