"""Load an extract: validate every file, resolve identities, upsert into the graph.

Order of work (see docs/loading.md):

1. validate every mapped file, chunk by chunk, into a spool folder (in worker
   processes for large extracts); a file-level problem (missing file, unreadable
   encoding, missing required column) stops the load *before anything is written*;
   bad rows go to ``DIR/rejects/<system>/<file>.csv``;
2. constraints and indexes (``schema.cypher``);
3. identity resolution of all customer records against the records already in
   the graph (stable golden ids, merges recorded as ``ResolutionEvent`` nodes);
4. batched ``UNWIND $rows`` upserts in dependency order: catalogues, employees,
   customers and source records, service links, then accounts, channels, contacts,
   ties, balances, applications, churn.

Memory is bounded by the chunk size, not by the extract: checked rows wait on disk
and are streamed back one chunk at a time; only the customer records (for
resolution) are held whole, in compact form. A background writer sends each batch
while the next rows are built, with ``workers`` transactions in flight split by
customer, so that they never lock the same customer.

Every write is a MERGE on a key, so re-running the same extract changes nothing,
and a run killed half-way is completed by the next one without duplicates.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import queue
import shutil
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.types import union_categoricals

from crm_graph.db import Database
from crm_graph.errors import IngestError, MappingError, RejectsFolderError
from crm_graph.identifiers import valid_resident_id, valid_uscc
from crm_graph.ingest.expressions import ExpressionError, evaluate
from crm_graph.ingest.matchers import Matcher
from crm_graph.ingest.resolve import (
    Resolution,
    _arrow_text,
    _hex_keys,
    looks_like_organisation,
    resolve,
)
from crm_graph.ingest.spec import (
    FileSpec,
    IdentitySpec,
    JoinSpec,
    SystemSpec,
    TargetSpec,
    field_columns,
)
from crm_graph.ingest.targets import TARGETS, Target
from crm_graph.ingest.validate import SpooledFile, spool_validated, write_rejects

__all__ = ["LoadReport", "RecordIndex", "load_extract"]

Progress = Callable[[str, int, int], None]  # (task, done, total)

#: Rows built and sent to the writer at a time (bounds the rows held in memory).
SLICE_ROWS = 50_000

#: Extracts smaller than this are checked in this process (worker start-up costs more).
PARALLEL_CHECK_BYTES = 32 * 2**20

_CATALOGUE_KEYS = {
    "products": "product_id",
    "branches": "branch_id",
    "competitors": "competitor_id",
}

#: The row field that splits a target's rows between write workers; targets not listed
#: (ties between two customers, catalogues) are written by one worker, since rows of
#: two workers would lock the same customers and deadlock.
_PARTITION = {
    "load/upsert_customers": "customer_id",
    "load/upsert_source_records": "customer_id",
    "load/merge_service_links": "customer_id",
    "load/upsert_accounts": "customer_id",
    "load/merge_enrolments": "customer_id",
    "load/upsert_contacts": "customer_id",
    "load/set_balances": "customer_id",
    "load/upsert_applications": "customer_id",
    "load/merge_churn": "customer_id",
}


@dataclass
class FileReport:
    """Counts for one file."""

    read: int = 0
    loaded: int = 0
    rejected: int = 0


@dataclass
class LoadReport:
    """What a load did; printed by the CLI and returned as JSON with ``--json``."""

    extract: str
    files: dict[str, FileReport] = field(default_factory=dict)
    customers_created: int = 0
    customers_total: int = 0
    records_resolved: dict[str, int] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    rows_written: int = 0
    retried_transactions: int = 0
    co_holder_ties: int = 0
    duration_s: float = 0.0
    dry_run: bool = False
    #: per target: the file's good rows, kept by ``where``, filtered out by it,
    #: rejected (references, products, joins) and written (or, dry, to write)
    targets: dict[str, dict[str, int]] = field(default_factory=dict)
    #: per file with rejects: per reason, the first lines rejected for it
    reject_samples: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-ready data."""
        read = sum(f.read for f in self.files.values())
        return {
            "extract": self.extract,
            "files": {k: vars(v) for k, v in sorted(self.files.items())},
            "rows_read": read,
            "rows_loaded": sum(f.loaded for f in self.files.values()),
            "rows_rejected": sum(f.rejected for f in self.files.values()),
            "customers_created": self.customers_created,
            "customers_total": self.customers_total,
            "co_holder_ties": self.co_holder_ties,
            "dry_run": self.dry_run,
            "targets": self.targets,
            "reject_samples": self.reject_samples,
            "warnings": self.warnings,
            "records_resolved": self.records_resolved,
            "conflicts": len(self.conflicts),
            "conflict_examples": self.conflicts[:5],
            "merges": len(self.merges),
            "rows_written": self.rows_written,
            "retried_transactions": self.retried_transactions,
            "duration_s": round(self.duration_s, 2),
            "rows_per_s": round(read / self.duration_s, 1) if self.duration_s else None,
        }


def _silent(_: str, __: int, ___: int) -> None:
    return None


def _mask_name(name: str | None) -> str | None:
    if not name or not isinstance(name, str):
        return None
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _mask_phone(phone: str | None) -> str | None:
    if not phone or not isinstance(phone, str):
        return None
    return phone[:6] + "****" + phone[-4:] if len(phone) > 10 else phone[:3] + "****"


def _clean(value: Any) -> Any:
    """Turn pandas/numpy scalars into what the Bolt driver accepts."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts of plain Python values (NaN and NA become None).

    Examples
    --------
    >>> _records(pd.DataFrame({"a": [1, 2], "b": [None, float("nan")]}))
    [{'a': 1, 'b': None}, {'a': 2, 'b': None}]
    """
    names = [str(c) for c in frame.columns]
    columns = []
    for c in frame.columns:
        values = frame[c].tolist()
        if frame[c].dtype.kind in "fcOU" or isinstance(
            frame[c].dtype, pd.CategoricalDtype | pd.ArrowDtype
        ):
            values = [_clean(v) for v in values]
        columns.append(values)
    return [dict(zip(names, vals, strict=True)) for vals in zip(*columns, strict=True)]


def _props(
    fields: dict[str, Any], exclude: tuple[str, ...], *, drop_none: bool = False
) -> dict[str, Any]:
    """Return the fields that become properties (all but the keys and references)."""
    return {k: v for k, v in fields.items() if k not in exclude and not (drop_none and v is None)}


def _value(frame: pd.DataFrame, spec: str) -> pd.Series:
    """Evaluate a field value: a column, a literal ``=text`` or a template ``{col}-x``.

    Template columns may hold a dot (``{disp.client_id}``, a joined file's column).

    Examples
    --------
    >>> f = pd.DataFrame({"a": [1, 2], "disp.b": ["x", "y"]})
    >>> _value(f, "{a}:{disp.b}").tolist(), _value(f, "=k").tolist()
    (['1:x', '2:y'], ['k', 'k'])
    """
    if spec.startswith("="):
        return pd.Series([spec[1:]] * len(frame), index=frame.index, dtype=object)
    if "{" in spec:
        cols = field_columns(spec)
        pattern = string.Formatter()
        parts = list(pattern.parse(spec))
        values = []
        for row in frame[cols].itertuples(index=False, name=None):
            by_name = dict(zip(cols, row, strict=True))
            values.append(
                "".join(
                    text + ("" if name is None else format(by_name[name], spec_ or ""))
                    for text, name, spec_, _ in parts
                )
            )
        return pd.Series(values, index=frame.index, dtype=object)
    return frame[spec]


def _key_text(values: pd.Series) -> pd.Series:
    """Join keys as text: integers without a decimal point, missing as None."""
    text = values.astype(object).map(
        lambda v: (
            None
            if v is None or (isinstance(v, float) and v != v)
            else str(int(v))
            if isinstance(v, float) and v.is_integer()
            else str(v)
        )
    )
    return text.astype(object)


def _best_records(records: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Position of each customer's best record: highest authority, then system, record id.

    Sorted on integer ranks rather than the text (a million customers' records).

    Examples
    --------
    >>> r = pd.DataFrame({"customer_id": ["B", "A", "A", "B"], "authority": [1, 1, 2, 1],
    ...     "system": pd.Categorical(["cards", "core", "calls", "calls"]),
    ...     "record_id": ["9", "1", "2", "3"]})
    >>> _best_records(r).tolist()
    [2, 3]
    """

    def rank(values: pd.Series) -> npt.NDArray[np.int64]:
        codes, _ = pd.factorize(values.astype(object), sort=True)
        return np.asarray(codes, dtype=np.int64)

    if records.empty:
        return np.empty(0, dtype=np.int64)
    system = records["system"]
    if isinstance(system.dtype, pd.CategoricalDtype):
        text = system.cat.categories.astype(str)
        by_text = np.argsort(np.argsort(np.asarray(text, dtype=object)))
        system_rank = by_text[system.cat.codes.to_numpy()]
    else:
        system_rank = rank(system.astype(str))
    customer = rank(records["customer_id"])
    order = np.lexsort(
        (
            rank(records["record_id"].astype(str)),
            system_rank,
            -records["authority"].to_numpy(dtype=np.int64),
            customer,
        )
    )
    first = np.r_[True, customer[order][1:] != customer[order][:-1]]
    out: npt.NDArray[np.int64] = np.sort(order[first])
    return out


def conflict_id(records: Iterable[str]) -> str:
    """Return the id of a conflict: ``K`` and 16 hex digits of its sorted records' hash.

    Examples
    --------
    >>> conflict_id(["core:2", "cards:A"]) == conflict_id(["cards:A", "core:2"])
    True
    """
    text = "\n".join(sorted(records))
    return "K" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16].upper()


def _record_kinds(rows: pd.DataFrame, ident: IdentitySpec) -> npt.NDArray[Any]:
    """Each record's kind: from the kind column, the fixed default, or detected.

    Detected (``default: detect``): a social credit code or an organisation's legal
    form in the name makes a company, a resident id a person; else a person.
    """
    n = len(rows)
    fallback = ident.kind.default or "person"
    if fallback == "detect":
        ids = rows[ident.id_number] if ident.id_number else pd.Series([None] * n, dtype=object)
        names = rows[ident.name] if ident.name else pd.Series([None] * n, dtype=object)
        id_text = ids.astype(object).where(ids.notna(), "").astype(str).tolist()
        by_id = np.array(
            [
                "company" if valid_uscc(v) else "person" if valid_resident_id(v) else ""
                for v in id_text
            ],
            dtype=object,
        )
        by_name = np.array(
            ["company" if looks_like_organisation(v) else "person" for v in names.tolist()],
            dtype=object,
        )
        detected = np.where(by_id != "", by_id, by_name)
    else:
        detected = np.full(n, fallback, dtype=object)
    if not ident.kind.column:
        return detected
    raw_kind = rows[ident.kind.column].astype(str)
    return np.where(
        raw_kind.isin(ident.kind.company),
        "company",
        np.where(raw_kind.isin(ident.kind.person), "person", detected),
    )


def _compact(values: pd.Series) -> pd.Series:
    """Store a column of repeated text as a categorical (codes and distinct values)."""
    return values.astype(object).where(values.notna(), None).astype("category")


def _concat_compact(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate frames whose categorical columns have different categories.

    Consumes ``parts``: each column is dropped from them once concatenated, so that
    memory peaks at one copy of the data plus one column, not two copies.
    """
    if not parts:
        return pd.DataFrame()
    columns = list(parts[0].columns)
    out: dict[str, Any] = {}
    for c in columns:
        series = [p.pop(c) for p in parts]
        if all(isinstance(s.dtype, pd.CategoricalDtype) for s in series):
            series = [
                s
                if s.cat.categories.dtype == object
                else s.cat.set_categories(pd.Index(s.cat.categories, dtype=object))
                for s in series
            ]
            out[c] = pd.Series(union_categoricals(series, ignore_order=True))
        elif any(isinstance(s.dtype, pd.CategoricalDtype) for s in series):
            out[c] = pd.concat([s.astype(object) for s in series], ignore_index=True)
        else:
            out[c] = pd.concat(series, ignore_index=True)
    return pd.DataFrame(out, copy=False)


class RecordIndex:
    """Which golden customer each source record resolves to, for the loader's lookups.

    One hash index of record ids per system, plus the customer id of each as a code
    into the distinct customer ids; built once per load, for millions of records.

    Examples
    --------
    >>> idx = RecordIndex(pd.DataFrame({"system": ["core", "core", "cards"],
    ...     "record_id": ["1", "2", "1"], "customer_id": ["CA", "CB", "CA"]}))
    >>> idx.lookup("core", ["2", "9", "1"]).tolist()
    ['CB', None, 'CA']
    >>> len(idx)
    3
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        codes, uniques = pd.factorize(frame["customer_id"].astype(object))
        # the last entry (None) is what code -1, an unknown record, picks
        self._customers: npt.NDArray[Any] = np.concatenate(
            [np.asarray(uniques, dtype=object), np.array([None], dtype=object)]
        )
        self._by_system: dict[str, tuple[pd.Index, npt.NDArray[np.int64]]] = {}
        systems = frame["system"].astype(str).to_numpy()
        ids = frame["record_id"].astype(str).to_numpy(dtype=object)
        for system in np.unique(systems):
            at = np.flatnonzero(systems == system)
            index = pd.Index(ids[at], dtype=object)
            keep = ~index.duplicated(keep="last")  # a later row wins (this load's)
            self._by_system[str(system)] = (index[keep], codes[at][keep])

    def __len__(self) -> int:
        return sum(len(ix) for ix, _ in self._by_system.values())

    def lookup(self, system: str, record_ids: Iterable[str]) -> npt.NDArray[Any]:
        """Return the customer id of each record id of ``system`` (None when unknown)."""
        wanted = pd.Index([str(r) for r in record_ids], dtype=object)
        if system not in self._by_system:
            return np.full(len(wanted), None, dtype=object)
        index, codes = self._by_system[system]
        found = index.get_indexer(wanted)
        out = np.where(found >= 0, codes[np.where(found >= 0, found, 0)], -1)
        picked: npt.NDArray[Any] = self._customers[out]
        return picked


class _QuietRetries(logging.Handler):
    """Keep the driver's "will be retried" warnings off the terminal.

    Deadlocks between the load's own writers are expected and retried; the load
    report counts them (:attr:`crm_graph.db.Database.retries`, from the transaction
    attempts). Every other driver message goes on to standard error as before.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self._forward = logging.StreamHandler(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        if "will be retried" not in record.getMessage():
            self._forward.emit(record)


class _Writer:
    """Writes jobs in order on a background thread, so the next rows are built meanwhile.

    Jobs run one after another in the order submitted (a stage's writes finish before
    the next stage's start); within a job, ``workers`` transactions are in flight,
    split by customer. The first failure stops the writer and is raised in the
    loading thread by the next :meth:`submit` or by :meth:`drain`.
    """

    def __init__(
        self,
        db: Database,
        batch_size: int,
        workers: int,
        progress: Progress,
        report: LoadReport,
        dry_run: bool = False,
    ) -> None:
        self.db = db
        self.dry_run = dry_run
        self.batch_size = batch_size
        self.workers = workers
        self.progress = progress
        self.report = report
        self.error: BaseException | None = None
        self.done: dict[str, int] = {}
        self.totals: dict[str, int] = {}
        self._jobs: queue.Queue[tuple[str, str, list[dict[str, Any]], dict[str, Any]] | None]
        # one job waiting while one is written: enough to keep the writer busy (building
        # rows is faster than writing them), and each job held costs memory
        self._jobs = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._run, name="crm-graph-writer", daemon=True)
        self._thread.start()

    def start_task(self, task: str, total: int) -> None:
        """Announce a task (a progress bar) of ``total`` rows."""
        self.totals[task] = total
        self.done.setdefault(task, 0)
        self.progress(task, self.done[task], total)

    def submit(self, task: str, name: str, rows: list[dict[str, Any]], **params: Any) -> None:
        """Queue ``rows`` for the statement ``name`` (blocks while a job waits)."""
        self._raise()
        if rows:
            self._jobs.put((task, name, rows, params))

    def drain(self) -> None:
        """Wait until every queued job is written; raise the writer's failure, if any."""
        self._jobs.join()
        self._raise()

    def close(self) -> None:
        """Stop the writer thread (after the job in progress)."""
        self._jobs.put(None)
        self._thread.join()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                if self.error is None:
                    self._write(*job)
            except BaseException as exc:  # noqa: BLE001 - raised in the loading thread
                self.error = exc
            finally:
                self._jobs.task_done()

    def _write(
        self, task: str, name: str, rows: list[dict[str, Any]], params: dict[str, Any]
    ) -> None:
        if self.dry_run:  # everything but the write: count what would be written
            self.done[task] = self.done.get(task, 0) + len(rows)
            self.progress(task, self.done[task], max(self.totals.get(task, 0), self.done[task]))
            return
        partition = _PARTITION.get(name)
        for written in self.db.write_batches(
            name,
            rows,
            batch_size=self.batch_size,
            workers=self.workers if partition else 1,
            partition=partition,
            **params,
        ):
            self.done[task] = self.done.get(task, 0) + written
            self.report.rows_written += written
            total = max(self.totals.get(task, 0), self.done[task])
            self.progress(task, self.done[task], total)


def _spool_one(args: tuple[Path, str, FileSpec, Path, date]) -> SpooledFile:
    extract, system, spec, spool, today = args
    return spool_validated(extract, system, spec, spool, today)


class _Loader:
    def __init__(
        self,
        db: Database,
        extract: Path,
        rejects_dir: Path,
        specs: list[SystemSpec],
        key: bytes,
        batch_size: int,
        progress: Progress,
        today: date,
        by: str,
        workers: int = 1,
        spool: Path | None = None,
        dry_run: bool = False,
        matcher: Matcher | None = None,
    ) -> None:
        self.db = db
        self.matcher = matcher
        self.dry_run = dry_run
        self.extract = extract
        self.rejects_dir = rejects_dir
        self.specs = specs
        self.key = key
        self.batch_size = batch_size
        self.progress = progress
        self.today = today
        self.by = by
        self.workers = workers
        self.spool = spool or Path(tempfile.mkdtemp(prefix="crm-graph-load-"))
        self.report = LoadReport(extract=str(extract), dry_run=dry_run)
        self.spooled: dict[tuple[str, str], SpooledFile] = {}
        self.extra_rejects: dict[tuple[str, str], list[pd.DataFrame]] = {}
        self.excluded: dict[tuple[str, str], set[int]] = {}
        #: joined files' good rows, read once per load (link tables)
        self.tables: dict[tuple[str, str], pd.DataFrame] = {}
        self.index: RecordIndex | None = None
        self._known: list[pd.DataFrame] | None = None
        self.known: dict[str, set[str]] = {"Product": set()}
        self._writer: _Writer | None = None

    @property
    def writer(self) -> _Writer:
        if self._writer is None:
            self._writer = _Writer(
                self.db, self.batch_size, self.workers, self.progress, self.report, self.dry_run
            )
        return self._writer

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        shutil.rmtree(self.spool, ignore_errors=True)

    # ------------------------------------------------------------------ steps
    def validate(self) -> None:
        """Check every file into the spool; any file-level error stops the load here."""
        files = [(s, f) for s in self.specs for f in s.files]
        jobs = [(self.extract, s.system, f, self.spool, self.today) for s, f in files]
        self.progress("validate", 0, len(files))
        size = sum(_size(self.extract, f) for _, f in files)
        if self.workers > 1 and size >= PARALLEL_CHECK_BYTES and len(files) > 1:
            self._validate_in_workers(jobs, [_size(self.extract, f) for _, f in files])
        else:
            for i, job in enumerate(jobs):
                spooled = _spool_one(job)
                self.spooled[(spooled.system, spooled.name)] = spooled
                self.progress("validate", i + 1, len(files))

    def _validate_in_workers(
        self, jobs: list[tuple[Path, str, FileSpec, Path, date]], sizes: list[int]
    ) -> None:
        """Check the files in ``workers`` child processes (biggest files first, balanced).

        Child processes (``python -m crm_graph.ingest.validate``), not a fork of this
        one (which may hold driver sockets and threads) nor a multiprocessing pool
        (which would re-run an unguarded ``__main__`` of the caller).
        """
        shares: list[list[int]] = [[] for _ in range(self.workers)]
        load = [0] * self.workers
        for i in sorted(range(len(jobs)), key=lambda i: -sizes[i]):
            w = load.index(min(load))
            shares[w].append(i)
            load[w] += sizes[i]
        procs: list[tuple[subprocess.Popen[str], Path, list[int]]] = []
        for w, share in enumerate(s for s in shares if s):
            job_file = self.spool / f"check-{w}.jobs"
            with job_file.open("wb") as handle:
                pickle.dump([jobs[i] for i in share], handle, protocol=pickle.HIGHEST_PROTOCOL)
            proc = subprocess.Popen(
                [sys.executable, "-m", "crm_graph.ingest.validate", str(job_file)],
                stdout=subprocess.PIPE,
                text=True,
            )
            procs.append((proc, job_file, share))
        events: queue.Queue[tuple[int, int | None]] = queue.Queue()

        def follow(w: int) -> None:
            stdout = procs[w][0].stdout
            assert stdout is not None
            with stdout:
                for line in stdout:
                    events.put((w, int(line)))
            events.put((w, None))

        followers = [
            threading.Thread(target=follow, args=(w,), daemon=True) for w in range(len(procs))
        ]
        for thread in followers:
            thread.start()
        running = len(procs)
        try:
            while running:
                w, k = events.get()
                proc, job_file, share = procs[w]
                if k is None:
                    running -= 1
                    if proc.wait() != 0:
                        raise IngestError(
                            f"checking {', '.join(str(jobs[i][2].path) for i in share)} "
                            f"failed in a worker process (exit code {proc.returncode})"
                        )
                    continue
                with Path(f"{job_file}.{k}").open("rb") as got:
                    result = pickle.load(got)  # noqa: S301 - written by our own worker
                if isinstance(result, BaseException):
                    raise result
                self.spooled[(result.system, result.name)] = result
                self.progress("validate", len(self.spooled), len(jobs))
        finally:
            for proc, _, _ in procs:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
            for thread in followers:  # each closes its pipe at the end of the output
                thread.join()

    def _reject(
        self, system: str, file: str, frame: pd.DataFrame, mask: pd.Series, reason: str, column: str
    ) -> None:
        if not mask.any():
            return
        raw = frame[mask].copy()
        if "_line" not in raw.columns:
            raw.insert(0, "_line", -1)
        else:
            raw.insert(0, "_line", raw.pop("_line"))
        raw.insert(1, "_column", column)
        raw.insert(2, "_reason", reason)
        self.extra_rejects.setdefault((system, file), []).append(raw.astype(object))

    def records(self) -> pd.DataFrame:
        """Return the customer records of every identity file, compact (categorical text)."""
        frames = []
        for system in self.specs:
            for spec in system.files:
                ident = spec.identity
                if ident is None:
                    continue
                spooled = self.spooled[(system.system, spec.name)]
                rid = spec.key[0]
                attrs = {
                    attr: getattr(ident, attr)
                    for attr in ("name", "id_number", "birth_date", "phone", "email")
                }
                for rows in spooled.iter_rows():
                    kind = _record_kinds(rows, ident)
                    frame = pd.DataFrame(
                        {
                            "system": pd.Categorical([system.system] * len(rows)),
                            "file": pd.Categorical([spec.name] * len(rows)),
                            "record_id": _arrow_text(rows[rid].astype(str)),
                            "_line": rows["_line"].to_numpy(),
                            "kind": pd.Categorical(kind),
                            "authority": np.full(len(rows), ident.authority, dtype=np.int32),
                        }
                    )
                    for attr, col in attrs.items():
                        values = rows[col] if col else pd.Series([None] * len(rows), dtype=object)
                        # near-unique values as Arrow strings: a categorical of them costs
                        # its codes plus an index with a hash table over Python strings
                        frame[attr] = (
                            _compact(values) if attr == "birth_date" else _arrow_text(values)
                        )
                    if ident.link:
                        frame["link_system"] = pd.Categorical([ident.link.system] * len(rows))
                        frame["link_record"] = _arrow_text(rows[ident.link.column])
                    else:
                        frame["link_system"] = pd.Categorical([None] * len(rows))
                        none = pd.Series([None] * len(rows), dtype=object)
                        frame["link_record"] = _arrow_text(none)
                    for prop, col in ident.golden.items():
                        frame[f"golden_{prop}"] = _compact(rows[col])
                    frames.append(frame)
        if not any(f.identity for s in self.specs for f in s.files):
            raise MappingError("no mapping declares a file with 'identity' (customer records)")
        if not frames:  # identity files with a header and no rows
            columns = ["system", "file", "record_id", "_line", "kind", "authority"]
            columns += ["name", "id_number", "birth_date", "phone", "email"]
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns}).assign(
                link_system=None, link_record=None
            )
        golden = sorted({c for f in frames for c in f.columns if c.startswith("golden_")})
        base = [c for c in frames[0].columns if not c.startswith("golden_")]
        for i, f in enumerate(frames):
            missing = [c for c in golden if c not in f.columns]
            if missing:
                f = f.assign(**{c: pd.Categorical([None] * len(f)) for c in missing})
            frames[i] = f[[*base, *golden]]
        records = _concat_compact(frames)
        dup = records.duplicated(["system", "record_id"], keep="first").to_numpy()
        if dup.any():
            # the same record id twice in one system: keep the first, reject the rest
            for (sys_name, file_name), part in records[dup].groupby(
                ["system", "file"], observed=True
            ):
                lines = set(part["_line"].tolist())
                self.excluded.setdefault((str(sys_name), str(file_name)), set()).update(lines)
                spec = self._file_spec(str(sys_name), str(file_name))
                for rows in self.spooled[(str(sys_name), str(file_name))].iter_rows():
                    mask = rows["_line"].isin(lines)
                    self._reject(
                        str(sys_name),
                        str(file_name),
                        rows,
                        mask,
                        "duplicate record id",
                        spec.key[0],
                    )
            records = records[~dup].reset_index(drop=True)
        return records

    def _file_spec(self, system: str, name: str) -> FileSpec:
        return next(f for s in self.specs if s.system == system for f in s.files if f.name == name)

    def _existing(self) -> pd.DataFrame | None:
        """Read the resolution already in the graph, in chunks, into compact columns.

        Hashes become two 64-bit integers each (``<col>_hash_hi``/``_lo``), customer
        ids and systems categoricals, so a million customers' records fit in memory.
        """
        names = {
            "id_hash": "id_number",
            "phone_hash": "phone",
            "name_hash": "name",
            "birth_hash": "birth_date",
            "email_hash": "email",
        }
        parts = []
        for rows in self.db.stream("load/read_resolution"):
            frame = pd.DataFrame(rows)
            for col, name in names.items():
                halves = _hex_halves(frame.pop(col).to_numpy(dtype=object))
                frame[f"{name}_hash_hi"], frame[f"{name}_hash_lo"] = halves[:, 0], halves[:, 1]
            for col in ("system", "customer_id", "kind"):
                frame[col] = _compact(frame[col])
            parts.append(frame)
        if not parts:
            return None
        return _concat_compact(parts)

    def resolve(self, records: pd.DataFrame) -> Resolution:
        existing = self._existing()
        self.progress("resolve identities", 0, len(records))
        # keys are distinct customers in every system but those a mapping declares loose
        loose = {
            system.system
            for system in self.specs
            if any(not f.identity.distinct_keys for f in system.files if f.identity is not None)
        }
        taken = [str(r["customer_id"]) for r in self.db.read("load/read_event_customer_ids")]
        res = resolve(
            records, existing, key=self.key, loose_keys=loose, taken=taken, matcher=self.matcher
        )
        self.progress("resolve identities", len(records), len(records))
        known = [res.assignments[["system", "record_id", "customer_id"]]]
        if existing is not None:
            known.insert(0, existing[["system", "record_id", "customer_id"]].astype(object))
        # the index is built when the facts need it, after the records are freed
        self._known = known
        return res

    def record_index(self) -> RecordIndex:
        """Return the index of every record's customer (built once, on first use)."""
        if self.index is None:
            if self._known is None:
                raise IngestError("identities must be resolved before the facts are loaded")
            frame = pd.concat([k.astype(object) for k in self._known], ignore_index=True)
            self._known = None
            self.index = RecordIndex(frame)
        return self.index

    def catalogues(self, stage: int) -> None:
        for system_spec in self.specs:
            for static in system_spec.static:
                tgt = TARGETS[static.into]
                if tgt.stage == stage:
                    task = f"{system_spec.system} (mapping) -> {tgt.name}"
                    self._catalogue_rows(task, tgt, [dict(r) for r in static.rows])
        for system, spec, tspec, tgt in self._targets():
            if tgt.stage != stage:
                continue
            task = f"{system}/{spec.name} -> {tgt.name}"
            records: list[dict[str, Any]] = []
            counts = self._target_counts(task)
            counts["rows"] += self.spooled[(system, spec.name)].loaded
            for frame in self._chunks(system, spec, tspec, counts):
                records += self._field_records(frame, tspec)
            self._catalogue_rows(task, tgt, records)
            counts["written"] += len(records)

    def _catalogue_rows(self, task: str, tgt: Target, records: list[dict[str, Any]]) -> None:
        key = tgt.required[0]
        rows = []
        for rec in records:
            skip = (key, "branch_id") if tgt.name == "employees" else (key,)
            props = _props(rec, skip, drop_none=True)
            rows.append({key: rec[key], "branch_id": rec.get("branch_id"), "props": props})
        self.writer.start_task(task, len(rows))
        self.writer.submit(task, tgt.cypher, rows)
        if tgt.name == "products":
            self.known["Product"] |= {r["product_id"] for r in rows}

    def customers(self, records: pd.DataFrame, res: Resolution) -> None:
        assigned = res.assignments
        merged = records  # columns added in place: a copy of a million records is 1 GB
        merged["customer_id"] = assigned["customer_id"].to_numpy()
        merged["rule"] = assigned["rule"].to_numpy()
        merged["confidence"] = assigned["confidence"].to_numpy()
        merged["_pos"] = np.arange(len(records))
        best_at = _best_records(merged)
        golden_cols = [c for c in merged.columns if c.startswith("golden_")]
        # only the columns the customers need, only their best records
        best = pd.DataFrame(
            {
                c: merged[c].iloc[best_at].reset_index(drop=True)
                for c in ["customer_id", "name", "kind", *golden_cols]
            }
        )
        loaded_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.writer.start_task("customers", len(best))
        self.writer.start_task("service links", len(best))
        for start in range(0, len(best), SLICE_ROWS):
            part = best.iloc[start : start + SLICE_ROWS]
            rows, links = [], []
            for rec in _records(part[["customer_id", "name", "kind", *golden_cols]]):
                props: dict[str, Any] = {
                    "name": rec["name"],
                    "kind": rec["kind"],
                    "loaded_at": loaded_at,
                }
                for col in golden_cols:
                    if rec[col] is not None:
                        props[col.removeprefix("golden_")] = rec[col]
                rows.append({"customer_id": rec["customer_id"], "props": props})
                links.append(
                    {
                        "customer_id": rec["customer_id"],
                        "branch_id": props.get("branch_id"),
                        "employee_id": props.get("rm_id"),
                    }
                )
            self.writer.submit("customers", "load/upsert_customers", rows)
            # after its customers (the writer keeps the order of jobs)
            self.writer.submit("service links", "load/merge_service_links", links)
        self.writer.start_task("source records", len(merged))
        for start in range(0, len(merged), SLICE_ROWS):
            part = merged.iloc[start : start + SLICE_ROWS]
            at = part["_pos"].to_numpy()
            hashes = {
                prop: res.hash_of(col, at)
                for prop, col in (
                    ("id_hash", "id_number"),
                    ("phone_hash", "phone"),
                    ("name_hash", "name"),
                    ("birth_hash", "birth_date"),
                    ("email_hash", "email"),
                )
            }
            src_rows = []
            for i, rec in enumerate(
                _records(
                    part[
                        ["system", "record_id", "customer_id", "confidence", "rule", "kind"]
                        + ["name", "phone"]
                    ]
                )
            ):
                src_rows.append(
                    {
                        "system": rec["system"],
                        "record_id": rec["record_id"],
                        "customer_id": rec["customer_id"],
                        "confidence": rec["confidence"],
                        "rule": rec["rule"],
                        "props": {
                            "kind": rec["kind"],
                            "name_masked": _mask_name(rec["name"]),
                            "phone_masked": _mask_phone(rec["phone"]),
                            **{prop: values[i] for prop, values in hashes.items()},
                            "loaded_at": loaded_at,
                        },
                    }
                )
            self.writer.submit("source records", "load/upsert_source_records", src_rows)
        if res.merges:
            self.writer.drain()
            self._record_merges(res.merges)
        new_ids = set(assigned.loc[assigned.is_new, "customer_id"])
        self.report.customers_created = int(best["customer_id"].isin(new_ids).sum())
        self.report.records_resolved = res.rules_used()
        self.report.conflicts = res.conflicts
        self.report.merges = res.merges
        self._record_conflicts(res.conflicts)

    def _record_conflicts(self, conflicts: list[dict[str, Any]]) -> None:
        """Keep each conflict in the graph for review (``crm-graph resolve review``)."""
        if not conflicts or self.dry_run:
            return
        at = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [{**c, "conflict_id": conflict_id(c["records"]), "at": at} for c in conflicts]
        for _ in self.db.write_batches("load/merge_conflicts", rows, batch_size=self.batch_size):
            pass

    def _record_merges(self, merges: list[dict[str, Any]]) -> None:
        """Record each merge (with snapshots), move the merged-away customers' ties, delete them.

        The event id depends only on the customers merged, so a load that dies here
        and is run again finds its event instead of recording a second one.
        """
        at = datetime.now(UTC).isoformat(timespec="seconds")
        gone = sorted({c for m in merges for c in m["customer_ids"] if c != m["into_id"]})
        snapshot = {
            r["customer_id"]: json.dumps(r["props"], sort_keys=True, default=str)
            for r in self.db.read("load/read_customer_snapshots", ids=gone)
        }
        events = []
        for m in merges:
            ids = ",".join(m["customer_ids"])
            digest = hashlib.sha256(ids.encode("utf-8")).hexdigest()[:12]
            events.append(
                {
                    **m,
                    "event_id": f"merge:{m['into_id']}:{digest}",
                    "at": at,
                    "by": self.by,
                    "snapshots": [
                        snapshot.get(c, "{}") for c in m["customer_ids"] if c != m["into_id"]
                    ],
                }
            )
        moves = [
            {"from_id": c, "into_id": m["into_id"]}
            for m in merges
            for c in m["customer_ids"]
            if c != m["into_id"]
        ]
        self.writer.start_task("resolution events", len(events))
        self.writer.submit("resolution events", "load/create_resolution_events", events)
        self.writer.start_task("merged customers' ties", len(moves))
        self.writer.submit("merged customers' ties", "load/move_customer_relationships", moves)
        self.writer.drain()
        if not self.dry_run:
            self.db.write("load/delete_orphan_customers", ids=gone)

    def _targets(self) -> Iterable[tuple[str, FileSpec, TargetSpec, Target]]:
        items = [
            (system.system, spec, one, TARGETS[tspec.into])
            for system in self.specs
            for spec in system.files
            for tspec in spec.targets
            for one in tspec.expanded()
        ]
        return sorted(items, key=lambda x: x[3].stage)

    def _chunks(
        self, system: str, spec: FileSpec, tspec: TargetSpec, counts: dict[str, int]
    ) -> Iterator[pd.DataFrame]:
        """Yield the file's good rows, filtered by the target's ``where``.

        At most :data:`SLICE_ROWS` rows at a time: each becomes one writer job, and the
        rows of the jobs in flight are what the loader holds while the facts load.
        """
        excluded = self.excluded.get((system, spec.name), set())
        for frame in self.spooled[(system, spec.name)].iter_rows():
            if excluded:
                frame = frame[~frame["_line"].isin(excluded)]
            for join in tspec.join:
                frame, missing = self._join(system, spec, frame, join)
                counts["rejected"] += missing
            before = len(frame)
            if isinstance(tspec.where, str):
                try:
                    frame = frame[evaluate(tspec.where, frame)]
                except ExpressionError as exc:
                    raise MappingError(
                        f"{system}: file {spec.name}: where {tspec.where!r}: {exc}"
                    ) from exc
            else:
                for col, value in tspec.where.items():
                    frame = frame[frame[col].astype(str) == value]
            counts["filtered"] += before - len(frame)
            counts["kept"] += len(frame)
            for start in range(0, len(frame), SLICE_ROWS):
                yield frame.iloc[start : start + SLICE_ROWS]

    def _joined_table(self, system: str, join: JoinSpec) -> pd.DataFrame:
        """Return the good rows of a joined file, columns prefixed ``<file>.`` (read once)."""
        sys_name, _, file_name = join.file.rpartition(".")
        key = (sys_name or system, file_name)
        if key not in self.tables:
            excluded = self.excluded.get(key, set())
            parts = [
                rows[~rows["_line"].isin(excluded)] if excluded else rows
                for rows in self.spooled[key].iter_rows()
            ]
            table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
            self.tables[key] = table.drop(columns=["_line"], errors="ignore")
        return self.tables[key].add_prefix(f"{join.alias}.")

    def _join(
        self, system: str, spec: FileSpec, frame: pd.DataFrame, join: JoinSpec
    ) -> tuple[pd.DataFrame, int]:
        """Join a chunk to another file on its keys; rows whose key finds none are rejected.

        Keys are compared as text, so an integer column meets a text one. A key that
        finds several rows gives one row for each (in the chunk's order). Returns the
        joined rows and how many rows were rejected.
        """
        table = self._joined_table(system, join)
        mine = list(join.by)
        theirs = [f"{join.alias}.{c}" for c in join.by.values()]
        left = frame.reset_index(drop=True)
        keys = [f"_key{i}" for i in range(len(mine))]
        left_keys = pd.DataFrame({k: _key_text(left[c]) for k, c in zip(keys, mine, strict=True)})
        right = table.assign(**{k: _key_text(table[c]) for k, c in zip(keys, theirs, strict=True)})
        found = (
            left_keys.merge(right[keys].drop_duplicates(keys), on=keys, how="left", indicator=True)[
                "_merge"
            ]
            == "both"
        ).to_numpy()
        if not found.all():
            missing = pd.Series(~found, index=frame.index)
            described = ", ".join(f"{c} = {t}" for c, t in zip(mine, theirs, strict=True))
            self._reject(
                system, spec.name, frame, missing, f"no {join.file} row where {described}", mine[0]
            )
        joined = left.assign(**{k: left_keys[k] for k in keys}).merge(
            right.drop(columns=[c for c in right.columns if c in left.columns and c not in keys]),
            on=keys,
            how="inner",
            sort=False,
        )
        return joined.drop(columns=keys), int((~found).sum())

    def _field_records(self, frame: pd.DataFrame, tspec: TargetSpec) -> list[dict[str, Any]]:
        data = {f: _value(frame, col) for f, col in tspec.fields.items()}
        data |= {prop: frame[col] for prop, col in tspec.extra.items()}
        return _records(pd.DataFrame(data, index=frame.index))

    def facts(self) -> None:
        index = self.record_index()
        for system, spec, tspec, tgt in self._targets():
            if tgt.stage < 3:
                continue
            task = f"{system}/{spec.name} -> {tgt.name}"
            if isinstance(tspec.where, str):
                task += f" where {tspec.where}"
            elif tspec.where:
                task += " where " + ", ".join(f"{k}={v}" for k, v in tspec.where.items())
            self.writer.start_task(task, self.spooled[(system, spec.name)].loaded)
            submitted = 0
            balances: list[pd.DataFrame] = []
            rows_in = self.spooled[(system, spec.name)].loaded - len(
                self.excluded.get((system, spec.name), set())
            )
            counts = self._target_counts(task)
            counts["rows"] += rows_in
            for frame in self._chunks(system, spec, tspec, counts):
                resolved = pd.DataFrame(index=frame.index)
                bad = pd.Series(False, index=frame.index)
                for ref in tgt.refs:
                    ref_system = tspec.systems.get(ref, system)
                    ids = _value(frame, tspec.fields[ref]).astype(str)
                    cust = pd.Series(index.lookup(ref_system, ids), index=frame.index, dtype=object)
                    missing = cust.isna() & ~bad
                    self._reject(
                        system,
                        spec.name,
                        frame,
                        missing,
                        f"unknown {ref_system} record for {tspec.fields[ref]}",
                        tspec.fields[ref],
                    )
                    bad |= cust.isna()
                    resolved[ref] = cust
                for fld, label in tgt.lookups.items():
                    if fld in tspec.fields:
                        values = _value(frame, tspec.fields[fld]).astype(str)
                        unknown = ~values.isin(self.known[label]) & ~bad
                        self._reject(
                            system,
                            spec.name,
                            frame,
                            unknown,
                            f"unknown {label.lower()}",
                            tspec.fields[fld],
                        )
                        bad |= unknown
                counts["rejected"] += int(bad.sum())
                good = frame[~bad]
                refs = resolved[~bad]
                if tgt.name == "balances":
                    balances.append(
                        pd.DataFrame(
                            {
                                "customer": refs["customer"].astype("category"),
                                "month": _value(good, tspec.fields["month"])
                                .astype(str)
                                .astype("category"),
                                "balance": pd.to_numeric(
                                    _value(good, tspec.fields["balance"]), errors="coerce"
                                ).astype(float),
                            }
                        )
                    )
                    continue
                fields = self._field_records(good, tspec)
                rows = self._rows(system, tgt, fields, refs)
                submitted += len(rows)
                self.writer.submit(task, tgt.cypher, rows)
            if tgt.name == "balances" and balances:
                combined = _concat_compact(balances)
                del balances
                # one row per customer, not per month
                self.writer.start_task(task, int(combined["customer"].nunique()))
                for rows in _balance_rows(combined):
                    submitted += len(rows)
                    self.writer.submit(task, tgt.cypher, rows)
                del combined
            # the bar's total was the file's rows: now the rows this target writes
            self.writer.start_task(task, submitted)
            counts["written"] += submitted
            if rows_in and not submitted:
                self.report.warnings.append(
                    f"{task}: writes no row from {rows_in:,} good rows "
                    f"({counts['filtered']:,} filtered by where, {counts['rejected']:,} rejected)"
                )

    def _rows(
        self, system: str, tgt: Target, fields: list[dict[str, Any]], refs: pd.DataFrame
    ) -> list[dict[str, Any]]:
        """Build the ``$rows`` of a target; account and contact ids are prefixed by system."""
        currency = next(s.currency for s in self.specs if s.system == system)
        ref_records = _records(refs)
        rows = []
        for f, r in zip(fields, ref_records, strict=True):
            if tgt.name in ("family", "transfers", "guarantees", "referred", "employs"):
                if r["from"] == r["to"]:
                    continue  # two records of one customer: not a tie
                props = _props(f, ("from", "to"), drop_none=True)
                rows.append({"from_id": r["from"], "to_id": r["to"], "props": props})
            elif tgt.name == "accounts":
                props = _props(f, ("customer", "product_id", "account_id", "role"))
                if currency and props.get("currency") is None:
                    props["currency"] = currency
                rows.append(
                    {
                        "account_id": f"{system}:{f['account_id']}",
                        "customer_id": r["customer"],
                        "product_id": f["product_id"],
                        "role": f.get("role") or "owner",
                        "props": props,
                    }
                )
            elif tgt.name == "enrolments":
                rows.append(
                    {
                        "customer_id": r["customer"],
                        "channel_id": f["channel_id"],
                        "since": f.get("since"),
                        "daily_limit": f.get("daily_limit"),
                    }
                )
            elif tgt.name == "contacts":
                props = _props(
                    f, ("contact_id", "customer", "channel_id", "product_id", "employee_id")
                )
                rows.append(
                    {
                        "contact_id": f"{system}:{f['contact_id']}",
                        "customer_id": r["customer"],
                        "channel_id": f.get("channel_id"),
                        "product_id": f.get("product_id"),
                        "employee_id": f.get("employee_id"),
                        "props": props,
                    }
                )
            elif tgt.name == "churn":
                rows.append(
                    {
                        "customer_id": r["customer"],
                        "churned_on": f["churned_on"],
                        "reason": f.get("reason"),
                        "competitor_id": f.get("competitor_id"),
                        "amount": f.get("amount"),
                    }
                )
            elif tgt.name == "applications":
                props = _props(f, ("application_id", "customer", "product_id", "employee_id"))
                rows.append(
                    {
                        "application_id": f["application_id"],
                        "customer_id": r["customer"],
                        "product_id": f.get("product_id"),
                        "employee_id": f.get("employee_id"),
                        "props": props,
                    }
                )
            else:  # pragma: no cover - every target above is handled
                raise MappingError(f"target {tgt.name!r} has no row builder")
        return rows

    def _target_counts(self, task: str) -> dict[str, int]:
        """Return the report's counts of one target (created at zero)."""
        zero = {"rows": 0, "kept": 0, "filtered": 0, "rejected": 0, "written": 0}
        return self.report.targets.setdefault(task, zero)

    def _write_rejects(self) -> None:
        """Write each file's reject file and count its rows; sample lines per reason."""
        for system in self.specs:
            for spec in system.files:
                spooled = self.spooled[(system.system, spec.name)]
                extra = self.extra_rejects.get((system.system, spec.name), [])
                more = pd.DataFrame()
                if extra:
                    # a row refused by two targets of the same file is one rejected row
                    more = pd.concat(extra, ignore_index=True)
                    lines = more["_line"].astype(int)
                    more = more[~(lines.duplicated(keep="first") & (lines >= 0))]
                    # in line order, however the file was cut into chunks and targets
                    order = np.argsort(more["_line"].astype(int).to_numpy(), kind="stable")
                    more = more.iloc[order].reset_index(drop=True)
                parts = [*spooled.iter_rejects(), *([more] if len(more) else [])]
                rejects = (
                    pd.concat([p.astype(object) for p in parts], ignore_index=True)
                    if parts
                    else pd.DataFrame()
                )
                write_rejects(self.rejects_dir, system.system, spec.name, rejects)
                rejected = spooled.rejected + len(more)
                name = f"{system.system}/{spec.name}"
                self.report.files[name] = FileReport(
                    read=spooled.read, loaded=spooled.read - rejected, rejected=rejected
                )
                if len(rejects):
                    samples = rejects.groupby("_reason", sort=True)["_line"].apply(
                        lambda lines: [int(x) for x in lines.head(5)]
                    )
                    self.report.reject_samples[name] = {str(k): v for k, v in samples.items()}

    def finish(self) -> None:
        self.writer.drain()
        self._write_rejects()
        if self.dry_run:
            total = int(self.db.read("admin/count_customers")[0]["customers"])
            self.report.customers_total = total + self.report.customers_created
            return
        # holders of one account are tied customers (CO_HOLDS), whichever load wrote them
        self.progress("ties between holders of one account", 0, 1)
        self.db.write("load/delete_stale_co_holders")
        self.db.write_in_batches("load/merge_co_holders")
        self.report.co_holder_ties = int(self.db.read("load/count_co_holders")[0]["ties"])
        self.progress("ties between holders of one account", 1, 1)
        self.report.customers_total = int(self.db.read("admin/count_customers")[0]["customers"])


def _check_writable(folder: Path) -> None:
    """Create ``folder`` and write a probe file in it, or raise :class:`RejectsFolderError`."""
    probe = folder / f".write-check-{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise RejectsFolderError(
            f"cannot write reject files to {folder} ({exc.strerror or exc}); "
            "pass --rejects DIR with a writable folder"
        ) from exc


def _size(extract: Path, spec: FileSpec) -> int:
    matches = list(extract.glob(spec.path))
    return sum(m.stat().st_size for m in matches if m.is_file())


def _hex_halves(values: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """32-hex-digit hashes as pairs of 64-bit integers (0, 0 where missing).

    Examples
    --------
    >>> _hex_halves(np.array(["0" * 31 + "1", None], dtype=object)).tolist()
    [[0, 72057594037927936], [0, 0]]
    """
    keys, _ = _hex_keys(values)
    halves: npt.NDArray[np.int64] = np.ascontiguousarray(keys).view(np.int64).reshape(-1, 2)
    return halves


def _balance_rows(frame: pd.DataFrame) -> Iterator[list[dict[str, Any]]]:
    """Each customer's month-end balances as one row (history in month order, latest AUM).

    ``frame`` has ``customer`` and ``month`` as categoricals and ``balance``. Sorted on
    the integer codes (a month's code ranked by its text), not on the text itself: at
    a million customers the frame has 12 million rows, and a sort of text columns
    would copy them as Python objects.

    Examples
    --------
    >>> f = pd.DataFrame({"customer": pd.Categorical(["b", "a", "b", "a"]),
    ...                   "month": pd.Categorical(["2025-02", "2025-01", "2025-01", "2025-02"]),
    ...                   "balance": [2.0, 10.0, 1.0, 20.0]})
    >>> [(r["customer_id"], r["months"], r["aum"]) for r in next(_balance_rows(f))]
    [('a', ['2025-01', '2025-02'], 20.0), ('b', ['2025-01', '2025-02'], 2.0)]
    """
    if frame.empty:
        return
    customer = frame["customer"].astype("category")  # no copy when already one
    month = frame["month"].astype("category")
    names = np.asarray(customer.cat.categories.astype(str), dtype=object)
    month_names = np.asarray(month.cat.categories.astype(str), dtype=object)
    rank = np.empty(len(month_names), dtype=np.int64)
    rank[np.argsort(month_names.astype(str), kind="stable")] = np.arange(len(month_names))
    codes = customer.cat.codes.to_numpy()
    month_codes = month.cat.codes.to_numpy()
    # by customer, then month text; rows with equal keys keep their order
    order = np.lexsort((rank[month_codes], codes))
    codes, month_codes = codes[order], month_codes[order]
    values = frame["balance"].to_numpy(dtype=float)[order]
    del order
    cuts = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts, [len(codes)]])
    rows: list[dict[str, Any]] = []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        history = values[s:e].tolist()
        rows.append(
            {
                "customer_id": names[codes[s]],
                "months": month_names[month_codes[s:e]].tolist(),
                "balances": history,
                "aum": history[-1],
            }
        )
        if len(rows) >= SLICE_ROWS:
            yield rows
            rows = []
    if rows:
        yield rows


def load_extract(
    db: Database,
    extract: Path,
    specs: list[SystemSpec],
    *,
    pii_key: bytes,
    batch_size: int = 5000,
    progress: Progress = _silent,
    today: date | None = None,
    by: str = "crm-graph load",
    rejects_dir: Path | None = None,
    workers: int = 1,
    dry_run: bool = False,
    matcher: Matcher | None = None,
) -> LoadReport:
    """Load one extract folder into the graph.

    Parameters
    ----------
    db : Database
        Target database.
    extract : Path
        Folder with one sub-folder per source system (as the mappings' paths say).
    specs : list of SystemSpec
        The mappings (``load_specs(loaders/)``).
    pii_key : bytes
        Key of the PII hashes kept on source records.
    batch_size : int, default 5000
        Rows per write transaction.
    progress : callable, optional
        ``progress(task, done, total)`` for progress bars (called from the writer
        thread too).
    today : date, optional
        Dates after it are rejected.
    by : str, default "crm-graph load"
        Who is recorded on resolution events.
    rejects_dir : Path, optional
        Where ``<system>/<file>.csv`` reject files go (default ``extract/rejects``).
    workers : int, default 1
        Processes checking files at once (for extracts over 32 MiB) and write
        transactions in flight at once (split by customer).
    dry_run : bool, default False
        Do everything but the writes to the graph: check, resolve against the graph,
        join and filter, and count per target what would be written (reject files
        are written).
    matcher : Matcher, optional
        The resolver's matcher (:mod:`crm_graph.ingest.matchers`; default: the rules).

    Returns
    -------
    LoadReport
        Counts per file, customers, rules, conflicts, merges and speed.

    Raises
    ------
    SourceFileError
        Before anything is written, if a mapped file is missing or unreadable.
    RejectsFolderError
        Before anything is read, if ``rejects_dir`` cannot be created or written.
    MappingError
        If no mapping declares customer records.
    """
    started = time.perf_counter()
    rejects_dir = rejects_dir or extract / "rejects"
    _check_writable(rejects_dir)
    loader = _Loader(
        db,
        extract,
        rejects_dir,
        specs,
        pii_key,
        batch_size,
        progress,
        today or date.today(),
        by,
        workers=workers,
        dry_run=dry_run,
        matcher=matcher,
    )
    counter = _QuietRetries()
    retried_before = db.retries
    driver_log = logging.getLogger("neo4j")
    driver_log.addHandler(counter)
    try:
        loader.validate()
        if not dry_run:
            db.init_schema()
        loader.known["Product"] = {r["product_id"] for r in db.read("load/read_product_ids")}
        records = loader.records()
        loader.catalogues(0)
        loader.catalogues(1)
        res = loader.resolve(records)
        loader.customers(records, res)
        del records, res  # the record index keeps what the facts need
        loader.facts()
        loader.finish()
    finally:
        driver_log.removeHandler(counter)
        loader.close()
    loader.report.retried_transactions = db.retries - retried_before
    loader.report.duration_s = time.perf_counter() - started
    return loader.report
