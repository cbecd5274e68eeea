"""Campaign planning without a database: word of mouth, groups, channels, export."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from crm_graph.analytics.campaign import (
    DETAIL_COLUMNS,
    CampaignConfig,
    CampaignRequest,
    export_plan,
    plan_from_frames,
)
from crm_graph.errors import ConfigError

COLUMNS = [
    "customer_id", "name", "kind", "tier", "influence", "community", "branch_id", "score",
    "rank", "reasons", "holds", "rm_id", "rm_name", "channels",
]  # fmt: skip


def _audience(n: int = 40) -> pd.DataFrame:
    rows = []
    for i in range(n):
        rows.append(
            [
                f"C{i:03d}",
                f"name {i}" if i != 5 else '=HYPERLINK("http://x")',
                "company" if i % 10 == 0 else "person",
                "wealth" if i % 4 == 0 else "mass",
                i / n,
                i % 3,
                "B1",
                None if i % 7 == 0 else round(1 - i / n, 3),
                1,
                [f"reason {i}"],
                i % 9 == 0,
                f"E{i % 2}",
                f"rm {i % 2}",
                ["mobile_banking"] if i % 2 else ["online_banking", "corporate_banking"],
            ]
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _ties(n: int = 40) -> pd.DataFrame:
    pairs = [(i, (i + 1) % n) for i in range(n)] + [(0, i) for i in range(2, 12)]
    return pd.DataFrame(
        {
            "a": [f"C{i:03d}" for i, _ in pairs],
            "b": [f"C{j:03d}" for _, j in pairs],
            "type": ["FAMILY"] * len(pairs),
            "amount": [None] * len(pairs),
            "count": [None] * len(pairs),
        }
    )


def _plan(**kw: object) -> object:
    request = CampaignRequest(product_id="P", **kw)  # type: ignore[arg-type]
    return plan_from_frames(
        _audience(),
        _ties(),
        request,
        CampaignConfig(simulations=50, rm_tiers=("private", "wealth", "affluent")),
        "Card",
        date(2026, 1, 1),
    )


def test_plan_groups_budget_control_and_ranking() -> None:
    plan = _plan(budget=20, seeds=3, control_share=0.2, rm_capacity_per_week=1, weeks=2)
    seeds = [t for t in plan.contacts if t.group == "seed"]
    targets = [t for t in plan.contacts if t.group == "target"]
    assert len(plan.contacts) == 20
    assert len(seeds) == 3
    assert len(plan.control) == round(17 * 0.2 / 0.8)
    ids = [t.customer_id for t in [*plan.contacts, *plan.control]]
    assert len(ids) == len(set(ids)), "a customer is in one group only"
    names = dict(zip(_audience()["customer_id"], _audience()["name"], strict=True))
    assert all(t.name == names[t.customer_id] for t in [*plan.contacts, *plan.control])
    assert all(t.channel is None for t in plan.control)
    scores = [t.score for t in targets]
    assert scores == sorted(scores, reverse=True)
    assert None not in scores
    worst_target = min(scores)
    assert all(c.score is not None and c.score >= worst_target for c in plan.control), (
        "the control group comes from the same ranked pool as the targets"
    )
    per_rm: dict[str, int] = {}
    for t in plan.contacts:
        if t.channel == "relationship_manager":
            per_rm[str(t.rm_id)] = per_rm.get(str(t.rm_id), 0) + 1
    assert per_rm, "wealth customers and companies with an RM go through the RM"
    assert max(per_rm.values()) <= 2, "RM capacity x weeks is respected"
    assert sum(plan.channels.values()) == 20
    assert plan.conversions_interval[0] <= plan.expected_conversions <= plan.conversions_interval[1]
    assert plan.reach_interval[0] <= plan.expected_reach <= plan.reach_interval[1]
    assert set(plan.seed_comparison) == {"greedy", "top_degree", "top_pagerank"}


def test_the_rows_order_does_not_change_the_plan() -> None:
    """The database returns ties in no set order; the plan must not depend on it."""
    request = CampaignRequest(product_id="P", budget=12, seeds=3, control_share=0.2)
    config = CampaignConfig(simulations=50)
    family = _ties()
    transfers = family.assign(type="TRANSFERS", amount=500.0, count=3)
    ties = pd.DataFrame({k: [*family[k], *transfers[k]] for k in family.columns})
    plans = [
        plan_from_frames(
            _audience().sample(frac=1.0, random_state=order),
            ties.sample(frac=1.0, random_state=order),
            request,
            config,
            "Card",
            date(2026, 1, 1),
        )
        for order in range(3)
    ]
    first = plans[0]
    for other in plans[1:]:
        assert [(t.customer_id, t.group) for t in other.contacts] == [
            (t.customer_id, t.group) for t in first.contacts
        ]
        assert [t.customer_id for t in other.control] == [t.customer_id for t in first.control]
        assert other.seed_comparison == first.seed_comparison


def test_a_channel_filter_sends_everyone_through_it() -> None:
    plan = _plan(budget=10, seeds=0, control_share=0.0, channel="call_center")
    assert {t.channel for t in plan.contacts} == {"call_center"}
    assert not plan.control


def test_a_small_pool_says_so_and_keeps_the_control_share() -> None:
    plan = _plan(budget=500, seeds=2, control_share=0.2)
    assert len(plan.contacts) < 500
    assert any("fewer than the budget" in n for n in plan.notes)
    pool = len(plan.control) + sum(t.group == "target" for t in plan.contacts)
    assert len(plan.control) == round(pool * 0.2)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"budget": 0}, "budget"),
        ({"budget": 5, "control_share": 0.9}, "control_share"),
        ({"budget": 5, "seeds": 6}, "seeds"),
        ({"budget": 5, "weeks": 0}, "weeks"),
        ({"budget": 5, "rm_capacity_per_week": -1}, "rm_capacity_per_week"),
    ],
)
def test_bad_requests_fail_clearly(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        CampaignRequest(product_id="P", **kw)  # type: ignore[arg-type]


def test_export_csv_and_xlsx_neutralize_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    plan = _plan(budget=40, seeds=0, control_share=0.1)
    assert any(t.name.startswith("=") for t in [*plan.contacts, *plan.control])
    n = export_plan(plan, tmp_path / "plan.csv")
    with (tmp_path / "plan.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == n == len(plan.contacts) + len(plan.control)
    assert not any(r["name"].startswith("=") for r in rows)
    assert any(r["name"].startswith("'=") for r in rows)
    assert {r["channel"] for r in rows if r["group"] == "control"} == {"control: do not contact"}
    export_plan(plan, tmp_path / "plan.xlsx")
    sheet = load_workbook(tmp_path / "plan.xlsx")["targets"]
    names = [c.value for c in sheet["D"]][1:]
    assert len(names) == n
    assert not any(str(v).startswith("=") for v in names)
    with pytest.raises(ConfigError, match=r"\.csv or \.xlsx"):
        export_plan(plan, tmp_path / "plan.pdf")


def test_details_read_for_the_chosen_customers_only_give_the_same_plan() -> None:
    """plan_campaign reads names, reasons and channels only for the customers it chose."""
    request = CampaignRequest(product_id="P", budget=12, seeds=3, control_share=0.2)
    config = CampaignConfig(simulations=50, rm_tiers=("wealth",))
    full = _audience()
    asked: list[list[str]] = []

    def details(ids: list[str]) -> pd.DataFrame:
        asked.append(ids)
        return full[full["customer_id"].isin(ids)][["customer_id", *DETAIL_COLUMNS]]

    lean = full.drop(columns=list(DETAIL_COLUMNS))
    whole = plan_from_frames(full, _ties(), request, config, "Card", date(2026, 1, 1))
    split = plan_from_frames(lean, _ties(), request, config, "Card", date(2026, 1, 1), details)
    assert len(asked) == 1
    chosen = {t.customer_id for t in [*whole.contacts, *whole.control]}
    assert set(asked[0]) == chosen

    def shown(plan: object) -> list[tuple[object, ...]]:
        people = [*plan.contacts, *plan.control]  # type: ignore[attr-defined]
        return [(t.customer_id, t.group, t.name, t.channel, t.reasons) for t in people]

    assert shown(split) == shown(whole)


def test_contacts_go_through_the_first_channel_of_the_banks_order() -> None:
    request = CampaignRequest(product_id="P", budget=20, seeds=0, control_share=0.0)
    order = ("corporate_banking", "mobile_banking", "online_banking")
    config = CampaignConfig(simulations=20, rm_tiers=(), channel_order=order)
    plan = plan_from_frames(_audience(), _ties(), request, config, "Card", date(2026, 1, 1))
    enrolled = dict(zip(_audience()["customer_id"], _audience()["channels"], strict=True))
    by_channel = [t for t in plan.contacts if t.channel != "relationship_manager"]
    assert by_channel
    for t in by_channel:
        assert t.channel == next(c for c in order if c in enrolled[t.customer_id])
