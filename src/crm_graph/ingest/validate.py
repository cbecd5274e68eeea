"""Read one source file against its :class:`~crm_graph.ingest.spec.FileSpec`.

Bad rows never stop a load and are never dropped silently: each one is returned
(and written by :func:`write_rejects`) with its line number, the column(s) and the
reason. Problems with the file itself (missing, unreadable encoding, a required
column absent) raise :class:`~crm_graph.errors.SourceFileError` before anything is
returned, so nothing of that source is written.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from crm_graph.errors import SourceFileError
from crm_graph.identifiers import (
    normalize_name,
    normalize_phone,
    valid_resident_id,
    valid_uscc,
)
from crm_graph.ingest.spec import ColumnSpec, FileSpec

__all__ = ["ValidatedFile", "read_validated", "write_rejects"]

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


def _read_raw(path: Path, spec: FileSpec) -> pd.DataFrame:
    if spec.format == "parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a bad file
            raise SourceFileError(
                f"{path}: not a readable Parquet file ({type(exc).__name__})"
            ) from exc
        return frame.astype("string").fillna("").astype(object)
    try:
        frame = pd.read_csv(
            path,
            sep=spec.delimiter,
            quotechar=spec.quotechar,
            encoding=spec.encoding,
            encoding_errors="strict",
            dtype=str,
            keep_default_na=False,
            skipinitialspace=False,
            quoting=csv.QUOTE_MINIMAL,
        )
    except UnicodeDecodeError as exc:
        raise SourceFileError(
            f"{path}: cannot be read as {spec.encoding} (byte {exc.start}); "
            "set 'encoding' in the mapping"
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise SourceFileError(f"{path}: the file is empty (no header)") from exc
    except pd.errors.ParserError as exc:
        raise SourceFileError(f"{path}: not a readable CSV ({str(exc).strip()})") from exc
    except LookupError as exc:
        raise SourceFileError(f"{path}: unknown encoding {spec.encoding!r}") from exc
    frame.columns = [str(c).lstrip("\ufeff").strip() for c in frame.columns]
    return frame


def _parse_date(value: str, formats: tuple[str, ...]) -> date | None:
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _check(
    value: str, col: ColumnSpec, formats: tuple[str, ...], today: date
) -> tuple[object, str]:
    """Return (typed value, "") or (None, reason)."""
    v = value.strip()
    if v == "":
        return (None, "required value missing") if col.required else (None, "")
    if col.allowed is not None and v not in col.allowed:
        return None, f"value {v[:40]!r} not among {', '.join(col.allowed)}"
    if col.type == "integer":
        try:
            return int(v), ""
        except ValueError:
            return None, f"not an integer: {v[:40]!r}"
    if col.type == "decimal":
        try:
            number = float(v)
        except ValueError:
            return None, f"not a number: {v[:40]!r}"
        if number != number or number in (float("inf"), float("-inf")):
            return None, f"not a finite number: {v[:40]!r}"
        return number, ""
    if col.type == "boolean":
        if v in col.true_values:
            return True, ""
        if v in col.false_values:
            return False, ""
        return None, f"not a yes/no value: {v[:40]!r}"
    if col.type == "date":
        parsed = _parse_date(v, formats)
        if parsed is None:
            return None, f"not a date ({' or '.join(formats)}): {v[:40]!r}"
        if parsed > today:
            return None, f"date in the future: {parsed.isoformat()}"
        return parsed.isoformat(), ""
    return _normalise(v, col)


def _normalise(v: str, col: ColumnSpec) -> tuple[object, str]:
    if col.normalize == "name":
        return normalize_name(v), ""
    if col.normalize == "phone":
        phone = normalize_phone(v)
        return (phone, "") if phone else (None, f"not a phone number: {v[:40]!r}")
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


def read_validated(extract: Path, spec: FileSpec, today: date | None = None) -> ValidatedFile:
    """Read, type-check and normalise one source file.

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
    path = _resolve(extract, spec)
    raw = _read_raw(path, spec)
    header = set(raw.columns)
    # pandas renames a repeated header "x" to "x.1": a mapped column must not be ambiguous
    dupes = sorted(
        c.rsplit(".", 1)[0]
        for c in header
        if "." in c and c.rsplit(".", 1)[1].isdigit() and c.rsplit(".", 1)[0] in header
    )
    missing = [c for c, col in spec.columns.items() if col.required and c not in raw.columns]
    if missing:
        raise SourceFileError(f"{path}: required column(s) missing: {', '.join(missing)}")
    if any(d in spec.columns for d in dupes):
        raise SourceFileError(f"{path}: duplicated column(s) in the header: {', '.join(dupes)}")
    today = today or date.today()
    reasons: list[list[str]] = [[] for _ in range(len(raw))]
    columns_bad: list[list[str]] = [[] for _ in range(len(raw))]
    out: dict[str, list[object]] = {}
    for name, col in spec.columns.items():
        values = raw[name].tolist() if name in raw.columns else [""] * len(raw)
        typed: list[object] = []
        for i, value in enumerate(values):
            result, reason = _check(str(value), col, spec.date_formats, today)
            typed.append(result)
            if reason:
                reasons[i].append(reason)
                columns_bad[i].append(name)
        out[name] = typed
    if spec.row_id:
        out["_row"] = [str(i + 2) for i in range(len(raw))]  # the line number, after the header
    bad = [i for i, r in enumerate(reasons) if r]
    good = [i for i, r in enumerate(reasons) if not r]
    rows = pd.DataFrame({k: [v[i] for i in good] for k, v in out.items()}, columns=list(out))
    rejects = raw.iloc[bad].copy()
    rejects.insert(0, "_line", [i + 2 for i in bad])  # 1-based, after the header
    rejects.insert(1, "_column", [";".join(columns_bad[i]) for i in bad])
    rejects.insert(2, "_reason", ["; ".join(reasons[i]) for i in bad])
    return ValidatedFile(
        path=path, rows=rows.reset_index(drop=True), rejects=rejects, read=len(raw)
    )


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
