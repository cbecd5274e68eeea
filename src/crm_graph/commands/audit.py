"""``crm-graph audit``: who saw a customer, what a key saw (docs/security.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from crm_graph.audit import AuditLog, search
from crm_graph.commands.common import JsonOpt, console, emit
from crm_graph.config import get_settings
from crm_graph.errors import ConfigError

__all__ = ["audit", "record_cli"]


def _since(text: str | None) -> date | datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    except ValueError as e:
        raise ConfigError(f"--since {text!r}: not a date (YYYY-MM-DD) or ISO time") from e


def audit(
    customer: Annotated[
        str | None, typer.Option(help="Who saw this customer (a golden customer id).")
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(help="What this key saw: its key id (the digest's first 12 hex digits)."),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only entries from this day (YYYY-MM-DD, UTC) or time on.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many (the newest).")] = 200,
    as_json: JsonOpt = False,
) -> None:
    """Read the access audit: who saw which customer's data, when, and the outcome."""
    if customer is None and key is None and since is None:
        raise ConfigError("say what to look for: --customer ID, --key KEY_ID or --since DATE")
    settings = get_settings()
    entries = search(settings.audit_folder, customer=customer, key=key, since=_since(since))
    shown = entries[-limit:]
    emit({"entries": shown, "total": len(entries)}, as_json)
    if as_json:
        return
    table = Table(title=f"Access audit ({len(entries):,} entries; newest {len(shown):,})")
    for col in ("at", "who", "action", "customers", "outcome"):
        table.add_column(col)
    for e in shown:
        who = e.get("who", {})
        name = (
            f"key {who.get('key_id')} ({who.get('role') or 'no role'})"
            if "key_id" in who
            else f"os user {who.get('os_user')}"
        )
        ids = e.get("customers", [])
        table.add_row(
            str(e.get("at", ""))[:23],
            name,
            str(e.get("action", "")),
            ", ".join(ids[:3]) + (f" +{len(ids) - 3}" if len(ids) > 3 else ""),
            f"{e.get('outcome', '')} {e.get('status', '')}".strip(),
        )
    Console().print(table)
    if not entries:
        console.print("No entries match.")


def record_cli(command: str, customers: Any, params: dict[str, Any] | None = None) -> None:
    """Record a CLI command that printed customer-level data (with the OS user)."""
    settings = get_settings()
    AuditLog(settings.audit_folder, settings.audit_max_bytes).record_cli(command, customers, params)
