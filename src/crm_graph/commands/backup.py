"""``crm-graph db backup | restore | fingerprint`` (docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crm_graph.commands.common import JsonOpt, console, emit, open_database, progress_printer
from crm_graph.config import get_settings

__all__ = ["db_backup", "db_fingerprint", "db_restore"]


def db_backup(
    out: Annotated[Path, typer.Option(help="A new folder for the backup.")],
    as_json: JsonOpt = False,
) -> None:
    """Back up the local graph (stops and restarts the server) with the API keys file."""
    from crm_graph.backup import backup
    from crm_graph.neo4j_local import LocalNeo4j

    settings = get_settings()
    say = progress_printer(as_json)
    manifest = backup(
        LocalNeo4j(settings, say), out, keys_file=settings.api_keys_file, progress=say
    )
    emit(manifest, as_json)
    if not as_json:
        console.print(
            f"Backed up to {out}: {manifest['nodes']:,} nodes, {manifest['relationships']:,} "
            f"relationships, fingerprint {manifest['fingerprint']}."
        )


def db_restore(
    folder: Annotated[Path, typer.Argument(help="A folder written by `crm-graph db backup`.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace the current graph without asking.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Replace the local graph with a backup, after checking it whole; verify the fingerprint."""
    from crm_graph.backup import restore, verify
    from crm_graph.neo4j_local import LocalNeo4j

    settings = get_settings()
    verify(folder)  # a damaged backup fails here, before the question
    if not yes and not typer.confirm(
        f"Replace the graph of {settings.uri} with the backup in {folder}?", err=True
    ):
        raise typer.Exit(1)
    say = progress_printer(as_json)
    manifest = restore(
        LocalNeo4j(settings, say), folder, keys_file=settings.api_keys_file, progress=say
    )
    emit(manifest, as_json)
    if not as_json:
        console.print(
            f"Restored {folder} (taken {manifest['taken_at']}): fingerprint "
            f"{manifest['fingerprint']} matches."
        )


def db_fingerprint(as_json: JsonOpt = False) -> None:
    """Print the canonical hash of the whole graph (equal graphs, equal fingerprints)."""
    from crm_graph.fingerprint import fingerprint

    with open_database(get_settings()) as db:
        result = fingerprint(db)
    emit(result, as_json)
    if not as_json:
        print(result["fingerprint"])  # noqa: T201 - the command's output, for scripts
