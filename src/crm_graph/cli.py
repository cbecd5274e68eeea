"""The ``crm-graph`` command line (typer + rich): the command groups of :mod:`crm_graph.commands`.

Every command prints human output by default and JSON with ``--json``. Exit codes:
0 success, 1 a handled error (one line on stderr), 2 bad usage.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from crm_graph.commands.analyze import analyze
from crm_graph.commands.audit import audit
from crm_graph.commands.campaign import campaign_app
from crm_graph.commands.churn import churn_app
from crm_graph.commands.common import (
    console,
)
from crm_graph.commands.db import db_app
from crm_graph.commands.explore import clusters_cmd, evaluate_cmd, query_cmd, report
from crm_graph.commands.load import generate, load, mapping_app
from crm_graph.commands.resolve import resolve_app
from crm_graph.commands.serve import api_key_app, demo, serve
from crm_graph.errors import CrmGraphError

__all__ = ["app", "main"]

app = typer.Typer(
    name="crm-graph",
    help="A graph-based customer relationship model for banks on Neo4j + GDS.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db_app, name="db")
app.command("audit")(audit)
app.command("generate")(generate)
app.command("load")(load)
app.add_typer(mapping_app, name="mapping")
app.add_typer(resolve_app, name="resolve")
app.command("analyze")(analyze)
app.add_typer(churn_app, name="churn")
app.command("clusters")(clusters_cmd)
app.command("query")(query_cmd)
app.command("evaluate")(evaluate_cmd)
app.command("serve")(serve)
app.command("report")(report)
app.add_typer(campaign_app, name="campaign")
app.add_typer(api_key_app, name="api-key")
app.command("demo")(demo)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn crm-graph errors into one line and exit code 1.

    Usage errors are reported by typer itself with exit code 2. Warnings of the
    library (no GDS on the server, no ties in the graph) are one line each too.
    """
    import warnings

    def one_line_warning(message: Warning | str, *_: Any, **__: Any) -> None:
        console.print(f"[yellow]warning:[/yellow] {message}", highlight=False, soft_wrap=True)

    warnings.showwarning = one_line_warning
    try:
        app(args=argv)
    except CrmGraphError as exc:
        one_line = " ".join(exc.message.split())
        console.print(f"[red]error:[/red] {one_line}", highlight=False, soft_wrap=True, markup=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
