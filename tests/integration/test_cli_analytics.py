"""The analytics commands end to end through the CLI, in child processes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.conftest import load_bank, run_cli

from crm_graph.analytics.clusters import TIE_TYPES
from crm_graph.analytics.tie_weights import TieWeights, read_stored_tie_weights
from crm_graph.api.security import digest
from crm_graph.config import Settings
from crm_graph.db import Database
from crm_graph.graph_model import describe


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory, session_db: Database) -> Path:
    return load_bank(session_db, tmp_path_factory.mktemp("cli") / "bank", 3000, seed=41)


def test_analyze_all_then_the_reading_commands(
    bank: Path, neo4j_settings: Settings, session_db: Database
) -> None:
    proc = run_cli(neo4j_settings, "analyze", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"steps", "tie_weights", "segments", "clusters", "churn", "crosssell"}
    # the tie weights were learned from this bank's history, printed and stored
    learned = out["tie_weights"]
    assert learned["source"] == "learned"
    assert learned["events"]["product"] > 1000
    assert set(learned["weights"]) <= set(TIE_TYPES)
    assert max(learned["weights"].values()) == 1.0
    assert learned["scale"]["count_full"] > 1
    assert read_stored_tie_weights(session_db) == TieWeights.from_dict(learned)
    assert [(s["step"], s["status"], s["mode"]) for s in out["steps"]] == [
        ("segments", "ran", "value"),
        ("clusters", "ran", "ties"),
        ("churn", "ran", "temporal"),
        ("crosssell", "ran", "holdings"),
    ]
    planned = run_cli(neo4j_settings, "analyze", "--plan", "--json")
    assert planned.returncode == 0, planned.stderr
    assert all(s["ready"] for s in json.loads(planned.stdout)["steps"])
    assert sum(out["segments"]["tiers"].values()) > 2500
    assert out["clusters"]["profiles_stored"] > 10
    assert out["churn"]["scored"] > 2500
    assert out["crosssell"]["recommendations"] > 5000
    stored = session_db.run_statement("MATCH (k:Cluster) RETURN count(k) AS n")[0]["n"]
    assert stored == out["clusters"]["profiles_stored"]

    clusters = run_cli(neo4j_settings, "clusters", "--limit", "3", "--json")
    assert clusters.returncode == 0, clusters.stderr
    shown = json.loads(clusters.stdout)
    assert len(shown["clusters"]) == 3
    assert shown["clusters"][0]["label"]

    at_risk = run_cli(neo4j_settings, "churn", "at-risk", "--limit", "5", "--json")
    assert at_risk.returncode == 0, at_risk.stderr
    items = json.loads(at_risk.stdout)["items"]
    assert len(items) == 5
    first = items[0]["customer_id"]

    what_if = run_cli(neo4j_settings, "churn", "what-if", first, "--runs", "50", "--json")
    assert what_if.returncode == 0, what_if.stderr
    assert json.loads(what_if.stdout)["runs"] == 50

    report = run_cli(neo4j_settings, "churn", "report", "--json")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["lost"]["customers"] > 0

    human = run_cli(neo4j_settings, "churn", "report")
    assert human.returncode == 0, human.stderr
    assert "churned customers moved" in human.stderr


def test_the_design_lists_every_label_relationship_and_property_of_the_graph(
    bank: Path, neo4j_settings: Settings, session_db: Database, repo_root: Path
) -> None:
    # the graph as loaded and analyzed above (the previous test ran analyze all)
    plan = run_cli(neo4j_settings, "campaign", "plan", "--product", "CARD_CREDIT", "--budget", "50")
    assert plan.returncode == 0, plan.stderr
    model = describe(session_db)
    text = (repo_root / "docs" / "design.md").read_text(encoding="utf-8")
    section = text.split("<!-- graph-model -->")[1].split("<!-- /graph-model -->")[0]
    documented: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) >= 2 and re.fullmatch(r"[A-Z][A-Za-z_]*", cells[0]):
            documented[cells[0]] = set(re.findall(r"(\w+) \(", cells[-1]))
    assert model.nodes
    assert model.relationships
    for name, props in [*model.nodes.items(), *model.relationships.items()]:
        assert name in documented, f"{name} is not in docs/design.md's graph model"
        missing = set(props) - documented[name]
        assert not missing, f"{name}: {sorted(missing)} not in docs/design.md"


def test_a_given_tie_weight_replaces_the_learned_one(
    bank: Path, neo4j_settings: Settings, session_db: Database
) -> None:
    # after analyze all above: a single step reuses the stored weights, with the override
    before = read_stored_tie_weights(session_db)
    assert before is not None
    proc = run_cli(neo4j_settings, "analyze", "clusters", "--tie-weight", "REFERRED=0.9")
    assert proc.returncode == 0, proc.stderr
    assert "tie weights (given" in " ".join(proc.stderr.split())  # printed with the run
    given = read_stored_tie_weights(session_db)
    assert given is not None
    assert given.source == "given"
    assert given.weights["REFERRED"] == 0.9
    for kind, weight in before.weights.items():
        if kind != "REFERRED":
            assert given.weights[kind] == weight
    assert given.evidence == before.evidence
    # one type switched off: the others keep their learned weights
    zero = run_cli(neo4j_settings, "analyze", "clusters", "--tie-weight", "REFERRED=0")
    assert zero.returncode == 0, zero.stderr
    off = read_stored_tie_weights(session_db)
    assert off is not None
    assert off.weights["REFERRED"] == 0.0
    assert off.weights["FAMILY"] == before.weights["FAMILY"]
    bad = run_cli(neo4j_settings, "analyze", "clusters", "--tie-weight", "FRIEND=1")
    assert bad.returncode != 0
    assert "unknown tie type 'FRIEND'" in bad.stderr


def test_analytics_errors_are_one_line(
    bank: Path, neo4j_settings: Settings, tmp_path: Path
) -> None:
    unknown = run_cli(neo4j_settings, "churn", "what-if", "NOBODY")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "error: unknown customer 'NOBODY'"
    bad = run_cli(neo4j_settings, "analyze", "everything")
    assert bad.returncode == 1
    assert bad.stderr.strip().startswith("error: unknown analysis 'everything'")
    date = run_cli(neo4j_settings, "analyze", "churn", "--as-of", "2025-02-30")
    assert date.returncode == 1
    assert "is not a date" in date.stderr
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  card: {max_grade: 2}\n", encoding="utf-8")
    typo = run_cli(neo4j_settings, "analyze", "crosssell", "--rules", str(rules))
    assert typo.returncode == 1
    assert typo.stderr.strip() == "error: cross-sell rule 'card': unknown field 'max_grade'"
    rules.write_text("rules: [\n", encoding="utf-8")
    broken = run_cli(neo4j_settings, "analyze", "crosssell", "--rules", str(rules))
    assert broken.returncode == 1
    assert len(broken.stderr.strip().splitlines()) == 1
    assert "cannot read it" in broken.stderr


def test_analyze_crosssell_takes_a_rules_file(
    bank: Path, neo4j_settings: Settings, session_db: Database, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    # the credit card (its catalogue has bounds: a product-id rule wins over them) and
    # deposits (no bounds in the catalogue: the category's rule applies) for the best
    # grade only; consent ignored
    rules.write_text(
        "rules:\n  CARD_CREDIT: {max_risk_grade: 1}\n  deposit: {max_risk_grade: 1}\n"
        "respect_consent: false\n",
        encoding="utf-8",
    )
    proc = run_cli(neo4j_settings, "analyze", "crosssell", "--rules", str(rules), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["crosssell"]["recommendations"] > 5000
    seen = session_db.run_statement(
        "MATCH (c:Customer)-[:RECOMMENDED]->(p:Product) RETURN "
        "sum(CASE WHEN p.product_id = 'CARD_CREDIT' AND c.risk_grade > 1 THEN 1 ELSE 0 END) "
        "AS cards, sum(CASE WHEN p.product_id = 'CARD_CREDIT' THEN 1 ELSE 0 END) AS all_cards, "
        "sum(CASE WHEN p.category = 'deposit' AND c.risk_grade > 1 THEN 1 ELSE 0 END) "
        "AS deposits, sum(CASE WHEN p.category = 'deposit' THEN 1 ELSE 0 END) AS all_deposits, "
        "sum(CASE WHEN c.marketing_consent = false THEN 1 ELSE 0 END) AS refused"
    )[0]
    assert seen["cards"] == 0
    assert seen["all_cards"] > 0
    assert seen["deposits"] == 0
    assert seen["all_deposits"] > 0
    assert seen["refused"] > 0  # consent ignored, as the file asked


def test_api_key_new_stores_only_the_digest(tmp_path: Path, neo4j_settings: Settings) -> None:
    keys = tmp_path / "keys"
    proc = run_cli(neo4j_settings, "api-key", "new", "--role", "marketing", "--file", str(keys))
    assert proc.returncode == 0, proc.stderr
    key = proc.stdout.strip().splitlines()[0]
    assert key.startswith("crm_")
    line = keys.read_text(encoding="utf-8").strip()
    assert line == f"marketing:sha256:{digest(key)}"
    assert key not in keys.read_text(encoding="utf-8")
    assert keys.stat().st_mode & 0o777 == 0o600
    wrong = run_cli(neo4j_settings, "api-key", "new", "--role", "boss")
    assert wrong.returncode == 1
