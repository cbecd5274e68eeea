"""The planner's web page in a real headless Chromium (see tests/browser.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from tests.browser import CHROMIUM, FLAGS, SHOTS, browser_or_skip
from tests.conftest import load_bank, serve_api

from crm_graph.api.security import new_key
from crm_graph.config import Settings
from crm_graph.db import Database

MARKETING = new_key()
ANALYST = new_key()


@pytest.fixture(scope="module")
def base_url(
    tmp_path_factory: pytest.TempPathFactory, session_db: Database, neo4j_settings: Settings
) -> Iterator[str]:
    browser_or_skip()
    load_bank(session_db, tmp_path_factory.mktemp("web") / "bank", 2000, seed=31, analyze=True)
    keys = f"marketing:{MARKETING},analyst:{ANALYST}"
    with serve_api(neo4j_settings, CRM_API_KEYS=keys) as base:
        yield base


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context per test (no key left in localStorage)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.errors = errors
    yield tab
    context.close()


def _painted_pixels(page: Any) -> int:
    """Non-transparent pixels over every canvas of the graph view."""
    count: int = page.evaluate(
        """() => [...document.querySelectorAll('#graph canvas')].reduce((n, c) => {
             if (!c.width || !c.height) return n;
             const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
             let k = 0; for (let i = 3; i < data.length; i += 4) if (data[i] > 0) k++;
             return n + k; }, 0)"""
    )
    return count


def test_the_page_asks_for_a_key_and_reports_a_wrong_one(base_url: str, page: Any) -> None:
    page.goto(f"{base_url}/app/")
    assert "campaign planner" in page.title()
    page.wait_for_function("document.querySelector('#status').textContent.length > 0")
    assert "enter an API key" in page.text_content("#status")
    page.fill("#api-key", "not-a-key")
    page.dispatch_event("#api-key", "change")
    page.wait_for_selector("#status.error")
    assert "401" in page.text_content("#status")


def test_plan_a_campaign_and_see_the_seeds_in_the_graph(base_url: str, page: Any) -> None:
    page.goto(f"{base_url}/app/")
    page.fill("#api-key", MARKETING)
    page.dispatch_event("#api-key", "change")
    page.wait_for_function("document.querySelectorAll('#product option').length > 5")
    page.select_option("#product", "CARD_CREDIT")
    page.fill("#budget", "120")
    page.fill("#seeds", "8")
    # while the plan runs the page shows progress and the seconds it has waited (recorded
    # by an observer: a plan on the small test bank can finish within a frame)
    page.evaluate(
        """() => {
          window.seen = { progress: false, status: [] };
          new MutationObserver(() => {
            window.seen.progress ||= !document.querySelector('#plan-progress').hidden;
            window.seen.status.push(document.querySelector('#status').textContent);
          }).observe(document.body, { subtree: true, attributes: true, childList: true,
                                      characterData: true });
        }"""
    )
    page.click("#plan-button")
    page.wait_for_selector("#plan-result:not([hidden])", timeout=120_000)
    seen = page.evaluate("window.seen")
    assert seen["progress"]
    assert any(re.fullmatch(r"planning: .+ \d+ s", text) for text in seen["status"])
    assert page.locator("#plan-progress").is_hidden()
    assert re.fullmatch(r"planned \d+ contacts for .+ in \d+\.\d s", page.text_content("#status"))
    rows = page.locator("#targets tbody tr")
    assert rows.count() == 120
    assert page.locator("#targets tbody tr.seed").count() == 8
    assert float(page.text_content("#expected")) > 0
    assert page.locator("#seed-bars div").count() == 3
    page.wait_for_function("Number(document.body.dataset.graphNodes || 0) > 1", timeout=60_000)
    page.wait_for_timeout(500)  # let cytoscape paint
    assert _painted_pixels(page) > 500, "the network view drew nothing"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "planner.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "planner-top.png"))  # the first screen, for the docs
    # names are masked for the marketing role
    names = page.locator("#targets tbody tr td:nth-child(4)").all_text_contents()
    assert any("*" in n for n in names)
    # a click on a target re-centres the graph on it
    target = page.locator("#targets tbody tr.target").first
    wanted = target.locator("td:nth-child(3)").text_content()
    target.click()
    page.wait_for_function(
        "(id) => document.querySelector('#graph-centre').textContent === id", arg=wanted
    )
    assert not page.errors, page.errors


def test_churn_view_lists_customers_and_flows(base_url: str, page: Any) -> None:
    page.goto(f"{base_url}/app/")
    page.fill("#api-key", MARKETING)
    page.dispatch_event("#api-key", "change")
    page.click("#tab-churn")
    page.wait_for_function("document.querySelectorAll('#at-risk tbody tr').length > 0")
    assert page.locator("#at-risk tbody tr").count() == 50
    page.wait_for_function("document.querySelectorAll('#flows div').length > 0")
    assert page.locator("#flows div").count() >= 2
    page.screenshot(path=str(SHOTS / "churn.png"), full_page=True)
    assert not page.errors, page.errors


def test_an_analyst_cannot_plan(base_url: str, page: Any) -> None:
    page.goto(f"{base_url}/app/")
    page.fill("#api-key", ANALYST)
    page.dispatch_event("#api-key", "change")
    page.wait_for_function("document.querySelector('#status').textContent === 'ready'")
    page.click("#plan-button")
    page.wait_for_function("document.querySelector('#status').textContent.includes('403')")
    assert "may not use this endpoint" in page.text_content("#status")
    assert page.get_attribute("#status", "class") == "error"
