"""``crm-graph generate``, ``load`` and ``mapping draft``: banks in, extracts mapped."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from crm_graph.commands.common import (
    JsonOpt,
    console,
    emit,
    open_database,
    progress_printer,
)
from crm_graph.config import get_settings
from crm_graph.errors import ConfigError

__all__ = ["generate", "load", "mapping_app"]


def generate(
    customers: Annotated[
        int, typer.Option(help="Number of real customers (persons and companies).")
    ] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 7,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("out/bank"),
    mixing: Annotated[float, typer.Option(help="Share of ties leaving their community.")] = 0.2,
    noise: Annotated[
        float, typer.Option(help="Share of customer records with identity defects.")
    ] = 0.1,
    hard_names: Annotated[
        bool,
        typer.Option(
            "--hard-names",
            help="Harder identities: many namesakes, Latin names with legal-form words and "
            "transliteration variants, shared household phones, twins.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Generate a synthetic multi-silo bank with ground truth (see docs/data.md)."""
    from crm_graph.generate import generate_bank

    manifest = generate_bank(
        out,
        customers,
        seed,
        mixing,
        noise,
        progress=progress_printer(as_json),
        hard_names=hard_names,
    )
    emit(manifest, as_json)
    if not as_json:
        rows = sum(v for k, v in manifest["files"].items() if not k.startswith("truth/"))
        console.print(
            f"Wrote {len(manifest['files'])} files ({rows:,} source rows) for "
            f"{customers:,} customers to {out}; cutoff {manifest['cutoff']}."
        )


def load(
    extract: Annotated[Path, typer.Argument(help="Extract folder (one sub-folder per system).")],
    mappings: Annotated[
        list[Path] | None,
        typer.Option(
            help="A mapping file, or a folder of them (its default set); repeat for several "
            "(default: the shipped loaders/)."
        ),
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Folder for reject files (default: EXTRACT/rejects).")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Everything but the writes: per target what would be written, filtered "
            "and rejected (reject files are written).",
        ),
    ] = False,
    resolver: Annotated[
        str | None,
        typer.Option(
            help="rules (default) or splink: what links records that no id number or "
            "declared link settles (setting CRM_RESOLVER).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Validate, resolve identities and upsert an extract; rejects go to EXTRACT/rejects/."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from crm_graph.ingest.load import load_extract
    from crm_graph.ingest.matchers import matcher
    from crm_graph.ingest.spec import default_loaders_dir, load_specs

    if not extract.is_dir():
        raise ConfigError(f"{extract}: no such extract folder")
    specs = load_specs(*(mappings or [default_loaders_dir()]))
    settings = get_settings()
    chosen = resolver or settings.resolver
    options = {"threshold": settings.splink_threshold} if chosen == "splink" else {}
    resolving = matcher(chosen, **options)
    columns = (
        TextColumn("{task.description:<48}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with (
        open_database(settings) as db,
        Progress(*columns, console=console, disable=as_json, transient=False) as bar,
    ):
        tasks: dict[str, Any] = {}

        def progress(task: str, done: int, total: int) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=max(total, 1))
            bar.update(tasks[task], completed=done if total else 1, total=max(total, 1))

        report = load_extract(
            db,
            extract,
            specs,
            pii_key=settings.pii_key.get_secret_value().encode("utf-8"),
            batch_size=settings.load_batch_size,
            workers=settings.load_workers,
            progress=progress,
            rejects_dir=rejects,
            dry_run=dry_run,
            matcher=resolving,
        ).as_dict()
    for warning in report["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    emit(report, as_json)
    if as_json:
        return
    if dry_run:
        plan = Table(title=f"Dry run of {extract}: nothing was written")
        for col in ("target", "rows", "filtered", "rejected", "would write"):
            plan.add_column(col, justify="left" if col == "target" else "right")
        for name, t in report["targets"].items():
            plan.add_row(
                name, f"{t['rows']:,}", f"{t['filtered']:,}", f"{t['rejected']:,}",
                f"{t['written']:,}",
            )  # fmt: skip
        Console().print(plan)
    table = Table(title=f"Load of {extract}")
    for col in ("file", "read", "loaded", "rejected"):
        table.add_column(col, justify="left" if col == "file" else "right")
    for name, f in report["files"].items():
        table.add_row(name, f"{f['read']:,}", f"{f['loaded']:,}", f"{f['rejected']:,}")
    Console().print(table)
    console.print(
        f"{report['rows_read']:,} rows read, {report['rows_rejected']:,} rejected "
        f"(see {rejects or extract / 'rejects'}); {report['customers_created']:,} new customers, "
        f"{report['customers_total']:,} in the graph{' after it' if dry_run else ''}; "
        f"{report['conflicts']} conflicts, "
        f"{report['merges']} merges; {report['duration_s']}s ({report['rows_per_s']:,} rows/s)."
    )
    console.print(
        "records resolved by rule: "
        + ", ".join(
            f"{k} {v:,}"
            for k, v in sorted(report["records_resolved"].items(), key=lambda kv: -kv[1])
        )
    )


mapping_app = typer.Typer(
    help="Loader mappings: draft one for an extract nobody has mapped yet.",
    no_args_is_help=True,
)


@mapping_app.command("draft")
def mapping_draft(
    folder: Annotated[Path, typer.Argument(help="The extract folder to profile.")],
    out: Annotated[Path, typer.Option(help="Where to write the drafted mapping (YAML).")],
    system: Annotated[
        str | None, typer.Option(help="The source system's name (default: the folder's).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite --out if it exists.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Profile every CSV/Parquet file of FOLDER and write a commented mapping that loads."""
    from crm_graph.ingest.draft import draft_mapping
    from crm_graph.ingest.spec import load_spec

    if not folder.is_dir():
        raise ConfigError(f"{folder}: no such extract folder")
    if out.exists() and not force:
        raise ConfigError(f"{out} exists; pass --force to overwrite it")
    text = draft_mapping(folder, system)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    spec = load_spec(out)  # the draft must load as it is
    summary = {
        "out": str(out),
        "system": spec.system,
        "files": [f.name for f in spec.files],
        "customer_file": next((f.name for f in spec.files if f.identity), None),
        "targets": sum(len(f.targets) for f in spec.files),
    }
    emit(summary, as_json)
    if not as_json:
        console.print(
            f"Wrote {out}: system {spec.system}, {len(spec.files)} files, customers from "
            f"{summary['customer_file']}, {summary['targets']} targets. Check the comments, "
            f"then: crm-graph load {folder} --mappings {out} --dry-run"
        )
