"""``crm-graph db``: the local Neo4j+GDS server, the schema, wiping the graph."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from crm_graph.commands.backup import db_backup, db_fingerprint, db_restore
from crm_graph.commands.common import (
    JsonOpt,
    console,
    emit,
    open_database,
    progress_printer,
)
from crm_graph.config import Settings, get_settings
from crm_graph.db import Database
from crm_graph.errors import ConfigError
from crm_graph.neo4j_local import LocalNeo4j, server_versions

__all__ = ["db_app"]


db_app = typer.Typer(help="The local Neo4j+GDS server and the schema.", no_args_is_help=True)
db_app.command("backup")(db_backup)
db_app.command("restore")(db_restore)
db_app.command("fingerprint")(db_fingerprint)


def graph_counts(db: Database) -> dict[str, Any]:
    """Return ``{"nodes", "relationships", "labels", "types"}`` of the graph."""
    totals = db.read("admin/count_totals")[0]
    labels = {r["label"]: r["count"] for r in db.read("admin/count_nodes")}
    types = {r["type"]: r["count"] for r in db.read("admin/count_relationships")}
    return {
        "nodes": totals["nodes"],
        "relationships": totals["relationships"],
        "labels": labels,
        "types": types,
    }


def _external(settings: Settings, verb: str, as_json: bool) -> bool:
    """Say so and return True when CRM_NEO4J_URI names a server this machine does not run."""
    if not settings.is_external:
        return False
    emit({"skipped": True, "uri": settings.uri}, as_json)
    if not as_json:
        console.print(f"CRM_NEO4J_URI points at {settings.uri}: no local server to {verb}.")
    return True


@db_app.command("start")
def db_start(as_json: JsonOpt = False) -> None:
    """Provision (first time) and start the local Neo4j+GDS; wait until it answers."""
    settings = get_settings()
    if _external(settings, "start", as_json):
        return
    server = LocalNeo4j(settings, progress_printer(as_json))
    was_running = server.pid() is not None
    status = server.start()
    emit({**asdict(status), "already_running": was_running}, as_json)
    if not as_json:
        state = "was already running" if was_running else "started"
        console.print(
            f"Neo4j {status.neo4j_version} with GDS {status.gds_version} {state} "
            f"at {status.uri} (pid {status.pid})."
        )


@db_app.command("stop")
def db_stop(as_json: JsonOpt = False) -> None:
    """Stop the local Neo4j (does nothing when none runs)."""
    settings = get_settings()
    if _external(settings, "stop", as_json):
        return
    stopped = LocalNeo4j(settings, progress_printer(as_json)).stop()
    emit({"stopped": stopped}, as_json)
    if not as_json:
        console.print("Neo4j stopped." if stopped else "Neo4j was not running.")


@db_app.command("wipe")
def db_wipe(
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: the graph is deleted.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete the local server's graph fast (its store files), then start it again, empty.

    For a large graph: seconds instead of the half hour a Cypher delete of tens of
    millions of nodes takes. Users and the password are kept. Refuses a server named
    by CRM_NEO4J_URI (delete its data with its own tools).
    """
    settings = get_settings()
    if settings.is_external:
        raise ConfigError(
            f"CRM_NEO4J_URI points at {settings.uri}: db wipe only empties the local server"
        )
    if not yes:
        raise ConfigError("db wipe deletes the whole graph of the local server; pass --yes")
    status = LocalNeo4j(settings, progress_printer(as_json)).wipe()
    emit({**asdict(status), "wiped": settings.neo4j_database}, as_json)
    if not as_json:
        console.print(f"The graph of {status.uri} is empty (pid {status.pid}).")


@db_app.command("status")
def db_status(as_json: JsonOpt = False) -> None:
    """Report the server, its versions and the graph's counts."""
    settings = get_settings()
    payload: dict[str, Any] = {"uri": settings.uri, "external": settings.is_external}
    if settings.is_external:
        neo4j_version, gds_version = server_versions(settings)
        payload.update(running=True, pid=None, neo4j_version=neo4j_version, gds_version=gds_version)
    else:
        status = LocalNeo4j(settings).status()
        payload.update(asdict(status))
    if payload["running"]:
        with open_database(settings) as db:
            payload["counts"] = graph_counts(db)
    emit(payload, as_json)
    if as_json:
        return
    if not payload["running"]:
        console.print(f"Neo4j is not running (instance {settings.instance_dir}).")
        raise typer.Exit(0)
    table = Table(show_header=False, box=None)
    for key in ("uri", "neo4j_version", "gds_version", "pid"):
        table.add_row(key, str(payload.get(key)))
    counts = payload["counts"]
    table.add_row("nodes", f"{counts['nodes']:,}")
    table.add_row("relationships", f"{counts['relationships']:,}")
    for label, n in counts["labels"].items():
        table.add_row(f"  :{label}", f"{n:,}")
    Console().print(table)


@db_app.command("init")
def db_init(as_json: JsonOpt = False) -> None:
    """Create the constraints and indexes of the graph model (idempotent)."""
    with open_database(get_settings()) as db:
        applied = db.init_schema()
    emit({"schema_statements": applied}, as_json)
    if not as_json:
        console.print(f"Schema applied: {applied} constraints and indexes.")


@db_app.command(
    "shell", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
def db_shell(ctx: typer.Context) -> None:
    """Open cypher-shell on the configured server (extra arguments go to cypher-shell).

    Example: ``echo 'MATCH (c:Customer) RETURN count(c);' | crm-graph db shell --format plain``
    """
    import subprocess

    from crm_graph.neo4j_local import cypher_shell_command

    command, env = cypher_shell_command(get_settings(), list(ctx.args))
    raise typer.Exit(subprocess.run(command, env=env, check=False).returncode)
