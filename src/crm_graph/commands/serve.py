"""``crm-graph serve``, ``api-key`` and ``demo``: the API, its keys, the whole demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from crm_graph.commands.analyze import tier_config
from crm_graph.commands.common import (
    JsonOpt,
    console,
    emit,
    open_database,
    progress_printer,
)
from crm_graph.commands.db import graph_counts
from crm_graph.config import Settings, get_settings
from crm_graph.errors import ConfigError
from crm_graph.neo4j_local import LocalNeo4j

__all__ = ["api_key_app", "demo", "serve"]

#: Above this many nodes the demo empties a local server by deleting its store files
#: (seconds) rather than with Cypher (about 45,000 nodes and relationships a second on
#: the development machine: a 1M-customer bank's 46M take a quarter of an hour or more).
WIPE_ABOVE_NODES = 500_000


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Serve the API (uvicorn). Keys: CRM_API_KEYS or CRM_API_KEYS_FILE."""
    import uvicorn

    from crm_graph.api.security import parse_keys

    settings = get_settings()
    keys = parse_keys(settings.api_keys.get_secret_value(), settings.api_keys_file)
    if not keys.roles_by_digest:
        console.print(
            "[yellow]warning:[/yellow] no API keys configured (CRM_API_KEYS or "
            "CRM_API_KEYS_FILE); only /health and /ready will answer"
        )
    console.print(f"API on http://{host}:{port} (OpenAPI docs at /docs), Neo4j {settings.uri}")
    uvicorn.run(
        "crm_graph.api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )


api_key_app = typer.Typer(help="API keys: create keys for the keys file.", no_args_is_help=True)


@api_key_app.command("new")
def api_key_new(
    role: Annotated[str, typer.Option(help="analyst, marketing, service or admin.")],
    file: Annotated[
        Path | None,
        typer.Option(help="Append the key's digest to this keys file (created 0600)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an API key: prints it once; only its SHA-256 digest is stored."""
    import os

    from crm_graph.api.security import ROLES, digest, new_key

    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}: choose {', '.join(ROLES)}")
    key = new_key()
    line = f"{role}:sha256:{digest(key)}"
    if file is not None:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(line + "\n")
    key_id = digest(key)[:12]
    emit(
        {
            "role": role,
            "key": key,
            "key_id": key_id,
            "stored": line,
            "file": str(file) if file else None,
        },
        as_json,
    )
    if not as_json:
        sys.stdout.write(key + "\n")
        where = f"appended to {file}" if file else "add this line to your keys file"
        console.print(
            f"{role} key created (shown once; key id {key_id} in the access audit). "
            f"Digest line ({where}):\n{line}"
        )


def demo(
    customers: Annotated[int, typer.Option(help="Size of the synthetic bank.")] = 20_000,
    out: Annotated[Path, typer.Option(help="Where the synthetic bank is written.")] = Path(
        "out/demo-bank"
    ),
    replace: Annotated[
        bool, typer.Option(help="Allow replacing the graph of a server named by CRM_NEO4J_URI.")
    ] = False,
    serve_api: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the API and web page at the end.")
    ] = True,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the API.")] = 8000,
    as_json: JsonOpt = False,
) -> None:
    """Start the local server, generate a bank, load and analyze it, plan a campaign, serve.

    The demo starts from an empty graph: it clears the local server's graph first. With
    CRM_NEO4J_URI set it uses that server instead, and clears it only with --replace.
    At the end it serves the API and the planner's page on 127.0.0.1 (Ctrl-C stops);
    without API keys configured it creates a marketing and an analyst key, prints them
    once and keeps only their digests in out/demo-api-keys.txt.
    """
    from crm_graph.analytics.campaign import CampaignRequest, plan_campaign, record_campaign
    from crm_graph.analytics.churn import retention_list
    from crm_graph.analytics.clusters import (
        cluster_profiles,
    )
    from crm_graph.analytics.evaluate import evaluate
    from crm_graph.analytics.pipeline import AnalysisOptions, Pipeline
    from crm_graph.generate import generate_bank
    from crm_graph.ingest.load import load_extract
    from crm_graph.ingest.spec import default_loaders_dir, load_specs

    settings = get_settings()
    say = progress_printer(as_json)
    if not settings.is_external:
        LocalNeo4j(settings, say).start()
    manifest = out / "manifest.json"
    if (
        manifest.exists()
        and json.loads(manifest.read_text(encoding="utf-8"))["customers"] == customers
    ):
        say(f"Reusing the synthetic bank in {out}")
    else:
        generate_bank(out, customers, seed=7, progress=say)
    with open_database(settings) as db:
        existing = db.read("admin/count_totals")[0]["nodes"]
    if existing and settings.is_external and not replace:
        raise ConfigError(
            f"the demo replaces the graph at {settings.uri} ({existing:,} nodes); "
            "pass --replace to allow it"
        )
    if existing > WIPE_ABOVE_NODES and not settings.is_external:
        say(
            f"Clearing the {existing:,} nodes already in the graph by deleting the local "
            "server's store files (the demo starts fresh)"
        )
        LocalNeo4j(settings, say).wipe()
        existing = 0
    with open_database(settings) as db:
        if existing:
            say(f"Clearing the {existing:,} nodes already in the graph (the demo starts fresh)")
            db.clear(progress=say)
        say(f"Loading {out} (validate, resolve identities, upsert)")
        report = load_extract(
            db,
            out,
            load_specs(default_loaders_dir()),
            pii_key=settings.pii_key.get_secret_value().encode("utf-8"),
            batch_size=settings.load_batch_size,
            workers=settings.load_workers,
        ).as_dict()
        say("Running the analyses: tiers, influence clusters, churn, cross-sell")
        results = Pipeline(db, AnalysisOptions(tiers=tier_config(settings)), say).run("all")
        failed = [x["reason"] for x in results["steps"] if x["status"] != "ran"]
        if failed:
            raise ConfigError(f"the demo bank's analyses did not all run: {failed[0]}")
        tiers = results["segments"]["tiers"]
        clusters, churn, crosssell = results["clusters"], results["churn"], results["crosssell"]
        profiles = cluster_profiles(db)
        at_risk = retention_list(db, limit=5)
        top_recs: list[dict[str, Any]] = []
        if at_risk:
            found = db.read(
                "api/read_recommendations", customer_id=at_risk[0]["customer_id"], limit=3
            )
            top_recs = found[0]["items"] if found else []
        say("Planning a credit-card campaign (500 contacts, word-of-mouth seeds, control)")
        campaign = plan_campaign(
            db, CampaignRequest(product_id="CARD_CREDIT", budget=500, name="Demo credit cards")
        )
        record_campaign(db, campaign, planned_by="demo")
        largest = profiles[:3]
        say("Evaluating against the ground truth")
        scores = evaluate(db, out / "truth")
        counts = graph_counts(db)
    summary = {
        "uri": settings.uri,
        "extract": str(out),
        "load": {
            k: report[k] for k in ("rows_read", "rows_rejected", "customers_total", "duration_s")
        },
        "tiers": tiers,
        "clusters": clusters,
        "churn": churn,
        "at_risk": at_risk,
        "crosssell": crosssell,
        "largest_clusters": [
            {"community": c.community, "size": c.size, "label": c.label} for c in largest
        ],
        "campaign": {
            k: v
            for k, v in campaign.to_dict().items()
            if k not in ("contacts", "control", "filters")
        },
        "evaluation": scores,
        "counts": counts,
    }
    emit(summary, as_json)
    if not as_json:
        console.print(
            f"Loaded {report['rows_read']:,} rows ({report['rows_rejected']:,} rejected, see "
            f"{out / 'rejects'}) into {counts['nodes']:,} nodes and "
            f"{counts['relationships']:,} relationships in {report['duration_s']}s."
        )
        console.print(
            f"{report['customers_total']:,} golden customers; identity resolution precision "
            f"{scores['resolution']['precision']}, recall {scores['resolution']['recall']}."
        )
        if "clusters" in scores:
            console.print(
                f"{clusters['communities']:,} influence clusters ({clusters['algorithm']} on "
                f"{clusters['backend']}); NMI against the planted communities "
                f"{scores['clusters']['nmi']}."
            )
        if "churn" in scores:
            c = scores["churn"]
            console.print(
                f"Churn model: ROC AUC {c['roc_auc']['with_graph']} with graph signals, "
                f"{c['roc_auc']['without_graph']} without; {churn['high_value_at_risk']:,} "
                "high-value customers at risk. Retain first:"
            )
            for r in at_risk:
                console.print(
                    f"  {r['customer_id']} {r['name'] or ''} ({r['tier']}, "
                    f"risk {r['churn_risk']:.2f}):"
                    f" {'; '.join(r['drivers'] or [])}; RM {r['rm_name'] or '-'}"
                )
        if "crosssell" in scores:
            x = scores["crosssell"]
            console.print(
                f"Cross-sell: {crosssell['recommendations']:,} recommendations; recall@5 of the "
                f"blend {x['recall_at_k']['blend']} (popularity {x['recall_at_k']['popularity']},"
                f" SVD {x['recall_at_k']['svd']})."
            )
        if top_recs and at_risk:
            console.print(f"Next best products for {at_risk[0]['customer_id']}:")
            for r in top_recs:
                console.print(f"  {r['product']}: {'; '.join(r['reasons'])}")
        console.print("Largest influence clusters:")
        for c in largest:
            console.print(f"  {c.community}: {c.size} customers, {c.label}")
        cmp_ = campaign.seed_comparison
        low, high = campaign.conversions_interval
        console.print(
            f"Campaign {campaign.campaign_id} ({campaign.product}): {len(campaign.contacts)} "
            f"contacts, {len(campaign.control)} held out; expected conversions "
            f"{campaign.expected_conversions:.1f} (90%: {low:.1f} to {high:.1f}); word-of-mouth "
            f"reach {cmp_['greedy']['mean']:.1f} vs top-degree {cmp_['top_degree']['mean']:.1f} "
            f"and top-PageRank {cmp_['top_pagerank']['mean']:.1f} seeds."
        )
        console.print(
            f"Neo4j: {settings.uri} (user {settings.neo4j_user}). Try: crm-graph db status, "
            "crm-graph clusters, crm-graph churn at-risk, crm-graph churn report, "
            "crm-graph query --list, crm-graph campaign list"
        )
    if serve_api:
        _serve_demo(settings, out.parent / "demo-api-keys.txt", port, at_risk)


def _serve_demo(
    settings: Settings, keys_file: Path, port: int, at_risk: list[dict[str, Any]]
) -> None:
    """Serve the API and web page for the demo; create demo keys when none are set."""
    import os

    import uvicorn

    from crm_graph.api import create_app
    from crm_graph.api.security import digest, new_key, parse_keys

    keys = parse_keys(settings.api_keys.get_secret_value(), settings.api_keys_file)
    shown: dict[str, str] = {}
    if not keys.roles_by_digest:
        shown = {"marketing": new_key(), "analyst": new_key()}
        keys_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(keys_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("# demo keys (digests only), made by crm-graph demo\n")
            for role, key in shown.items():
                handle.write(f"{role}:sha256:{digest(key)}\n")
        settings = settings.model_copy(update={"api_keys_file": keys_file})
    base = f"http://127.0.0.1:{port}"
    console.print(
        f"\n[bold]Open {base}/app/[/bold] (the planner's page) and {base}/docs (OpenAPI)."
    )
    if shown:
        console.print(f"Demo keys (shown once; digests in {keys_file}):")
        for role, key in shown.items():
            console.print(f"  {role}: {key}")
        sample = at_risk[0]["customer_id"] if at_risk else "<customer_id>"
        key = shown["analyst"]
        console.print(
            "Try:\n"
            f"  curl -s {base}/ready\n"
            f'  curl -s -H "X-API-Key: {key}" "{base}/v1/churn/at-risk?tier=wealth&limit=3"\n'
            f'  curl -s -H "X-API-Key: {key}" {base}/v1/customers/{sample}/recommendations\n'
            f'  curl -s -H "X-API-Key: {key}" {base}/v1/campaigns'
        )
    console.print("Serving until Ctrl-C.")
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
