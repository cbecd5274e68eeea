"""Debian's Chromium for the browser tests (driven by Playwright, never downloaded).

``make test`` installs the ``chromium`` package where it can. Without it the browser
tests skip, unless ``CRM_REQUIRE_BROWSER=1`` (CI sets it) turns the skip into a
failure. Screenshots go to ``CRM_SCREENSHOT_DIR`` (default ``out/screenshots``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("CRM_SCREENSHOT_DIR", "out/screenshots"))
#: Headless, and quiet on a closed network (no background requests to Google's hosts).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_or_skip() -> None:
    """Skip (or fail, under CRM_REQUIRE_BROWSER=1) when Chromium is not installed."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CRM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"Chromium not found at {CHROMIUM} and CRM_REQUIRE_BROWSER=1")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
