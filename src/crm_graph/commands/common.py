"""What every command shares: the stderr console, ``--json`` output, the database."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console

from crm_graph.config import Settings
from crm_graph.db import Database, connect
from crm_graph.errors import ConfigError

__all__ = ["JsonOpt", "console", "emit", "open_database", "parse_date", "progress_printer"]

#: human output and errors go to stderr; stdout carries only ``--json`` payloads
console = Console(stderr=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def emit(payload: Any, as_json: bool) -> None:
    """Print ``payload`` as JSON on stdout when ``--json`` was given."""
    if as_json:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str, indent=2) + "\n")


def progress_printer(as_json: bool) -> Any:
    """Return a ``say(line)`` that prints progress lines unless ``--json``."""

    def say(line: str) -> None:
        if not as_json:
            console.print(f"[dim]•[/dim] {line}")

    return say


@contextmanager
def open_database(settings: Settings) -> Iterator[Database]:
    """Connect to the configured server and yield a :class:`Database`."""
    driver = connect(settings.uri, settings.neo4j_user, settings.neo4j_password.get_secret_value())
    with Database(driver, settings.neo4j_database, owns_driver=True) as db:
        yield db


def parse_date(text: str, option: str) -> date:
    """Read a command-line date (YYYY-MM-DD), or fail with one line naming the option."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


def check_tiers(db: Database, names: list[str], option: str) -> None:
    """Refuse a tier the last segments run did not name, with the ones it did.

    Raises
    ------
    ConfigError
        If segments never ran, or a name is not one of its tiers.
    """
    from crm_graph.analytics.segments import read_tiers

    tiers = read_tiers(db)
    if tiers is None:
        raise ConfigError(f"{option}: no tiers yet: run `crm-graph analyze segments` first")
    found = tiers.unknown(names)
    if found is not None:
        raise ConfigError(f"{option}: {found[1]}")
