"""Load an extract: validate every file, resolve identities, upsert into the graph.

Order of work (see docs/loading.md):

1. validate every mapped file; a file-level problem (missing file, unreadable
   encoding, missing required column) stops the load *before anything is written*;
   bad rows go to ``DIR/rejects/<system>/<file>.csv``;
2. constraints and indexes (``schema.cypher``);
3. identity resolution of all customer records against the records already in
   the graph (stable golden ids, merges recorded as ``ResolutionEvent`` nodes);
4. batched ``UNWIND $rows`` upserts in dependency order: catalogues, employees,
   customers and source records, service links, then accounts, channels, contacts,
   ties, balances, applications, churn.

Every write is a MERGE on a key, so re-running the same extract changes nothing,
and a run killed half-way is completed by the next one without duplicates.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_graph.db import Database
from crm_graph.errors import MappingError
from crm_graph.ingest.resolve import Resolution, pii_hash, resolve
from crm_graph.ingest.spec import FileSpec, SystemSpec, TargetSpec, field_columns
from crm_graph.ingest.targets import TARGETS, Target
from crm_graph.ingest.validate import ValidatedFile, read_validated, write_rejects

__all__ = ["LoadReport", "load_extract"]

Progress = Callable[[str, int, int], None]  # (task, done, total)

_CATALOGUE_KEYS = {
    "products": "product_id",
    "branches": "branch_id",
    "competitors": "competitor_id",
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
    duration_s: float = 0.0

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
            "records_resolved": self.records_resolved,
            "conflicts": len(self.conflicts),
            "conflict_examples": self.conflicts[:5],
            "merges": len(self.merges),
            "rows_written": self.rows_written,
            "duration_s": round(self.duration_s, 2),
            "rows_per_s": round(read / self.duration_s, 1) if self.duration_s else None,
        }


def _silent(_: str, __: int, ___: int) -> None:
    return None


def _mask_name(name: str | None) -> str | None:
    if not name:
        return None
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _mask_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    return phone[:6] + "****" + phone[-4:] if len(phone) > 10 else phone[:3] + "****"


def _clean(value: Any) -> Any:
    """Turn pandas/numpy scalars into what the Bolt driver accepts."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _props(
    fields: dict[str, Any], exclude: tuple[str, ...], *, drop_none: bool = False
) -> dict[str, Any]:
    """Return the fields that become properties (all but the keys and references)."""
    return {k: v for k, v in fields.items() if k not in exclude and not (drop_none and v is None)}


def _value(frame: pd.DataFrame, spec: str) -> pd.Series:
    """Evaluate a field value: a column, a literal ``=text`` or a template ``{col}-x``."""
    if spec.startswith("="):
        return pd.Series([spec[1:]] * len(frame), index=frame.index, dtype=object)
    if "{" in spec:
        cols = field_columns(spec)
        values = [
            spec.format(**dict(zip(cols, row, strict=True)))
            for row in frame[cols].itertuples(index=False, name=None)
        ]
        return pd.Series(values, index=frame.index, dtype=object)
    return frame[spec]


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
    ) -> None:
        self.db = db
        self.extract = extract
        self.rejects_dir = rejects_dir
        self.specs = specs
        self.key = key
        self.batch_size = batch_size
        self.progress = progress
        self.today = today
        self.by = by
        self.report = LoadReport(extract=str(extract))
        self.validated: dict[tuple[str, str], ValidatedFile] = {}
        self.extra_rejects: dict[tuple[str, str], list[pd.DataFrame]] = {}
        self.customer_of: dict[tuple[str, str], str] = {}
        self.known: dict[str, set[str]] = {"Product": set()}

    # ------------------------------------------------------------------ steps
    def validate(self) -> None:
        files = [(s, f) for s in self.specs for f in s.files]
        for i, (system, spec) in enumerate(files):
            self.progress("validate", i, len(files))
            self.validated[(system.system, spec.name)] = read_validated(
                self.extract, spec, self.today
            )
        self.progress("validate", len(files), len(files))

    def _write(self, task: str, name: str, rows: list[dict[str, Any]], **params: Any) -> None:
        """Write rows now, in batches, with progress.

        (A writer thread overlapping Python and Neo4j was tried and measured: the
        driver packs batches in Python, so the thread competed with the main thread
        for the GIL and the 10k-customer load took 61 s instead of 26 s.)
        """
        self.progress(task, 0, len(rows))
        self._write_now(task, name, rows, params)

    def _write_now(
        self, task: str, name: str, rows: list[dict[str, Any]], params: dict[str, Any]
    ) -> None:
        total = len(rows)
        done = 0
        for written in self.db.write_batches(name, rows, batch_size=self.batch_size, **params):
            done += written
            self.report.rows_written += written
            self.progress(task, done, total)

    def _reject(
        self, system: str, file: str, frame: pd.DataFrame, mask: pd.Series, reason: str, column: str
    ) -> None:
        if not mask.any():
            return
        raw = frame[mask].copy()
        raw.insert(0, "_line", -1)
        raw.insert(1, "_column", column)
        raw.insert(2, "_reason", reason)
        self.extra_rejects.setdefault((system, file), []).append(raw)

    def records(self) -> pd.DataFrame:
        frames = []
        for system in self.specs:
            for spec in system.files:
                ident = spec.identity
                if ident is None:
                    continue
                rows = self.validated[(system.system, spec.name)].rows
                rid = spec.key[0]
                if ident.kind.column:
                    raw_kind = rows[ident.kind.column].astype(str)
                    kind = np.where(
                        raw_kind.isin(ident.kind.company),
                        "company",
                        np.where(
                            raw_kind.isin(ident.kind.person),
                            "person",
                            ident.kind.default or "person",
                        ),
                    )
                else:
                    kind = np.full(len(rows), ident.kind.default or "person")
                frame = pd.DataFrame(
                    {
                        "system": system.system,
                        "file": spec.name,
                        "record_id": rows[rid].astype(str).to_numpy(),
                        "kind": kind,
                        "authority": ident.authority,
                    }
                )
                for attr in ("name", "id_number", "birth_date", "phone", "email", "address"):
                    col = getattr(ident, attr)
                    frame[attr] = rows[col].to_numpy() if col else None
                if ident.link:
                    frame["link_system"] = ident.link.system
                    frame["link_record"] = rows[ident.link.column].to_numpy()
                else:
                    frame["link_system"] = None
                    frame["link_record"] = None
                for prop, col in ident.golden.items():
                    frame[f"golden_{prop}"] = rows[col].to_numpy()
                frames.append(frame)
        if not frames:
            raise MappingError("no mapping declares a file with 'identity' (customer records)")
        records = pd.concat(frames, ignore_index=True)
        dup = records.duplicated(["system", "record_id"], keep="first")
        if dup.any():
            # the same record id twice in one system: keep the first, reject the rest
            for (sys_name, file_name), part in records[dup].groupby(["system", "file"]):
                system_name, file = str(sys_name), str(file_name)
                vf = self.validated[(system_name, file)]
                spec_key = next(
                    f.key[0]
                    for s in self.specs
                    if s.system == system_name
                    for f in s.files
                    if f.name == file
                )
                mask = vf.rows[spec_key].astype(str).isin(set(part.record_id)) & vf.rows[
                    spec_key
                ].astype(str).duplicated(keep="first")
                self._reject(system_name, file, vf.rows, mask, "duplicate record id", spec_key)
                vf.rows = vf.rows[~mask].reset_index(drop=True)
            records = records[~dup].reset_index(drop=True)
        return records

    def resolve(self, records: pd.DataFrame) -> Resolution:
        existing = pd.DataFrame(self.db.read("load/read_resolution"))
        if not existing.empty:
            existing = existing.rename(
                columns={"birth_hash": "birth_date_hash", "id_hash": "id_number_hash"}
            )
        self.progress("resolve identities", 0, len(records))
        res = resolve(records, existing if not existing.empty else None, key=self.key)
        self.progress("resolve identities", len(records), len(records))
        for s, r, c in zip(
            existing.get("system", []),
            existing.get("record_id", []),
            existing.get("customer_id", []),
            strict=True,
        ):
            self.customer_of[(s, r)] = c
        for s, r, c in zip(
            res.assignments.system,
            res.assignments.record_id,
            res.assignments.customer_id,
            strict=True,
        ):
            self.customer_of[(s, r)] = c
        return res

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
            frame = self._rows_for(system, spec, tspec)
            task = f"{system}/{spec.name} -> {tgt.name}"
            self._catalogue_rows(task, tgt, self._field_records(frame, tspec))

    def _catalogue_rows(self, task: str, tgt: Target, records: list[dict[str, Any]]) -> None:
        key = tgt.required[0]
        rows = []
        for rec in records:
            skip = (key, "branch_id") if tgt.name == "employees" else (key,)
            props = _props(rec, skip, drop_none=True)
            rows.append({key: rec[key], "branch_id": rec.get("branch_id"), "props": props})
        self._write(task, tgt.cypher, rows)
        if tgt.name == "products":
            self.known["Product"] |= {r["product_id"] for r in rows}

    def customers(self, records: pd.DataFrame, res: Resolution) -> None:
        merged = records.merge(
            res.assignments[["system", "record_id", "customer_id", "rule", "confidence"]],
            on=["system", "record_id"],
        )
        merged = merged.sort_values(
            ["customer_id", "authority", "system", "record_id"], ascending=[True, False, True, True]
        )
        best = merged.drop_duplicates("customer_id", keep="first")
        golden_cols = [c for c in merged.columns if c.startswith("golden_")]
        loaded_at = datetime.now(UTC).isoformat(timespec="seconds")
        rows, links = [], []
        for rec in best.to_dict("records"):
            props: dict[str, Any] = {
                "name": rec["name"],
                "kind": rec["kind"],
                "loaded_at": loaded_at,
            }
            for col in golden_cols:
                value = _clean(rec[col])
                if value is not None:
                    props[col.removeprefix("golden_")] = value
            rows.append({"customer_id": rec["customer_id"], "props": props})
            links.append(
                {
                    "customer_id": rec["customer_id"],
                    "branch_id": props.get("branch_id"),
                    "employee_id": props.get("rm_id"),
                }
            )
        self._write("customers", "load/upsert_customers", rows)
        src_rows = []
        for rec in merged.to_dict("records"):
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
                        "id_hash": pii_hash(self.key, rec["id_number"]),
                        "phone_hash": pii_hash(self.key, rec["phone"]),
                        "name_hash": pii_hash(self.key, rec["name"]),
                        "birth_hash": pii_hash(self.key, rec["birth_date"]),
                        "email_hash": pii_hash(self.key, rec["email"]),
                        "loaded_at": loaded_at,
                    },
                }
            )
        self._write("source records", "load/upsert_source_records", src_rows)
        self._write("service links", "load/merge_service_links", links)
        if res.merges:
            self._record_merges(res.merges)
        self.report.customers_created = int(
            best.customer_id.isin(res.assignments.loc[res.assignments.is_new, "customer_id"]).sum()
        )
        self.report.records_resolved = res.rules_used()
        self.report.conflicts = res.conflicts
        self.report.merges = res.merges

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
        self._write("resolution events", "load/create_resolution_events", events)
        moves = [
            {"from_id": c, "into_id": m["into_id"]}
            for m in merges
            for c in m["customer_ids"]
            if c != m["into_id"]
        ]
        self._write("merged customers' ties", "load/move_customer_relationships", moves)
        self.db.write("load/delete_orphan_customers", ids=gone)

    def _targets(self) -> Iterable[tuple[str, FileSpec, TargetSpec, Target]]:
        items = [
            (system.system, spec, tspec, TARGETS[tspec.into])
            for system in self.specs
            for spec in system.files
            for tspec in spec.targets
        ]
        return sorted(items, key=lambda x: x[3].stage)

    def _rows_for(self, system: str, spec: FileSpec, tspec: TargetSpec) -> pd.DataFrame:
        frame = self.validated[(system, spec.name)].rows
        for col, value in tspec.where.items():
            frame = frame[frame[col].astype(str) == value]
        return frame

    def _field_records(self, frame: pd.DataFrame, tspec: TargetSpec) -> list[dict[str, Any]]:
        data = {f: _value(frame, col) for f, col in tspec.fields.items()}
        out = pd.DataFrame(data, index=frame.index)
        return [{str(k): _clean(v) for k, v in rec.items()} for rec in out.to_dict("records")]

    def facts(self) -> None:
        for system, spec, tspec, tgt in self._targets():
            if tgt.stage < 3:
                continue
            frame = self._rows_for(system, spec, tspec)
            if frame.empty:
                continue
            resolved = pd.DataFrame(index=frame.index)
            bad = pd.Series(False, index=frame.index)
            for ref in tgt.refs:
                ref_system = tspec.systems.get(ref, system)
                ids = _value(frame, tspec.fields[ref]).astype(str)
                cust = pd.Series(
                    [self.customer_of.get((ref_system, r)) for r in ids],
                    index=frame.index,
                    dtype=object,
                )
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
            good = frame[~bad]
            fields = self._field_records(good, tspec)
            refs = resolved[~bad]
            rows = self._rows(system, tgt, fields, refs)
            self._write(f"{system}/{spec.name} -> {tgt.name}", tgt.cypher, rows)

    def _rows(
        self, system: str, tgt: Target, fields: list[dict[str, Any]], refs: pd.DataFrame
    ) -> list[dict[str, Any]]:
        """Build the ``$rows`` of a target; account and contact ids are prefixed by system."""
        ref_records = refs.to_dict("records")
        if tgt.name == "balances":
            per: dict[str, list[tuple[str, float]]] = {}
            for f, r in zip(fields, ref_records, strict=True):
                per.setdefault(r["customer"], []).append((str(f["month"]), float(f["balance"])))
            out = []
            for cid, items in per.items():
                items.sort()
                out.append(
                    {
                        "customer_id": cid,
                        "months": [m for m, _ in items],
                        "balances": [b for _, b in items],
                        "aum": items[-1][1],
                    }
                )
            return out
        rows = []
        for f, r in zip(fields, ref_records, strict=True):
            if tgt.name in ("family", "transfers", "guarantees", "referred", "employs"):
                if r["from"] == r["to"]:
                    continue  # two records of one customer: not a tie
                props = _props(f, ("from", "to"), drop_none=True)
                rows.append({"from_id": r["from"], "to_id": r["to"], "props": props})
            elif tgt.name == "accounts":
                props = _props(f, ("customer", "product_id", "account_id", "role"))
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

    def finish(self) -> None:
        for system in self.specs:
            for spec in system.files:
                vf = self.validated[(system.system, spec.name)]
                extra = self.extra_rejects.get((system.system, spec.name), [])
                rejects = vf.rejects
                if extra:
                    # a row refused by two targets of the same file is one rejected row
                    more = pd.concat(extra)
                    more = more[~more.index.duplicated(keep="first")].astype(object)
                    rejects = pd.concat([rejects.astype(object), more], ignore_index=True)
                write_rejects(self.rejects_dir, system.system, spec.name, rejects)
                self.report.files[f"{system.system}/{spec.name}"] = FileReport(
                    read=vf.read, loaded=vf.read - len(rejects), rejected=len(rejects)
                )
        self.report.customers_total = int(self.db.read("admin/count_customers")[0]["customers"])


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
        ``progress(task, done, total)`` for progress bars.
    today : date, optional
        Dates after it are rejected.
    by : str, default "crm-graph load"
        Who is recorded on resolution events.
    rejects_dir : Path, optional
        Where ``<system>/<file>.csv`` reject files go (default ``extract/rejects``).

    Returns
    -------
    LoadReport
        Counts per file, customers, rules, conflicts, merges and speed.

    Raises
    ------
    SourceFileError
        Before anything is written, if a mapped file is missing or unreadable.
    MappingError
        If no mapping declares customer records.
    """
    started = time.perf_counter()
    loader = _Loader(
        db,
        extract,
        rejects_dir or extract / "rejects",
        specs,
        pii_key,
        batch_size,
        progress,
        today or date.today(),
        by,
    )
    loader.validate()
    db.init_schema()
    loader.known["Product"] = {r["product_id"] for r in db.read("load/read_product_ids")}
    records = loader.records()
    loader.catalogues(0)
    loader.catalogues(1)
    res = loader.resolve(records)
    loader.customers(records, res)
    loader.facts()
    loader.finish()
    loader.report.duration_s = time.perf_counter() - started
    return loader.report
