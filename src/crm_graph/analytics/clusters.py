"""Influence clusters: communities of the customer tie graph and influence within them.

The tie graph is undirected and weighted: each tie type has a weight
(:data:`DEFAULT_WEIGHTS`, configurable), and a TRANSFERS tie weighs more with the
money moved (``1 + log10(1 + amount) / 6``). Parallel ties between two customers
add up.

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
from typing import Literal, Protocol

import networkx as nx
import pandas as pd

from crm_graph.db import Database, has_gds

__all__ = [
    "DEFAULT_WEIGHTS",
    "ClusterConfig",
    "ClusterResult",
    "GdsClusters",
    "NetworkxClusters",
    "communities_and_influence",
    "compute_clusters",
    "tie_graph",
]

DEFAULT_WEIGHTS: dict[str, float] = {
    "FAMILY": 1.0,
    "EMPLOYS": 0.6,
    "TRANSFERS": 0.5,
    "GUARANTEES": 0.8,
    "REFERRED": 0.5,
}

_GDS_GRAPH = "crm_graph_ties"
_warned = False


@dataclass(frozen=True)
class ClusterConfig:
    """Settings of a clustering run."""

    algorithm: Literal["leiden", "louvain"] = "leiden"
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
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


class ClusterBackend(Protocol):
    """One way to compute and write clusters."""

    name: str

    def run(self, db: Database, config: ClusterConfig) -> ClusterResult:
        """Compute communities and influence and write them onto customers."""
        ...


def tie_weight(kind: str, amount: float | None, weights: dict[str, float]) -> float:
    """Return the weight of one tie.

    Examples
    --------
    >>> tie_weight("FAMILY", None, DEFAULT_WEIGHTS)
    1.0
    >>> round(tie_weight("TRANSFERS", 999_999.0, DEFAULT_WEIGHTS), 3)
    1.0
    """
    base = weights.get(kind, 0.0)
    if kind == "TRANSFERS":
        return base * (1.0 + math.log10(1.0 + (amount or 0.0)) / 6.0)
    return base


def tie_graph(customers: list[str], ties: pd.DataFrame, weights: dict[str, float]) -> nx.Graph:
    """Build the undirected weighted tie graph.

    Parameters
    ----------
    customers : list of str
        Every customer id (isolated customers are nodes too).
    ties : DataFrame
        Columns ``a``, ``b``, ``type``, ``amount``: one row per tie.
    weights : dict
        Weight per tie type.

    Returns
    -------
    networkx.Graph
        Edge attribute ``weight``; parallel ties summed.

    Examples
    --------
    >>> t = pd.DataFrame({"a": ["x", "x"], "b": ["y", "y"], "type": ["FAMILY", "REFERRED"],
    ...                   "amount": [None, None]})
    >>> tie_graph(["x", "y", "z"], t, DEFAULT_WEIGHTS).edges(data=True)
    EdgeDataView([('x', 'y', {'weight': 1.5})])
    """
    graph = nx.Graph()
    graph.add_nodes_from(customers)
    for a, b, kind, amount in ties[["a", "b", "type", "amount"]].itertuples(index=False):
        if a == b:
            continue
        w = tie_weight(kind, None if amount is None or amount != amount else float(amount), weights)
        if w <= 0:
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
        ties = pd.DataFrame(db.read("analytics/read_ties"), columns=["a", "b", "type", "amount"])
        graph = tie_graph(customers, ties, config.weights)
        frame, modularity = communities_and_influence(graph, config)
        rows = [
            {"customer_id": c, "community": int(m), "influence": float(i)}
            for c, m, i in frame[["customer_id", "community", "influence"]].itertuples(index=False)
        ]
        for _ in db.write_batches("analytics/set_clusters", rows, batch_size=10_000):
            pass
        computed_at = _stamp(db, self.name)
        return ClusterResult(
            backend=self.name,
            algorithm="louvain",
            customers=len(frame),
            communities=int(frame.community.nunique()) if len(frame) else 0,
            modularity=modularity,
            computed_at=computed_at,
            seconds=time.perf_counter() - started,
        )


class GdsClusters:
    """Leiden or Louvain and PageRank in Neo4j Graph Data Science."""

    name = "gds"

    def run(self, db: Database, config: ClusterConfig) -> ClusterResult:
        """Compute and write clusters (see :class:`ClusterBackend`)."""
        started = time.perf_counter()
        db.write("analytics/drop_graph", graph_name=_GDS_GRAPH)
        try:
            projected = db.write(
                "analytics/project_ties", graph_name=_GDS_GRAPH, weights=config.weights
            )[0]
            if config.algorithm == "leiden":
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


def _stamp(db: Database, backend: str) -> str:
    computed_at = datetime.now(UTC).isoformat(timespec="seconds")
    db.write("analytics/stamp_clusters", computed_at=computed_at, backend=backend)
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
