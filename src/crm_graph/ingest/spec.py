"""Declarative loader mappings (``loaders/<system>.yaml``), validated by pydantic.

A mapping names a source system and its files; for each file its format, its
columns (type, required, normaliser, allowed values) and which columns identify a
customer. A new source system needs a new YAML file, not new Python.

Example (a fragment)::

    system: cards
    files:
      - name: cardholders
        path: cards/cardholders.csv
        columns:
          holder_no: {type: string, required: true}
          name: {type: string, required: true, normalize: name}
          id_number: {type: string, normalize: id_number}
          mobile: {type: string, normalize: phone}
          birth_date: {type: date}
"""

from __future__ import annotations

import difflib
import string
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from crm_graph.errors import MappingError
from crm_graph.ingest.expressions import ExpressionError, check_expression

__all__ = [
    "ColumnSpec",
    "FileSpec",
    "IdentitySpec",
    "JoinSpec",
    "KindSpec",
    "LinkSpec",
    "StaticSpec",
    "SystemSpec",
    "TargetSpec",
    "check_joins",
    "field_columns",
    "default_loaders_dir",
    "load_spec",
    "load_specs",
]

ColumnType = Literal["string", "integer", "decimal", "date", "boolean"]
#: how a checked column looks to a ``where`` condition (dates are ISO text)
_SQL_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "date": "VARCHAR",
    "boolean": "BOOLEAN",
}
Normalizer = Literal["none", "name", "phone", "id_number", "resident_id", "uscc", "email"]


def field_columns(value: str) -> list[str]:
    """Return the columns a target field value uses.

    A value is a column name, a literal ``=text``, or a template ``{col}-suffix``.

    Examples
    --------
    >>> field_columns("cb_id"), field_columns("=atm"), field_columns("{_row}:{month}")
    (['cb_id'], [], ['_row', 'month'])
    """
    if value.startswith("="):
        return []
    if "{" in value:
        return [name for _, name, _, _ in string.Formatter().parse(value) if name]
    return [value]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnSpec(_Strict):
    """One source column: its type, whether it is required, and how to normalise it."""

    type: ColumnType = "string"
    required: bool = False
    normalize: Normalizer = "none"
    allowed: tuple[str, ...] | None = Field(
        default=None, description="If set, the only values accepted (after stripping)."
    )
    sql: str | None = Field(
        default=None,
        description="Computed column: a DuckDB SQL expression over the file's other "
        '(not computed) columns as read, e.g. "CASE WHEN CAST(substr(rc, 3, 2) AS INT) > 50 '
        "THEN 'F' ELSE 'M' END\"; its result is then checked like a column of the file.",
    )
    true_values: tuple[str, ...] = ("Y", "y", "1", "true", "TRUE", "yes", "是")
    false_values: tuple[str, ...] = ("N", "n", "0", "false", "FALSE", "no", "否")


class KindSpec(_Strict):
    """How to tell persons from companies: a column and its values, or a fixed kind.

    ``default: detect`` (for files that mix both without saying which is which): a
    record is a company when its id number is a social credit code or its name holds
    an organisation's legal form as a whole word (``LTD``, ``GMBH``, ``...有限公司``),
    a person otherwise; a resident id number always makes it a person.
    """

    column: str | None = None
    person: tuple[str, ...] = ("person",)
    company: tuple[str, ...] = ("company",)
    default: Literal["person", "company", "detect"] | None = "person"


class LinkSpec(_Strict):
    """A column holding the record id of the same customer in another system."""

    system: str
    column: str


class IdentitySpec(_Strict):
    """Marks a file as holding customer records; names the columns used to resolve them.

    The record id is the file's first ``key`` column. ``golden`` maps golden customer
    properties (``branch_id``, ``since``, ``status``, ``rm_id``, ...) to columns;
    ``authority`` decides which system wins a property (higher wins, see
    docs/loading.md).
    """

    kind: KindSpec = KindSpec()
    name: str | None = None
    id_number: str | None = None
    birth_date: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    link: LinkSpec | None = None
    golden: dict[str, str] = Field(default_factory=dict)
    authority: int = Field(default=10, ge=0, le=1000)
    distinct_keys: bool = Field(
        default=True,
        description="Each record id (key) of this system is a different customer unless "
        "a strong identifier (id number, link) joins them; false for a system known to "
        "hold several records of one customer under different keys.",
    )


class JoinSpec(_Strict):
    """Another file of the extract whose rows a target reaches through shared keys.

    ``file`` is a file of this system (``disp``) or of another (``core.disp``); ``by``
    maps a column of this file, or of an earlier join (``disp.account_id``), to a
    column of that file (not ``on``: YAML reads an unquoted ``on`` as true). The
    joined file's columns are then ``<file>.<column>``. A row whose key finds no
    row there is rejected; a key that finds several rows gives
    one row each (an account's several holders).
    """

    file: str = Field(pattern=r"^([a-z][a-z0-9_]*\.)?[a-z][a-z0-9_]*$")
    by: dict[str, str] = Field(min_length=1)

    @property
    def alias(self) -> str:
        """The prefix of the joined file's columns: its file name."""
        return self.file.rsplit(".", 1)[-1]


class TargetSpec(_Strict):
    """Rows of a file projected into one kind of graph element.

    ``into`` names a target of :mod:`crm_graph.ingest.targets`; ``fields`` maps the
    target's fields to columns (or to literals written ``=value``); ``where`` keeps
    only rows whose column equals a value.
    """

    into: str
    fields: dict[str, str]
    where: dict[str, str] | str = Field(
        default_factory=dict,
        description="Rows to keep: {column: value} (equal to), or a DuckDB SQL condition "
        "over the checked values, e.g. \"status IN ('A', 'B') AND amount BETWEEN 1 AND 500\".",
    )
    systems: dict[str, str] = Field(
        default_factory=dict,
        description="For record-reference fields: the system whose record ids they hold "
        "(default: this file's system).",
    )
    join: tuple[JoinSpec, ...] = Field(
        default=(), description="Other files reached through shared keys (link tables)."
    )
    extra: dict[str, str] = Field(
        default_factory=dict,
        description="More properties of the target's node: {property: column}, stored with "
        "the column's type (accounts, contacts, applications).",
    )
    flags: dict[str, str] = Field(
        default_factory=dict,
        description="Wide product flags (accounts only): {product_id: boolean column}; each "
        "row holds every product whose column is true. '{product_id}' in a field's "
        "template is the product's id.",
    )

    def expanded(self) -> list[TargetSpec]:
        """Return the target, or for wide flags one target per product (its rows only).

        Examples
        --------
        >>> t = TargetSpec(into="accounts", flags={"LOAN": "has_loan"},
        ...                fields={"account_id": "{id}:{product_id}", "customer": "id"})
        >>> [(x.fields["account_id"], x.fields["product_id"], x.where) for x in t.expanded()]
        [('{id}:LOAN', '=LOAN', {'has_loan': 'True'})]
        """
        if not self.flags:
            return [self]
        return [
            self.model_copy(
                update={
                    "flags": {},
                    "where": {column: "True"},
                    "fields": {
                        **{k: v.replace("{product_id}", product) for k, v in self.fields.items()},
                        "product_id": f"={product}",
                    },
                }
            )
            for product, column in self.flags.items()
        ]

    def joined(self, column: str) -> bool:
        """Tell whether a column name is one of a joined file's (``<file>.<column>``)."""
        head = column.split(".", 1)[0] if "." in column else None
        return head is not None and any(j.alias == head for j in self.join)

    @model_validator(mode="after")
    def _fields_fit_the_target(self) -> TargetSpec:
        from crm_graph.ingest.targets import TARGETS

        known = TARGETS.get(self.into)
        if known is None:
            close = difflib.get_close_matches(self.into, list(TARGETS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown target {self.into!r}{hint}")
        if self.flags:
            if self.into != "accounts":
                raise ValueError("'flags' (wide product flags) go with target 'accounts'")
            if "product_id" in self.fields:
                raise ValueError("with 'flags', product_id comes from the flags, not 'fields'")
            if self.where:
                raise ValueError("with 'flags', each product's column is the row filter")
        provided = set(self.fields) | ({"product_id"} if self.flags else set())
        missing = [f for f in known.required if f not in provided]
        if missing:
            hint = " (or declare the extract's as_of date)" if missing == ["churned_on"] else ""
            raise ValueError(f"target {self.into!r} needs field(s) {', '.join(missing)}{hint}")
        extra = [f for f in self.fields if f not in known.fields]
        if extra:
            raise ValueError(
                f"target {self.into!r} has no field(s) {', '.join(extra)}; "
                f"it takes {', '.join(known.fields)}"
            )
        bad = [f for f in self.systems if f not in known.refs]
        if bad:
            raise ValueError(f"'systems' names non-reference field(s) {', '.join(bad)}")
        if self.extra and self.into not in EXTRA_TARGETS:
            raise ValueError(
                f"target {self.into!r} takes no 'extra' properties; {', '.join(EXTRA_TARGETS)} do"
            )
        clash = [p for p in self.extra if p in known.fields or not p.isidentifier()]
        if clash:
            raise ValueError(
                f"extra propert(ies) {', '.join(clash)}: a field of the target, or not a name"
            )
        aliases = [j.alias for j in self.join]
        if len(set(aliases)) < len(aliases):
            raise ValueError("a target joins one file once")
        return self


class FileSpec(_Strict):
    """One source file of a system."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    path: str = Field(description="Path relative to the extract folder; may be a glob.")
    format: Literal["csv", "parquet"] = "csv"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)
    encoding: str = "utf-8"
    max_field_chars: int = Field(
        default=10_000, ge=1, description="Longer fields reject their row (CSV only)."
    )
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    phone_region: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}$",
        description="Country of phone numbers without a country code (default: the "
        "system's phone_region).",
    )
    key: tuple[str, ...] = Field(default=(), description="Columns that identify a row.")
    row_id: bool = Field(
        default=False,
        description="Add a column '_row' (the line number) for files without an id column.",
    )
    columns: dict[str, ColumnSpec]
    identity: IdentitySpec | None = None
    targets: tuple[TargetSpec, ...] = ()

    @model_validator(mode="after")
    def _references_exist(self) -> FileSpec:
        if not self.columns:
            raise ValueError("a file needs at least one column")
        known = set(self.columns) | ({"_row"} if self.row_id else set())
        for column in self.key:
            if column not in known:
                raise ValueError(f"key column {column!r} is not among the columns")
        named: list[tuple[str, str]] = []
        if self.identity is not None:
            if not self.key:
                raise ValueError("a file with 'identity' needs a 'key' (its record id column)")
            ident = self.identity
            for attr in ("name", "id_number", "birth_date", "phone", "email", "address"):
                if getattr(ident, attr):
                    named.append((f"identity.{attr}", getattr(ident, attr)))
            if ident.kind.column:
                named.append(("identity.kind.column", ident.kind.column))
            if ident.link:
                named.append(("identity.link.column", ident.link.column))
            named += [(f"identity.golden.{k}", v) for k, v in ident.golden.items()]
        for i, target in enumerate(self.targets):
            targeted: list[tuple[str, str]] = []
            for k, v in target.fields.items():
                targeted += [
                    (f"targets.{i}.fields.{k}", c)
                    for c in field_columns(v)
                    if not (target.flags and c == "product_id")  # each flag's product
                ]
            targeted += [(f"targets.{i}.extra.{k}", v) for k, v in target.extra.items()]
            targeted += [(f"targets.{i}.flags.{k}", v) for k, v in target.flags.items()]
            for product, column in target.flags.items():
                if column in self.columns and self.columns[column].type != "boolean":
                    raise ValueError(
                        f"targets.{i}.flags.{product}: column {column!r} must be of type "
                        "boolean (with its true_values and false_values)"
                    )
            if isinstance(target.where, dict):
                targeted += [(f"targets.{i}.where", k) for k in target.where]
            for j, join in enumerate(target.join):
                earlier = target.join[:j]
                targeted += [
                    (f"targets.{i}.join.{j}.by", c)
                    for c in join.by
                    if not any(c.startswith(e.alias + ".") for e in earlier)
                ]
            # columns of joined files are checked once every mapping is read (check_joins)
            named += [(w, c) for w, c in targeted if not target.joined(c)]
        for where, column in named:
            if column not in known:
                raise ValueError(f"{where} names column {column!r}, which is not among the columns")
        self._check_expressions(known)
        return self

    def _check_expressions(self, known: set[str]) -> None:
        """Plan every SQL expression of the file over empty columns (names, syntax)."""
        plain = [c for c, col in self.columns.items() if not col.sql]
        for name, col in self.columns.items():
            if col.sql:
                try:
                    check_expression(col.sql, plain)
                except ExpressionError as exc:
                    raise ValueError(f"columns.{name}.sql: {exc}") from None
        typed = {c: _SQL_TYPES[col.type] for c, col in self.columns.items()}
        typed |= {"_line": "BIGINT"}
        for i, target in enumerate(self.targets):
            if isinstance(target.where, str) and not target.join:
                try:
                    check_expression(target.where, [*sorted(known), "_line"], typed=typed)
                except ExpressionError as exc:
                    raise ValueError(f"targets.{i}.where: {exc}") from None


class StaticSpec(_Strict):
    """Rows written into a catalogue target from the mapping itself (e.g. a product list).

    Each row names fields of its target (docs/loading.md, targets). Values are text,
    except a product's ``stackable`` (true or false) and its eligibility bounds
    (``min_age``, ``max_age``, ``max_risk_grade``: whole numbers); a number given for
    a text field is kept as its text.
    """

    into: Literal["products", "branches", "competitors", "employees"]
    rows: tuple[dict[str, str | bool | int | float | None], ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_rows(self) -> StaticSpec:
        from crm_graph.ingest.targets import PRODUCT_BOUNDS, TARGETS

        target = TARGETS[self.into]
        typed: list[dict[str, Any]] = []
        for i, row in enumerate(self.rows):
            for name in row:
                if name not in target.fields:
                    close = difflib.get_close_matches(name, target.fields, n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    raise ValueError(f"rows.{i}: {self.into} take no field {name!r}{hint}")
            for name in target.required:
                if row.get(name) in (None, ""):
                    raise ValueError(f"rows.{i}: {self.into} need {name!r}")
            out: dict[str, Any] = {}
            for name, value in row.items():
                if value is None:
                    continue
                if name == "stackable":
                    if not isinstance(value, bool):
                        raise ValueError(f"rows.{i}.stackable: expected true or false")
                elif name in PRODUCT_BOUNDS:
                    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                        raise ValueError(f"rows.{i}.{name}: expected a whole number, 0 or more")
                elif isinstance(value, bool):
                    raise ValueError(f"rows.{i}.{name}: expected text, not {str(value).lower()}")
                else:
                    value = str(value)
                out[name] = value
            typed.append(out)
        object.__setattr__(self, "rows", tuple(typed))
        return self


class SystemSpec(_Strict):
    """A source system: its name and its files."""

    system: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = ""
    default: bool = Field(
        default=True,
        description="Part of the default mapping set of its folder; false: used only when "
        "named explicitly (crm-graph load --mappings FILE).",
    )
    as_of: date | None = Field(
        default=None,
        description="For a snapshot without dates: the date the extract describes. A "
        "'churn' target without 'churned_on' (an exit flag) marks churn as of this date.",
    )
    phone_region: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}$",
        description="Country (ISO 3166 alpha-2) of phone numbers written without a "
        "country code, for every file that does not say. None: only numbers with a "
        "country code are phone numbers (others are rejected, saying so).",
    )
    currency: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 currency of the system's amounts: stored on every account "
        "whose mapping gives no 'currency' field.",
    )
    static: tuple[StaticSpec, ...] = ()
    files: tuple[FileSpec, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _files_take_the_system_phone_region(cls, raw: Any) -> Any:
        """Give every file without a ``phone_region`` the system's."""
        if not isinstance(raw, dict) or not raw.get("phone_region"):
            return raw
        files = [
            {**f, "phone_region": raw["phone_region"]}
            if isinstance(f, dict) and not f.get("phone_region")
            else f
            for f in raw.get("files") or []
        ]
        return {**raw, "files": files}

    @model_validator(mode="before")
    @classmethod
    def _exits_as_of_the_snapshot(cls, raw: Any) -> Any:
        """Give every 'churn' target without a date the snapshot's ``as_of``."""
        if not isinstance(raw, dict) or not raw.get("as_of"):
            return raw
        as_of = raw["as_of"]
        day = as_of.isoformat() if isinstance(as_of, date) else str(as_of)
        files = []
        for f in raw.get("files") or []:
            if isinstance(f, dict) and isinstance(f.get("targets"), list):
                targets = [
                    {**t, "fields": {**t["fields"], "churned_on": f"={day}"}}
                    if isinstance(t, dict)
                    and t.get("into") == "churn"
                    and isinstance(t.get("fields"), dict)
                    and "churned_on" not in t["fields"]
                    else t
                    for t in f["targets"]
                ]
                f = {**f, "targets": targets}
            files.append(f)
        return {**raw, "files": files}

    @model_validator(mode="after")
    def _unique_file_names(self) -> SystemSpec:
        names = [f.name for f in self.files]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"file names must be unique; repeated: {', '.join(dupes)}")
        return self

    def file(self, name: str) -> FileSpec:
        """Return the file called ``name``.

        Raises
        ------
        MappingError
            If the system has no such file.
        """
        for f in self.files:
            if f.name == name:
                return f
        raise MappingError(f"system {self.system!r} has no file {name!r}")


#: targets whose nodes take extra properties from a mapping
EXTRA_TARGETS = ("accounts", "contacts", "applications")


def check_joins(specs: list[SystemSpec]) -> None:
    """Check every join across the mappings: the file exists, its columns are named right.

    Raises
    ------
    MappingError
        Naming the system, file, target and the first problem.
    """
    files = {(s.system, f.name): f for s in specs for f in s.files}
    for system in specs:
        for i, spec in enumerate(system.files):
            for t, target in enumerate(spec.targets):
                if not target.join:
                    continue
                where = f"system {system.system}: files.{i}.targets.{t}"
                columns = {c: col.type for c, col in spec.columns.items()}
                if spec.row_id:
                    columns["_row"] = "string"
                for j, join in enumerate(target.join):
                    sys_name, _, file_name = join.file.rpartition(".")
                    other = files.get((sys_name or system.system, file_name))
                    if other is None:
                        raise MappingError(
                            f"{where}.join.{j}: no file {join.file!r} among the mappings loaded"
                        )
                    theirs = {c: col.type for c, col in other.columns.items()}
                    if other.row_id:
                        theirs["_row"] = "string"
                    for mine, their in join.by.items():
                        if mine not in columns:
                            raise MappingError(f"{where}.join.{j}.by: no column {mine!r} here")
                        if their not in theirs:
                            raise MappingError(
                                f"{where}.join.{j}.by: {join.file} has no column {their!r}"
                            )
                    columns |= {f"{join.alias}.{c}": kind for c, kind in theirs.items()}
                used = [
                    (f"fields.{k}", c) for k, v in target.fields.items() for c in field_columns(v)
                ]
                used += [(f"extra.{k}", v) for k, v in target.extra.items()]
                if isinstance(target.where, dict):
                    used += [("where", k) for k in target.where]
                for name, column in used:
                    if column not in columns:
                        raise MappingError(f"{where}.{name}: no column {column!r}")
                if isinstance(target.where, str):
                    typed = {c: _SQL_TYPES[k] for c, k in columns.items()} | {"_line": "BIGINT"}
                    try:
                        check_expression(target.where, [*sorted(columns), "_line"], typed=typed)
                    except ExpressionError as exc:
                        raise MappingError(f"{where}.where: {exc}") from None


_KNOWN_FIELDS = sorted(
    set().union(
        *(
            m.model_fields
            for m in (
                ColumnSpec,
                FileSpec,
                SystemSpec,
                IdentitySpec,
                KindSpec,
                LinkSpec,
                TargetSpec,
                JoinSpec,
            )
        )
    )
)


def _explain(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = str(first["msg"])
    if first["type"] == "extra_forbidden":
        field = str(first["loc"][-1])
        close = difflib.get_close_matches(field, _KNOWN_FIELDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{where}: unknown field{hint}"
    if str(first["loc"][-1]) == "[key]" and isinstance(first.get("input"), bool):
        return f"{where}: a key read as {first.get('input')}; quote on/off/yes/no keys in YAML"
    if first["type"] == "literal_error":
        return f"{where}: {message}, got {first.get('input')!r}"
    message = message.removeprefix("Value error, ")
    if message.startswith(("columns.", "targets.")):  # a field inside the failing model
        return f"{where}.{message}"
    return f"{where}: {message}"


def load_spec(path: Path) -> SystemSpec:
    r"""Read and validate a loader mapping.

    Parameters
    ----------
    path : Path
        A ``loaders/<system>.yaml`` file.

    Returns
    -------
    SystemSpec
        The validated mapping.

    Raises
    ------
    MappingError
        One line naming the file and the first problem, e.g.
        ``loaders/cards.yaml: files.0.columns.name.normalise: unknown field
        (did you mean 'normalize'?)``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d) / "x.yaml"
    ...     _ = p.write_text(
    ...         "system: x\nfiles: [{name: a, path: a.csv, columns: {id: {type: strng}}}]"
    ...     )
    ...     load_spec(p)
    Traceback (most recent call last):
    ...
    crm_graph.errors.MappingError: .../x.yaml: files.0.columns.id.type: Input should be ...
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise MappingError(f"{path}: no such mapping file") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MappingError(f"{path}: not valid YAML ({first})") from exc
    if not isinstance(raw, dict):
        raise MappingError(f"{path}: expected a mapping with 'system' and 'files'")
    try:
        return SystemSpec.model_validate(raw)
    except ValidationError as exc:
        raise MappingError(f"{path}: {_explain(exc)}") from exc


def default_loaders_dir() -> Path:
    """Return the folder of the shipped mappings.

    Returns
    -------
    Path
        ``crm_graph/loaders`` in an installed wheel, else ``loaders/`` at the
        repository root.
    """
    packaged = Path(__file__).resolve().parents[1] / "loaders"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "loaders"


def load_specs(*paths: Path) -> list[SystemSpec]:
    """Load mappings: a folder's default set, and every mapping file named, by system.

    Mappings with ``default: false`` (e.g. the UCI Bank Marketing extract) are used only
    when their file is named.

    Raises
    ------
    MappingError
        If a folder has no mappings, a mapping is invalid, or two name one system.

    Examples
    --------
    >>> [s.system for s in load_specs(default_loaders_dir())][:3]
    ['agency', 'call_center', 'cards']
    >>> loaders = default_loaders_dir()
    >>> [s.system for s in load_specs(loaders / "cards.yaml", loaders / "crm.yaml")]
    ['cards', 'crm']
    """
    if not paths:
        raise MappingError("no loader mappings named")
    specs: list[SystemSpec] = []
    for path in paths:
        if path.is_file():
            specs.append(load_spec(path))
            continue
        if not path.is_dir():
            raise MappingError(f"{path}: no such mapping file or folder")
        found = sorted(path.glob("*.yaml"))
        if not found:
            raise MappingError(f"{path}: no loader mappings (*.yaml)")
        specs += [s for s in (load_spec(p) for p in found) if s.default]
    systems = [s.system for s in specs]
    dupes = sorted({s for s in systems if systems.count(s) > 1})
    if dupes:
        where = ", ".join(str(p) for p in paths)
        raise MappingError(f"{where}: several mappings for system(s) {', '.join(dupes)}")
    check_joins(specs)
    return sorted(specs, key=lambda s: s.system)
