"""``crm-graph resolve``: the identity-resolution audit, undo and the review queue."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from crm_graph.audit import customer_ids_in
from crm_graph.commands.audit import record_cli
from crm_graph.commands.common import (
    JsonOpt,
    console,
    emit,
    open_database,
)
from crm_graph.config import get_settings
from crm_graph.errors import ConfigError

__all__ = ["resolve_app"]


resolve_app = typer.Typer(
    help="Identity-resolution audit: merges and splits, undo, the review queue of conflicts.",
    no_args_is_help=True,
)


@resolve_app.command("events")
def resolve_events(
    kind: Annotated[str | None, typer.Option(help="Only 'merge' or 'split' events.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Events to show.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """List merges and splits of golden customers, newest first (who, when, why)."""
    from crm_graph.ingest.merges import list_events

    if kind not in (None, "merge", "split"):
        raise ConfigError(f"--kind must be merge or split, not {kind!r}")
    with open_database(get_settings()) as db:
        rows = list_events(db, kind=kind, limit=limit)
    emit({"items": rows}, as_json)
    if as_json:
        return
    table = Table(title="Resolution events")
    for column in ("event", "kind", "at", "by", "customers", "records", "undone by", "reason"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["event_id"],
            r["kind"],
            str(r["at"]),
            str(r["by"]),
            ", ".join(r["customer_ids"] or []),
            str(r["records"]),
            str(r["undone_by_event"] or ""),
            str(r["reason"]),
        )
    console.print(table)


@resolve_app.command("undo")
def resolve_undo(
    event_id: Annotated[str, typer.Argument(help="The merge event to undo.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the split event).")],
    by: Annotated[str | None, typer.Option(help="Who undoes it (default: the OS user).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Undo a merge: restore the merged-away customers, re-point and pin their records."""
    import getpass

    from crm_graph.ingest.merges import undo_merge

    with open_database(get_settings()) as db:
        result = undo_merge(db, event_id, by=by or f"cli:{getpass.getuser()}", reason=reason)
    emit(result, as_json)
    if as_json:
        return
    console.print(
        f"Undid {event_id} ({result['split_id']}): restored {', '.join(result['restored'])}; "
        f"{result['records_relinked']} records re-pointed and pinned apart, "
        f"{result['relationships_moved']} relationships moved back."
    )


@resolve_app.command("review")
def resolve_review(
    status: Annotated[str, typer.Option(help="open, accepted, rejected or all.")] = "open",
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="Conflicts to show.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """List the merges the resolver refused (the review queue), newest first."""
    from crm_graph.ingest.review import list_conflicts

    if status not in ("open", "accepted", "rejected", "all"):
        raise ConfigError(f"--status must be open, accepted, rejected or all, not {status!r}")
    with open_database(get_settings()) as db:
        rows = list_conflicts(db, status=None if status == "all" else status, limit=limit)
    record_cli(
        "resolve review",
        customer_ids_in(rows),
        {"status": status, "limit": limit},
    )
    emit({"items": rows}, as_json)
    if as_json:
        return
    table = Table(title=f"Resolution conflicts ({status})")
    for column in ("conflict", "status", "rule", "records (customer now)", "reason"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["conflict_id"],
            r["status"],
            r["rule"],
            "\n".join(f"{x['record']} ({x['customer_id']})" for x in r["records"]),
            r["reason"],
        )
    console.print(table)


@resolve_app.command("decide")
def resolve_decide(
    conflict_id: Annotated[str, typer.Argument(help="The conflict (see resolve review).")],
    decision: Annotated[
        str, typer.Argument(help="accept (one customer) or reject (different customers).")
    ],
    reason: Annotated[str, typer.Option(help="Why (kept on the conflict).")],
    by: Annotated[str | None, typer.Option(help="Who decides (default: the OS user).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Decide a conflict; the next load applies it (accept: join, reject: keep apart)."""
    import getpass

    from crm_graph.ingest.review import decide_conflict

    with open_database(get_settings()) as db:
        result = decide_conflict(
            db, conflict_id, decision, by=by or f"cli:{getpass.getuser()}", reason=reason
        )
    emit(result, as_json)
    if not as_json:
        console.print(
            f"{conflict_id} {result['status']}: {result['pinned']} records pinned; "
            "the next load applies it."
        )
