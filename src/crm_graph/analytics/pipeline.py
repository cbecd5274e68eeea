"""The analyses in order, as `analyze all`, the demo and the benchmarks run them.

One place says which analyses run in which order and with what: segments, then
clusters, then churn and cross-sell (which read the tiers and clusters the first two
wrote, and share one read of customers and ties). Each step runs only where the
data supports it (:mod:`crm_graph.analytics.readiness`); a step the data does not
support is skipped with the reason, and a step that fails does not stop the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from crm_graph.analytics.readiness import StepPlan, plan, read_profile
from crm_graph.analytics.segments import TierConfig
from crm_graph.db import Database
from crm_graph.errors import ConfigError, CrmGraphError

__all__ = ["AnalysisOptions", "Pipeline"]

#: the steps that weigh customer ties (segments does not)
_TIED = ("clusters", "churn", "crosssell")


@dataclass(frozen=True)
class AnalysisOptions:
    """How the analyses run (the command line's options and settings)."""

    # tie weights set by hand, over the learned ones (crm_graph.analytics.tie_weights)
    weights: dict[str, float] | None = None
    tiers: TierConfig = field(default_factory=TierConfig)
    crosssell: dict[str, Any] = field(default_factory=dict)  # rules_from_mapping(...)
    backend: str | None = None  # clusters: gds, networkx, or gds when the server has it
    algorithm: str = "leiden"
    as_of: date | None = None
    store_profiles: bool = True  # clusters: also profile and store each cluster


class Pipeline:
    """Runs the analyses on one database.

    Parameters
    ----------
    db : Database
        The graph.
    options : AnalysisOptions, optional
        How they run.
    progress : callable, optional
        Called with one line per step.
    """

    def __init__(
        self,
        db: Database,
        options: AnalysisOptions | None = None,
        progress: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.db = db
        self.options = options or AnalysisOptions()
        self.say = progress
        self._base: Any = None
        self._history: Any = None  # ties, holdings, churn dates read to learn tie weights
        self._weights: Any = None  # the run's TieWeights

    def plan(self) -> list[StepPlan]:
        """Say per step whether the graph's data supports it (no analysis runs)."""
        from crm_graph.analytics.clusters import TIE_TYPES

        return plan(read_profile(self.db, TIE_TYPES))

    def run(self, what: str = "all") -> dict[str, Any]:
        """Run one step or all; return each step's result and ``steps`` (ran/skipped/failed).

        Raises
        ------
        ConfigError
            When no chosen step can run (the first one's reason), or ``what`` is unknown.
        CrmGraphError
            From the step, when one step was asked for (``what`` is not ``all``); the
            message names the step.
        """
        steps = self.plan()
        chosen = [s for s in steps if what in ("all", s.step)]
        if not chosen:
            raise ConfigError(f"unknown analysis {what!r}")
        if not any(s.ready for s in chosen):  # nothing can run: say why, as an error
            raise ConfigError(f"{chosen[0].step}: {chosen[0].reason}")
        payload: dict[str, Any] = {"steps": []}
        if any(s.ready and s.step in _TIED for s in chosen):
            payload["tie_weights"] = self.tie_weights(fresh=what == "all").as_dict()
        for step in chosen:
            if not step.ready:
                payload["steps"].append(
                    {
                        "step": step.step,
                        "status": "skipped",
                        "reason": step.reason,
                        "needs": step.needs,
                    }  # fmt: skip
                )
                self.say(f"skipped {step.step}: {step.reason}")
                continue
            try:
                payload.update(self.run_step(step.step, step.mode, shared=what == "all"))
            except CrmGraphError as exc:
                if not exc.message.startswith(f"{step.step}:"):  # errors name their step
                    exc.message = f"{step.step}: {exc.message}"
                    exc.args = (exc.message,)
                if what != "all":
                    raise
                payload["steps"].append(
                    {"step": step.step, "status": "failed", "reason": exc.message}
                )
                self.say(f"failed {step.step}: {exc.message}")
                continue
            payload["steps"].append({"step": step.step, "status": "ran", "mode": step.mode})
        self._base = self._history = self._weights = None
        return payload

    def tie_weights(self, fresh: bool = False) -> Any:
        """Return the run's tie weights: learned from the graph, or as the last run stored them.

        ``fresh`` (``analyze all``) learns them again; a single step uses the stored
        ones when there are any. Weights given in the options replace the learned
        ones of their types. The result is printed and stored with the run.
        """
        from crm_graph.analytics.tie_weights import (
            learn_from_graph,
            read_stored_tie_weights,
            read_tie_history,
            store_tie_weights,
        )

        if self._weights is not None:
            return self._weights
        found = None if fresh else read_stored_tie_weights(self.db)
        if found is None:
            self.say("tie weights from the graph's history")
            self._history = read_tie_history(self.db)
            found = learn_from_graph(self.db, self.options.as_of, history=self._history)
        if self.options.weights:
            given = {**found.weights, **self.options.weights}
            found = replace(found, weights=given, source="given")
        store_tie_weights(self.db, found)
        self.say(found.describe())
        self._weights = found
        return found

    def weight_settings(self) -> dict[str, Any]:
        """Return ``weights`` and ``scale`` for a step's config, from :meth:`tie_weights`.

        Empty when the graph has no ties (the configs' equal weights then apply).
        """
        settings: dict[str, Any] = self.tie_weights().settings()
        return settings

    def _customer_base(self, shared: bool) -> Any:
        from crm_graph.analytics.base import read_customer_base

        # read once for churn and cross-sell, after segments and clusters wrote their scores
        if shared and self._base is None:
            self.say("customers and ties for churn and cross-sell")
            ties, holdings = (None, None) if self._history is None else self._history[:2]
            self._base = read_customer_base(self.db, ties=ties, holdings=holdings)
        return self._base

    def run_step(self, step: str, mode: str = "", shared: bool = False) -> dict[str, Any]:
        """Run one step as the plan says (``mode``); return its result as plain data."""
        db, say, o = self.db, self.say, self.options
        if step == "segments":
            from crm_graph.analytics.segments import compute_segments

            say("value scores and tiers")
            return {"segments": {"tiers": compute_segments(db, o.tiers)}}
        if step == "clusters":
            from crm_graph.analytics.clusters import (
                ClusterConfig,
                cluster_profiles,
                compute_clusters,
                store_cluster_profiles,
            )

            say("influence clusters")
            config = ClusterConfig(
                algorithm=o.algorithm,  # type: ignore[arg-type]
                **self.weight_settings(),
            )
            out = asdict(compute_clusters(db, config, o.backend))
            if o.store_profiles:
                say("cluster profiles")
                out["profiles_stored"] = store_cluster_profiles(db, cluster_profiles(db))
            return {"clusters": out}
        if step == "churn" and mode != "snapshot":
            from crm_graph.analytics.churn import ChurnConfig, compute_churn

            say("churn exposure, risk and retention priority")
            config_churn = ChurnConfig(**self.weight_settings())
            churn = compute_churn(
                db, config_churn, as_of=o.as_of, progress=say, base=self._customer_base(shared)
            )
            return {"churn": asdict(churn)}
        if step == "churn":
            from crm_graph.analytics.churn_snapshot import compute_snapshot_churn

            say("churn from the snapshot's own columns (no balance or contact history)")
            return {"churn_snapshot": compute_snapshot_churn(db).as_dict()}
        if step == "crosssell":
            from crm_graph.analytics.crosssell import CrossSellConfig, compute_crosssell

            say("cross-sell recommendations")
            config_cs = CrossSellConfig(**self.weight_settings(), **o.crosssell)
            result = compute_crosssell(
                db, config_cs, as_of=o.as_of, progress=say, base=self._customer_base(shared)
            )
            return {"crosssell": asdict(result)}
        raise ConfigError(f"unknown analysis {step!r}")
