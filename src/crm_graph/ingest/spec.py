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
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from crm_graph.errors import MappingError

__all__ = ["ColumnSpec", "FileSpec", "SystemSpec", "default_loaders_dir", "load_spec", "load_specs"]

ColumnType = Literal["string", "integer", "decimal", "date", "boolean"]
Normalizer = Literal["none", "name", "phone", "id_number", "resident_id", "uscc", "email"]


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
    true_values: tuple[str, ...] = ("Y", "y", "1", "true", "TRUE", "yes", "是")
    false_values: tuple[str, ...] = ("N", "n", "0", "false", "FALSE", "no", "否")


class FileSpec(_Strict):
    """One source file of a system."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    path: str = Field(description="Path relative to the extract folder; may be a glob.")
    format: Literal["csv", "parquet"] = "csv"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)
    encoding: str = "utf-8"
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    key: tuple[str, ...] = Field(default=(), description="Columns that identify a row.")
    columns: dict[str, ColumnSpec]

    @model_validator(mode="after")
    def _key_columns_exist(self) -> FileSpec:
        for column in self.key:
            if column not in self.columns:
                raise ValueError(f"key column {column!r} is not among the columns")
        if not self.columns:
            raise ValueError("a file needs at least one column")
        return self


class SystemSpec(_Strict):
    """A source system: its name and its files."""

    system: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = ""
    files: tuple[FileSpec, ...] = Field(min_length=1)

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


_KNOWN_FIELDS = sorted(
    set(ColumnSpec.model_fields) | set(FileSpec.model_fields) | set(SystemSpec.model_fields)
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
    if first["type"] == "literal_error":
        return f"{where}: {message}, got {first.get('input')!r}"
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


def load_specs(folder: Path) -> list[SystemSpec]:
    """Load every ``*.yaml`` mapping of a folder, sorted by system name.

    Raises
    ------
    MappingError
        If the folder has no mappings, a mapping is invalid, or two name one system.

    Examples
    --------
    >>> [s.system for s in load_specs(default_loaders_dir())][:3]
    ['agency', 'call_center', 'cards']
    """
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise MappingError(f"{folder}: no loader mappings (*.yaml)")
    specs = [load_spec(p) for p in paths]
    systems = [s.system for s in specs]
    dupes = sorted({s for s in systems if systems.count(s) > 1})
    if dupes:
        raise MappingError(f"{folder}: several mappings for system(s) {', '.join(dupes)}")
    return sorted(specs, key=lambda s: s.system)
