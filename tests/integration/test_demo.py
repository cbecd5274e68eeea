"""`crm-graph demo` end to end on a small bank: summary, served API and page, no raw PII.

The demo runs in a child process against the test server (``--replace``, since the
settings name that server), serves the API, and is stopped once the checks are done.
Its whole log and every API answer read here are searched for the bank's raw personal
data (resident ids, credit codes, phones, e-mails, addresses).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.conftest import cli_env, free_port, raw_pii

from crm_graph.config import Settings


def _get(url: str, key: str | None = None) -> Any:
    request = urllib.request.Request(url, headers={"X-API-Key": key} if key else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode("utf-8")


def _wait_ready(url: str, proc: subprocess.Popen[str]) -> str:
    """The demo prints its keys before uvicorn binds the port: wait for it to answer."""
    deadline = time.monotonic() + 60
    while True:
        try:
            answer: str = _get(url)
            return answer
        except OSError:
            assert proc.poll() is None, "the demo stopped before serving"
            assert time.monotonic() < deadline, "the demo did not serve within 60 s"
            time.sleep(0.5)


def test_demo_prints_a_summary_serves_the_page_and_leaks_no_pii(
    tmp_path: Path, neo4j_settings: Settings
) -> None:
    port = free_port()
    bank = tmp_path / "demo-bank"
    log_path = tmp_path / "demo.log"
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crm_graph.cli", "demo", "--customers", "1500",
             "--out", str(bank), "--replace", "--port", str(port)],
            env={**cli_env(neo4j_settings), "COLUMNS": "200"},
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 600
            while "Serving until Ctrl-C" not in log_path.read_text(encoding="utf-8"):
                assert proc.poll() is None, log_path.read_text(encoding="utf-8")[-3000:]
                assert time.monotonic() < deadline, "the demo did not finish in 10 minutes"
                time.sleep(1)
            text = log_path.read_text(encoding="utf-8")
            keys = dict(re.findall(r"^\s+(marketing|analyst): (crm_\S+)$", text, re.M))
            assert set(keys) == {"marketing", "analyst"}, text[-2000:]
            base = f"http://127.0.0.1:{port}"
            answers = [_wait_ready(f"{base}/ready", proc)]
            page = _get(f"{base}/app/")
            assert "campaign planner" in page
            analyst = keys["analyst"]
            for path in ("/v1/churn/at-risk?limit=50", "/v1/clusters?limit=20", "/v1/campaigns",
                         "/v1/churn/flows"):  # fmt: skip
                answers.append(_get(base + path, analyst))
            at_risk = json.loads(answers[1])["items"]
            for item in at_risk[:10]:
                cid = item["customer_id"]
                answers.append(_get(f"{base}/v1/customers/{cid}", analyst))
                answers.append(_get(f"{base}/v1/customers/{cid}/recommendations", analyst))
                answers.append(_get(f"{base}/v1/customers/{cid}/network?depth=2", analyst))
            campaign = json.loads(answers[3])["items"][0]
            assert campaign["name"] == "Demo credit cards"
            answers.append(_get(f"{base}/v1/campaigns/{campaign['campaign_id']}", analyst))
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    text = log_path.read_text(encoding="utf-8")
    for expected in ("golden customers", "influence clusters", "Churn model", "Cross-sell",
                     "Largest influence clusters", "Campaign CMP-", "/app/"):  # fmt: skip
        assert expected in text, expected
    assert "Traceback" not in text
    digests = (bank.parent / "demo-api-keys.txt").read_text(encoding="utf-8")
    assert keys["analyst"] not in digests, "only digests are stored"
    pii = raw_pii(bank)
    assert len(pii) > 500
    haystack = text + "\n".join(answers)
    leaked = sorted(v for v in pii if v in haystack)
    assert not leaked, leaked[:5]
