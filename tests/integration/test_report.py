"""`crm-graph report`: sections, figures against the graph, self-contained, rendered once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.browser import CHROMIUM, FLAGS, SHOTS, browser_or_skip
from tests.conftest import load_bank, run_cli

from crm_graph.analytics.campaign import CampaignRequest, plan_campaign, record_campaign
from crm_graph.config import Settings
from crm_graph.db import Database
from crm_graph.errors import NotFoundError
from crm_graph.report import SECTIONS, report_data, write_report


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory, session_db: Database) -> Path:
    out = load_bank(session_db, tmp_path_factory.mktemp("report") / "bank", 2000, 37, True)
    plan = plan_campaign(session_db, CampaignRequest(product_id="CARD_CREDIT", budget=100))
    record_campaign(session_db, plan, planned_by="test")
    return out


def _section(page: str, name: str) -> str:
    match = re.search(rf'<section id="{name}">(.*?)</section>', page, re.S)
    assert match, f"section {name} missing"
    return match.group(1)


def test_the_report_has_every_section_with_a_picture(
    bank: Path, session_db: Database, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    data = write_report(session_db, out)
    page = out.read_text(encoding="utf-8")
    for name in SECTIONS:
        _section(page, name)
    for name in ("clusters", "tiers", "churn", "crosssell"):
        assert "<svg" in _section(page, name), name
    assert "<svg" not in _section(page, "campaigns")
    # self-contained: no external file, script, style or font
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page
    # the figures are the graph's
    total = session_db.run_statement("MATCH (c:Customer) RETURN count(c) AS n")[0]["n"]
    assert sum(r["customers"] for r in data.tiers) == total
    assert f"{total:,}" in _section(page, "summary")
    # amounts are labelled with the accounts' currency (the generated bank's mappings: CNY)
    assert data.currency == "CNY"
    assert "AUM (million CNY)" in _section(page, "summary")
    # a currency given by the setting wins; none known: no unit at all
    assert write_report(session_db, out, currency="EUR").currency == "EUR"
    assert "AUM (million EUR)" in out.read_text(encoding="utf-8")
    write_report(session_db, out, currency="")
    assert "AUM (million)" in out.read_text(encoding="utf-8")
    churned = session_db.run_statement(
        "MATCH (c:Customer {status: 'churned'}) RETURN count(c) AS n"
    )[0]["n"]
    assert data.funnel["churned"] == churned
    assert data.funnel["at_risk"] > 0
    recommended = session_db.run_statement("MATCH ()-[r:RECOMMENDED]->() RETURN count(r) AS n")[0]
    assert sum(o["recommended"] for o in data.opportunity) == recommended["n"]
    assert len(data.campaigns) == 1
    assert data.campaigns[0]["campaign_id"] in _section(page, "campaigns")
    largest = session_db.run_statement(
        "MATCH (c:Customer) WHERE c.community IS NOT NULL WITH c.community AS k, count(*) AS n"
        " RETURN k ORDER BY n DESC, k LIMIT 1"
    )[0]["k"]
    assert data.clusters[0]["community"] == largest


def test_a_branch_report_counts_only_its_customers(bank: Path, session_db: Database) -> None:
    branch = session_db.run_statement(
        "MATCH (c:Customer)-[:HOME_BRANCH]->(b:Branch) WITH b, count(c) AS n"
        " RETURN b.branch_id AS id, n ORDER BY n DESC LIMIT 1"
    )[0]
    data = report_data(session_db, branch["id"])
    assert sum(r["customers"] for r in data.tiers) == branch["n"]
    assert data.branch is not None
    whole = report_data(session_db)
    assert data.funnel["customers"] < whole.funnel["customers"]
    with pytest.raises(NotFoundError, match="no branch 'NOPE'"):
        report_data(session_db, "NOPE")


def test_cli_report_and_one_render_in_chromium(
    bank: Path, neo4j_settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    proc = run_cli(neo4j_settings, "report", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stderr
    bad = run_cli(neo4j_settings, "report", "--out", str(tmp_path / "r.pdf"))
    assert bad.returncode == 1
    assert "must be an .html file" in bad.stderr
    browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.as_uri())
        boxes = page.evaluate(
            "() => [...document.querySelectorAll('svg')].map(s => s.getBoundingClientRect())"
            ".map(r => r.width * r.height)"
        )
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "report.png"), full_page=True)
        browser.close()
    assert len(boxes) >= 5
    assert all(area > 10_000 for area in boxes), boxes
    assert not errors
