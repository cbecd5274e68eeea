"""The tests' graph fingerprint: the one ``crm-graph db fingerprint`` prints."""

from __future__ import annotations

from crm_graph.db import Database
from crm_graph.fingerprint import fingerprint as graph_fingerprint


def fingerprint(db: Database) -> str:
    """Return the fingerprint's hex digits (equal graphs, equal strings)."""
    return str(graph_fingerprint(db)["fingerprint"])
