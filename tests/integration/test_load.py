from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import raw_pii
from tests.realdata import real_data

from crm_graph.config import Settings
from crm_graph.db import Database
from crm_graph.errors import SourceFileError
from crm_graph.generate import generate_bank
from crm_graph.ingest.load import load_extract
from crm_graph.ingest.spec import default_loaders_dir, load_specs

from .graphhash import fingerprint

KEY = b"test-key"


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("load") / "bank"
    generate_bank(out, customers=800, seed=13)
    return out


RESOLVED = (
    "MATCH (s:SourceRecord)-[:RESOLVES_TO]->(c) "
    "RETURN s.system + ':' + s.record_id AS k, c.customer_id AS c"
)


def _load(db: Database, extract: Path) -> dict:
    return load_extract(db, extract, load_specs(default_loaders_dir()), pii_key=KEY).as_dict()


def _count(db: Database, label: str) -> int:
    return db.run_statement(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"]


def test_counts_match_the_extract_minus_rejects(db: Database, bank: Path) -> None:
    report = _load(db, bank)
    files = report["files"]
    for name, f in files.items():
        assert f["loaded"] + f["rejected"] == f["read"], name
    manifest = json.loads((bank / "manifest.json").read_text(encoding="utf-8"))
    assert report["rows_read"] == sum(
        v for k, v in manifest["files"].items() if not k.startswith("truth/")
    )
    customer_files = [
        "core_banking/customers",
        "cards/cardholders",
        "online_banking/users",
        "agency/clients",
        "call_center/callers",
        "crm/parties",
    ]
    assert _count(db, "SourceRecord") == sum(files[f]["loaded"] for f in customer_files)
    accounts = sum(
        files[f]["loaded"]
        for f in [
            "core_banking/accounts",
            "cards/cards",
            "agency/sales",
            "online_banking/enrolments",
        ]
    )
    assert _count(db, "Account") == accounts
    assert (
        _count(db, "Contact")
        == files["call_center/calls"]["loaded"] + files["crm/contacts"]["loaded"]
    )
    assert _count(db, "Product") == 13
    assert _count(db, "Application") == files["loans/applications"]["loaded"]
    # every source record resolves to exactly one customer
    multi = db.run_statement(
        "MATCH (s:SourceRecord) WITH s, COUNT { (s)-[:RESOLVES_TO]->() } AS k "
        "WHERE k <> 1 RETURN count(s) AS n"
    )
    assert multi[0]["n"] == 0
    assert report["customers_total"] == _count(db, "Customer")
    # rejects on disk are the rejected rows, with line, column and reason
    rej = pd.read_csv(bank / "rejects" / "core_banking" / "customers.csv", dtype=str)
    assert len(rej) == files["core_banking/customers"]["rejected"]
    assert list(rej.columns[:3]) == ["_line", "_column", "_reason"]


def test_resolution_quality_against_truth(db: Database, bank: Path) -> None:
    from crm_graph.analytics.evaluate import evaluate

    _load(db, bank)
    scores = evaluate(db, bank / "truth")["resolution"]
    assert scores["precision"] >= 0.98
    assert scores["recall"] >= 0.95


def test_source_records_hold_no_raw_pii(db: Database, bank: Path) -> None:
    _load(db, bank)
    core = pd.read_csv(bank / "core_banking" / "customers.csv", dtype=str, keep_default_na=False)
    raw_ids = set(core.id_number[core.id_number != ""])
    raw_phones = set(core.phone[core.phone != ""])
    for rec in db.run_statement("MATCH (s:SourceRecord) RETURN properties(s) AS p LIMIT 500"):
        values = {str(v) for v in rec["p"].values()}
        assert not values & raw_ids
        assert not values & raw_phones


def test_rerunning_the_same_load_changes_nothing(db: Database, bank: Path) -> None:
    _load(db, bank)
    first = fingerprint(db)
    report = _load(db, bank)
    assert report["customers_created"] == 0
    assert fingerprint(db) == first


def test_a_later_extract_updates_incrementally(db: Database, bank: Path, tmp_path: Path) -> None:
    early = tmp_path / "early"
    shutil.copytree(bank, early, ignore=shutil.ignore_patterns("rejects"))
    accounts = pd.read_csv(bank / "core_banking" / "accounts.csv", dtype=str, keep_default_na=False)
    contacts = pd.read_csv(bank / "crm" / "contacts.csv", dtype=str, keep_default_na=False)
    # the early extract lacks the newest accounts and contacts
    accounts[accounts.opened_on < "2025-06-01"].to_csv(
        early / "core_banking" / "accounts.csv", index=False
    )
    contacts[contacts["at"] < "2025-06-01"].to_csv(early / "crm" / "contacts.csv", index=False)
    _load(db, early)
    ids_before = {r["k"]: r["c"] for r in db.run_statement(RESOLVED)}
    accounts_before = _count(db, "Account")

    later = tmp_path / "later"
    shutil.copytree(bank, later, ignore=shutil.ignore_patterns("rejects"))
    changed = accounts.copy()
    open_idx = changed.index[(changed.status == "open") & (changed.product_id == "DEP_TERM")][0]
    changed.loc[open_idx, ["status", "closed_on"]] = ["closed", "2025-12-30"]
    changed.to_csv(later / "core_banking" / "accounts.csv", index=False)
    report = _load(db, later)

    assert report["customers_created"] == 0
    new_accounts = (accounts.opened_on >= "2025-06-01").sum()
    assert (
        _count(db, "Account")
        >= accounts_before + new_accounts - report["files"]["core_banking/accounts"]["rejected"]
    )
    ids_after = {r["k"]: r["c"] for r in db.run_statement(RESOLVED)}
    assert all(ids_after[k] == v for k, v in ids_before.items()), "golden ids must be stable"
    closed = db.run_statement(
        "MATCH (a:Account {account_id: $id}) RETURN a.status AS s, a.closed_on AS c",
        {"id": "core_banking:" + accounts.loc[open_idx, "account_id"]},
    )
    assert closed == [{"s": "closed", "c": "2025-12-30"}]


def test_a_missing_file_writes_nothing(db: Database, bank: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(bank, broken, ignore=shutil.ignore_patterns("rejects"))
    (broken / "loans" / "guarantees.csv").unlink()
    with pytest.raises(SourceFileError, match="guarantees.csv: file not found"):
        _load(db, broken)
    assert db.read("admin/count_totals")[0]["nodes"] == 0


def _cli_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "CRM_NEO4J_URI": settings.uri,
        "CRM_NEO4J_USER": settings.neo4j_user,
        "CRM_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "CRM_PII_KEY": KEY.decode(),
        "CRM_LOAD_BATCH_SIZE": "200",
    }


def test_a_killed_load_is_completed_by_the_next_run(
    db: Database, bank: Path, neo4j_settings: Settings
) -> None:
    _load(db, bank)
    reference = fingerprint(db)
    from tests.conftest import empty_graph

    empty_graph(db)
    env = _cli_env(neo4j_settings)
    proc = subprocess.Popen(
        [sys.executable, "-m", "crm_graph.cli", "load", str(bank), "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and _count(db, "Account") < 200:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = db.read("admin/count_totals")[0]
    assert partial["nodes"] > 0
    rerun = _run_cli(neo4j_settings, "load", str(bank), "--json")
    assert rerun.returncode == 0, rerun.stderr
    assert fingerprint(db) == reference


def _run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_graph.cli", *args],
        env=_cli_env(settings),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_cli_load_reports_json(bank: Path, neo4j_settings: Settings, db: Database) -> None:
    proc = _run_cli(neo4j_settings, "load", str(bank), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["rows_rejected"] > 0
    assert report["customers_total"] > 700
    assert report["records_resolved"]["id_number"] > 0
    # the load's output (report, progress, conflict examples) carries no raw PII
    pii = raw_pii(bank)
    assert len(pii) > 500
    said = proc.stdout + proc.stderr
    assert not [v for v in pii if v in said]
    proc = _run_cli(neo4j_settings, "evaluate", "--truth", str(bank / "truth"), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["resolution"]["precision"] >= 0.98


def test_the_real_uci_bank_marketing_extract_loads_unchanged(db: Database, tmp_path: Path) -> None:
    uci = real_data("bank_marketing", "bank-full.csv")
    specs = load_specs(default_loaders_dir() / "uci_bank_marketing.yaml")
    report = load_extract(db, uci, specs, pii_key=KEY, rejects_dir=tmp_path / "rejects").as_dict()
    raw = pd.read_csv(uci / "bank-full.csv", sep=";")
    assert report["rows_read"] == len(raw) == 45_211
    assert report["rows_rejected"] == 0
    assert _count(db, "Customer") == len(raw)
    assert _count(db, "Contact") == len(raw)
    by_product = {
        r["p"]: r["n"]
        for r in db.run_statement(
            "MATCH (:Account)-[:OF_PRODUCT]->(p:Product) RETURN p.product_id AS p, count(*) AS n"
        )
    }
    assert by_product == {
        "DEP_TERM": int((raw.y == "yes").sum()),
        "LOAN_MORTGAGE": int((raw.housing == "yes").sum()),
        "LOAN_CONSUMER": int((raw.loan == "yes").sum()),
    }
    # a hand-checked row: line 2 of the file is a 58-year-old manager, contacted in May
    first = db.run_statement(
        "MATCH (s:SourceRecord {system: 'uci_bank_marketing', record_id: '2'})-[:RESOLVES_TO]->(c)"
        "-[:HAD_CONTACT]->(k:Contact) RETURN c.age AS age, c.job AS job, c.aum AS aum,"
        " k.outcome AS outcome, k.month AS month, k.duration_s AS duration"
    )
    assert first == [
        {
            "age": 58,
            "job": "management",
            "aum": 2143.0,
            "outcome": "no",
            "month": "may",
            "duration": 261,
        }
    ]


def test_parallel_checks_and_writes_give_the_same_graph(
    db: Database, bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two check processes, two writers and tiny chunks load exactly what one does."""
    from crm_graph.ingest import load as load_module
    from crm_graph.ingest import validate as validate_module

    specs = load_specs(default_loaders_dir())
    one = load_extract(db, bank, specs, pii_key=KEY, rejects_dir=tmp_path / "r1").as_dict()
    reference = fingerprint(db)
    from tests.conftest import empty_graph

    # in this process, in chunks of 250 records and writer jobs of 97 rows
    empty_graph(db)
    monkeypatch.setattr(validate_module, "CHUNK_RECORDS", 250)
    monkeypatch.setattr(load_module, "SLICE_ROWS", 97)
    small = load_extract(db, bank, specs, pii_key=KEY, rejects_dir=tmp_path / "r0").as_dict()
    assert fingerprint(db) == reference
    assert small["files"] == one["files"]
    rejects_one = {
        p.relative_to(tmp_path / "r1"): p.read_text() for p in (tmp_path / "r1").rglob("*.csv")
    }
    # two check processes, two write transactions in flight
    empty_graph(db)
    monkeypatch.setattr(load_module, "PARALLEL_CHECK_BYTES", 0)
    two = load_extract(
        db, bank, specs, pii_key=KEY, rejects_dir=tmp_path / "r2", workers=2, batch_size=50
    ).as_dict()
    assert fingerprint(db) == reference
    for key in ("files", "rows_read", "rows_rejected", "customers_created", "conflicts"):
        assert two[key] == one[key], key
    rejects_two = {
        p.relative_to(tmp_path / "r2"): p.read_text() for p in (tmp_path / "r2").rglob("*.csv")
    }
    assert rejects_two == rejects_one


def test_a_file_error_in_a_check_process_stops_the_load(
    db: Database, bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_graph.ingest import load as load_module

    broken = tmp_path / "broken"
    shutil.copytree(bank, broken, ignore=shutil.ignore_patterns("rejects"))
    path = broken / "crm" / "contacts.csv"
    path.write_bytes(path.read_bytes() + b"\xff\xfe broken\n")
    monkeypatch.setattr(load_module, "PARALLEL_CHECK_BYTES", 0)
    specs = load_specs(default_loaders_dir())
    with pytest.raises(SourceFileError, match=r"contacts.csv: cannot be read as utf-8 \(line"):
        load_extract(db, broken, specs, pii_key=KEY, workers=2)
    assert db.read("admin/count_totals")[0]["nodes"] == 0


def test_the_splink_resolver_loads_through_the_cli(
    neo4j_settings: Settings, db: Database, tmp_path: Path
) -> None:
    bank = tmp_path / "hard"
    generate_bank(bank, customers=1500, seed=5, hard_names=True)
    proc = _run_cli(neo4j_settings, "load", str(bank), "--resolver", "splink", "--json")
    assert proc.returncode == 0, proc.stderr
    rules = json.loads(proc.stdout)["records_resolved"]
    assert rules["splink"] > 0
    assert not set(rules) & {"name_phone", "name_birth", "similar_name_phone"}
    reference = fingerprint(db)
    # the model is trained with a fixed seed: the same extract again changes nothing
    again = _run_cli(neo4j_settings, "load", str(bank), "--resolver", "splink", "--json")
    assert again.returncode == 0, again.stderr
    assert fingerprint(db) == reference
    proc = _run_cli(neo4j_settings, "evaluate", "--truth", str(bank / "truth"), "--json")
    quality = json.loads(proc.stdout)["resolution"]
    assert quality["precision"] >= 0.98, quality
    assert quality["recall"] >= 0.85, quality
    wrong = _run_cli(neo4j_settings, "load", str(bank), "--resolver", "fuzzy")
    assert wrong.returncode == 1
    assert wrong.stderr.strip().count("\n") == 0
    assert "unknown resolver 'fuzzy'" in wrong.stderr
