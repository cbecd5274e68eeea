"""Real extracts of other banks: load times and the snapshot churn model's figures.

Against the local default instance (or ``CRM_NEO4J_URI``), whose graph is emptied
first, in a fresh process per extract: the shipped mapping of each extract in
``shared/data`` beside the checkout (BankChurners, UCI Bank Marketing) loaded and
timed; on BankChurners, ``compute_snapshot_churn`` for seeds 7, 8 and 9 (5-fold
cross-validation of the model and of the reference). Also the drafted mapping of
each extract (``crm-graph mapping draft``) loaded, to check it loads as it is.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import run_code

EXTRACTS = {
    "bank_churners": ("BankChurners.csv", "bank_churners.yaml"),
    "bank_marketing": ("bank-full.csv", "uci_bank_marketing.yaml"),
}
SEEDS = (7, 8, 9)


def shared_data() -> Path:
    """``shared/data`` beside the checkout (or beside a folder above it)."""
    for folder in Path(__file__).resolve().parents:
        candidate = folder.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    raise SystemExit("bench real: no shared/data beside the checkout")


def measure(name: str) -> dict[str, Any]:
    """Load one extract (shipped mapping, then drafted mapping); churn figures if labelled."""
    from crm_graph.analytics.churn_snapshot import SnapshotConfig, compute_snapshot_churn
    from crm_graph.config import get_settings
    from crm_graph.db import Database, connect
    from crm_graph.ingest.draft import draft_mapping
    from crm_graph.ingest.load import load_extract
    from crm_graph.ingest.spec import default_loaders_dir, load_spec
    from crm_graph.neo4j_local import LocalNeo4j

    folder = shared_data() / name
    settings = get_settings()
    if not settings.is_external:
        LocalNeo4j(settings).start()
    db = Database(
        connect(settings.uri, settings.neo4j_user, settings.neo4j_password.get_secret_value()),
        settings.neo4j_database,
        owns_driver=True,
    )
    out: dict[str, Any] = {"extract": name}
    with tempfile.TemporaryDirectory() as tmp, db:
        for how, spec in (
            ("draft", None),
            ("shipped", load_spec(default_loaders_dir() / EXTRACTS[name][1])),
        ):
            db.clear()
            if spec is None:
                path = Path(tmp) / "draft.yaml"
                path.write_text(draft_mapping(folder), encoding="utf-8")
                spec = load_spec(path)
            started = time.perf_counter()
            report = load_extract(
                db, folder, [spec], pii_key=b"bench", rejects_dir=Path(tmp) / how
            ).as_dict()
            out[how] = {
                "seconds": round(time.perf_counter() - started, 1),
                "rows": report["rows_read"],
                "rejected": report["rows_rejected"],
                "customers": report["customers_total"],
                "targets": sum(1 for t in report["targets"].values() if t["written"]),
            }
        if name == "bank_churners":
            runs = []
            for seed in SEEDS:
                started = time.perf_counter()
                found = compute_snapshot_churn(db, SnapshotConfig(seed=seed), write=False)
                runs.append(
                    {
                        "seed": seed,
                        "seconds": round(time.perf_counter() - started, 1),
                        **{
                            k: v
                            for k, v in found.as_dict().items()
                            if k.startswith(("cv_", "lift_", "customers", "churned"))
                        },
                        "features": len(found.features),
                    }
                )
            out["churn"] = runs
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def run() -> list[dict[str, Any]]:
    """Measure every extract, each in a fresh process."""
    code = (
        "import json, sys\nfrom bench.real import measure\nprint(json.dumps(measure(sys.argv[1])))"
    )
    results = []
    for name in EXTRACTS:
        r = run_code(code, [name], f"real extract {name}")
        results.append(r)
        print(
            f"real {name}: shipped mapping {r['shipped']['seconds']} s for "
            f"{r['shipped']['rows']:,} rows, draft {r['draft']['seconds']} s",
            flush=True,
        )
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    """Tables of the loads and of the snapshot churn runs."""
    lines = [
        "| extract | mapping | rows | rejected | customers | targets writing | load |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for how in ("shipped", "draft"):
            m = r[how]
            lines.append(
                f"| {r['extract']} | {how} | {m['rows']:,} | {m['rejected']:,} "
                f"| {m['customers']:,} | {m['targets']} | {m['seconds']:.1f} s |"
            )
    churn = [run for r in results for run in r.get("churn", [])]
    if churn:
        lines += [
            "",
            "| BankChurners, seed | customers | left | features | 5-fold ROC AUC | reference "
            "| PR AUC | lift top 5% | lift top 10% | both models |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for c in churn:
            lines.append(
                f"| {c['seed']} | {c['customers']:,} | {c['churned']:,} | {c['features']} "
                f"| {c['cv_roc_auc']:.4f} | {c['cv_roc_auc_reference']:.4f} "
                f"| {c['cv_pr_auc']:.4f} | {c['lift_top_5']:.2f} | {c['lift_top_10']:.2f} "
                f"| {c['seconds']:.1f} s |"
            )
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(run()), file=sys.stdout)
