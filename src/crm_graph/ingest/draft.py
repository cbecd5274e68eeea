"""A first mapping for an extract nobody has mapped yet: profile its files, draft the YAML.

``crm-graph mapping draft FOLDER --out draft.yaml`` reads every CSV and Parquet file
of a folder (the first :data:`SAMPLE_ROWS` rows of each), and writes a commented
mapping that ``crm-graph load`` accepts as it is:

- per file: delimiter and encoding (tried in order: UTF-8, GB18030, Latin-1), each
  column's type (integer, decimal, date and its format, boolean and its two values,
  else string) and share of empty values, the candidate keys (columns with a
  distinct value on every row), and what the column looks like (an id, a name, a
  phone, an e-mail, a date, an amount, a flag, an exit label);
- candidate joins: a column of one file whose values are (nearly) all among a key
  column's values of another file, as comments to turn into ``join`` blocks;
- the customer file (the file with a customer-like key, else the largest file with a
  key, else the largest file with ``row_id``): its identity columns, every other
  column as a typed golden property, and, where a column looks like an exit label
  (a name such as ``Attrition_Flag`` or ``churned``, two values), a ``churn`` target
  with the snapshot's ``as_of`` date taken from the file's modification time.

The draft has fewer targets than a hand-written mapping (accounts, contacts and
ties need a person to say which product or tie a column means); every guess is
written as a comment beside what it produced, for a person to check.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from crm_graph.errors import SourceFileError

__all__ = ["SAMPLE_ROWS", "ColumnProfile", "FileProfile", "draft_mapping", "profile_folder"]

#: rows read per file to profile it
SAMPLE_ROWS = 200_000
ENCODINGS = ("utf-8", "gb18030", "latin-1")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%Y%m%d")
BOOLEAN_PAIRS = (("1", "0"), ("Y", "N"), ("y", "n"), ("yes", "no"), ("true", "false"),
                 ("TRUE", "FALSE"), ("True", "False"), ("T", "F"), ("是", "否"))  # fmt: skip
_INTEGER = re.compile(r"^-?(0|[1-9][0-9]*)$")
_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_CUSTOMER_KEY = re.compile(r"client|customer|cust|party|holder|person|member|ncodpers", re.I)
_ID_NAME = re.compile(r"(^|_)(id|no|num|number|code|key)$|id$|num$|^id", re.I)
_NAME = re.compile(r"(^|_)(name|full_?name|surname|last_?name)$", re.I)
_PHONE = re.compile(r"phone|mobile|tel", re.I)
_EMAIL = re.compile(r"e_?mail", re.I)
_BIRTH = re.compile(r"birth|dob|born", re.I)
_EXIT_NAME = re.compile(r"attrit|churn|exit|leav|closed|lost|defect", re.I)
_EXIT_VALUE = re.compile(r"attrit|churn|exit|closed|left|lost|^yes$|^true$|^1$|^y$", re.I)


@dataclass
class ColumnProfile:
    """What one column looks like."""

    name: str
    type: str = "string"
    date_format: str | None = None
    true_value: str | None = None
    false_value: str | None = None
    empty_share: float = 0.0
    distinct: int = 0
    unique: bool = False
    looks_like: str | None = None
    values: list[str] = field(default_factory=list)  # the distinct values, when few


@dataclass
class FileProfile:
    """What one file looks like."""

    path: Path
    name: str
    delimiter: str
    encoding: str
    rows: int
    columns: list[ColumnProfile]

    def column(self, name: str) -> ColumnProfile:
        """Return the profile of one column."""
        return next(c for c in self.columns if c.name == name)

    @property
    def keys(self) -> list[str]:
        """Candidate keys: columns with a distinct, non-empty value on every row."""
        return [c.name for c in self.columns if c.unique]


def _slug(text: str) -> str:
    """Return a lower-case name of letters, digits and underscores, starting with a letter.

    Examples
    --------
    >>> _slug("bank-full.csv"), _slug("Total_Trans_Ct"), _slug("2024 Clients")
    ('bank_full_csv', 'total_trans_ct', 'f_2024_clients')
    """
    out = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return out if out[:1].isalpha() else f"f_{out}"


#: customer properties that the loader and the analytics write themselves
RESERVED = frozenset(
    "customer_id name kind status churned_on churn_reason tier community influence "
    "churn_risk value_score segment aum".split()
)


def _property(column: str) -> str:
    """Return the golden property of a column: its slug, suffixed where the name is taken.

    Examples
    --------
    >>> _property("Customer_Age"), _property("status")
    ('customer_age', 'status_in_source')
    """
    slug = _slug(column)
    return f"{slug}_in_source" if slug in RESERVED else slug


def _encoding(path: Path) -> str:
    head = path.read_bytes()[:1_000_000]
    for enc in ENCODINGS:
        try:
            head.decode(enc)
        except UnicodeDecodeError:
            continue
        return enc
    raise SourceFileError(f"{path}: none of {', '.join(ENCODINGS)} decodes it")


def _delimiter(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, errors="replace", newline="") as f:
        sample = f.read(65_536)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;|\t").delimiter
    except csv.Error:
        return ","


def _profile_column(name: str, values: pd.Series) -> ColumnProfile:
    text = values.fillna("").astype(str).str.strip()
    present = text[text != ""]
    prof = ColumnProfile(name=name, empty_share=round(1 - len(present) / max(len(text), 1), 4))
    distinct = present.unique()
    prof.distinct = len(distinct)
    prof.unique = len(present) == len(text) and prof.distinct == len(text) and len(text) > 0
    if len(distinct) <= 12:
        prof.values = sorted(str(v) for v in distinct)
    if not len(present):
        return prof
    found = set(prof.values) if len(distinct) <= 2 else set()
    pair = next((p for p in BOOLEAN_PAIRS if found and found <= set(p) and not prof.unique), None)
    if pair is not None and not _EXIT_NAME.search(name):
        prof.type, prof.true_value, prof.false_value = "boolean", pair[0], pair[1]
    elif present.str.fullmatch(_INTEGER).all():
        prof.type = "integer"
    elif present.str.fullmatch(_DECIMAL).all():
        prof.type = "decimal"
    else:
        for fmt in DATE_FORMATS:
            parsed = pd.to_datetime(present, format=fmt, errors="coerce")
            if parsed.notna().all():
                prof.type, prof.date_format = "date", fmt
                break
    prof.looks_like = _looks_like(name, prof)
    return prof


def _looks_like(name: str, prof: ColumnProfile) -> str | None:
    if _EXIT_NAME.search(name) and prof.distinct == 2:
        return "exit label"
    if _EMAIL.search(name):
        return "e-mail"
    if _PHONE.search(name):
        return "phone"
    if _BIRTH.search(name) and prof.type == "date":
        return "birth date"
    if _NAME.search(name) and prof.type == "string":
        return "name"
    if prof.unique or (_ID_NAME.search(name) and prof.type in ("string", "integer")):
        return "id"
    if prof.type == "date":
        return "date"
    if prof.type == "boolean":
        return "flag"
    if prof.type == "decimal":
        return "amount"
    return None


def profile_file(path: Path, root: Path) -> FileProfile:
    """Profile one CSV or Parquet file (its first :data:`SAMPLE_ROWS` rows)."""
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path).head(SAMPLE_ROWS).astype(str)
        delimiter, encoding = ",", "utf-8"
    else:
        encoding = _encoding(path)
        delimiter = _delimiter(path, encoding)
        try:
            frame = pd.read_csv(
                path,
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                encoding=encoding,
                nrows=SAMPLE_ROWS,
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SourceFileError(f"{path}: cannot be read as CSV ({first})") from exc
    columns = [_profile_column(str(c), frame[c]) for c in frame.columns]
    rel = path.relative_to(root).as_posix()
    return FileProfile(path, _slug(Path(rel).stem), delimiter, encoding, len(frame), columns)


def profile_folder(folder: Path) -> list[FileProfile]:
    """Profile every CSV and Parquet file under ``folder`` (largest first).

    Raises
    ------
    SourceFileError
        If the folder holds no CSV or Parquet file.
    """
    paths = sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in (".csv", ".parquet")
    )
    paths = [p for p in paths if "rejects" not in p.relative_to(folder).parts]
    if not paths:
        raise SourceFileError(f"{folder}: no CSV or Parquet files to profile")
    profiles = [profile_file(p, folder) for p in paths]
    names: dict[str, int] = {}
    for prof in profiles:  # file names must be unique in a mapping
        n = names.get(prof.name, 0)
        names[prof.name] = n + 1
        if n:
            prof.name = f"{prof.name}_{n + 1}"
    return sorted(profiles, key=lambda p: (-p.rows, p.name))


def _joins(profiles: list[FileProfile]) -> list[tuple[str, str, str, str, float]]:
    """(file, column, other file, its key column, share of values found) candidates."""
    out = []
    keyed = {
        (p.name, k): set(pd.read_csv(p.path, sep=p.delimiter, dtype=str, usecols=[k],
                                     encoding=p.encoding, nrows=SAMPLE_ROWS,
                                     keep_default_na=False)[k])
        for p in profiles if p.path.suffix.lower() != ".parquet"
        for k in p.keys
    }  # fmt: skip
    for p in profiles:
        if p.path.suffix.lower() == ".parquet":
            continue
        candidates = [c.name for c in p.columns if c.type in ("string", "integer")]
        if not candidates:
            continue
        frame = pd.read_csv(
            p.path,
            sep=p.delimiter,
            dtype=str,
            usecols=candidates,
            encoding=p.encoding,
            nrows=SAMPLE_ROWS,
            keep_default_na=False,
        )
        for col in candidates:
            values = set(frame[col]) - {""}
            if len(values) < 2:
                continue
            for (other, key), known in keyed.items():
                if other == p.name:
                    continue
                share = len(values & known) / len(values)
                if share >= 0.9:
                    out.append((p.name, col, other, key, round(share, 3)))
    return out


def _customer_file(profiles: list[FileProfile]) -> tuple[FileProfile, str | None]:
    """Return the file that holds the customers, and its key (None: the line number)."""
    for prof in profiles:
        keys = [k for k in prof.keys if _CUSTOMER_KEY.search(k)]
        if keys:
            return prof, keys[0]
    for prof in profiles:
        if prof.keys:
            return prof, prof.keys[0]
    return profiles[0], None


def _column_spec(prof: ColumnProfile, key: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": "string" if key else prof.type}
    if key:
        spec["required"] = True
    if prof.type == "boolean" and not key:
        spec["true_values"] = [prof.true_value]
        spec["false_values"] = [prof.false_value]
    return spec


def draft_mapping(folder: Path, system: str | None = None) -> str:
    """Profile an extract folder and return a commented mapping for it (YAML text).

    Parameters
    ----------
    folder : Path
        The extract folder.
    system : str, optional
        The source system's name (default: the folder's name).

    Returns
    -------
    str
        A mapping that :func:`crm_graph.ingest.spec.load_spec` accepts.
    """
    profiles = profile_folder(folder)
    customers, key = _customer_file(profiles)
    system_name = _slug(system or folder.resolve().name)
    joins = _joins(profiles)
    files: list[dict[str, Any]] = []
    notes: dict[str, list[str]] = {}
    as_of: str | None = None
    for prof in profiles:
        rel = prof.path.relative_to(folder).as_posix()
        entry: dict[str, Any] = {"name": prof.name, "path": rel}
        if prof.path.suffix.lower() == ".parquet":
            entry["format"] = "parquet"
        else:
            entry["delimiter"] = prof.delimiter
            entry["encoding"] = prof.encoding
        formats = sorted({c.date_format for c in prof.columns if c.date_format})
        if formats:
            entry["date_formats"] = formats
        this_key = key if prof is customers else (prof.keys[0] if prof.keys else None)
        if this_key is None and prof is customers:
            entry["row_id"] = True
            entry["key"] = ["_row"]
        elif this_key is not None:
            entry["key"] = [this_key]
        entry["columns"] = {c.name: _column_spec(c, c.name == this_key) for c in prof.columns}
        lines = [f"{prof.rows:,} rows profiled; candidate keys: {', '.join(prof.keys) or 'none'}"]
        for c in prof.columns:
            what = f"{c.type}" + (f" {c.date_format}" if c.date_format else "")
            extra = f", looks like {c.looks_like}" if c.looks_like else ""
            empty = f", {c.empty_share:.0%} empty" if c.empty_share else ""
            values = f", values {c.values}" if c.values and c.type == "string" else ""
            lines.append(f"  {c.name}: {what}{extra}{empty}{values}")
        lines += [
            f"candidate join: {col} -> {other}.{k} ({share:.0%} of its values found)"
            for f_name, col, other, k, share in joins
            if f_name == prof.name
        ]
        if prof is customers:
            entry["identity"], churn, day = _identity(prof, this_key or "_row")
            if churn:
                entry["targets"] = [churn]
                as_of = day
                lines.append(
                    f"exit label {churn['where']!r}: a churn target as of the file's "
                    f"modification date, {day}; set as_of to the extract's real date"
                )
        else:
            lines.append("no identity or targets drafted: map what its rows mean")
        notes[prof.name] = lines
        files.append(entry)
    doc: dict[str, Any] = {
        "system": system_name,
        "description": f"Drafted by crm-graph mapping draft from {folder}; check every guess.",
        "default": False,
    }
    if as_of:
        doc["as_of"] = as_of
    doc["files"] = files
    text = yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
    )
    out = []
    for line in text.splitlines():
        found = re.match(r"^- name: (\S+)$", line)
        if found and found.group(1) in notes:
            out += [f"# {n}" for n in notes[found.group(1)]]
        out.append(line)
    header = [
        f"# A first mapping drafted from {folder} ({len(profiles)} files).",
        "# Types come from the first rows of each file; the customer file and its identity",
        "# columns, joins and exit labels are guesses written as comments: check them.",
    ]
    return "\n".join([*header, *out]) + "\n"


def _identity(
    prof: FileProfile, key: str
) -> tuple[dict[str, Any], dict[str, Any] | None, str | None]:
    ident: dict[str, Any] = {"kind": {"default": "person"}, "authority": 50}
    used = {key}
    for attr, looks in (("name", "name"), ("phone", "phone"), ("email", "e-mail"),
                        ("birth_date", "birth date")):  # fmt: skip
        col = next((c.name for c in prof.columns if c.looks_like == looks), None)
        if col:
            ident[attr] = col
            used.add(col)
    exit_col = next((c for c in prof.columns if c.looks_like == "exit label"), None)
    golden = {
        _property(c.name): c.name
        for c in prof.columns
        if c.name not in used and c is not exit_col and c.empty_share < 1.0
    }
    if golden:
        ident["golden"] = golden
    if exit_col is None:
        return ident, None, None
    value = next((v for v in exit_col.values if _EXIT_VALUE.search(v)), None)
    if value is None:
        return ident, None, None
    quoted = value.replace("'", "''")
    churn = {
        "into": "churn",
        "where": f"\"{exit_col.name}\" = '{quoted}'",
        "fields": {"customer": key},
    }
    day = datetime.fromtimestamp(prof.path.stat().st_mtime, tz=UTC).date().isoformat()
    return ident, churn, day
