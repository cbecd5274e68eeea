"""Cross-sell campaign planning: whom to contact, why, how, and what it should yield.

A plan for one product and a budget (the number of customers the bank can contact)
has three groups:

``seed``
    Word-of-mouth seeds: customers chosen by influence maximization over the tie
    graph, so that the product spreads from them as far as possible. Seeds are
    contacted and count against the budget.
``target``
    The customers most likely to take the product, ranked by their cross-sell score
    (the blended adoption probability the cross-sell run stored on RECOMMENDED). Only
    customers for whom the product is among their stored recommendations are
    targets, so the eligibility and suppression rules of the cross-sell engine apply.
``control``
    A random hold-out drawn at planning time from the same ranked pool as the
    targets (``control_share`` of it): not contacted, so that the conversion of the
    targets can later be compared with theirs (:func:`campaign_results`).

**Audience.** Active customers (never churned ones, never one who refused marketing:
``marketing_consent`` false), filtered by tier, home branch, community and channel
(enrolled in it: the consent the sources keep is one flag for all channels, so
enrolment in a channel stands for being reachable through it), leaving out
customers with any contact in the last ``exclude_contacted_days`` days.

**Word of mouth.** An independent-cascade model on the undirected tie graph of active
customers: a tie passes the product on with probability ``spread x weight`` (the
normalized tie weight the last analysis run learned, :mod:`crm_graph.analytics.tie_weights`;
``spread``, the chance that the strongest tie passes a product on, is a planning
assumption the caller sets; parallel ties combine
as independent chances). Seeds are chosen among the audience by reverse-reachable
sampling (IMM, :mod:`crm_graph.analytics.influence`): within ``1 - 1/e - epsilon``
of the best seed set with high probability. The reach reported, and the comparison
with as many top-degree and top-PageRank seeds (:func:`compare_seeds`), come from
``simulations`` fresh cascades, not from the samples the seeds were chosen on. A
:class:`~crm_graph.analytics.influence.SampleCache` keeps the samples of a tie graph
for the plans after it, until the ties change.

**Channel and relationship manager.** Companies, and customers of the tiers above the
base tier (``CampaignConfig.rm_tiers``; default: those of the last segments run) who
have a relationship manager, are contacted by their RM while the RM has capacity
(``rm_capacity_per_week x weeks`` contacts per RM, in rank order); everyone else
through the first channel of ``CampaignConfig.channel_order`` they are enrolled in
(default: the bank's channels by how many active customers are enrolled, most
first), else one they are enrolled in, else the bank's first. A channel filter sends
every contact through that channel.

**Expected yield.** Expected conversions are the sum of the contacted customers'
scores, with a 90% interval from the normal approximation of the sum of independent
Bernoulli outcomes; expected reach is the mean simulated reach of the seeds with the
5th-95th percentile of the simulations.

Plans are recorded in the graph (:func:`record_campaign`) as
``(Campaign)-[:PROMOTES]->(Product)`` and ``(Campaign)-[:TARGETED {group, rank,
score, channel, rm_id, reasons, at}]->(Customer)``; outcomes are loaded back with
:func:`load_outcomes` and measured against the control group by
:func:`campaign_results`.
"""

from __future__ import annotations

import csv
import json
import math
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from crm_graph.analytics.clusters import EQUAL_WEIGHTS, TIE_COLUMNS, tie_weights
from crm_graph.analytics.influence import (
    SampleCache,
    TieGraph,
    imm_seeds,
    simulate_reach_forward,
)
from crm_graph.analytics.segments import read_tiers
from crm_graph.analytics.tie_weights import TransferScale, read_stored_tie_weights
from crm_graph.db import Database
from crm_graph.errors import ConfigError, NotFoundError

__all__ = [
    "AUDIENCE_COLUMNS",
    "DETAIL_COLUMNS",
    "GROUPS",
    "CampaignConfig",
    "CampaignPlan",
    "CampaignRequest",
    "CampaignResults",
    "PlanCache",
    "Target",
    "campaign_results",
    "compare_seeds",
    "export_plan",
    "load_outcomes",
    "plan_campaign",
    "plan_from_frames",
    "record_campaign",
]

Array = npt.NDArray[Any]
GROUPS = ("seed", "target", "control")
#: What planning reads of every customer of the audience (``campaign/read_audience``).
AUDIENCE_COLUMNS = {
    "customer_id": "string",
    "kind": "string",
    "tier": "string",
    "influence": "float",
    "community": "float",
    "branch_id": "string",
    "score": "float",
    "rank": "float",
    "rm_id": "string",
}
#: What a plan shows of the customers it chose (``campaign/read_audience_details``).
DETAIL_COLUMNS = ("name", "reasons", "holds", "rm_name", "channels")
RM_CHANNEL = "relationship_manager"
Z90 = 1.6448536269514722  # two-sided 90% normal quantile


@dataclass(frozen=True)
class CampaignRequest:
    """What the planner asks for.

    Raises
    ------
    ConfigError
        On a budget below 1, a control share outside ``[0, 0.5]``, more seeds than
        the budget, or a negative capacity, duration or exclusion window.
    """

    product_id: str
    budget: int
    name: str | None = None
    tiers: tuple[str, ...] | None = None
    branch_id: str | None = None
    community: int | None = None
    channel: str | None = None
    exclude_contacted_days: int = 30
    rm_capacity_per_week: int = 20
    weeks: int = 4
    seeds: int | None = None
    control_share: float = 0.1
    starts_on: date | None = None

    def __post_init__(self) -> None:
        """Check the request (see the class docstring)."""
        if not self.product_id:
            raise ConfigError("product_id is required")
        if self.budget < 1:
            raise ConfigError(f"budget must be at least 1 contact, got {self.budget}")
        if not 0.0 <= self.control_share <= 0.5:
            raise ConfigError(f"control_share must be between 0 and 0.5, got {self.control_share}")
        if self.seeds is not None and not 0 <= self.seeds <= self.budget:
            raise ConfigError(f"seeds must be between 0 and the budget, got {self.seeds}")
        for label, value in (
            ("exclude_contacted_days", self.exclude_contacted_days),
            ("rm_capacity_per_week", self.rm_capacity_per_week),
            ("weeks", self.weeks),
        ):
            if value < 0:
                raise ConfigError(f"{label} must be >= 0, got {value}")
        if self.weeks < 1:
            raise ConfigError("weeks must be at least 1")

    @property
    def seed_count(self) -> int:
        """Seeds asked for, or by default a tenth of the budget, at most 50."""
        return self.seeds if self.seeds is not None else min(50, self.budget // 10)

    def filters(self) -> dict[str, Any]:
        """Return the audience filters, for the record."""
        return {
            "tiers": list(self.tiers) if self.tiers else None,
            "branch_id": self.branch_id,
            "community": self.community,
            "channel": self.channel,
            "exclude_contacted_days": self.exclude_contacted_days,
            "rm_capacity_per_week": self.rm_capacity_per_week,
            "weeks": self.weeks,
        }


@dataclass(frozen=True)
class CampaignConfig:
    """Settings of the word-of-mouth model."""

    spread: float = 0.15
    # fresh cascades that estimate the reach of the seeds and of the baselines
    simulations: int = 200
    # IMM's accuracy: the seeds are within 1 - 1/e - epsilon of the best, w.h.p. (the
    # bound is loose: at 0.3 the seeds reached 100-101% of CELF's on the 100k bank, in
    # 1.5-4 s where 0.1 took 11-16 s; docs/campaigns.md)
    epsilon: float = 0.3
    seed: int = 42
    # weight per tie type; None: those the last analysis run learned and stored
    # (crm_graph.analytics.tie_weights), or equal weights when none was stored
    weights: dict[str, float] | None = None
    scale: TransferScale | None = None  # transfer strength at full (None: as stored)
    # persons of these tiers are contacted by their RM (companies with an RM always);
    # None: every tier above the base of the last segments run (plan_campaign reads it)
    rm_tiers: tuple[str, ...] | None = None
    # other contacts go through the first of these channels they are enrolled in, else
    # the first of them; None: the bank's channels by how many active customers are
    # enrolled, most first (plan_campaign reads them)
    channel_order: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Target:
    """One customer in a plan."""

    customer_id: str
    name: str
    kind: str | None
    group: str
    rank: int
    score: float | None
    tier: str | None
    channel: str | None
    rm_id: str | None
    rm_name: str | None
    reasons: list[str]


@dataclass
class CampaignPlan:
    """A campaign plan (see the module docstring)."""

    campaign_id: str
    name: str
    product_id: str
    product: str
    budget: int
    starts_on: str
    ends_on: str
    planned_at: str
    filters: dict[str, Any]
    audience: int
    with_score: int
    contacts: list[Target]
    control: list[Target]
    expected_conversions: float
    conversions_interval: tuple[float, float]
    expected_reach: float
    reach_interval: tuple[float, float]
    seed_comparison: dict[str, dict[str, float]]
    channels: dict[str, int]
    notes: list[str]
    seconds: float = 0.0
    # word-of-mouth samples (RR sets) the seeds were chosen on, and how many of them this
    # plan drew (0: all were kept from earlier plans on the same tie graph)
    samples_used: int = 0
    samples_drawn: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


# ---------------------------------------------------------------- word of mouth


def compare_seeds(
    graph: TieGraph,
    chosen: list[int],
    degree: Array,
    pagerank: Array,
    candidates: Array,
    runs: int,
    seed: int,
) -> dict[str, dict[str, float]]:
    """Mean and 5th-95th percentile reach of the chosen, top-degree and top-PageRank seeds.

    All three seed sets have the size of ``chosen`` and come from ``candidates``; each
    is measured on ``runs`` fresh cascades drawn with ``seed``.
    """
    k = len(chosen)
    pool = np.flatnonzero(candidates)
    by_degree = pool[np.lexsort((pool, -degree[pool]))][:k].tolist()
    by_rank = pool[np.lexsort((pool, -pagerank[pool]))][:k].tolist()
    out = {}
    for name, seeds in (("greedy", chosen), ("top_degree", by_degree), ("top_pagerank", by_rank)):
        reach = simulate_reach_forward(graph, seeds, runs, seed)
        out[name] = {
            "mean": float(reach.mean()) if reach.size else 0.0,
            "low": float(np.percentile(reach, 5)) if reach.size else 0.0,
            "high": float(np.percentile(reach, 95)) if reach.size else 0.0,
        }
    return out


# ---------------------------------------------------------------- planning


def _channel(
    row: Any, request: CampaignRequest, rm_left: dict[str, int], config: CampaignConfig
) -> tuple[str | None, bool]:
    """Pick the contact channel; True when it uses the RM's capacity.

    None when the bank has no channels at all and the customer has no RM to call.
    """
    if request.channel:
        return request.channel, False
    rm = row.rm_id
    high = row.tier in (config.rm_tiers or ())
    if isinstance(rm, str) and rm and (row.kind == "company" or high) and rm_left.get(rm, 0) > 0:
        return RM_CHANNEL, True
    listed = row.channels if isinstance(row.channels, list | tuple | np.ndarray) else []
    enrolled = {str(c) for c in listed}
    order = config.channel_order or ()
    found = next((c for c in order if c in enrolled), None)
    if found is None:
        found = min(enrolled) if enrolled else (order[0] if order else None)
    return found, False


def plan_from_frames(
    audience: pd.DataFrame,
    ties: pd.DataFrame,
    request: CampaignRequest,
    config: CampaignConfig,
    product: str,
    today: date,
    details: Callable[[list[str]], pd.DataFrame] | None = None,
    cache: SampleCache | None = None,
) -> CampaignPlan:
    """Plan a campaign from an audience and the tie graph (no database).

    Parameters
    ----------
    audience : DataFrame
        One row per customer the campaign may contact: :data:`AUDIENCE_COLUMNS`, and
        :data:`DETAIL_COLUMNS` unless ``details`` gives them.
    ties : DataFrame
        Ties among active customers: ``a``, ``b``, ``type``, ``amount``, ``count``.
    request : CampaignRequest
        Product, budget and filters.
    config : CampaignConfig
        Word-of-mouth settings.
    product : str
        The product's display name.
    today : date
        Planning date (the default start).
    details : callable, optional
        Given the ids of the customers chosen (seeds, targets, control), returns
        ``customer_id`` and :data:`DETAIL_COLUMNS` for them (``plan_campaign`` reads
        them from the graph for those few customers only).
    cache : SampleCache, optional
        Keeps the reverse-reachable sets of the tie graph for later plans (a server
        holds one; each plan on an unchanged tie graph then draws none).

    Returns
    -------
    CampaignPlan
        With a fresh ``campaign_id``; nothing is written. The rows' order in
        ``audience`` and ``ties`` does not matter: the same frames in any order give
        the same plan.
    """
    started = time.perf_counter()
    starts = request.starts_on or today
    # the same graph gives the same plan, whatever order the database returned it in:
    # the cascade samples draw one number per tie, in tie order
    audience = _sorted(audience, ["customer_id"])
    ties = _sorted(ties, list(TIE_ORDER))
    ids = pd.Index(
        pd.unique(pd.concat([audience["customer_id"], ties["a"], ties["b"]], ignore_index=True))
    )
    n = len(ids)
    pos = pd.Series(np.arange(len(audience)), index=audience["customer_id"])
    candidates = np.zeros(n, dtype=bool)
    candidates[ids.get_indexer(pd.Index(audience["customer_id"]))] = True
    # word of mouth
    a = ids.get_indexer(pd.Index(ties["a"])) if len(ties) else np.zeros(0, dtype=int)
    b = ids.get_indexer(pd.Index(ties["b"])) if len(ties) else np.zeros(0, dtype=int)
    p = (
        np.clip(
            config.spread * tie_weights(ties, config.weights or EQUAL_WEIGHTS, config.scale),
            0.0,
            1.0,
        )
        if len(ties)
        else np.zeros(0)
    )
    keep = a != b
    a, b, p = a[keep], b[keep], p[keep]
    graph = TieGraph.from_edges(n, a, b, p)
    k = min(request.seed_count, int(candidates.sum()))
    imm = imm_seeds(graph, k, candidates, epsilon=config.epsilon, seed=config.seed, cache=cache)
    seeds = imm.seeds
    # reach on fresh cascades, never on the RR sets the seeds were chosen on
    fresh = config.seed + 1
    degree = np.bincount(np.r_[a, b], minlength=n).astype(float)
    pagerank = np.zeros(n)
    pagerank[ids.get_indexer(pd.Index(audience["customer_id"]))] = audience["influence"].fillna(0.0)
    comparison = compare_seeds(
        graph, seeds, degree, pagerank, candidates, config.simulations, fresh
    )
    one_alone = {
        v: float(simulate_reach_forward(graph, [v], config.simulations, fresh).mean())
        for v in seeds
    }
    # targets and control from the ranked pool
    seed_ids = {str(ids[v]) for v in seeds}
    pool = audience[audience["score"].notna() & ~audience["customer_id"].isin(seed_ids)]
    pool = pool.sort_values(["score", "customer_id"], ascending=[False, True])
    n_targets = max(0, request.budget - len(seeds))
    n_control = (
        round(n_targets * request.control_share / (1.0 - request.control_share))
        if request.control_share
        else 0
    )
    top = pool.head(n_targets + n_control)
    if len(top) < n_targets + n_control:
        # a short pool keeps the planned share of control, not the planned count
        n_control = round(len(top) * request.control_share)
    if details is not None:
        # names, reasons, holdings and channels of the chosen customers only
        chosen = sorted(seed_ids | set(top["customer_id"]))
        extra = details(chosen).set_index("customer_id")
        audience = audience.drop(columns=[c for c in DETAIL_COLUMNS if c in audience.columns])
        audience = audience.join(extra[list(DETAIL_COLUMNS)], on="customer_id")
        top = audience.iloc[pos[top["customer_id"]].to_numpy()]
    rng = np.random.default_rng(config.seed)
    held = (
        set(rng.choice(top["customer_id"].to_numpy(), size=n_control, replace=False).tolist())
        if n_control
        else set()
    )
    rm_left: dict[str, int] = {}
    for rm in audience["rm_id"].dropna().unique():
        rm_left[str(rm)] = request.rm_capacity_per_week * request.weeks
    contacts: list[Target] = []
    control: list[Target] = []
    channels: dict[str, int] = {}

    def target(row: Any, group: str, rank: int, reasons: list[str]) -> Target:
        channel: str | None = None
        if group != "control":
            channel, uses_rm = _channel(row, request, rm_left, config)
            if uses_rm:
                rm_left[str(row.rm_id)] -= 1
            channels[channel or "none"] = channels.get(channel or "none", 0) + 1
        return Target(
            customer_id=str(row.customer_id),
            name=str(row.name or ""),
            kind=None if pd.isna(row.kind) else str(row.kind),
            group=group,
            rank=rank,
            score=None if pd.isna(row.score) else float(row.score),
            tier=None if pd.isna(row.tier) else str(row.tier),
            channel=channel,
            rm_id=None if pd.isna(row.rm_id) else str(row.rm_id),
            rm_name=None if pd.isna(row.rm_name) else str(row.rm_name),
            reasons=reasons,
        )

    for rank, v in enumerate(seeds, start=1):
        # a named tuple, not a Series: Series.name is the index label, not the name column
        row = next(audience.iloc[[int(pos[str(ids[v])])]].itertuples(index=False))
        why = [
            f"word-of-mouth seed: reaches {one_alone[v]:.1f} customers on average in "
            f"simulation ({int(degree[v])} ties)"
        ]
        if row.holds:
            why.append(f"already holds {product}: can recommend it first-hand")
        why += _reasons(row.reasons)[:2]
        contacts.append(target(row, "seed", rank, why))
    rank = 0
    for item in top.itertuples(index=False):
        if item.customer_id in held:
            control.append(target(item, "control", len(control) + 1, _reasons(item.reasons)))
        else:
            rank += 1
            contacts.append(target(item, "target", rank, _reasons(item.reasons)))
    scores = np.array([t.score for t in contacts if t.score is not None and not _holds(t)])
    expected = float(scores.sum())
    spread = Z90 * math.sqrt(float((scores * (1 - scores)).sum()))
    notes = []
    if len(pool) < n_targets + n_control:
        notes.append(
            f"only {len(pool):,} customers in the audience have {product} among their "
            f"recommendations; the plan contacts fewer than the budget allows"
        )
    if not len(audience):
        notes.append("no customer matches the audience filters")
    greedy = comparison["greedy"]
    stamp = datetime.now(UTC)
    return CampaignPlan(
        campaign_id=f"CMP-{starts:%Y%m%d}-{secrets.token_hex(4)}",
        name=request.name or f"{product} cross-sell {starts:%Y-%m}",
        product_id=request.product_id,
        product=product,
        budget=request.budget,
        starts_on=starts.isoformat(),
        ends_on=(starts + timedelta(weeks=request.weeks)).isoformat(),
        planned_at=stamp.isoformat(timespec="seconds"),
        filters=request.filters(),
        audience=len(audience),
        with_score=int(audience["score"].notna().sum()),
        contacts=contacts,
        control=control,
        expected_conversions=round(expected, 2),
        conversions_interval=(round(max(0.0, expected - spread), 2), round(expected + spread, 2)),
        expected_reach=round(greedy["mean"], 2),
        reach_interval=(greedy["low"], greedy["high"]),
        seed_comparison=comparison,
        channels=channels,
        notes=notes,
        seconds=time.perf_counter() - started,
        samples_used=imm.rr_sets,
        samples_drawn=imm.drawn,
    )


#: the order plan_from_frames puts the ties in (one random draw per tie, in this order)
TIE_ORDER = ("a", "b", "type")


#: frames this module sorted itself (the plan cache keeps them), by id: a frame in here
#: is not sorted again. Identity, not a flag on the frame: a flag would survive a concat
#: or a filter that no longer keeps the order.
_SORTED: weakref.WeakValueDictionary[int, pd.DataFrame] = weakref.WeakValueDictionary()


def _sorted(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``frame`` sorted by ``by`` (a frame this function returned is not sorted again)."""
    if _SORTED.get(id(frame)) is frame and frame.attrs.get("sorted_by") == by:
        return frame
    out = frame.sort_values(by, kind="stable", ignore_index=True)
    out.attrs["sorted_by"] = by
    _SORTED[id(out)] = out
    return out


def _reasons(value: Any) -> list[str]:
    return [str(r) for r in value if r] if isinstance(value, list | tuple | np.ndarray) else []


def _holds(t: Target) -> bool:
    return t.group == "seed" and any(r.startswith("already holds") for r in t.reasons)


@dataclass
class PlanCache:
    """What a long-running process (the API) keeps between plans.

    ``samples`` holds the word-of-mouth samples per tie graph, valid until the ties
    change. The frames read from the graph (the ties, the last ``audiences``
    audiences) are kept under the database's version (:meth:`Database.version`) and
    dropped at the first commit after it, so a plan never uses data older than the
    graph it runs on. Thread-safe.
    """

    samples: SampleCache = field(default_factory=SampleCache)
    audiences: int = 8
    _version: str | None = None
    _frames: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def value(self, version: str, key: tuple[Any, ...], read: Callable[[], Any]) -> Any:
        """Return what is kept under ``key`` at ``version``, reading it when absent."""
        with self._lock:
            if version != self._version:
                self._frames.clear()
                self._version = version
            found = self._frames.get(key)
        if found is not None:
            return found
        value = read()
        with self._lock:
            if version == self._version:
                self._frames[key] = value
                kept = [k for k in self._frames if k[0] == "audience"]
                for old in kept[: max(0, len(kept) - self.audiences)]:
                    del self._frames[old]
        return value


def plan_campaign(
    db: Database,
    request: CampaignRequest,
    config: CampaignConfig | None = None,
    today: date | None = None,
    cache: PlanCache | None = None,
) -> CampaignPlan:
    """Plan a campaign on the graph (nothing is written; see :func:`record_campaign`).

    Parameters
    ----------
    db : Database
        A graph the cross-sell run has scored (RECOMMENDED) and clusters have
        profiled (influence).
    request : CampaignRequest
        Product, budget and filters.
    config : CampaignConfig, optional
        Word-of-mouth settings.
    today : date, optional
        Planning date (default: today, UTC).
    cache : PlanCache, optional
        What earlier plans read and sampled, reused while the graph is unchanged.

    Returns
    -------
    CampaignPlan

    Raises
    ------
    NotFoundError
        If the product does not exist.
    ConfigError
        If the graph has no cross-sell scores yet.
    """
    started = time.perf_counter()
    config = config or CampaignConfig()
    today = today or datetime.now(UTC).date()
    found = db.read("campaign/read_product", product_id=request.product_id)
    if not found:
        raise NotFoundError(f"no product {request.product_id!r}")
    product = str(found[0]["name"] or request.product_id)
    since = (
        (today - timedelta(days=request.exclude_contacted_days)).isoformat()
        if request.exclude_contacted_days
        else None
    )
    filters: dict[str, Any] = {
        "product_id": request.product_id,
        "tiers": list(request.tiers) if request.tiers else None,
        "branch_id": request.branch_id,
        "community": request.community,
        "channel": request.channel,
        "contacted_since": since,
    }
    cache = cache or PlanCache()
    version = db.version()
    audience: pd.DataFrame = cache.value(
        version,
        ("audience", *(str(v) for v in filters.values())),
        lambda: _sorted(
            db.read_lines("campaign/read_audience", AUDIENCE_COLUMNS, **filters), ["customer_id"]
        ),
    )
    if not db.read("campaign/read_scored")[0]["scored"]:
        raise ConfigError("no cross-sell scores in the graph: run `crm-graph analyze crosssell`")
    ties: pd.DataFrame = cache.value(
        version,
        ("ties",),
        lambda: _sorted(db.read_lines("campaign/read_active_ties", TIE_COLUMNS), list(TIE_ORDER)),
    )

    def details(ids: list[str]) -> pd.DataFrame:
        rows = db.read("campaign/read_audience_details", ids=ids, product_id=request.product_id)
        return pd.DataFrame(rows, columns=["customer_id", *DETAIL_COLUMNS])

    if config.weights is None:
        stored = cache.value(version, ("tie_weights",), lambda: read_stored_tie_weights(db))
        if stored is not None:
            config = replace(config, weights=stored.weights, scale=config.scale or stored.scale)
    if config.rm_tiers is None:
        tiers = cache.value(version, ("tiers",), lambda: read_tiers(db))
        config = replace(config, rm_tiers=tiers.named if tiers else ())
    if config.channel_order is None:
        known = cache.value(version, ("channels",), lambda: db.read("campaign/read_channels"))
        config = replace(config, channel_order=tuple(str(c["channel_id"]) for c in known))
    plan = plan_from_frames(audience, ties, request, config, product, today, details, cache.samples)
    return replace(plan, seconds=time.perf_counter() - started)


def record_campaign(db: Database, plan: CampaignPlan, planned_by: str) -> int:
    """Write the plan as a Campaign with PROMOTES and TARGETED; return the TARGETED count."""
    campaign = {
        "campaign_id": plan.campaign_id,
        "name": plan.name,
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "status": "planned",
        "planned_at": plan.planned_at,
        "planned_by": planned_by,
        "budget": plan.budget,
        "filters": json.dumps(plan.filters, sort_keys=True),
        "expected_conversions": plan.expected_conversions,
        "conversions_low": plan.conversions_interval[0],
        "conversions_high": plan.conversions_interval[1],
        "expected_reach": plan.expected_reach,
        "reach_low": plan.reach_interval[0],
        "reach_high": plan.reach_interval[1],
        "seed_comparison": json.dumps(plan.seed_comparison, sort_keys=True),
    }
    rows = [
        {
            "customer_id": t.customer_id,
            "group": t.group,
            "rank": t.rank,
            "score": t.score,
            "channel": t.channel,
            "rm_id": t.rm_id,
            "reasons": t.reasons,
        }
        for t in [*plan.contacts, *plan.control]
    ]
    result = db.write(
        "campaign/create_campaign",
        campaign=campaign,
        product_id=plan.product_id,
        rows=rows,
        at=plan.planned_at,
    )
    return int(result[0]["targeted"]) if result else 0


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """Neutralize spreadsheet formulas in text cells (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_plan(plan: CampaignPlan, path: Path) -> int:
    """Write the plan for the branch as ``.csv`` or ``.xlsx``; return the rows written.

    Seeds and targets come with channel, RM and reasons; the control group is listed
    as ``control: do not contact``. Text that a spreadsheet would run as a formula is
    prefixed with ``'``.

    Raises
    ------
    ConfigError
        If the file name ends neither in ``.csv`` nor ``.xlsx``.
    """
    header = [
        "group",
        "rank",
        "customer_id",
        "name",
        "tier",
        "score",
        "channel",
        "rm_id",
        "rm_name",
        "reasons",
    ]
    rows = []
    for t in [*plan.contacts, *plan.control]:
        channel = t.channel if t.group != "control" else "control: do not contact"
        rows.append(
            [
                t.group,
                t.rank,
                t.customer_id,
                t.name,
                t.tier,
                t.score,
                channel,
                t.rm_id,
                t.rm_name,
                "; ".join(t.reasons),
            ]
        )
    rows = [[_cell(v) for v in row] for row in rows]
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "targets"
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        about = book.create_sheet("campaign")
        for key in ("campaign_id", "name", "product", "budget", "starts_on", "ends_on"):
            about.append([key, str(getattr(plan, key))])
        about.append(["expected_conversions", plan.expected_conversions])
        about.append(["expected_reach", plan.expected_reach])
        book.save(path)
    else:
        raise ConfigError(f"export to .csv or .xlsx, not {path.name!r}")
    return len(rows)


# ---------------------------------------------------------------- outcomes


_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}


def _flag(value: str, line: int, column: str) -> bool | None:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False if text else None
    raise ConfigError(f"outcomes line {line}: {column} must be yes/no/1/0, got {value!r}")


def load_outcomes(db: Database, campaign_id: str, path: Path) -> dict[str, Any]:
    """Load outcomes (``customer_id, responded, converted``) onto a campaign's TARGETED.

    The whole file is checked before anything is written.

    Returns
    -------
    dict
        ``rows``, ``matched`` and ``unknown`` (customer ids not in the campaign).

    Raises
    ------
    NotFoundError
        If the campaign does not exist.
    ConfigError
        If the file is missing, lacks a column or has a bad value (line named).
    """
    if not db.read("campaign/read_campaign", campaign_id=campaign_id):
        raise NotFoundError(f"no campaign {campaign_id!r}")
    if not path.is_file():
        raise ConfigError(f"outcomes file not found: {path}")
    rows = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"customer_id", "responded", "converted"} - set(reader.fieldnames or [])
        if missing:
            raise ConfigError(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
        for line, record in enumerate(reader, start=2):
            rows.append(
                {
                    "customer_id": (record["customer_id"] or "").strip(),
                    "responded": _flag(record["responded"] or "", line, "responded"),
                    "converted": _flag(record["converted"] or "", line, "converted"),
                }
            )
    at = datetime.now(UTC).isoformat(timespec="seconds")
    matched = {
        r["customer_id"]
        for r in db.write("campaign/set_outcomes", campaign_id=campaign_id, rows=rows, at=at)
    }
    unknown = sorted({str(r["customer_id"]) for r in rows} - matched)
    return {"rows": len(rows), "matched": len(matched), "unknown": unknown}


@dataclass
class CampaignResults:
    """How a campaign did, per group, and the uplift over the control group."""

    campaign: dict[str, Any]
    product_id: str | None
    product: str | None
    groups: dict[str, dict[str, Any]]
    uplift: float | None
    uplift_interval: tuple[float, float] | None
    targets: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def campaign_results(db: Database, campaign_id: str) -> CampaignResults:
    """Response and conversion per group and the uplift of contacted targets over control.

    Conversion is measured the same way for every group: an account of the promoted
    product opened on or after the start. Response and reported conversion come from
    loaded outcomes (contacted customers only). The uplift's 90% interval is the normal
    approximation for a difference of two proportions.

    Raises
    ------
    NotFoundError
        If the campaign does not exist.
    """
    found = db.read("campaign/read_campaign", campaign_id=campaign_id)
    if not found:
        raise NotFoundError(f"no campaign {campaign_id!r}")
    targets = db.read("campaign/read_targets", campaign_id=campaign_id)
    groups: dict[str, dict[str, Any]] = {}
    for group in GROUPS:
        rows = [t for t in targets if t["group"] == group]
        reported = [t for t in rows if t["responded"] is not None]
        groups[group] = {
            "customers": len(rows),
            "opened": sum(1 for t in rows if t["opened"]),
            "conversion_rate": (sum(1 for t in rows if t["opened"]) / len(rows)) if rows else None,
            "outcomes_loaded": len(reported),
            "response_rate": (
                sum(1 for t in reported if t["responded"]) / len(reported) if reported else None
            ),
            "reported_conversion_rate": (
                sum(1 for t in reported if t["converted"]) / len(reported) if reported else None
            ),
        }
    uplift = interval = None
    t, c = groups["target"], groups["control"]
    if t["customers"] and c["customers"]:
        p1, p0 = t["conversion_rate"], c["conversion_rate"]
        uplift = p1 - p0
        se = math.sqrt(p1 * (1 - p1) / t["customers"] + p0 * (1 - p0) / c["customers"])
        interval = (uplift - Z90 * se, uplift + Z90 * se)
    return CampaignResults(
        campaign=found[0]["campaign"],
        product_id=found[0]["product_id"],
        product=found[0]["product"],
        groups=groups,
        uplift=uplift,
        uplift_interval=interval,
        targets=targets,
    )
