"""Failure paths of provisioning and the external-server contract (no Neo4j needed)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from crm_graph.config import Settings
from crm_graph.errors import ProvisionError
from crm_graph.neo4j_local import ensure_distribution


def _fake_mvn(folder: Path, exit_code: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "mvn"
    script.write_text(f"#!/bin/sh\necho 'no route to Maven Central' >&2\nexit {exit_code}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_a_failed_download_names_the_provision_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_mvn(tmp_path / "bin", 1)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    settings = Settings(neo4j_uri=None, cache_dir=tmp_path / "cache")
    with pytest.raises(ProvisionError, match=r"could not resolve server .*provision.log"):
        ensure_distribution(settings)
    log = (tmp_path / "cache" / "provision.log").read_text()
    assert "no route to Maven Central" in log
    # nothing half-provisioned is left that a later run would take for complete
    assert not list((tmp_path / "cache").glob("neo4j-*"))


def test_no_maven_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    settings = Settings(neo4j_uri=None, cache_dir=tmp_path / "cache")
    with pytest.raises(ProvisionError, match=r"Maven \(mvn\) is not on the PATH"):
        ensure_distribution(settings)


@pytest.mark.parametrize("command", ["start", "stop"])
def test_start_and_stop_do_nothing_for_an_external_server(command: str) -> None:
    env = {**os.environ, "CRM_NEO4J_URI": "bolt://db.example.invalid:7687"}
    proc = subprocess.run(
        [sys.executable, "-m", "crm_graph.cli", "db", command, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"skipped": True, "uri": "bolt://db.example.invalid:7687"}


def test_a_failed_provisioning_leaves_no_staging_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_mvn(tmp_path / "bin", 1)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(ProvisionError):
        ensure_distribution(Settings(neo4j_uri=None, cache_dir=tmp_path / "cache"))
    assert not list((tmp_path / "cache").glob(".staging-*"))
