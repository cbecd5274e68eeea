"""``crm-graph analyze``: run what the graph supports, say what it lacks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from crm_graph.analytics.segments import TierConfig
from crm_graph.commands.common import (
    JsonOpt,
    console,
    emit,
    open_database,
    parse_date,
    progress_printer,
)
from crm_graph.config import Settings, get_settings
from crm_graph.errors import ConfigError

__all__ = ["ANALYSES", "analyze", "tier_config"]

ANALYSES = ("all", "segments", "clusters", "churn", "crosssell")


def _weights(items: list[str]) -> dict[str, float]:
    """Parse the ``--tie-weight`` overrides (the other types keep their learned weight)."""
    from crm_graph.analytics.clusters import EQUAL_WEIGHTS, normalize_weights

    weights: dict[str, float] = {}
    for item in items:
        kind, sep, value = item.partition("=")
        try:
            weights[kind.strip().upper()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise ConfigError(f"--tie-weight expects TYPE=NUMBER, got {item!r}")
    # fail before touching the database; one type set to 0 is fine (the others stay)
    normalize_weights({**EQUAL_WEIGHTS, **weights})
    return weights


def _rules(rules: Path | None) -> dict[str, Any]:
    from crm_graph.analytics.eligibility import rules_from_mapping

    if rules is None:
        return {}
    try:
        parsed = yaml.safe_load(rules.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        why = " ".join(str(exc).split())  # a YAML error spans lines; the message is one
        raise ConfigError(f"--rules {rules}: cannot read it ({why})") from exc
    return rules_from_mapping(parsed)


def analyze(
    what: Annotated[
        str,
        typer.Argument(
            help="all, segments, clusters, churn or crosssell (all runs every step the "
            "data supports, in that order)."
        ),
    ] = "all",
    show_plan: Annotated[
        bool,
        typer.Option(
            "--plan",
            help="Only say which steps the graph's data supports, how, and what would "
            "enable the rest; run nothing.",
        ),
    ] = False,
    backend: Annotated[
        str | None, typer.Option(help="gds or networkx (default: gds when the server has it).")
    ] = None,
    algorithm: Annotated[str, typer.Option(help="leiden or louvain (GDS only).")] = "leiden",
    as_of: Annotated[
        str | None,
        typer.Option(help="Churn scoring date, YYYY-MM-DD (default: the month after the data)."),
    ] = None,
    tie_weight: Annotated[
        list[str] | None,
        typer.Option(
            help="Set a tie type's weight, TYPE=W (repeatable), e.g. TRANSFERS=0.8, over "
            "the weight learned from the graph's history; used by clusters, churn, "
            "cross-sell and campaign plans."
        ),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option(
            help="Cross-sell eligibility rules, a YAML file (docs/analytics.md, "
            "'Eligibility and suppression'), merged over the defaults."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run graph algorithms and write their results back onto customers.

    ``all`` runs each step the graph's data supports and skips the others with one
    line saying what data would enable them; it exits 1 only when a step that could
    run failed (the other steps still run).
    """
    from crm_graph.analytics.pipeline import AnalysisOptions, Pipeline

    if what not in ANALYSES:
        raise ConfigError(f"unknown analysis {what!r}: choose {', '.join(ANALYSES)}")
    if backend not in (None, "gds", "networkx"):
        raise ConfigError(f"unknown backend {backend!r}: choose gds or networkx")
    if algorithm not in ("leiden", "louvain"):
        raise ConfigError(f"unknown algorithm {algorithm!r}: choose leiden or louvain")
    day = parse_date(as_of, "--as-of") if as_of else None
    weights = _weights(tie_weight or [])
    crosssell_settings = _rules(rules)
    say = progress_printer(as_json)
    options = AnalysisOptions(
        weights=weights or None,
        tiers=tier_config(get_settings()),
        crosssell=crosssell_settings,
        backend=backend,
        algorithm=algorithm,
        as_of=day,
    )
    with open_database(get_settings()) as db:
        pipeline = Pipeline(db, options, progress=say)
        if show_plan:
            _print_plan(pipeline.plan(), as_json)
            return
        payload = pipeline.run(what)
    emit(payload, as_json)
    if not as_json:
        _summary(payload)
    if any(s["status"] == "failed" for s in payload["steps"]):
        raise typer.Exit(1)


def tier_config(settings: Settings) -> TierConfig:
    """Return the value tiers the settings ask for (shares unless amounts are given)."""
    return TierConfig.parse(settings.tiers) if settings.tiers.strip() else TierConfig()


def _print_plan(steps: list[Any], as_json: bool) -> None:
    emit({"steps": [s.as_dict() for s in steps]}, as_json)
    if as_json:
        return
    table = Table(title="What the graph's data supports (crm-graph analyze)")
    for col in ("step", "runs", "how", "why / what would enable it"):
        table.add_column(col)
    for s in steps:
        table.add_row(s.step, "yes" if s.ready else "no", s.mode or "-", s.reason)
    Console().print(table)


def _summary(payload: dict[str, Any]) -> None:
    if "segments" in payload:
        tiers = payload["segments"]["tiers"]
        console.print("tiers: " + ", ".join(f"{k} {v:,}" for k, v in sorted(tiers.items())))
    if "clusters" in payload:
        c = payload["clusters"]
        console.print(
            f"clusters: {c['communities']:,} communities over {c['customers']:,} customers "
            f"({c['algorithm']} on {c['backend']}, modularity {c['modularity']:.3f}, "
            f"{c['seconds']:.1f}s)"
        )
    if "churn" in payload:
        c = payload["churn"]
        top = ", ".join(list(c["coefficients"])[:4])
        console.print(
            f"churn: {c['scored']:,} active customers scored as of {c['as_of']} (model trained "
            f"as of {c['trained_as_of']} on {c['training_churners']:,} churners); "
            f"{c['high_value_at_risk']:,} high-value customers at risk; strongest signals: {top} "
            f"({c['seconds']:.1f}s)"
        )
    if "churn_snapshot" in payload:
        c = payload["churn_snapshot"]
        reference = c["cv_roc_auc_reference"]
        console.print(
            f"churn (snapshot): {c['customers']:,} customers, {c['churned']:,} left; "
            f"{len(c['features'])} properties as features; {c['folds']}-fold ROC AUC "
            f"{c['cv_roc_auc']:.3f} (plain gradient boosting on the same columns: "
            f"{reference if reference is None else f'{reference:.3f}'}); "
            f"churn_risk written as each customer's out-of-fold probability"
        )
    if "crosssell" in payload:
        c = payload["crosssell"]
        console.print(
            f"cross-sell: {c['recommendations']:,} recommendations for {c['customers']:,} "
            f"customers as of {c['as_of']} (blend trained as of {c['trained_as_of']}; "
            f"{c['seconds']:.1f}s)"
        )
