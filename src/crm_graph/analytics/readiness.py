"""Which analyses the loaded graph supports, and what data would enable the rest.

Each analysis declares the data it needs (:data:`NEEDS`); :func:`read_profile` counts
what the graph holds in one read, and :func:`plan` says per step whether it runs, and
how (churn: from history, or from a snapshot's exit label), or why it cannot.
``crm-graph analyze --plan`` prints the plan without running anything;
``crm-graph analyze all`` runs the steps that can run and skips the rest, one line
each.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from crm_graph.db import Database

__all__ = ["NEEDS", "STEPS", "DataProfile", "StepPlan", "graph_currency", "plan", "read_profile"]

#: the steps of ``analyze all``, in the order they run
STEPS = ("segments", "clusters", "churn", "crosssell")

#: what each step needs, as the plan and docs/analytics.md say it
NEEDS: dict[str, str] = {
    "segments": "customers (value from their accounts, balances and fees where loaded)",
    "clusters": "customers; ties between customers for clusters of more than one",
    "churn": "balance or contact history with churn dates (temporal model), or an exit "
    "label: customers with status 'churned' (snapshot model)",
    "crosssell": "accounts with opening dates, of at least two products",
}


@dataclass(frozen=True)
class DataProfile:
    """What the graph holds (counts), as :func:`read_profile` reads it."""

    customers: int
    ties: int
    products: int
    dated_holdings: int
    balance_customers: int
    contacts: int
    churned: int
    churn_dated: int

    @property
    def has_history(self) -> bool:
        """Whether there is balance or contact history over time."""
        return self.balance_customers > 0 or self.contacts > 0


@dataclass(frozen=True)
class StepPlan:
    """One step of the plan: whether it runs (``mode``) or why not (``reason``)."""

    step: str
    ready: bool
    mode: str  # how it runs ('temporal', 'snapshot', 'singletons', ...) or '' when not ready
    reason: str  # what the data allows, or what data would enable the step
    needs: str

    def as_dict(self) -> dict[str, Any]:
        """Return the plan row as plain data (JSON)."""
        return asdict(self)


def read_profile(db: Database, tie_types: tuple[str, ...]) -> DataProfile:
    """Count what the graph holds (one read)."""
    row = db.read("analytics/read_data_profile", tie_types=list(tie_types))[0]
    return DataProfile(**{k: int(row[k] or 0) for k in DataProfile.__dataclass_fields__})


def plan(profile: DataProfile) -> list[StepPlan]:
    """Say per step of ``analyze all`` whether the data supports it.

    Examples
    --------
    A snapshot: customers with an exit label, no ties, no history, no dated accounts:

    >>> p = DataProfile(customers=10127, ties=0, products=0, dated_holdings=0,
    ...                 balance_customers=0, contacts=0, churned=1627, churn_dated=0)
    >>> for s in plan(p):
    ...     print(s.step, s.ready, s.mode or "-")
    segments True value
    clusters True singletons
    churn True snapshot
    crosssell False -
    >>> plan(p)[3].reason
    'no account has an opening date: load accounts with their opened_on dates'
    """
    out = []
    if profile.customers == 0:
        return [
            StepPlan(s, False, "", "the graph has no customers: load an extract", NEEDS[s])
            for s in STEPS
        ]
    out.append(
        StepPlan("segments", True, "value", f"{profile.customers:,} customers", NEEDS["segments"])
    )
    if profile.ties:
        clusters = StepPlan(
            "clusters", True, "ties", f"{profile.ties:,} ties between customers", NEEDS["clusters"]
        )
    else:
        clusters = StepPlan(
            "clusters",
            True,
            "singletons",
            "no ties between customers: every customer is a cluster of its own (load "
            "relations, transfers, guarantees or shared accounts for real clusters)",
            NEEDS["clusters"],
        )
    out.append(clusters)
    if profile.has_history and profile.churn_dated:
        churn = StepPlan(
            "churn",
            True,
            "temporal",
            f"{profile.churn_dated:,} dated churners with balance or contact history",
            NEEDS["churn"],
        )
    elif profile.churned:
        churn = StepPlan(
            "churn",
            True,
            "snapshot",
            f"{profile.churned:,} customers with an exit label; the model learns from "
            "their own properties",
            NEEDS["churn"],
        )
    else:
        churn = StepPlan(
            "churn",
            False,
            "",
            "no customer has left: map an exit flag or churn dates (docs/loading.md, 'Snapshots')",
            NEEDS["churn"],
        )
    out.append(churn)
    if profile.dated_holdings and profile.products >= 2:
        cross = StepPlan(
            "crosssell",
            True,
            "holdings",
            f"{profile.dated_holdings:,} dated accounts of {profile.products:,} products",
            NEEDS["crosssell"],
        )
    elif profile.dated_holdings:
        cross = StepPlan(
            "crosssell",
            False,
            "",
            f"only {profile.products} product in the catalogue: nothing to recommend",
            NEEDS["crosssell"],
        )
    else:
        cross = StepPlan(
            "crosssell",
            False,
            "",
            "no account has an opening date: load accounts with their opened_on dates",
            NEEDS["crosssell"],
        )
    out.append(cross)
    return out


def graph_currency(db: Database) -> str:
    """Return the currency most of the graph's accounts are in, or ``""`` when none says.

    The mappings store their ``currency`` on every account; reports and churn's reasons
    label amounts with it unless a setting names another (``CRM_CURRENCY``). Amounts
    in several currencies are not converted: the most common one labels them all.
    """
    rows = db.read("analytics/read_currency")
    return str(rows[0]["currency"]) if rows else ""
