"""The review queue of identity resolution: conflicts a person decides.

A load that refuses a merge (records with different id numbers, or of one system
with different customer keys, that weaker rules would join) records the cluster as a
``ResolutionConflict {status: 'open'}``. A reviewer decides each one:

- ``accept``: the records are one customer. Each gets the must-link tag
  ``same_as = [<conflict_id>]``; the next load joins them (rule ``review``, as strong
  as an id number) and records the merge as usual (``resolve events``). Records with
  different id numbers still stay apart.
- ``reject``: the records are different customers. Each gets the cannot-link pin
  ``keep_apart = ["<conflict_id>=<its customer now>"]``, so no later load joins them,
  whatever the matching rules say.

A decision is recorded on the conflict (who, when, why) and cannot be changed; a
conflict seen again by a later load keeps its decision.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crm_graph.db import Database
from crm_graph.errors import NotFoundError, ResolutionError

__all__ = ["DECISIONS", "decide_conflict", "list_conflicts"]

DECISIONS = ("accept", "reject")


def list_conflicts(
    db: Database, status: str | None = "open", limit: int = 100
) -> list[dict[str, Any]]:
    """Return conflicts, newest first, each with its records' customers now.

    Parameters
    ----------
    db : Database
        The graph.
    status : {"open", "accepted", "rejected"} or None, default "open"
        Only conflicts with this status (None: all).
    limit : int, default 100
        At most this many.

    Returns
    -------
    list of dict
        ``conflict_id, rule, reason, status, at (first recorded), decided_by, decided_at,
        decision_reason`` and ``records`` (``[{record, customer_id}]``).
    """
    return db.read("resolution/list_conflicts", status=status, limit=limit)


def decide_conflict(
    db: Database, conflict_id: str, decision: str, *, by: str, reason: str
) -> dict[str, Any]:
    """Record a reviewer's decision on an open conflict and pin its records.

    Raises
    ------
    ResolutionError
        If the decision is not ``accept`` or ``reject``, no reason is given, or the
        conflict was already decided.
    NotFoundError
        If there is no such conflict.
    """
    if decision not in DECISIONS:
        raise ResolutionError(f"decision must be accept or reject, not {decision!r}")
    if not reason.strip():
        raise ResolutionError("a decision needs a reason (--reason)")
    at = datetime.now(UTC).isoformat(timespec="seconds")
    done = db.write(
        "resolution/decide_conflict",
        conflict_id=conflict_id,
        decision=decision,
        by=by,
        reason=reason,
        at=at,
    )
    if done:
        return dict(done[0])
    found = db.read("resolution/read_conflict", conflict_id=conflict_id)
    if not found:
        raise NotFoundError(f"no conflict {conflict_id!r} (see crm-graph resolve review)")
    raise ResolutionError(
        f"conflict {conflict_id} is already {found[0]['status']} "
        f"(by {found[0]['decided_by']} at {found[0]['decided_at']})"
    )
