"""The branch report: one self-contained HTML file with its pictures embedded.

:func:`report_data` reads what the loaders, analytics and campaigns wrote (for one
home branch, or the whole bank); :func:`render_report` turns it into HTML with inline
SVG charts drawn by matplotlib (text kept as text, so the browser renders Chinese
names with its own fonts); :func:`write_report` does both. The file references
nothing outside itself.

Sections (each an element with a stable id, checked by the tests):

``summary``       customers, products held, analyses' dates
``clusters``      cluster map: the largest influence clusters as bubbles (area: members,
                  colour: churn rate), placed by the ties between them
``tiers``         customers and AUM per tier
``churn``         churn funnel (customers, active, top-decile risk, high value at risk,
                  churned) and flows to competitors
``crosssell``     cross-sell opportunity per product (recommended, first choice,
                  expected adoptions)
``campaigns``     recorded campaigns: contacts, control, conversion, uplift
"""

from __future__ import annotations

import html
import io
import math
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx

from crm_graph.analytics.campaign import campaign_results
from crm_graph.analytics.readiness import graph_currency
from crm_graph.analytics.segments import read_tiers
from crm_graph.db import Database
from crm_graph.errors import ConfigError, NotFoundError

__all__ = ["SECTIONS", "ReportData", "render_report", "report_data", "write_report"]

SECTIONS = ("summary", "clusters", "tiers", "churn", "crosssell", "campaigns")
#: Fonts tried in order for chart text; the SVG keeps text as text either way.
FONTS = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "DejaVu Sans"]


@dataclass
class ReportData:
    """Everything the report shows, read once."""

    branch: dict[str, Any] | None
    generated_at: str
    stamps: dict[str, Any]
    tiers: list[dict[str, Any]]
    clusters: list[dict[str, Any]]
    cluster_links: list[dict[str, Any]]
    risk_threshold: float | None
    funnel: dict[str, Any]
    flows: list[dict[str, Any]]
    opportunity: list[dict[str, Any]]
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    currency: str = ""  # ISO 4217; empty: amounts without a unit
    # the tiers of the last segments run, highest first (the chart's order)
    tier_order: tuple[str, ...] = ()


def _unit(data: ReportData) -> str:
    """`` EUR`` after an amount's scale, or nothing when the currency is not known."""
    return f" {data.currency}" if data.currency else ""


def _in_unit(data: ReportData) -> str:
    """`` (EUR)`` after a column name, or nothing when the currency is not known."""
    return f" ({data.currency})" if data.currency else ""


def report_data(db: Database, branch_id: str | None = None, clusters: int = 30) -> ReportData:
    """Read the report's figures for one branch (its home customers) or the whole bank.

    Parameters
    ----------
    db : Database
        A loaded, analyzed graph.
    branch_id : str, optional
        A branch id; default the whole bank.
    clusters : int, default 30
        Clusters on the map.

    Returns
    -------
    ReportData

    Raises
    ------
    NotFoundError
        If the branch does not exist.
    ConfigError
        If the graph holds no customers.
    """
    branch = None
    if branch_id is not None:
        found = [b for b in db.read("report/read_branches") if b["branch_id"] == branch_id]
        if not found:
            raise NotFoundError(f"no branch {branch_id!r}")
        branch = found[0]
    stamps = db.read("api/read_analysis_stamps")[0]
    if not stamps["customers"]:
        raise ConfigError("the graph holds no customers: load an extract first")
    top = db.read("report/read_clusters", branch_id=branch_id, limit=clusters)
    links = db.read("report/read_cluster_links", communities=[c["community"] for c in top])
    threshold = db.read("report/read_risk_threshold")[0]["threshold"]
    funnel = db.read(
        "report/read_churn_funnel",
        branch_id=branch_id,
        risk_threshold=threshold if threshold is not None else 2.0,
    )[0]
    recorded = db.read("campaign/read_campaigns", after_at=None, after_id=None, limit=10)
    campaigns = []
    for row in recorded:
        results = campaign_results(db, row["campaign"]["campaign_id"])
        campaigns.append(
            {
                "campaign_id": row["campaign"]["campaign_id"],
                "name": row["campaign"].get("name"),
                "product": row.get("product"),
                "starts_on": row["campaign"].get("starts_on"),
                "expected": row["campaign"].get("expected_conversions"),
                "groups": results.groups,
                "uplift": results.uplift,
                "uplift_interval": results.uplift_interval,
            }
        )
    return ReportData(
        branch=branch,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        stamps=stamps,
        tiers=db.read("report/read_tiers", branch_id=branch_id),
        tier_order=stored.names if (stored := read_tiers(db)) else (),
        clusters=top,
        cluster_links=links,
        risk_threshold=threshold,
        funnel=funnel,
        flows=db.read("report/read_churn_flows", branch_id=branch_id),
        opportunity=db.read("report/read_opportunity", branch_id=branch_id),
        campaigns=campaigns,
    )


# ---------------------------------------------------------------- charts


def _figure(width: float, height: float, ncols: int = 1) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    installed = {f.name for f in font_manager.fontManager.ttflist}
    plt.rcParams["font.family"] = [f for f in FONTS if f in installed] or ["sans-serif"]
    plt.rcParams["svg.fonttype"] = "none"
    return plt.subplots(1, ncols, figsize=(width, height))


def _svg(fig: Any) -> str:
    from matplotlib import pyplot as plt

    buffer = io.StringIO()
    with warnings.catch_warnings():
        # fonts without CJK glyphs only change the measured text width; the SVG keeps
        # the text and the browser draws it with its own fonts
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _cluster_map(data: ReportData) -> str:
    if not data.clusters:
        return "<p>No influence clusters yet: run <code>crm-graph analyze clusters</code>.</p>"
    graph = nx.Graph()
    for c in data.clusters:
        graph.add_node(c["community"])
    most = max((link["ties"] for link in data.cluster_links), default=1)
    for link in data.cluster_links:
        # log-scaled to (0, 1]: a few heavy links must not squeeze the rest into a dot
        strength = math.log1p(link["ties"]) / math.log1p(most)
        graph.add_edge(link["a"], link["b"], weight=strength, ties=link["ties"])
    # linked clusters by a spring layout; clusters without ties to the others on a ring
    # around them (a spring layout would fling them to the map's edges)
    linked = [n for n in graph.nodes if graph.degree(n) > 0]
    place = (
        nx.spring_layout(graph.subgraph(linked), weight="weight", seed=7, iterations=200)
        if linked
        else {}
    )
    alone = [n for n in graph.nodes if graph.degree(n) == 0]
    for i, node in enumerate(alone):
        angle = 2 * math.pi * i / len(alone)
        place[node] = (1.25 * math.cos(angle), 1.25 * math.sin(angle))
    fig, ax = _figure(9, 6.5)
    biggest = max(c["members"] for c in data.clusters)
    for a, b, d in graph.edges(data=True):
        (x1, y1), (x2, y2) = place[a], place[b]
        ax.plot([x1, x2], [y1, y2], color="#b8c4d0", lw=0.5 + 3 * d["weight"], zorder=1)
    xs = [place[c["community"]][0] for c in data.clusters]
    ys = [place[c["community"]][1] for c in data.clusters]
    sizes = [40 + 2400 * c["members"] / biggest for c in data.clusters]
    rates = [c["churn_rate"] for c in data.clusters]
    dots = ax.scatter(xs, ys, s=sizes, c=rates, cmap="RdYlGn_r", vmin=0, vmax=max(0.2, *rates),
                      edgecolors="#1d2733", linewidths=0.5, zorder=2)  # fmt: skip
    for c, x, y in zip(data.clusters, xs, ys, strict=True):
        # every bubble gets its id; the table below the map gives the labels
        ax.annotate(str(c["community"]), (x, y), fontsize=7, ha="center", va="center", zorder=3)
    fig.colorbar(dots, ax=ax, label="churn rate", shrink=0.6)
    ax.set_axis_off()
    ax.set_title(f"The {len(data.clusters)} largest influence clusters (area: members)")
    return _svg(fig)


def _tiers_chart(data: ReportData) -> str:
    order = [*data.tier_order, "unscored"]
    rows = sorted(data.tiers, key=lambda r: order.index(r["tier"])
                  if r["tier"] in order else len(order))  # fmt: skip
    fig, (left, right) = _figure(9, 3.2, ncols=2)
    names = [r["tier"] for r in rows]
    left.barh(names, [r["customers"] for r in rows], color="#0b6bcb")
    left.set_title("customers per tier")
    left.invert_yaxis()
    right.barh(names, [r["aum"] / 1e6 for r in rows], color="#f08c00")
    right.set_title(f"AUM per tier (million{_unit(data)})")
    right.invert_yaxis()
    fig.tight_layout()
    return _svg(fig)


def _funnel_chart(data: ReportData) -> str:
    f = data.funnel
    steps = [
        ("customers", f["customers"]),
        ("active", f["active"]),
        ("top-decile risk", f["at_risk"]),
        ("high value at risk", f["high_value_at_risk"]),
        ("churned", f["churned"]),
    ]
    fig, ax = _figure(9, 2.8)
    ax.barh([s for s, _ in steps], [v for _, v in steps],
            color=["#0b6bcb", "#3d8bd9", "#f0a030", "#d9480f", "#862e2e"])  # fmt: skip
    for i, (_, v) in enumerate(steps):
        ax.annotate(f"{v:,}", (v, i), xytext=(4, 0), textcoords="offset points", va="center")
    ax.invert_yaxis()
    ax.set_title("churn funnel")
    return _svg(fig)


def _flows_chart(data: ReportData) -> str:
    if not data.flows:
        return "<p>No churned customer with a known destination.</p>"
    rows = data.flows[:12]
    fig, ax = _figure(9, 0.5 + 0.35 * len(rows))
    ax.barh([r["competitor"] for r in rows], [r["amount"] / 1e6 for r in rows], color="#862e2e")
    for i, r in enumerate(rows):
        ax.annotate(f"{r['customers']} customers", (r["amount"] / 1e6, i), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=8)  # fmt: skip
    ax.invert_yaxis()
    ax.set_title(f"money that left with churned customers, per competitor (million{_unit(data)})")
    return _svg(fig)


def _opportunity_chart(data: ReportData) -> str:
    if not data.opportunity:
        return "<p>No recommendations yet: run <code>crm-graph analyze crosssell</code>.</p>"
    rows = data.opportunity
    fig, ax = _figure(9, 0.6 + 0.35 * len(rows))
    names = [r["product"] for r in rows]
    ax.barh(names, [r["expected"] for r in rows], color="#2b8a3e", label="expected adoptions")
    for i, r in enumerate(rows):
        ax.annotate(f"{r['recommended']:,} recommended, {r['first_choice']:,} first choice",
                    (r["expected"], i), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=8)  # fmt: skip
    ax.invert_yaxis()
    ax.set_title("cross-sell opportunity: expected adoptions within six months, per product")
    return _svg(fig)


# ---------------------------------------------------------------- html


def _esc(value: Any) -> str:
    return html.escape("-" if value is None else str(value))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = """
body { font: 14px/1.45 system-ui, "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif;
       color: #1d2733; margin: 0 auto; max-width: 1000px; padding: 1.5rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem;
     border-bottom: 1px solid #d9e0e7; padding-bottom: .3rem; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; }
.card { border: 1px solid #d9e0e7; border-radius: 6px; padding: .6rem 1rem; min-width: 9rem; }
.card b { display: block; font-size: 1.4rem; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .6rem 0; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #d9e0e7; }
svg { max-width: 100%; height: auto; }
.note { color: #5d6b7a; font-size: .85rem; }
"""


def render_report(data: ReportData) -> str:
    """Return the report as one self-contained HTML document."""
    scope = (
        f"branch {_esc(data.branch['name'])} ({_esc(data.branch['branch_id'])}, "
        f"{_esc(data.branch['city'])})"
        if data.branch
        else "the whole bank"
    )
    customers = sum(r["customers"] for r in data.tiers)
    active = sum(r["active"] for r in data.tiers)
    aum = sum(r["aum"] for r in data.tiers)
    fees = sum(r["fee_income"] for r in data.tiers)
    cards = "".join(
        f'<div class="card"><b>{v}</b>{_esc(k)}</div>'
        for k, v in (
            ("customers", f"{customers:,}"),
            ("active", f"{active:,}"),
            (f"AUM (million{_unit(data)})", f"{aum / 1e6:,.1f}"),
            (f"agency fee income{_in_unit(data)}", f"{fees:,.0f}"),
        )
    )
    s = data.stamps
    stamps = ", ".join(
        f"{k.replace('_at', '')} {_esc(s.get(k))}"
        for k in ("segments_at", "clusters_at", "churn_at", "crosssell_at")
    )
    tiers_table = _table(
        ["tier", "customers", "active", "churned", f"AUM{_in_unit(data)}",
         f"fee income{_in_unit(data)}"],
        [
            [r["tier"], f"{r['customers']:,}", f"{r['active']:,}", f"{r['churned']:,}",
             f"{r['aum']:,.0f}", f"{r['fee_income']:,.0f}"]
            for r in data.tiers
        ],
    )  # fmt: skip
    clusters_table = _table(
        ["cluster", "members here", "whole cluster", "churn rate", f"AUM{_in_unit(data)}",
         "label"],
        [
            [c["community"], c["members"], c.get("size"), _pct(c["churn_rate"]),
             f"{c['aum']:,.0f}", c.get("label")]
            for c in data.clusters[:10]
        ],
    )  # fmt: skip
    flows_table = _table(
        ["competitor", "customers", f"amount moved{_in_unit(data)}"],
        [[f["competitor"], f["customers"], f"{f['amount']:,.0f}"] for f in data.flows],
    )
    opportunity_table = _table(
        ["product", "recommended", "first choice", "expected adoptions"],
        [
            [o["product"], f"{o['recommended']:,}", f"{o['first_choice']:,}",
             f"{o['expected']:.1f}"]
            for o in data.opportunity
        ],
    )  # fmt: skip
    if data.campaigns:
        campaign_rows = []
        for c in data.campaigns:
            g = c["groups"]
            lo_hi = (
                f"{_pct(c['uplift_interval'][0])} to {_pct(c['uplift_interval'][1])}"
                if c["uplift_interval"]
                else "-"
            )
            campaign_rows.append(
                [c["campaign_id"], c["name"], c["product"], c["starts_on"],
                 g["seed"]["customers"] + g["target"]["customers"], g["control"]["customers"],
                 f"{c['expected'] or 0:.1f}", _pct(g["target"]["conversion_rate"]),
                 _pct(g["control"]["conversion_rate"]), _pct(g["target"]["response_rate"]),
                 f"{_pct(c['uplift'])} ({lo_hi})"]
            )  # fmt: skip
        campaigns = _table(
            ["campaign", "name", "product", "starts", "contacted", "control", "expected",
             "conversion (targets)", "conversion (control)", "response", "uplift (90%)"],
            campaign_rows,
        )  # fmt: skip
        campaigns += (
            '<p class="note">Conversion: an account of the product opened on or after the '
            "start, for targets and control alike; response from loaded outcomes. Campaigns "
            "are the bank's, not filtered by branch.</p>"
        )
    else:
        campaigns = "<p>No campaign recorded yet (<code>crm-graph campaign plan</code>).</p>"
    threshold = (
        f"{data.risk_threshold:.2f}" if data.risk_threshold is not None else "n/a (not scored)"
    )
    title = f"crm-graph report: {scope}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{_STYLE}</style></head>
<body>
<section id="summary">
<h1>{title}</h1>
<p class="note">Generated {_esc(data.generated_at)}. Analyses: {stamps}.</p>
<div class="cards">{cards}</div>
</section>
<section id="clusters"><h2>Cluster map</h2>
{_cluster_map(data)}
{clusters_table}
</section>
<section id="tiers"><h2>Tier distribution</h2>
{_tiers_chart(data)}
{tiers_table}
</section>
<section id="churn"><h2>Churn funnel and flows to competitors</h2>
<p class="note">Top-decile risk: churn risk at or above {threshold}, the bank's 90th
percentile. High value at risk: private and wealth customers in the top risk decile.</p>
{_funnel_chart(data)}
{_flows_chart(data)}
{flows_table}
</section>
<section id="crosssell"><h2>Cross-sell opportunity by product</h2>
{_opportunity_chart(data)}
{opportunity_table}
</section>
<section id="campaigns"><h2>Campaign results</h2>
{campaigns}
</section>
</body></html>
"""


def write_report(
    db: Database, out: Path, branch_id: str | None = None, currency: str | None = None
) -> ReportData:
    """Read, render and write the report to ``out``; return what it shows.

    ``currency`` labels the amounts (``CRM_CURRENCY``); None: the currency most of the
    graph's accounts are in (:func:`~crm_graph.analytics.readiness.graph_currency`).
    """
    data = report_data(db, branch_id)
    data.currency = graph_currency(db) if currency is None else currency
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(data), encoding="utf-8")
    return data
