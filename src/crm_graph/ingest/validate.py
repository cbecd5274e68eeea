"""Read one source file against its :class:`~crm_graph.ingest.spec.FileSpec`.

Bad rows never stop a load and are never dropped silently: each one is returned
(and written by :func:`write_rejects`) with its line number, the column(s) and the
reason. Problems with the file itself (missing, unreadable encoding, a required
column absent) raise :class:`~crm_graph.errors.SourceFileError` before anything is
returned, so nothing of that source is written.

Files are read and checked in chunks of records (:func:`iter_validated`), so a file
of any size is checked in bounded memory; :func:`spool_validated` writes the checked
chunks to a spool folder that the loader streams back (:class:`SpooledFile`), and
:func:`read_validated` gives a whole (small) file at once.
"""

from __future__ import annotations

import csv
import pickle
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from crm_graph.errors import SourceFileError
from crm_graph.identifiers import (
    has_country_code,
    normalize_name,
    normalize_phone,
    valid_resident_id,
    valid_uscc,
)
from crm_graph.ingest.expressions import as_text, evaluate_rows
from crm_graph.ingest.spec import ColumnSpec, FileSpec

__all__ = [
    "SpooledFile",
    "ValidatedFile",
    "iter_validated",
    "read_validated",
    "spool_validated",
    "write_rejects",
]

#: Records checked at a time: bounds the memory a file of any size needs.
CHUNK_RECORDS = 100_000

REJECT_COLUMNS = ("_line", "_column", "_reason")


@dataclass
class ValidatedFile:
    """The rows of one file that passed, and those that did not."""

    path: Path
    rows: pd.DataFrame  # typed and normalised values, one column per spec column
    rejects: pd.DataFrame  # original text of each bad row plus _line, _column, _reason
    read: int

    @property
    def loaded(self) -> int:
        """Number of rows that passed validation."""
        return len(self.rows)


def _resolve(extract: Path, spec: FileSpec) -> Path:
    matches = sorted(extract.glob(spec.path))
    if not matches:
        raise SourceFileError(f"{extract / spec.path}: file not found (mapping file {spec.name!r})")
    if len(matches) > 1:
        names = ", ".join(m.name for m in matches[:3])
        raise SourceFileError(
            f"{extract / spec.path}: matches several files ({names}); make it unique"
        )
    return matches[0]


@dataclass
class _Raw:
    """A file's records as text: the well-formed ones and the structurally bad ones."""

    frame: pd.DataFrame  # one column per header name (duplicates renamed x.1, x.2)
    lines: list[int]  # the physical line each record of ``frame`` starts on
    ordinals: list[int]  # each record's position among all records (for ``_row``)
    bad: pd.DataFrame  # rows with the wrong number of fields or an oversized field
    records: int  # all records read, good and bad


def _dedupe(header: list[str]) -> list[str]:
    """Rename repeated header names as pandas does: ``x``, ``x.1``, ``x.2``.

    Examples
    --------
    >>> _dedupe(["a", "b", "a", "a"])
    ['a', 'b', 'a.1', 'a.2']
    """
    seen: dict[str, int] = {}
    out = []
    for name in header:
        if name in seen:
            seen[name] += 1
            out.append(f"{name}.{seen[name]}")
        else:
            seen[name] = 0
            out.append(name)
    return out


def _read_parquet(path: Path, chunk: int) -> Iterator[list[str] | _Raw]:
    """Yield the header, then chunks of a Parquet file's rows as text."""
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
        header = list(handle.schema_arrow.names)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a bad file
        raise SourceFileError(
            f"{path}: not a readable Parquet file ({type(exc).__name__})"
        ) from exc
    yield _dedupe(header)
    seen = 0
    try:
        for batch in handle.iter_batches(batch_size=chunk):
            frame = batch.to_pandas().astype("string").fillna("").astype(object)
            frame.columns = _dedupe([str(c) for c in frame.columns])
            n = len(frame)
            yield _Raw(
                frame,
                [seen + i + 2 for i in range(n)],
                list(range(seen, seen + n)),
                pd.DataFrame(),
                n,
            )
            seen += n
    except Exception as exc:  # noqa: BLE001
        raise SourceFileError(
            f"{path}: not a readable Parquet file ({type(exc).__name__})"
        ) from exc


# Python's csv module refuses fields over 128 KiB with an error that ends the file;
# fields are read whole and the oversized ones rejected row by row instead.
csv.field_size_limit(1 << 30)


#: Control characters other than tab, newline and carriage return (NUL included).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _undecodable_line(path: Path, spec: FileSpec) -> int:
    """Return the first physical line that does not decode.

    A newline byte is never part of a multi-byte character in the encodings banks
    use (UTF-8, GBK, GB18030, Big5), so decoding line by line is exact.
    """
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode(spec.encoding)
            except UnicodeDecodeError:
                return number
    return 0


def _clip(value: object, size: int) -> object:
    return value[:size] + "..." if isinstance(value, str) and len(value) > size else value


def _raw_chunk(
    header: list[str],
    good: list[list[str]],
    lines: list[int],
    ordinals: list[int],
    bad: list[tuple[int, list[str], str]],
    spec: FileSpec,
) -> _Raw:
    width = len(header)
    frame = pd.DataFrame(good, columns=header, dtype=object)
    rejects = pd.DataFrame(
        [
            dict(zip(header, record[:width], strict=False))
            | ({"_extra": spec.delimiter.join(record[width:])} if len(record) > width else {})
            for _, record, _ in bad
        ],
        columns=[*header, *(["_extra"] if any(len(r) > width for _, r, _ in bad) else [])],
    )
    if bad:
        # an oversized field is cut in the rejects file too (the reason says why)
        rejects = rejects.map(
            lambda v: v[:200] + "..." if isinstance(v, str) and len(v) > 200 else v
        )
        rejects.insert(0, "_line", [b[0] for b in bad])
        rejects.insert(1, "_column", ["*"] * len(bad))
        rejects.insert(2, "_reason", [b[2] for b in bad])
    return _Raw(frame, lines, ordinals, rejects, len(good) + len(bad))


def _read_csv(path: Path, spec: FileSpec, chunk: int) -> Iterator[list[str] | _Raw]:
    """Yield the header, then chunks of records (quotes and embedded newlines as RFC 4180).

    A record with more or fewer fields than the header, or with a field over
    ``spec.max_field_chars``, is set aside as a reject with the line it starts on;
    blank lines are skipped. An undecodable byte fails the whole file.
    """
    try:
        handle = path.open(encoding=spec.encoding, errors="strict", newline="")
    except LookupError as exc:
        raise SourceFileError(f"{path}: unknown encoding {spec.encoding!r}") from exc
    limit = spec.max_field_chars
    with handle:
        reader = csv.reader(handle, delimiter=spec.delimiter, quotechar=spec.quotechar)
        try:
            first = next(reader, None)
            if first is None or not any(c.strip() for c in first):
                raise SourceFileError(f"{path}: the file is empty (no header)")
            header = _dedupe([c.lstrip("\ufeff").strip() for c in first])
            yield header
            width = len(header)
            last = reader.line_num
            good: list[list[str]] = []
            lines: list[int] = []
            ordinals: list[int] = []
            bad: list[tuple[int, list[str], str]] = []
            ordinal = 0
            for record in reader:
                start, last = last + 1, reader.line_num
                if not record:
                    continue  # a blank line is not a record
                if len(record) != width:
                    why = f"expected {width} fields, found {len(record)}"
                    if any("\n" in v for v in record):
                        why += " (a quote left open swallows the lines after it?)"
                    bad.append((start, record, why))
                elif any(len(v) > limit for v in record):
                    where = next(h for h, v in zip(header, record, strict=True) if len(v) > limit)
                    bad.append((start, record, f"field {where} over {limit:,} characters"))
                elif any(_CONTROL.search(v) for v in record):
                    where = next(
                        h for h, v in zip(header, record, strict=True) if _CONTROL.search(v)
                    )
                    bad.append((start, record, f"control character in field {where}"))
                else:
                    good.append(record)
                    lines.append(start)
                    ordinals.append(ordinal)
                ordinal += 1
                if len(good) + len(bad) >= chunk:
                    yield _raw_chunk(header, good, lines, ordinals, bad, spec)
                    good, lines, ordinals, bad = [], [], [], []
            if good or bad:
                yield _raw_chunk(header, good, lines, ordinals, bad, spec)
        except UnicodeDecodeError as exc:
            line = _undecodable_line(path, spec)
            raise SourceFileError(
                f"{path}: cannot be read as {spec.encoding} (line {line}); "
                "set 'encoding' in the mapping"
            ) from exc
        except csv.Error as exc:
            raise SourceFileError(
                f"{path}: not a readable CSV at line {reader.line_num + 1} ({exc})"
            ) from exc


def _normalise(v: str, col: ColumnSpec, region: str | None = None) -> tuple[object, str]:
    if col.normalize == "name":
        return normalize_name(v), ""
    if col.normalize == "phone":
        phone = normalize_phone(v, region=region)
        if phone:
            return phone, ""
        if region is None and not has_country_code(v) and sum(c.isdigit() for c in v) >= 6:
            return None, (
                f"phone number without a country code: {v[:40]!r} (the mapping names no "
                "phone_region)"
            )
        return None, f"not a phone number: {v[:40]!r}"
    if col.normalize in ("id_number", "resident_id", "uscc"):
        upper = v.upper()
        ok_rid = valid_resident_id(upper)
        ok_uscc = valid_uscc(upper)
        ok = {"id_number": ok_rid or ok_uscc, "resident_id": ok_rid, "uscc": ok_uscc}[col.normalize]
        return (
            (upper, "")
            if ok
            else (None, f"invalid {col.normalize.replace('_', ' ')} (check digit)")
        )
    if col.normalize == "email":
        email = v.lower()
        return (
            (email, "") if "@" in email and "." in email.split("@")[-1] else (None, "not an email")
        )
    return v, ""


_INTEGER = r"[+-]?[0-9]+"


def _check_column(
    values: pd.Series,
    col: ColumnSpec,
    formats: tuple[str, ...],
    today: date,
    region: str | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Type-check and normalise a whole column.

    Returns
    -------
    (typed, reason)
        The typed values (None where empty or bad) and, per row, "" or the reason.
    """
    v = values.astype(str).str.strip()
    text = v.to_numpy(dtype=object)
    n = text.size
    reason = np.full(n, "", dtype=object)
    typed = np.full(n, None, dtype=object)
    empty = text == ""
    if col.required:
        reason[empty] = "required value missing"
    present = ~empty
    if col.allowed is not None:
        bad = present & ~v.isin(col.allowed).to_numpy()
        allowed = ", ".join(col.allowed)
        reason[bad] = [f"value {x[:40]!r} not among {allowed}" for x in text[bad]]
        present &= ~bad
    if col.type == "integer":
        ok = present & v.str.fullmatch(_INTEGER).fillna(False).to_numpy(dtype=bool)
        bad = present & ~ok
        reason[bad] = [f"not an integer: {x[:40]!r}" for x in text[bad]]
        typed[ok] = [int(x) for x in text[ok]]
    elif col.type == "decimal":
        number = pd.to_numeric(v.where(present, None), errors="coerce").to_numpy(dtype=float)
        parsed = ~np.isnan(number)
        ok = present & parsed & np.isfinite(np.nan_to_num(number, nan=0.0))
        bad = present & ~ok
        reason[bad] = [
            (f"not a finite number: {x[:40]!r}" if p else f"not a number: {x[:40]!r}")
            for x, p in zip(text[bad], parsed[bad], strict=True)
        ]
        typed[ok] = [float(x) for x in number[ok]]
    elif col.type == "boolean":
        mapping = dict.fromkeys(col.true_values, True) | dict.fromkeys(col.false_values, False)
        mapped = np.array([mapping.get(x) for x in text], dtype=object)
        ok = present & np.array([m is not None for m in mapped], dtype=bool)
        bad = present & ~ok
        reason[bad] = [f"not a yes/no value: {x[:40]!r}" for x in text[bad]]
        typed[ok] = mapped[ok]
    elif col.type == "date":
        iso = np.full(n, None, dtype=object)
        for fmt in formats:
            todo = present & (iso == None)  # noqa: E711 - element-wise comparison
            if not todo.any():
                break
            parsed = pd.to_datetime(pd.Series(text[todo]), format=fmt, errors="coerce")
            iso[todo] = parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), None).to_numpy()
        unparsed = present & (iso == None)  # noqa: E711
        reason[unparsed] = [
            f"not a date ({' or '.join(formats)}): {x[:40]!r}" for x in text[unparsed]
        ]
        ok = present & ~unparsed
        future = ok & (iso.astype(str) > today.isoformat())
        reason[future] = [f"date in the future: {d}" for d in iso[future]]
        good = ok & ~future
        typed[good] = iso[good]
    else:
        cache: dict[str, tuple[object, str]] = {}
        results = []
        for x in text[present]:
            hit = cache.get(x)
            if hit is None:
                hit = _normalise(x, col, region)
                cache[x] = hit
            results.append(hit)
        typed[present] = [r[0] for r in results]
        reason[present] = [r[1] for r in results]
    return pd.Series(typed, index=values.index), pd.Series(reason, index=values.index)


def _check_header(path: Path, spec: FileSpec, columns: list[str]) -> None:
    header = set(columns)
    # a repeated header "x" is renamed "x.1": a mapped column must not be ambiguous
    dupes = sorted(
        c.rsplit(".", 1)[0]
        for c in header
        if "." in c and c.rsplit(".", 1)[1].isdigit() and c.rsplit(".", 1)[0] in header
    )
    missing = [
        c for c, col in spec.columns.items() if col.required and not col.sql and c not in header
    ]
    if missing:
        raise SourceFileError(f"{path}: required column(s) missing: {', '.join(missing)}")
    if any(d in spec.columns for d in dupes):
        raise SourceFileError(f"{path}: duplicated column(s) in the header: {', '.join(dupes)}")


def _computed_columns(
    raw: pd.DataFrame, spec: FileSpec
) -> tuple[dict[str, pd.Series], dict[str, dict[int, str]]]:
    """Evaluate the file's ``sql`` columns over its columns as read (empty: NULL).

    Returns the computed text per column, and per column the positions of the rows
    where the expression failed, with the error.
    """
    wanted = {name: col.sql for name, col in spec.columns.items() if col.sql}
    if not wanted or raw.empty:
        return {n: pd.Series([""] * len(raw), index=raw.index) for n in wanted}, {}
    source = pd.DataFrame(
        {
            name: (
                raw[name].where(raw[name] != "", None)
                if name in raw.columns
                else pd.Series([None] * len(raw), index=raw.index, dtype=object)
            )
            for name, col in spec.columns.items()
            if not col.sql
        },
        index=raw.index,
    )
    computed: dict[str, pd.Series] = {}
    failed: dict[str, dict[int, str]] = {}
    for name, sql in wanted.items():
        values, errors = evaluate_rows(sql, source)
        computed[name] = pd.Series(as_text(values), index=raw.index, dtype=object)
        if errors:
            failed[name] = errors
    return computed, failed


def _validate_chunk(parsed: _Raw, spec: FileSpec, today: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Type-check one chunk: (good rows with ``_line``, rejects)."""
    raw = parsed.frame
    computed, failed = _computed_columns(raw, spec)
    out: dict[str, pd.Series] = {}
    reason_cols: dict[str, pd.Series] = {}
    for name, col in spec.columns.items():
        if name in computed:
            values = computed[name]
        elif name in raw.columns:
            values = raw[name]
        else:
            values = pd.Series([""] * len(raw), index=raw.index)
        out[name], reason_cols[name] = _check_column(
            values, col, spec.date_formats, today, spec.phone_region
        )
        if name in failed:
            because = reason_cols[name].copy()
            for i, error in failed[name].items():
                because.iloc[i] = f"expression failed: {error}"
            reason_cols[name] = because
    if spec.row_id:
        out["_row"] = pd.Series([str(k + 2) for k in parsed.ordinals], index=raw.index)
    out["_line"] = pd.Series(parsed.lines, index=raw.index, dtype=np.int64)
    reasons = pd.DataFrame(reason_cols, index=raw.index)
    bad_mask = (
        (reasons != "").any(axis=1).to_numpy() if len(reasons.columns) else np.zeros(len(raw), bool)
    )
    bad = np.flatnonzero(bad_mask).tolist()
    rows = pd.DataFrame({k: v[~bad_mask] for k, v in out.items()}, columns=list(out))
    bad_reasons = reasons.iloc[bad]
    why = [[r for r in row if r] for row in bad_reasons.itertuples(index=False, name=None)]
    which = [
        [c for c, r in zip(bad_reasons.columns, row, strict=True) if r]
        for row in bad_reasons.itertuples(index=False, name=None)
    ]
    rejects = raw.iloc[bad].copy()
    rejects.insert(0, "_line", [parsed.lines[i] for i in bad])  # where the record starts
    rejects.insert(1, "_column", [";".join(c) for c in which])
    rejects.insert(2, "_reason", ["; ".join(r) for r in why])
    if not parsed.bad.empty:
        rejects = pd.concat([parsed.bad, rejects], ignore_index=True).sort_values(
            "_line", kind="stable"
        )
        rejects["_line"] = rejects["_line"].astype(int)
    return rows.reset_index(drop=True), rejects.reset_index(drop=True)


@dataclass
class ValidatedChunk:
    """One chunk of a file: its good rows (typed, with ``_line``), rejects and records read."""

    rows: pd.DataFrame
    rejects: pd.DataFrame
    read: int


def iter_validated(
    extract: Path, spec: FileSpec, today: date | None = None, chunk: int = CHUNK_RECORDS
) -> tuple[Path, Iterator[ValidatedChunk]]:
    """Open one source file, check its header, and check its records chunk by chunk.

    Parameters
    ----------
    extract : Path
        The extract folder the mapping's ``path`` is relative to.
    spec : FileSpec
        The file's mapping.
    today : date, optional
        Dates after it are rejected (default: today).
    chunk : int, default CHUNK_RECORDS
        Records per chunk.

    Returns
    -------
    (path, chunks)
        The file found, and an iterator of :class:`ValidatedChunk` in file order.
        Good rows carry ``_line``, the physical line their record starts on.

    Raises
    ------
    SourceFileError
        At once if the file is missing, empty, of unknown encoding or lacks a required
        column; while iterating if a later line does not decode.
    """
    path = _resolve(extract, spec)
    reader = (
        _read_parquet(path, chunk) if spec.format == "parquet" else _read_csv(path, spec, chunk)
    )
    header = next(reader)
    assert isinstance(header, list)
    _check_header(path, spec, header)
    day = today or date.today()

    def chunks() -> Iterator[ValidatedChunk]:
        for parsed in reader:
            assert isinstance(parsed, _Raw)
            rows, rejects = _validate_chunk(parsed, spec, day)
            yield ValidatedChunk(rows, rejects, parsed.records)

    return path, chunks()


def read_validated(extract: Path, spec: FileSpec, today: date | None = None) -> ValidatedFile:
    """Read, type-check and normalise one whole source file.

    Parameters
    ----------
    extract : Path
        The extract folder the mapping's ``path`` is relative to.
    spec : FileSpec
        The file's mapping.
    today : date, optional
        Dates after it are rejected (default: today).

    Returns
    -------
    ValidatedFile
        Good rows (typed) and rejected rows (original text, line, column, reason).

    Raises
    ------
    SourceFileError
        If the file is missing, unreadable, or lacks a required column.
    """
    path, chunks = iter_validated(extract, spec, today)
    parts = list(chunks)
    columns = [*spec.columns, *(["_row"] if spec.row_id else [])]
    rows = (
        pd.concat([p.rows for p in parts], ignore_index=True).drop(columns="_line")
        if parts
        else pd.DataFrame(columns=columns)
    )
    rejected = [p.rejects for p in parts if not p.rejects.empty]
    rejects = (
        pd.concat(rejected, ignore_index=True)
        if rejected
        else pd.DataFrame(columns=["_line", "_column", "_reason"])
    )
    return ValidatedFile(path=path, rows=rows, rejects=rejects, read=sum(p.read for p in parts))


@dataclass
class SpooledFile:
    """A checked file spooled to disk: good rows and rejects as pickled chunks.

    Made by :func:`spool_validated` (picklable, so a worker process can make it);
    the loader streams the rows back with :meth:`iter_rows`.
    """

    system: str
    name: str
    path: Path
    rows_path: Path
    rejects_path: Path
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    reject_columns: list[str] = field(default_factory=list)

    def iter_rows(self, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        """Yield the good rows chunk by chunk (optionally only some columns)."""
        yield from _unpickle(self.rows_path, columns)

    def iter_rejects(self) -> Iterator[pd.DataFrame]:
        """Yield the rejects of validation chunk by chunk."""
        yield from _unpickle(self.rejects_path, None)


def _unpickle(path: Path, columns: list[str] | None) -> Iterator[pd.DataFrame]:
    if not path.exists():
        return
    with path.open("rb") as handle:
        while True:
            try:
                frame = pickle.load(handle)  # noqa: S301 - our own spool, written just now
            except EOFError:
                return
            yield frame[columns] if columns is not None else frame


def spool_validated(
    extract: Path,
    system: str,
    spec: FileSpec,
    spool: Path,
    today: date | None = None,
    chunk: int | None = None,
) -> SpooledFile:
    """Check one file chunk by chunk into ``spool`` (bounded memory, nothing kept in RAM).

    Parameters
    ----------
    extract : Path
        The extract folder.
    system : str
        The mapping's system (names the spool files).
    spec : FileSpec
        The file's mapping.
    spool : Path
        A folder for the spool files (the loader's temporary folder).
    today : date, optional
        Dates after it are rejected.
    chunk : int, optional
        Records per chunk (default :data:`CHUNK_RECORDS`).

    Returns
    -------
    SpooledFile
        Where the checked rows and rejects are, and the counts.

    Raises
    ------
    SourceFileError
        If the file is missing or unreadable, or lacks a required column.
    """
    path, chunks = iter_validated(extract, spec, today, chunk or CHUNK_RECORDS)
    base = f"{system}__{spec.name}"
    out = SpooledFile(system, spec.name, path, spool / f"{base}.rows", spool / f"{base}.rej")
    for p in (out.rows_path, out.rejects_path):
        p.unlink(missing_ok=True)
    with out.rows_path.open("wb") as rows_out, out.rejects_path.open("wb") as rej_out:
        for part in chunks:
            out.read += part.read
            out.loaded += len(part.rows)
            if len(part.rows):
                pickle.dump(part.rows, rows_out, protocol=pickle.HIGHEST_PROTOCOL)
            if len(part.rejects):
                out.rejected += len(part.rejects)
                pickle.dump(part.rejects, rej_out, protocol=pickle.HIGHEST_PROTOCOL)
                out.reject_columns += [
                    c for c in part.rejects.columns if c not in out.reject_columns
                ]
    return out


def write_rejects(root: Path, system: str, file_name: str, rejects: pd.DataFrame) -> Path | None:
    """Write rejected rows to ``root/<system>/<file>.csv`` (or remove a stale one).

    ``root`` is normally ``<extract>/rejects``.

    Returns
    -------
    Path or None
        The file written, or None when there were no rejects.
    """
    target = root / system / f"{file_name}.csv"
    if rejects.empty:
        target.unlink(missing_ok=True)
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    # a leading = + - @ would run as a formula in a spreadsheet: neutralise it
    safe = rejects.map(lambda v: f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v)
    safe.to_csv(target, index=False, encoding="utf-8")
    return target


def _worker_main(job_file: str) -> None:
    """Check the files listed in ``job_file`` (a pickled list) in this process.

    Run as ``python -m crm_graph.ingest.validate JOB_FILE`` by the loader, one process
    per core. Each file's result, a :class:`SpooledFile` or the exception that
    stopped it, is pickled to ``JOB_FILE.<i>`` and its index printed, so that the
    loader can show progress and stop at the first failing file.
    """
    import sys

    with open(job_file, "rb") as handle:
        jobs = pickle.load(handle)  # noqa: S301 - written by the loader just now
    for i, (extract, system, spec, spool, today) in enumerate(jobs):
        result: SpooledFile | BaseException
        try:
            result = spool_validated(extract, system, spec, spool, today)
        except Exception as exc:  # noqa: BLE001 - handed back to the loader, which raises it
            result = exc
        with open(f"{job_file}.{i}", "wb") as out:
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
        sys.stdout.write(f"{i}\n")
        sys.stdout.flush()
        if isinstance(result, BaseException):
            return


if __name__ == "__main__":  # pragma: no cover - run by the loader in a child process
    import sys

    # the module's own copy, so that results pickle as crm_graph.ingest.validate types
    from crm_graph.ingest.validate import _worker_main as main

    main(sys.argv[1])
