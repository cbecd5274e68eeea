"""The analysts' Cypher library: ``cypher/queries/*.cypher``, documented and typed.

Each file starts with a header of ``//`` comment lines::

    // title: Households and their combined AUM
    // question: Which households hold the most assets with us, and who is in them?
    //   (continuation lines are indented by two spaces)
    // param: min_members integer 2 Smallest household to list.
    // param: customer_id string - The customer (a dash: required, no default).
    // columns: household, members, names, combined_aum
    // example: crm-graph query list_households --param min_members=3

``pii`` (optional) names the columns that carry personal data (customers' names);
the API returns them as null to roles that may not see personal data.

Parameter types are ``string``, ``integer``, ``float``, ``boolean`` and ``date``
(``YYYY-MM-DD``, passed to Cypher as a string). :func:`bind` checks given values
against the declared parameters (unknown names and wrong types fail with the
parameter named) and fills defaults; :func:`run_query` runs the statement in a READ
transaction, so a statement that tries to write is refused by the server.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from crm_graph.db import Database, cypher, cypher_names
from crm_graph.errors import CypherNotFound, QueryParameterError

__all__ = [
    "PARAM_TYPES",
    "QueryParam",
    "QuerySpec",
    "bind",
    "get_query",
    "list_queries",
    "parse_header",
    "run_query",
]

PARAM_TYPES = ("string", "integer", "float", "boolean", "date")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_AREA = "queries"
_KEY = re.compile(r"^//\s*(title|question|param|columns|pii|example):\s*(.*)$")
_CONTINUED = re.compile(r"^//\s{2,}(\S.*)$")


@dataclass(frozen=True)
class QueryParam:
    """A declared parameter of a library query."""

    name: str
    type: str
    default: Any
    required: bool
    description: str

    def as_dict(self) -> dict[str, Any]:
        """Return the parameter as JSON-ready data."""
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "required": self.required,
            "description": self.description,
        }


@dataclass(frozen=True)
class QuerySpec:
    """A library query: its documentation, parameters and statement."""

    name: str
    title: str
    question: str
    params: tuple[QueryParam, ...]
    columns: tuple[str, ...]
    example: str
    statement: str = field(repr=False)
    pii: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Return the documentation as JSON-ready data (without the statement)."""
        return {
            "name": self.name,
            "title": self.title,
            "question": self.question,
            "params": [p.as_dict() for p in self.params],
            "columns": list(self.columns),
            "pii": list(self.pii),
            "example": self.example,
        }


def _convert(name: str, kind: str, value: Any) -> Any:
    """Convert a raw value (text from the command line, or JSON) to the declared type.

    Examples
    --------
    >>> _convert("limit", "integer", "12"), _convert("flag", "boolean", "yes")
    (12, True)
    >>> _convert("limit", "integer", "twelve")
    Traceback (most recent call last):
    ...
    crm_graph.errors.QueryParameterError: parameter 'limit': 'twelve' is not an integer
    >>> _convert("limit", "integer", 1e20)
    Traceback (most recent call last):
    ...
    crm_graph.errors.QueryParameterError: parameter 'limit': 1e+20 is out of the integer range ...
    """
    if value is None:
        return None
    try:
        if kind == "integer":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            number = int(value)
            if not INT64_MIN <= number <= INT64_MAX:  # what Neo4j stores (64-bit)
                raise QueryParameterError(
                    f"parameter {name!r}: {value!r} is out of the integer range "
                    f"{INT64_MIN}..{INT64_MAX}",
                    parameter=name,
                )
            return number
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError
            real = float(value)
            if not math.isfinite(real):
                raise ValueError
            return real
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "1", "yes"):
                return True
            if text in ("false", "0", "no"):
                return False
            raise ValueError
        if kind == "date":
            return date.fromisoformat(str(value)).isoformat()
        if not isinstance(value, str | int | float):
            raise ValueError
        return str(value)
    except (TypeError, ValueError):
        article = "an" if kind[0] in "aeiou" else "a"
        raise QueryParameterError(
            f"parameter {name!r}: {value!r} is not {article} {kind}", parameter=name
        ) from None


def parse_header(name: str, text: str) -> QuerySpec:
    """Parse a library file's header.

    Raises
    ------
    CypherNotFound
        If the header lacks a title, question, columns or example, or declares a
        parameter badly (a broken library file must not be served).

    Examples
    --------
    >>> spec = parse_header("demo", '''// title: Demo
    ... // question: How many customers
    ... //   are there?
    ... // param: tier string - Tier to count.
    ... // param: limit integer 10 Rows.
    ... // columns: n
    ... // example: crm-graph query demo --param tier=mass
    ... MATCH (c:Customer {tier: $tier}) RETURN count(c) AS n LIMIT $limit''')
    >>> spec.question, [(p.name, p.required, p.default) for p in spec.params]
    ('How many customers are there?', [('tier', True, None), ('limit', False, 10)])
    """
    fields: dict[str, str] = {}
    params: list[QueryParam] = []
    last = ""
    for line in text.splitlines():
        if not line.startswith("//"):
            break
        match = _KEY.match(line)
        if match:
            key, value = match.group(1), match.group(2).strip()
            if key == "param":
                parts = value.split(None, 3)
                if len(parts) < 3 or parts[1] not in PARAM_TYPES:
                    raise CypherNotFound(f"queries/{name}: bad parameter declaration {value!r}")
                pname, kind, default = parts[0], parts[1], parts[2]
                required = default == "-"
                params.append(
                    QueryParam(
                        name=pname,
                        type=kind,
                        default=None if required else _convert(pname, kind, default),
                        required=required,
                        description=parts[3] if len(parts) > 3 else "",
                    )
                )
            else:
                fields[key] = value
            last = key
            continue
        more = _CONTINUED.match(line)
        if more and last in ("question", "title"):
            fields[last] += " " + more.group(1).strip()
    missing = [k for k in ("title", "question", "columns", "example") if k not in fields]
    if missing:
        raise CypherNotFound(f"queries/{name}: header lacks {', '.join(missing)}")
    return QuerySpec(
        name=name,
        title=fields["title"],
        question=fields["question"],
        params=tuple(params),
        columns=tuple(c.strip() for c in fields["columns"].split(",") if c.strip()),
        example=fields["example"],
        statement=text,
        pii=tuple(c.strip() for c in fields.get("pii", "").split(",") if c.strip()),
    )


def list_queries() -> list[QuerySpec]:
    """Return every library query, by name."""
    return [get_query(n.split("/", 1)[1]) for n in cypher_names(_AREA)]


def get_query(name: str) -> QuerySpec:
    """Return one library query.

    Raises
    ------
    CypherNotFound
        If there is no such query (the name is checked against the files, never
        used to build a path outside ``cypher/queries``).
    """
    known = {n.split("/", 1)[1] for n in cypher_names(_AREA)}
    if name not in known:
        raise CypherNotFound(f"no library query named {name!r}; see `crm-graph query --list`")
    return parse_header(name, cypher(f"{_AREA}/{name}"))


def bind(spec: QuerySpec, given: dict[str, Any]) -> dict[str, Any]:
    r"""Check and convert given parameter values; fill defaults.

    Raises
    ------
    QueryParameterError
        For an unknown parameter, a missing required one or a value of the wrong type;
        the message names the parameter.

    Examples
    --------
    >>> spec = parse_header("q", "// title: t\n// question: q\n// param: n integer 5 N.\n"
    ...                     "// columns: x\n// example: e\nRETURN $n AS x")
    >>> bind(spec, {}), bind(spec, {"n": "7"})
    ({'n': 5}, {'n': 7})
    >>> bind(spec, {"m": 1})
    Traceback (most recent call last):
    ...
    crm_graph.errors.QueryParameterError: unknown parameter 'm' for query q (it takes: n)
    """
    declared = {p.name: p for p in spec.params}
    for key in given:
        if key not in declared:
            takes = ", ".join(declared) or "no parameters"
            raise QueryParameterError(
                f"unknown parameter {key!r} for query {spec.name} (it takes: {takes})",
                parameter=key,
            )
    out: dict[str, Any] = {}
    for p in spec.params:
        if p.name in given and given[p.name] is not None:
            out[p.name] = _convert(p.name, p.type, given[p.name])
        elif p.required:
            raise QueryParameterError(
                f"parameter {p.name!r} is required for query {spec.name}", parameter=p.name
            )
        else:
            out[p.name] = p.default
    return out


def run_query(db: Database, name: str, given: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Run a library query read-only with checked parameters.

    Parameters
    ----------
    db : Database
        The graph.
    name : str
        Query name (see :func:`list_queries`).
    given : dict, optional
        Parameter values (text or typed); missing ones take their defaults.

    Returns
    -------
    list of dict
        The rows, with the declared columns.

    Raises
    ------
    CypherNotFound
        Unknown query.
    QueryParameterError
        Bad parameters.
    DatabaseError
        The server refused the statement (for example a write in READ mode).
    """
    spec = get_query(name)
    return db.read(f"{_AREA}/{name}", **bind(spec, given or {}))
