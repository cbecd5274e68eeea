"""Backup and restore of the local server: same graph, same API answers; damage refused.

On a throwaway local Neo4j (backup and restore stop and start the server, which the
shared test instance must not do): a generated bank is loaded and analyzed, backed
up with ``crm-graph db backup``, wiped, and restored with ``crm-graph db restore``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import load_bank, scratch_server

from crm_graph.api import create_app
from crm_graph.api.security import digest
from crm_graph.config import Settings
from crm_graph.db import Database, connect
from crm_graph.fingerprint import fingerprint

KEY = "analyst-backup-key-1"


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    return env | {
        "CRM_INSTANCE": settings.instance,
        "CRM_DATA_DIR": str(settings.data_dir),
        "CRM_BOLT_PORT": str(settings.bolt_port),
        "CRM_HTTP_PORT": str(settings.http_port),
        "CRM_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "CRM_NEO4J_HEAP": settings.neo4j_heap,
        "CRM_NEO4J_PAGECACHE": settings.neo4j_pagecache,
        "CRM_API_KEYS_FILE": str(settings.api_keys_file),
        "CRM_AUDIT_DIR": str(settings.audit_folder),
    }


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_graph.cli", *args],
        env=_env(settings),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _fingerprint(settings: Settings) -> str:
    driver = connect(settings.uri, settings.neo4j_user, settings.neo4j_password.get_secret_value())
    with Database(driver, owns_driver=True) as db:
        return str(fingerprint(db)["fingerprint"])


def _answers(settings: Settings) -> list[Any]:
    headers = {"X-API-Key": KEY}
    with TestClient(create_app(settings)) as c:
        at_risk = c.get("/v1/churn/at-risk?limit=20", headers=headers).json()
        out = [at_risk, c.get("/v1/clusters?limit=5", headers=headers).json()]
        for item in at_risk["items"][:5]:
            cid = item["customer_id"]
            out.append(c.get(f"/v1/customers/{cid}", headers=headers).json())
            out.append(c.get(f"/v1/customers/{cid}/recommendations", headers=headers).json())
    assert len(out) == 12
    return out


def test_backup_wipe_restore_gives_the_same_graph_and_answers(tmp_path: Path) -> None:
    with scratch_server(tmp_path, "backup", heap="1g") as (base, server):
        keys = tmp_path / "keys.txt"
        keys.write_text(f"analyst:sha256:{digest(KEY)}\n", encoding="utf-8")
        settings = base.model_copy(update={"api_keys_file": keys, "audit_dir": tmp_path / "a"})
        driver = connect(settings.uri, "neo4j", settings.neo4j_password.get_secret_value())
        with Database(driver, owns_driver=True) as db:
            load_bank(db, tmp_path / "bank", 400, seed=3, analyze=True)
        before = _fingerprint(settings)
        answers = _answers(settings)

        made = _cli(settings, "db", "backup", "--out", str(tmp_path / "bk"), "--json")
        assert made.returncode == 0, made.stderr
        manifest = json.loads(made.stdout)
        assert manifest["fingerprint"] == before
        assert set(manifest["files"]) == {"neo4j.dump", "api-keys.txt"}
        assert server.pid() is not None, "the server runs again after the backup"

        server.wipe()
        keys.write_text("", encoding="utf-8")
        assert _fingerprint(settings) != before

        done = _cli(settings, "db", "restore", str(tmp_path / "bk"), "--yes")
        assert done.returncode == 0, done.stderr
        assert _fingerprint(settings) == before
        shown = _cli(settings, "db", "fingerprint", "--json")
        assert json.loads(shown.stdout)["fingerprint"] == before
        assert keys.read_text(encoding="utf-8") == f"analyst:sha256:{digest(KEY)}\n"
        assert _answers(settings) == answers

        # a damaged backup: one line, and the current graph stays as it is
        for damage, says in (("truncate", "truncated"), ("flip", "checksum")):
            dump = tmp_path / "bk" / "neo4j.dump"
            data = dump.read_bytes()
            if damage == "truncate":
                dump.write_bytes(data[: len(data) // 2])
            else:
                dump.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
            bad = _cli(settings, "db", "restore", str(tmp_path / "bk"), "--yes")
            assert bad.returncode == 1
            assert says in bad.stderr
            assert bad.stderr.strip().count("\n") == 0, bad.stderr
            dump.write_bytes(data)
            assert _fingerprint(settings) == before
        missing = _cli(settings, "db", "restore", str(tmp_path / "nothing"), "--yes")
        assert missing.returncode == 1
        assert "no such backup folder" in missing.stderr
