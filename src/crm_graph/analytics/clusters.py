"""Influence clusters: communities of the customer tie graph and influence within them.

The tie graph is undirected and weighted: each tie type has a weight (learned from
the graph's history by :mod:`crm_graph.analytics.tie_weights` when ``analyze`` runs;
equal for every type, :data:`EQUAL_WEIGHTS`, when a library caller gives none), and a
TRANSFERS tie weighs more with the money moved and with how often it moved: its type
weight times ``1 + intensity``, where intensity is the mean of
``log10(1 + amount) / log10(1 + amount_full)`` and
``log(1 + count) / log(1 + count_full)``, each capped at 1. ``amount_full`` and
``count_full`` (:class:`~crm_graph.analytics.tie_weights.TransferScale`) are the 95th
percentiles of the graph's own transfer ties, so no currency or history length is
built in. The type weights are normalized (:func:`normalize_weights`) so that the
strongest possible tie weighs 1. Parallel ties between two customers add up.

Two backends do the same work:

- :class:`GdsClusters`: Leiden (or Louvain) and weighted PageRank in Neo4j Graph
  Data Science, written back by GDS itself;
- :class:`NetworkxClusters`: Louvain and weighted PageRank in networkx, for servers
  without GDS, and as the test oracle. networkx has no Leiden, so this backend
  always runs Louvain.

:func:`compute_clusters` picks GDS when the server has it and otherwise falls back
to networkx with a warning (once per process). Both write ``community``,
``influence`` (PageRank, L1-normalised: the scores sum to 1), ``clusters_computed_at``
and ``clusters_backend`` onto every Customer.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd

from crm_graph.analytics.segments import TierConfig, Tiers, read_tiers
from crm_graph.analytics.tie_weights import TRANSFER_QUANTILE, TransferScale, transfer_scale
from crm_graph.db import Database, has_gds
from crm_graph.errors import ConfigError

__all__ = [
    "EQUAL_WEIGHTS",
    "TIE_TYPES",
    "TIE_COLUMNS",
    "ClusterConfig",
    "ClusterProfile",
    "ClusterResult",
    "GdsClusters",
    "NetworkxClusters",
    "cluster_label",
    "cluster_profiles",
    "communities_and_influence",
    "compute_clusters",
    "profile_clusters",
    "read_ties",
    "read_transfer_scale",
    "store_cluster_profiles",
    "normalize_weights",
    "tie_graph",
    "tie_weight",
    "tie_weights",
]

#: The graph model's customer-to-customer relationship types (docs/design.md); CO_HOLDS
#: is written by the loader between holders of one account.
TIE_TYPES = ("FAMILY", "EMPLOYS", "TRANSFERS", "GUARANTEES", "REFERRED", "CO_HOLDS")

#: Every tie type weighs the same: the library's default when a caller gives no
#: weights (``analyze`` learns them from the graph, :mod:`~crm_graph.analytics.tie_weights`).
EQUAL_WEIGHTS: dict[str, float] = dict.fromkeys(TIE_TYPES, 1.0)

_GDS_GRAPH = "crm_graph_ties"
_warned = False


@dataclass(frozen=True)
class ClusterConfig:
    """Settings of a clustering run."""

    algorithm: Literal["leiden", "louvain"] = "leiden"
    weights: dict[str, float] = field(default_factory=lambda: dict(EQUAL_WEIGHTS))
    # transfer strength at full (None: the 95th percentiles of the graph's transfers)
    scale: TransferScale | None = None
    seed: int = 42
    damping: float = 0.85
    resolution: float = 1.0


@dataclass(frozen=True)
class ClusterResult:
    """What a clustering run did."""

    backend: str
    algorithm: str
    customers: int
    communities: int
    modularity: float
    computed_at: str
    seconds: float
    warning: str | None = None


#: said when the graph has customers but no ties between them
NO_TIES = (
    "the graph has no ties between customers: every customer is a cluster of their own "
    "(load ties, shared accounts or transfers to find clusters)"
)


class ClusterBackend(Protocol):
    """One way to compute and write clusters."""

    name: str

    def run(self, db: Database, config: ClusterConfig) -> ClusterResult:
        """Compute communities and influence and write them onto customers."""
        ...


def normalize_weights(weights: dict[str, float]) -> dict[str, float]:
    """Validate tie-type weights and scale them so the strongest possible tie weighs 1.

    A TRANSFERS tie can reach twice its type weight (see the module docstring), so
    the scale is the largest of the other weights and twice the TRANSFERS weight.
    Scaling every weight by one factor changes neither the communities nor PageRank;
    it keeps tie strengths comparable across configurations and in ``[0, 1]``.

    Parameters
    ----------
    weights : dict
        Weight per tie type; types left out weigh 0.

    Returns
    -------
    dict
        A weight for every tie type in :data:`TIE_TYPES`.

    Raises
    ------
    ConfigError
        An unknown tie type, a negative or non-finite weight, or all weights zero.

    Examples
    --------
    >>> normalize_weights({"FAMILY": 2.0, "TRANSFERS": 0.5})["FAMILY"]
    1.0
    >>> normalize_weights({"TRANSFERS": 1.0})["TRANSFERS"]
    0.5
    >>> normalize_weights({"FRIEND": 1.0})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    crm_graph.errors.ConfigError: unknown tie type 'FRIEND' in weights (known: FAMILY, ...)
    """
    for kind, value in weights.items():
        if kind not in TIE_TYPES:
            raise ConfigError(
                f"unknown tie type {kind!r} in weights (known: {', '.join(TIE_TYPES)})"
            )
        if not math.isfinite(value) or value < 0:
            raise ConfigError(f"tie weight for {kind} must be a finite number >= 0, got {value}")
    full = {kind: float(weights.get(kind, 0.0)) for kind in TIE_TYPES}
    scale = max(v * (2.0 if k == "TRANSFERS" else 1.0) for k, v in full.items())
    if scale <= 0:
        raise ConfigError("at least one tie weight must be > 0")
    return {k: v / scale for k, v in full.items()}


def tie_weights(
    ties: pd.DataFrame, weights: dict[str, float], scale: TransferScale | None = None
) -> npt.NDArray[np.float64]:
    """Return the weight of each tie.

    Parameters
    ----------
    ties : DataFrame
        Columns ``type`` and ``amount``, and ``count`` when known (a missing column
        or value counts as no transfer history: intensity from the amount alone).
    weights : dict
        Weight per tie type, normalized here (:func:`normalize_weights`).
    scale : TransferScale, optional
        Transfer amount and count at full strength (default: from these ties,
        :func:`~crm_graph.analytics.tie_weights.transfer_scale`).

    Returns
    -------
    numpy.ndarray
        One weight per row, in ``[0, 1]``.

    Examples
    --------
    >>> t = pd.DataFrame({"type": ["FAMILY", "TRANSFERS", "TRANSFERS", "TRANSFERS"],
    ...                   "amount": [None, 999_999.0, 999_999.0, 9.0],
    ...                   "count": [None, 36, 1, 1]})
    >>> w = {"FAMILY": 1.0, "TRANSFERS": 0.5}
    >>> tie_weights(t, w, TransferScale(1_000_000.0, 36)).round(3).tolist()
    [1.0, 1.0, 0.798, 0.59]
    """
    w = normalize_weights(weights)
    scale = scale or transfer_scale(ties)
    base = np.asarray(ties["type"].map(w).fillna(0.0), dtype=np.float64)
    transfer = (ties["type"] == "TRANSFERS").to_numpy()
    if not transfer.any():
        return base
    amount = pd.to_numeric(ties["amount"], errors="coerce").fillna(0.0).clip(lower=0.0)
    by_amount = np.minimum(
        1.0, np.log10(1.0 + amount.to_numpy(dtype=float)) / math.log10(1.0 + scale.amount_full)
    )
    if "count" in ties:
        count = pd.to_numeric(ties["count"], errors="coerce").fillna(0.0).clip(lower=0.0)
        by_count = np.minimum(
            1.0, np.log1p(count.to_numpy(dtype=float)) / math.log1p(scale.count_full)
        )
    else:
        by_count = np.zeros(len(ties))
    intensity = (by_amount + by_count) / 2.0
    out: npt.NDArray[np.float64] = np.where(transfer, base * (1.0 + intensity), base)
    return out


def tie_weight(
    kind: str, amount: Any, count: Any, normalized: dict[str, float], scale: TransferScale
) -> float:
    """Return one tie's weight, as :func:`tie_weights` does for a whole frame.

    For scoring one customer, where building a frame costs more than the arithmetic.

    Parameters
    ----------
    kind : str
        Tie type.
    amount, count : float or None
        The TRANSFERS tie's amount and count (None or not a number: none).
    normalized : dict
        Weights from :func:`normalize_weights`.
    scale : TransferScale
        Transfer amount and count at full strength.

    Returns
    -------
    float

    Examples
    --------
    >>> w, s = normalize_weights({"FAMILY": 1.0, "TRANSFERS": 0.5}), TransferScale(1e6, 36)
    >>> round(tie_weight("TRANSFERS", 999_999.0, 1, w, s), 3)
    0.798
    >>> tie_weight("FAMILY", None, None, w, s)
    1.0
    """
    base = normalized.get(kind, 0.0)
    if kind != "TRANSFERS":
        return base

    def number(x: Any) -> float:
        try:
            value = float(x)
        except (TypeError, ValueError):
            return 0.0
        return 0.0 if math.isnan(value) else max(value, 0.0)

    by_amount = min(1.0, math.log10(1.0 + number(amount)) / math.log10(1.0 + scale.amount_full))
    by_count = min(1.0, math.log1p(number(count)) / math.log1p(scale.count_full))
    return base * (1.0 + (by_amount + by_count) / 2.0)


#: The fields of ``analytics/read_ties``' lines and their types.
TIE_COLUMNS = {"a": "string", "b": "string", "type": "string", "amount": "float", "count": "float"}


def read_ties(db: Database) -> pd.DataFrame:
    """Read every customer tie: columns ``a``, ``b``, ``type``, ``amount``, ``count``.

    Packed as text server-side (:meth:`~crm_graph.db.Database.read_lines`): at a
    million customers the 3.35 million ties came back in 31 s instead of 127 s as one
    record per tie. ``amount`` and ``count`` are floats (NaN where the tie has none).
    """
    return db.read_lines("analytics/read_ties", TIE_COLUMNS)


def read_transfer_scale(db: Database) -> TransferScale:
    """Compute the transfer scale of the graph's transfer ties in the server.

    The same figures as :func:`~crm_graph.analytics.tie_weights.transfer_scale` on
    :func:`read_ties` (both interpolate the 95th percentile linearly).
    """
    row = db.read("analytics/read_transfer_scale", quantile=TRANSFER_QUANTILE)[0]

    def full(value: Any) -> float:
        return 1.0 if value is None else max(1.0, round(float(value), 2))

    return TransferScale(full(row["amount_full"]), full(row["count_full"]))


def tie_graph(
    customers: list[str],
    ties: pd.DataFrame,
    weights: dict[str, float],
    scale: TransferScale | None = None,
) -> nx.Graph:
    """Build the undirected weighted tie graph.

    Parameters
    ----------
    customers : list of str
        Every customer id (isolated customers are nodes too).
    ties : DataFrame
        Columns ``a``, ``b``, ``type``, ``amount`` (and ``count``): one row per tie.
    weights : dict
        Weight per tie type (see :func:`tie_weights`).
    scale : TransferScale, optional
        See :func:`tie_weights`.

    Returns
    -------
    networkx.Graph
        Edge attribute ``weight``; parallel ties summed.

    Examples
    --------
    >>> t = pd.DataFrame({"a": ["x", "x"], "b": ["y", "y"], "type": ["FAMILY", "REFERRED"],
    ...                   "amount": [None, None]})
    >>> tie_graph(["x", "y", "z"], t, {"FAMILY": 1.0, "REFERRED": 0.5}).edges(data=True)
    EdgeDataView([('x', 'y', {'weight': 1.5})])
    """
    graph = nx.Graph()
    graph.add_nodes_from(customers)
    if ties.empty:
        return graph
    for a, b, w in zip(
        ties["a"], ties["b"], tie_weights(ties, weights, scale).tolist(), strict=True
    ):
        if a == b or w <= 0:
            continue
        if graph.has_edge(a, b):
            graph[a][b]["weight"] += w
        else:
            graph.add_edge(a, b, weight=w)
    return graph


def communities_and_influence(graph: nx.Graph, config: ClusterConfig) -> tuple[pd.DataFrame, float]:
    """Louvain communities and weighted PageRank of a tie graph (networkx).

    Parameters
    ----------
    graph : networkx.Graph
        From :func:`tie_graph`.
    config : ClusterConfig
        Seed, resolution, damping.

    Returns
    -------
    (DataFrame, float)
        ``customer_id``, ``community`` (int), ``influence`` (sums to 1), and the
        partition's modularity.

    Examples
    --------
    >>> g = nx.Graph()
    >>> g.add_weighted_edges_from([("a", "b", 1), ("b", "c", 1), ("a", "c", 1),
    ...                            ("d", "e", 1), ("e", "f", 1), ("d", "f", 1), ("c", "d", 0.1)])
    >>> frame, q = communities_and_influence(g, ClusterConfig())
    >>> frame.groupby("community").customer_id.apply(sorted).tolist()
    [['a', 'b', 'c'], ['d', 'e', 'f']]
    >>> round(float(frame.influence.sum()), 6), bool(q > 0.4)
    (1.0, True)
    """
    parts = nx.community.louvain_communities(
        graph, weight="weight", resolution=config.resolution, seed=config.seed
    )
    parts = sorted((sorted(p) for p in parts), key=lambda p: (-len(p), p[0]))
    community = {node: i for i, part in enumerate(parts) for node in part}
    modularity = nx.community.modularity(graph, parts, weight="weight") if graph.size() else 0.0
    rank = nx.pagerank(graph, alpha=config.damping, weight="weight") if len(graph) else {}
    frame = pd.DataFrame(
        {
            "customer_id": list(graph.nodes),
            "community": [community[n] for n in graph.nodes],
            "influence": [float(rank.get(n, 0.0)) for n in graph.nodes],
        }
    )
    return frame, float(modularity)


class NetworkxClusters:
    """Louvain + PageRank in networkx, reading ties from and writing results to Neo4j."""

    name = "networkx"

    def run(self, db: Database, config: ClusterConfig) -> ClusterResult:
        """Compute and write clusters (see :class:`ClusterBackend`)."""
        started = time.perf_counter()
        customers = [r["customer_id"] for r in db.read("analytics/read_customer_ids")]
        ties = read_ties(db)
        graph = tie_graph(customers, ties, config.weights, config.scale)
        frame, modularity = communities_and_influence(graph, config)
        rows = [
            {"customer_id": c, "community": int(m), "influence": float(i)}
            for c, m, i in frame[["customer_id", "community", "influence"]].itertuples(index=False)
        ]
        for _ in db.write_batches("analytics/set_clusters", rows, batch_size=10_000):
            pass
        computed_at = _stamp(db, self.name)
        untied = len(frame) > 0 and graph.size() == 0
        if untied:
            warnings.warn(NO_TIES, stacklevel=2)
        return ClusterResult(
            backend=self.name,
            algorithm="louvain",
            customers=len(frame),
            communities=int(frame.community.nunique()) if len(frame) else 0,
            modularity=modularity,
            computed_at=computed_at,
            seconds=time.perf_counter() - started,
            warning=NO_TIES if untied else None,
        )


class GdsClusters:
    """Leiden or Louvain and PageRank in Neo4j Graph Data Science."""

    name = "gds"

    def run(self, db: Database, config: ClusterConfig) -> ClusterResult:
        """Compute and write clusters (see :class:`ClusterBackend`)."""
        started = time.perf_counter()
        db.write("analytics/drop_graph", graph_name=_GDS_GRAPH)
        scale = config.scale or read_transfer_scale(db)
        try:
            projected = db.write(
                "analytics/project_ties",
                graph_name=_GDS_GRAPH,
                weights=normalize_weights(config.weights),
                amount_full=scale.amount_full,
                count_full=scale.count_full,
            )[0]
            if not projected["nodes"]:
                # no customers: nothing is projected (as networkx, an empty result)
                projected, result = {"nodes": 0}, {"communities": 0, "modularity": 0.0}
            elif not projected["relationships"]:
                # no ties: GDS Leiden fails on a graph without relationships; every
                # customer is a cluster of their own, as networkx's Louvain gives
                return _singletons(db, self.name, config.algorithm, started)
            elif config.algorithm == "leiden":
                result = db.write(
                    "analytics/write_leiden",
                    graph_name=_GDS_GRAPH,
                    seed=config.seed,
                    gamma=config.resolution,
                )[0]
            else:
                result = db.write(
                    "analytics/write_louvain", graph_name=_GDS_GRAPH, seed=config.seed
                )[0]
            if projected["nodes"]:
                db.write("analytics/write_pagerank", graph_name=_GDS_GRAPH, damping=config.damping)
        finally:
            db.write("analytics/drop_graph", graph_name=_GDS_GRAPH)
        computed_at = _stamp(db, self.name)
        return ClusterResult(
            backend=self.name,
            algorithm=config.algorithm,
            customers=int(projected["nodes"]),
            communities=int(result["communities"]),
            modularity=float(result["modularity"]),
            computed_at=computed_at,
            seconds=time.perf_counter() - started,
        )


def _singletons(db: Database, backend: str, algorithm: str, started: float) -> ClusterResult:
    """Write every customer as a cluster of their own (ordered by id), equal influence."""
    customers = sorted(r["customer_id"] for r in db.read("analytics/read_customer_ids"))
    share = 1.0 / len(customers) if customers else 0.0
    rows = [{"customer_id": c, "community": i, "influence": share} for i, c in enumerate(customers)]
    for _ in db.write_batches("analytics/set_clusters", rows, batch_size=10_000):
        pass
    warnings.warn(NO_TIES, stacklevel=3)
    return ClusterResult(
        backend=backend,
        algorithm=algorithm,
        customers=len(customers),
        communities=len(customers),
        modularity=0.0,
        computed_at=_stamp(db, backend),
        seconds=time.perf_counter() - started,
        warning=NO_TIES,
    )


def _stamp(db: Database, backend: str) -> str:
    computed_at = datetime.now(UTC).isoformat(timespec="seconds")
    db.write_in_batches("analytics/stamp_clusters", computed_at=computed_at, backend=backend)
    return computed_at


def compute_clusters(
    db: Database, config: ClusterConfig | None = None, backend: str | None = None
) -> ClusterResult:
    """Compute influence clusters and write them onto every customer.

    Parameters
    ----------
    db : Database
        The graph.
    config : ClusterConfig, optional
        Algorithm, weights, seed, damping.
    backend : {"gds", "networkx"}, optional
        Force a backend; by default GDS when the server has it, else networkx.

    Returns
    -------
    ClusterResult
        Backend, counts, modularity, duration.

    Warns
    -----
    UserWarning
        Once per process, when GDS is absent and networkx is used instead.
    """
    global _warned
    config = config or ClusterConfig()
    if backend is None:
        if has_gds(db.driver, db.database):
            backend = "gds"
        else:
            backend = "networkx"
            if not _warned:
                warnings.warn(
                    "the Neo4j server has no Graph Data Science library; clusters are "
                    "computed with networkx (Louvain instead of Leiden)",
                    stacklevel=2,
                )
                _warned = True
    impl: ClusterBackend = GdsClusters() if backend == "gds" else NetworkxClusters()
    return impl.run(db, config)


# --------------------------------------------------------------------------- profiles

TIE_KINDS: dict[str, str] = {
    "EMPLOYS": "payroll cluster",
    "FAMILY": "household network",
    "GUARANTEES": "guarantee circle",
    "TRANSFERS": "money-flow network",
    "REFERRED": "referral network",
    "CO_HOLDS": "shared-account household",
}

_MEMBER_COLUMNS = [
    "customer_id",
    "name",
    "kind",
    "community",
    "tier",
    "status",
    "aum",
    "fee_income",
    "influence",
    "categories",
]
_TIE_COLUMNS = ["community", "type", "source_id", "source_name", "ties"]


@dataclass(frozen=True)
class ClusterProfile:
    """What one influence cluster is made of.

    ``penetration`` is the share of members holding at least one open product of a
    category; ``influencers`` are the members with the highest influence, as
    ``(customer_id, name, influence, kind)``; ``ties`` counts the ties inside the cluster by
    type; ``churn_rate`` is the share of members whose status is ``churned``.
    """

    community: int
    size: int
    label: str
    tiers: dict[str, int]
    aum: float
    fee_income: float
    churn_rate: float
    penetration: dict[str, float]
    influencers: list[tuple[str, str, float, str]]
    ties: dict[str, int]

    def as_dict(self) -> dict[str, object]:
        """Return the profile as JSON-ready data."""
        return {
            "community": self.community,
            "size": self.size,
            "label": self.label,
            "tiers": self.tiers,
            "aum": self.aum,
            "fee_income": self.fee_income,
            "churn_rate": self.churn_rate,
            "penetration": self.penetration,
            "influencers": [
                {"customer_id": c, "name": n, "influence": i, "kind": k}
                for c, n, i, k in self.influencers
            ],
            "ties": self.ties,
        }


def cluster_label(
    size: int,
    ties: dict[str, int],
    top_source: dict[str, tuple[str, int]],
    tiers: dict[str, int],
    churn_rate: float,
    overall_churn_rate: float,
    tier_names: tuple[str, ...] | None = None,
) -> str:
    """Describe a cluster in a few words from its dominant traits.

    The first part names the dominant tie type, counting each tie with its default
    weight: ``payroll cluster of <company>`` when one employer holds most employment
    ties and employs at least a quarter of the members, ``business network around
    <company>`` (the main employer) when payroll or money flows dominate otherwise,
    ``household network``, ``guarantee circle``, ``referral network``; the second the tier
    mix, in the bank's tier names (``tier_names``, highest first, the base tier last;
    default: :class:`~crm_graph.analytics.segments.TierConfig`'s): ``<tier>-heavy``
    after the lowest high-value tier when the high-value tiers (every named tier but
    the lowest) hold at least 30% of the members (``wealth-heavy`` by default), the
    lowest named tier's name from 40% of it (``affluent``), else ``<base>-market``
    (``mass-market``); ``churn-prone`` is added when the churn rate is at least 10% and
    twice the bank's.

    Parameters
    ----------
    size : int
        Members.
    ties : dict
        Ties inside the cluster by type.
    top_source : dict
        Per tie type, the member with most ties of that type: ``(name, ties)``.
    tiers : dict
        Members per tier.
    churn_rate, overall_churn_rate : float
        Share of churned members in the cluster and in the whole bank.

    Returns
    -------
    str

    Examples
    --------
    >>> cluster_label(40, {"EMPLOYS": 30, "FAMILY": 8}, {"EMPLOYS": ("Acme Ltd", 30)},
    ...               {"mass": 35, "affluent": 5}, 0.0, 0.05)
    'payroll cluster of Acme Ltd, mass-market'
    >>> cluster_label(5, {"FAMILY": 6}, {"FAMILY": ("Li Wei", 3)},
    ...               {"wealth": 2, "mass": 3}, 0.2, 0.05)
    'household network, wealth-heavy, churn-prone'
    >>> cluster_label(1, {}, {}, {"mass": 1}, 0.0, 0.05)
    'unconnected customer, mass-market'
    >>> cluster_label(3, {}, {}, {"gold": 2, "basic": 1}, 0.0, 0.05, ("gold", "silver", "basic"))
    'loosely tied group, gold-heavy'
    """
    total = sum(ties.values())
    if size <= 1 or total == 0:
        kind = "unconnected customer" if size <= 1 else "loosely tied group"
    else:
        dominant = max(sorted(ties), key=lambda t: ties[t])
        kind = TIE_KINDS.get(dominant, "network")
        employer = top_source.get("EMPLOYS")
        if employer and employer[1] >= 0.5 * ties["EMPLOYS"] and employer[1] >= 0.25 * size:
            kind = f"payroll cluster of {employer[0]}"
        elif employer and dominant in ("EMPLOYS", "TRANSFERS"):
            kind = f"business network around {employer[0]}"
    order = Tiers(tier_names or TierConfig().names, "")
    members = max(sum(tiers.values()), 1)
    high = sum(tiers.get(t, 0) for t in order.high) / members
    if order.high and high >= 0.3:
        mix = f"{order.high[-1]}-heavy"
    elif order.named and tiers.get(order.named[-1], 0) / members >= 0.4:
        mix = order.named[-1]
    else:
        mix = f"{order.base}-market"
    parts = [kind, mix]
    if churn_rate >= 0.1 and churn_rate >= 2 * overall_churn_rate:
        parts.append("churn-prone")
    return ", ".join(parts)


def profile_clusters(
    members: pd.DataFrame,
    ties: pd.DataFrame,
    top: int = 3,
    overall_churn_rate: float | None = None,
    tier_names: tuple[str, ...] | None = None,
) -> list[ClusterProfile]:
    """Build cluster profiles from members and intra-cluster ties.

    Parameters
    ----------
    members : DataFrame
        One row per customer: ``customer_id``, ``name``, ``community``, ``tier``,
        ``status``, ``aum``, ``fee_income``, ``influence``, ``categories`` (list).
    ties : DataFrame
        ``community``, ``type``, ``source_id``, ``source_name``, ``ties``.
    top : int, default 3
        Influencers listed per cluster.
    overall_churn_rate : float, optional
        The bank's churn rate for labels (default: the rate among ``members``).
    tier_names : tuple of str, optional
        The tiers, highest first, for the labels (:func:`cluster_label`).

    Returns
    -------
    list of ClusterProfile
        Largest cluster first.

    Examples
    --------
    >>> m = pd.DataFrame({"customer_id": ["c", "p1", "p2"], "name": ["Acme", "Li", "Wu"],
    ...     "community": [7, 7, 7], "tier": ["mass"] * 3, "status": ["active"] * 3,
    ...     "aum": [1e6, 1e4, 2e4], "fee_income": [0.0, 10.0, 0.0],
    ...     "influence": [0.5, 0.2, 0.3], "categories": [["payroll"], ["card"], []]})
    >>> t = pd.DataFrame({"community": [7, 7], "type": ["EMPLOYS"] * 2,
    ...     "source_id": ["c", "c"], "source_name": ["Acme", "Acme"], "ties": [1, 1]})
    >>> p = profile_clusters(m, t)[0]
    >>> p.label, p.size, p.penetration["card"], p.influencers[0][1]
    ('payroll cluster of Acme, mass-market', 3, 0.3333, 'Acme')
    """
    if members.empty:
        return []
    m = members.copy()
    if "kind" not in m:
        m["kind"] = None
    m["churned"] = m["status"].eq("churned")
    overall = float(m["churned"].mean()) if overall_churn_rate is None else overall_churn_rate
    m["tier"] = m["tier"].fillna("unscored")
    groups = m.groupby("community", sort=False)
    sizes = groups.size()
    sums = groups[["aum", "fee_income"]].sum()
    churn = groups["churned"].mean()
    tiers = m.groupby(["community", "tier"]).size()
    held = m[["community", "customer_id", "categories"]].explode("categories").dropna()
    penetration = held.drop_duplicates().groupby(["community", "categories"]).size()
    ranked = m.sort_values(["community", "influence"], ascending=[True, False])
    leaders = ranked.groupby("community").head(top)
    tie_counts = ties.groupby(["community", "type"])["ties"].sum() if len(ties) else None
    if len(ties):
        per_source = ties.groupby(["community", "type", "source_id", "source_name"])["ties"].sum()
        best = per_source.reset_index().sort_values(
            ["ties", "source_id"], ascending=[False, True], kind="stable"
        )
        best = best.drop_duplicates(["community", "type"])
        top_sources = {
            (int(c), str(t)): (str(n), int(k))
            for c, t, n, k in best[["community", "type", "source_name", "ties"]].itertuples(
                index=False
            )
        }
    else:
        top_sources = {}

    tier_of = _nested(tiers)
    tie_of = _nested(tie_counts)
    pen_of = _nested(penetration)
    lead_of: dict[int, list[tuple[str, str, float, str]]] = {}
    for c, cid, name, infl, kind in leaders[
        ["community", "customer_id", "name", "influence", "kind"]
    ].itertuples(index=False):
        # a customer without a name (a source that gives none) has an empty one, not "None"
        lead_of.setdefault(int(c), []).append(
            (str(cid), "" if name is None or name != name else str(name), float(infl), str(kind))
        )
    top_of: dict[int, dict[str, tuple[str, int]]] = {}
    for (c, t), v in top_sources.items():
        top_of.setdefault(c, {})[t] = v

    stats = pd.DataFrame({"size": sizes, "churn": churn}).join(sums).reset_index()
    profiles = []
    for community, size, rate_, aum, fees in stats[
        ["community", "size", "churn", "aum", "fee_income"]
    ].itertuples(index=False):
        key, size = int(community), int(size)
        tie = tie_of.get(key, {})
        tier = tier_of.get(key, {})
        pen = {k: round(v / size, 4) for k, v in sorted(pen_of.get(key, {}).items())}
        rate = round(float(rate_), 4)
        profiles.append(
            ClusterProfile(
                community=key,
                size=size,
                label=cluster_label(
                    size, tie, top_of.get(key, {}), tier, rate, overall, tier_names
                ),
                tiers=tier,
                aum=round(float(aum), 2),
                fee_income=round(float(fees), 2),
                churn_rate=rate,
                penetration=pen,
                influencers=lead_of.get(key, []),
                ties=tie,
            )
        )
    profiles.sort(key=lambda p: (-p.size, p.community))
    return profiles


def _nested(series: pd.Series | None) -> dict[int, dict[str, int]]:
    """``{(community, key): n}`` as ``{community: {key: n}}``."""
    out: dict[int, dict[str, int]] = {}
    if series is None:
        return out
    for community, key, n in series.reset_index().itertuples(index=False):
        out.setdefault(int(community), {})[str(key)] = int(n)
    return out


def cluster_profiles(
    db: Database, community: int | None = None, top: int = 3
) -> list[ClusterProfile]:
    """Profiles of the graph's influence clusters (run :func:`compute_clusters` first).

    Parameters
    ----------
    db : Database
        The graph, with ``community`` written on customers.
    community : int, optional
        Profile only this cluster (uses the ``community`` index); churn-prone labels
        then compare with the bank's churn rate read separately.
    top : int, default 3
        Influencers per cluster.

    Returns
    -------
    list of ClusterProfile
        Largest first; empty when no clusters are computed (or ``community`` is unknown).
    """
    stored = read_tiers(db)
    names = stored.names if stored else None
    if community is None:
        members = pd.DataFrame(db.read("analytics/read_cluster_members"), columns=_MEMBER_COLUMNS)
        ties = pd.DataFrame(db.read("analytics/read_cluster_ties"), columns=_TIE_COLUMNS)
        return profile_clusters(members, ties, top=top, tier_names=names)
    members = pd.DataFrame(
        db.read("analytics/read_community_members", community=community), columns=_MEMBER_COLUMNS
    )
    ties = pd.DataFrame(
        db.read("analytics/read_community_ties", community=community), columns=_TIE_COLUMNS
    )
    overall = db.read("analytics/read_churn_rate")[0]["churn_rate"]
    return profile_clusters(
        members, ties, top=top, overall_churn_rate=float(overall or 0.0), tier_names=names
    )


def store_cluster_profiles(db: Database, profiles: list[ClusterProfile], min_size: int = 2) -> int:
    """Write profiles as ``Cluster`` nodes (key ``community``) and drop stale ones.

    The API and reports read these instead of recomputing profiles per request.
    Single customers without ties are not stored as clusters.

    Parameters
    ----------
    db : Database
        The graph.
    profiles : list of ClusterProfile
        From :func:`cluster_profiles`.
    min_size : int, default 2
        Smallest cluster stored.

    Returns
    -------
    int
        Clusters stored.
    """
    import json

    computed_at = datetime.now(UTC).isoformat(timespec="seconds")
    rows = [
        {
            "community": p.community,
            "size": p.size,
            "label": p.label,
            "aum": p.aum,
            "fee_income": p.fee_income,
            "churn_rate": p.churn_rate,
            "profile": json.dumps(p.as_dict(), ensure_ascii=False),
        }
        for p in profiles
        if p.size >= min_size
    ]
    for _ in db.write_batches(
        "analytics/upsert_clusters", rows, batch_size=5_000, computed_at=computed_at
    ):
        pass
    db.write("analytics/delete_stale_clusters", computed_at=computed_at)
    return len(rows)
