"""SQL expressions in mappings, evaluated by DuckDB: computed columns and row filters.

A mapping may compute a column from others (``columns.<name>.sql``) and filter a
target's rows with a condition (``targets[].where`` as a string). Both are DuckDB SQL
expressions, so users write what they already know (``CASE``, ``substr``,
``strptime``, ``BETWEEN``, ``IN``, ``IS NULL``, arithmetic) and the loader never runs
mapping text as Python. The connection has external access disabled and its
configuration locked, and an expression is one expression (no ``;``): it sees the
chunk's columns and nothing else.

- A computed column sees the file's columns **as read** (text; an empty field is
  NULL), and its result, turned back into text, is checked like any column read from
  the file (type, required, normaliser, allowed values).
- A ``where`` condition sees the **checked** values: integers and decimals are
  numbers, booleans are true/false, dates are ISO text (``'2024-05-31'``).

A row whose expression fails (a ``CAST`` that cannot be done, say) is rejected with
the error as its reason; a mistake in the expression itself (unknown column, syntax)
stops the load before anything is read, naming the mapping field.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["ExpressionError", "as_text", "check_expression", "evaluate", "evaluate_rows"]

_local = threading.local()


class ExpressionError(ValueError):
    """A SQL expression of a mapping that DuckDB refuses (first line of its message)."""


def _connection() -> duckdb.DuckDBPyConnection:
    """One locked-down in-memory DuckDB connection per thread."""
    con = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect(":memory:")
        con.execute("SET enable_external_access = false")
        con.execute("SET threads = 1")
        con.execute("SET lock_configuration = true")
        _local.con = con
    return con


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _one_expression(sql: str) -> str:
    if ";" in sql:
        raise ExpressionError("an expression may not contain ';'")
    if not sql.strip():
        raise ExpressionError("the expression is empty")
    return sql


def check_expression(
    sql: str, columns: Iterable[str], *, typed: dict[str, str] | None = None
) -> None:
    """Plan an expression over empty columns; raise on an unknown column or bad syntax.

    Parameters
    ----------
    sql : str
        The expression.
    columns : iterable of str
        The columns it may use (text, unless ``typed`` names a DuckDB type).
    typed : dict, optional
        Column -> DuckDB type (``BIGINT``, ``DOUBLE``, ``BOOLEAN``, ``VARCHAR``).

    Raises
    ------
    ExpressionError
        With DuckDB's message, e.g. ``Referenced column "x" not found``.

    Examples
    --------
    >>> check_expression("upper(a) || b", ["a", "b"])
    >>> check_expression("upper(c)", ["a"])
    Traceback (most recent call last):
    ...
    crm_graph.ingest.expressions.ExpressionError: Binder Error: Referenced column "c" not found ...
    """
    types = typed or {}
    cols = ", ".join(
        f"CAST(NULL AS {types.get(c, 'VARCHAR')}) AS {_quote(c)}" for c in dict.fromkeys(columns)
    )
    inner = f"SELECT {cols}" if cols else "SELECT 1 AS _none"
    try:
        _connection().execute(f"SELECT ({_one_expression(sql)}) AS v FROM ({inner}) LIMIT 0")
    except duckdb.Error as exc:
        raise ExpressionError(_first_line(exc)) from exc


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _run(sql: str, frame: pd.DataFrame) -> npt.NDArray[Any]:
    con = _connection()
    con.register("_chunk", frame)
    try:
        out = con.execute(f"SELECT ({sql}) AS v FROM _chunk").fetchnumpy()["v"]
    finally:
        con.unregister("_chunk")
    if isinstance(out, np.ma.MaskedArray):
        values = out.astype(object)
        values[np.asarray(out.mask, dtype=bool) if out.mask is not np.ma.nomask else []] = None
        return np.asarray(values, dtype=object)
    return np.asarray(out, dtype=object)


def evaluate_rows(sql: str, frame: pd.DataFrame) -> tuple[npt.NDArray[Any], dict[int, str]]:
    """Evaluate an expression on every row; rows where it fails get an error instead.

    A chunk that fails as a whole is split in halves until the failing rows are
    found, so a few bad rows cost a few more queries, not one per row.

    Returns
    -------
    (values, errors)
        The values (object array, None for NULL, and for failed rows), and the
        positions of the failed rows with DuckDB's message.

    Examples
    --------
    >>> f = pd.DataFrame({"a": ["1", "x", None]})
    >>> values, errors = evaluate_rows("CAST(a AS INTEGER) * 2", f)
    >>> values.tolist(), list(errors)
    ([2, None, None], [1])
    >>> errors[1].startswith("Conversion Error: Could not convert string 'x' to INT32")
    True
    """
    sql = _one_expression(sql)
    values = np.full(len(frame), None, dtype=object)
    errors: dict[int, str] = {}
    plain = frame.reset_index(drop=True)

    def run(lo: int, hi: int) -> None:
        if lo >= hi:
            return
        try:
            values[lo:hi] = _run(sql, plain.iloc[lo:hi])
        except duckdb.Error as exc:
            if hi - lo == 1:
                errors[lo] = _first_line(exc)
                return
            mid = (lo + hi) // 2
            run(lo, mid)
            run(mid, hi)

    run(0, len(plain))
    return values, errors


def as_text(values: npt.NDArray[Any]) -> list[str]:
    """Turn expression results into field text as a file would hold it ("" for NULL).

    Examples
    --------
    >>> as_text(np.array([None, 2, 2.5, True, dt.date(2024, 5, 31), "x"], dtype=object))
    ['', '2', '2.5', 'true', '2024-05-31', 'x']
    """
    out: list[str] = []
    for v in values.tolist():
        if v is None or (isinstance(v, float) and v != v):
            out.append("")
        elif isinstance(v, bool | np.bool_):
            out.append("true" if v else "false")
        elif isinstance(v, dt.datetime) and v.time() == dt.time(0):
            out.append(v.date().isoformat())
        elif isinstance(v, dt.date):
            out.append(v.isoformat())
        else:
            out.append(str(v))
    return out


def evaluate(sql: str, frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Evaluate a condition on a chunk of checked rows: True where it holds (NULL: False).

    Raises
    ------
    ExpressionError
        If the condition fails on the chunk.

    Examples
    --------
    >>> f = pd.DataFrame({"amount": [10.0, 500.0, None], "status": ["A", "B", "A"]})
    >>> evaluate("amount BETWEEN 100 AND 1000 OR status IN ('A')", f).tolist()
    [True, True, True]
    >>> evaluate("amount > 100", f).tolist()
    [False, True, False]
    """
    try:
        out = _run(_one_expression(sql), frame.reset_index(drop=True))
    except duckdb.Error as exc:
        raise ExpressionError(_first_line(exc)) from exc
    return np.array([v is True or v == 1 for v in out.tolist()], dtype=bool)
