"""Neo4j access: driver lifecycle, retried transactions, Cypher files by name, GDS client.

Every Cypher statement lives in its own file under ``cypher/`` and is loaded by
name (``"load/upsert_customers"`` is ``cypher/load/upsert_customers.cypher``); an
unknown name raises :class:`~crm_graph.errors.CypherNotFound` at once. Values are
always passed as ``$parameters``.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import neo4j
from neo4j import Driver, GraphDatabase, RoutingControl
from neo4j import exceptions as neo4j_errors

from crm_graph.errors import CypherNotFound, DatabaseError, DatabaseUnavailable, GdsUnavailable

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from graphdatascience import GraphDataScience

__all__ = [
    "Database",
    "connect",
    "cypher",
    "cypher_dir",
    "cypher_names",
    "gds_client",
    "has_gds",
    "parse_lines",
    "schema_statements",
]

_NAME = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*$")


def cypher_dir() -> Path:
    """Return the folder holding the ``.cypher`` files.

    Returns
    -------
    Path
        ``crm_graph/cypher`` inside an installed wheel, else ``cypher/`` at the
        repository root (editable installs and source checkouts).
    """
    packaged = Path(__file__).with_name("cypher")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "cypher"


@cache
def cypher(name: str) -> str:
    """Return the text of the Cypher file called ``name``.

    Parameters
    ----------
    name : str
        Path below ``cypher/`` without the suffix, e.g. ``"admin/count_nodes"``.

    Returns
    -------
    str
        The statement, with its leading ``//`` comment header kept.

    Raises
    ------
    CypherNotFound
        If the name is malformed or no such file exists.

    Examples
    --------
    >>> "MATCH" in cypher("admin/count_nodes")
    True
    >>> cypher("admin/no_such_statement")
    Traceback (most recent call last):
    ...
    crm_graph.errors.CypherNotFound: no Cypher file 'admin/no_such_statement' ...
    """
    path = cypher_dir() / f"{name}.cypher"
    if not _NAME.match(name) or not path.is_file():
        raise CypherNotFound(f"no Cypher file {name!r} (looked for {path})")
    return path.read_text(encoding="utf-8")


def cypher_names(area: str | None = None) -> list[str]:
    """List the names of all Cypher files, optionally of one area.

    Parameters
    ----------
    area : str, optional
        A top-level folder such as ``"load"`` or ``"queries"``.

    Returns
    -------
    list of str
        Sorted names usable with :func:`cypher`.

    Examples
    --------
    >>> "admin/count_nodes" in cypher_names("admin")
    True
    """
    root = cypher_dir()
    base = root / area if area else root
    names = [
        p.relative_to(root).with_suffix("").as_posix()
        for p in base.rglob("*.cypher")
        if p.parent != root
    ]
    return sorted(names)


def schema_statements() -> list[str]:
    """Return the statements of ``cypher/schema.cypher``, one per list item.

    ``schema.cypher`` is the one file that holds several statements: the
    constraints and indexes of the graph model, separated by ``;``.

    Returns
    -------
    list of str
        Each ``CREATE CONSTRAINT``/``CREATE INDEX`` statement, comments removed.

    Examples
    --------
    >>> any("Customer" in s for s in schema_statements())
    True
    """
    text = (cypher_dir() / "schema.cypher").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def connect(
    uri: str, user: str, password: str, *, verify: bool = True, retry_s: float = 30.0
) -> Driver:
    """Open a driver and, by default, check that the server answers.

    Parameters
    ----------
    uri : str
        Bolt or neo4j URI.
    user, password : str
        Credentials.
    verify : bool, default True
        Check connectivity and credentials now rather than at the first query.
    retry_s : float, default 30
        How long a query retries transient failures (a restarting server) before
        :class:`DatabaseUnavailable`; the API uses a few seconds to answer 503 fast.

    Returns
    -------
    neo4j.Driver
        The caller closes it (or uses it as a context manager).

    Raises
    ------
    DatabaseUnavailable
        If the server cannot be reached or rejects the credentials.
    """
    try:
        driver = GraphDatabase.driver(
            uri,
            auth=(user, password),
            connection_acquisition_timeout=min(30.0, max(retry_s, 1.0)),
            connection_timeout=min(30.0, max(retry_s, 1.0)),
            max_transaction_retry_time=retry_s,
            # "property key not in the database" is expected on a fresh graph, not news
            notifications_disabled_categories=["UNRECOGNIZED"],
        )
    except (ValueError, neo4j_errors.ConfigurationError) as exc:
        raise DatabaseUnavailable(f"invalid Neo4j URI {uri!r}: {exc}") from exc
    if verify:
        try:
            driver.verify_connectivity()
        except neo4j_errors.AuthError as exc:
            driver.close()
            raise DatabaseUnavailable(
                f"Neo4j at {uri} rejected the credentials of {user!r}"
            ) from exc
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError) as exc:
            driver.close()
            raise DatabaseUnavailable(f"Neo4j is not reachable at {uri}: {exc}") from exc
    return driver


@contextmanager
def _translated_errors() -> Iterator[None]:
    """Turn the driver's errors into :class:`DatabaseError` or :class:`DatabaseUnavailable`."""
    try:
        yield
    except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as exc:
        raise DatabaseUnavailable(f"Neo4j is not reachable: {exc}") from exc
    except neo4j_errors.TransientError as exc:
        # e.g. Neo.TransientError.General.DatabaseUnavailable while the server stops or
        # starts; the driver already retried what it could
        raise DatabaseUnavailable(f"Neo4j is temporarily unavailable: {exc.code}") from exc
    except neo4j_errors.Neo4jError as exc:
        raise DatabaseError(f"{exc.code}: {exc.message}") from exc
    except neo4j_errors.DriverError as exc:
        # connection-level failures other than the two above (a connection dropped
        # mid-query, no connection free in time, a commit whose outcome is unknown)
        raise DatabaseUnavailable(f"Neo4j connection failed: {exc!r}") from exc


_ARROW_TYPES = {"string": "string", "float": "float64", "int": "int64", "bool": "bool"}


def quote_field(value: object) -> str:
    r"""Quote a value as the packed reads' statements do (``""`` inside; None: empty).

    Examples
    --------
    >>> quote_field('a,"b"\nc'), quote_field(None)
    ('"a,""b""\nc"', '')
    """
    if value is None:
        return ""
    return '"' + str(value).replace('"', '""') + '"'


def parse_lines(lines: Sequence[str], columns: Mapping[str, str], source: str = "") -> pa.Table:
    """Parse comma-separated lines into a table (an empty field is null).

    A field may be quoted (:func:`quote_field`): then it may hold commas, doubled
    quotes and line breaks.

    Parameters
    ----------
    lines : sequence of str
        One row each, without the line break.
    columns : mapping of str to str
        Field name to ``"string"``, ``"float"``, ``"int"`` or ``"bool"``, in order.
    source : str, optional
        Named in the error message.

    Returns
    -------
    pyarrow.Table

    Raises
    ------
    DatabaseError
        If a line has more or fewer fields than ``columns``, or a value of the wrong type.

    Examples
    --------
    >>> t = parse_lines(["C1,C2,FAMILY,,", "C1,C3,TRANSFERS,1.0E7,3"],
    ...                 {"a": "string", "b": "string", "type": "string", "amount": "float",
    ...                  "count": "int"})
    >>> t.to_pandas().to_dict("list")["amount"]
    [nan, 10000000.0]
    >>> parse_lines(["C1,C2"], {"a": "string"}, "analytics/x")
    Traceback (most recent call last):
    ...
    crm_graph.errors.DatabaseError: analytics/x returned a line that does not parse: ...
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    unknown = sorted(set(columns.values()) - set(_ARROW_TYPES))
    if unknown:
        raise ValueError(f"unknown column types {unknown}; known: {sorted(_ARROW_TYPES)}")
    types = {c: pa.type_for_alias(_ARROW_TYPES[t]) for c, t in columns.items()}
    if not lines:
        return pa.table({c: pa.array([], type=t) for c, t in types.items()})
    text = ("\n".join(lines) + "\n").encode("utf-8")
    try:
        return pa_csv.read_csv(
            pa.py_buffer(text),
            read_options=pa_csv.ReadOptions(column_names=list(columns), block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(quote_char='"', newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=types,
                null_values=[""],
                strings_can_be_null=True,
                true_values=["true"],
                false_values=["false"],
            ),
        )
    except pa.ArrowInvalid as exc:
        first = str(exc).splitlines()[0]
        raise DatabaseError(f"{source} returned a line that does not parse: {first}") from exc


def _in_chunks(result: neo4j.Result, chunk: int) -> Iterator[list[neo4j.Record]]:
    """Yield a result's records in lists of ``chunk`` (the last one shorter)."""
    batch: list[neo4j.Record] = []
    for record in result:
        batch.append(record)
        if len(batch) >= chunk:
            yield batch
            batch = []
    if batch:
        yield batch


class Database:
    """A driver bound to one database, with retried read and write transactions.

    Reads go through the driver's managed ``execute_query`` and writes through a
    managed write transaction; both retry transient errors (deadlocks, leader
    switches, lost connections) with back-off. :attr:`retries` counts the write
    attempts that were retried (each attempt calls the transaction function once).

    Parameters
    ----------
    driver : neo4j.Driver
        An open driver; :class:`Database` does not own it unless ``owns_driver``.
    database : str, default "neo4j"
        Database name.
    owns_driver : bool, default False
        Close the driver in :meth:`close`.
    """

    def __init__(self, driver: Driver, database: str = "neo4j", *, owns_driver: bool = False):
        self.driver = driver
        self.database = database
        self._owns_driver = owns_driver
        #: write transactions attempted again after a transient error, since creation
        self.retries = 0
        self._retries_lock = threading.Lock()

    def close(self) -> None:
        """Close the driver if this object owns it."""
        if self._owns_driver:
            self.driver.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(
        self, statement: str, params: Mapping[str, Any], routing: RoutingControl
    ) -> list[dict[str, Any]]:
        if routing == RoutingControl.WRITE:
            return self._run_write(statement, params)
        with _translated_errors():
            records, _, _ = self.driver.execute_query(
                neo4j.Query(statement),
                dict(params),
                database_=self.database,
                routing_=routing,
            )
        return [record.data() for record in records]

    def _run_write(self, statement: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        attempts = 0

        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            nonlocal attempts
            attempts += 1
            result = tx.run(statement, dict(params))
            return [record.data() for record in result]

        with _translated_errors(), self.driver.session(database=self.database) as session:
            rows: list[dict[str, Any]] = session.execute_write(work)
        if attempts > 1:
            with self._retries_lock:
                self.retries += attempts - 1
        return rows

    def version(self) -> str:
        """Return a token that changes whenever a transaction commits on the database.

        It is the bookmark of an empty read transaction: the server's last committed
        transaction. Equal tokens mean nothing was written in between, so what was
        read under the first still holds; the token means nothing else (compare it,
        never parse it). One short round trip.
        """
        with _translated_errors(), self.driver.session(database=self.database) as session:
            session.execute_read(lambda tx: tx.run(cypher("admin/read_bookmark")).consume())
            return ";".join(sorted(session.last_bookmarks().raw_values))

    def read(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run the named Cypher file in a read transaction.

        Parameters
        ----------
        name : str
            Cypher file name (see :func:`cypher`).
        **params
            Values for the statement's ``$parameters``.

        Returns
        -------
        list of dict
            One dict per record.
        """
        return self._run(cypher(name), params, RoutingControl.READ)

    def read_autocommit(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run a named read statement as one auto-commit transaction: the API's reads.

        Cheaper than :meth:`read` per call (one round trip of ``RUN`` and ``PULL``
        instead of ``BEGIN``, ``RUN``, ``PULL`` and ``COMMIT``, no bookmarks, and
        records turned into dicts without :meth:`neo4j.Record.data`'s recursive
        copy), for short statements run many times a second. It runs in READ access
        mode, so the server refuses a write. It does not retry with back-off: a
        connection that the server closed since its last use is retried once on a
        fresh one (a read has no side effect), anything else raises at once, so that
        the API answers 503 without holding the request.

        Parameters
        ----------
        name : str
            Cypher file name (see :func:`cypher`); the statement must return values,
            maps and lists, not nodes or relationships (they are not converted).
        **params
            Values for the statement's ``$parameters``.

        Returns
        -------
        list of dict
            One dict per record.

        Raises
        ------
        DatabaseUnavailable
            The server cannot be reached, twice.
        DatabaseError
            The server refused the statement (a syntax error, a write).
        """
        query = neo4j.Query(cypher(name))
        with _translated_errors():
            try:
                return self._autocommit(query, params)
            except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired):
                # most often a pooled connection the server closed since its last use
                return self._autocommit(query, params)

    def _autocommit(self, query: neo4j.Query, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        with self.driver.session(
            database=self.database, default_access_mode=neo4j.READ_ACCESS, bookmark_manager=None
        ) as session:
            result = session.run(query, dict(params))
            keys = result.keys()
            return [dict(zip(keys, record.values(), strict=True)) for record in result]

    def write(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run the named Cypher file in a write transaction (see :meth:`read`)."""
        return self._run(cypher(name), params, RoutingControl.WRITE)

    def write_batches(
        self,
        name: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        batch_size: int = 5000,
        workers: int = 1,
        partition: str | None = None,
        **params: Any,
    ) -> Iterator[int]:
        """Run an ``UNWIND $rows`` statement over ``rows`` in batches.

        Parameters
        ----------
        name : str
            Cypher file whose statement starts with ``UNWIND $rows AS row``.
        rows : sequence of mapping
            The rows; each batch is one retried write transaction.
        batch_size : int, default 5000
            Rows per transaction.
        workers : int, default 1
            Transactions in flight at once. With more than one, rows are split by the
            value of ``partition`` (rows with equal values go to the same worker, in
            order), so that concurrent transactions do not lock the same nodes.
        partition : str, optional
            The row field to split by (e.g. ``customer_id``); required for workers > 1.
        **params
            Further parameters passed with every batch.

        Yields
        ------
        int
            The number of rows written by each batch, for progress bars.

        Raises
        ------
        DatabaseError, DatabaseUnavailable
            As :meth:`write`; with several workers, the first failure (the other
            workers stop after their current batch).
        """
        statement = cypher(name)
        if workers <= 1 or partition is None or len(rows) <= batch_size:
            for start in range(0, len(rows), batch_size):
                batch = [dict(r) for r in rows[start : start + batch_size]]
                self._run(statement, {**params, "rows": batch}, RoutingControl.WRITE)
                yield len(batch)
            return
        parts: list[list[Mapping[str, Any]]] = [[] for _ in range(workers)]
        for row in rows:
            parts[hash(row[partition]) % workers].append(row)
        done: queue.Queue[int | BaseException] = queue.Queue()
        stop = threading.Event()

        def work(part: list[Mapping[str, Any]]) -> None:
            try:
                for start in range(0, len(part), batch_size):
                    if stop.is_set():
                        return
                    batch = [dict(r) for r in part[start : start + batch_size]]
                    self._run(statement, {**params, "rows": batch}, RoutingControl.WRITE)
                    done.put(len(batch))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                done.put(exc)

        threads = [threading.Thread(target=work, args=(p,), daemon=True) for p in parts if p]
        for thread in threads:
            thread.start()
        written = 0
        try:
            while written < len(rows):
                item = done.get()
                if isinstance(item, BaseException):
                    raise item
                written += item
                yield item
        finally:
            stop.set()
            for thread in threads:
                thread.join()

    def stream(
        self, name: str, chunk: int = 100_000, **params: Any
    ) -> Iterator[list[dict[str, Any]]]:
        """Run the named read statement and yield its rows in lists of ``chunk``.

        For results too large to hold as one list (every source record of a bank):
        the driver fetches records as they are consumed.

        Raises
        ------
        DatabaseError, DatabaseUnavailable
            As :meth:`read`.
        """
        with _translated_errors(), self.read_session() as session:
            result = session.run(neo4j.Query(cypher(name)), dict(params))
            for batch in _in_chunks(result, chunk):
                yield [record.data() for record in batch]

    def read_frame(self, name: str, chunk: int = 100_000, **params: Any) -> pd.DataFrame:
        """Run the named read statement; return its rows as a DataFrame.

        The columns are those of the statement's ``RETURN``, in order, also when no row
        comes back. Records are turned into columns as they arrive, ``chunk`` at a time
        (no dict per record, no second copy of the whole result): for the reads of
        every customer at once, which :meth:`read` would hold twice.

        Raises
        ------
        DatabaseError, DatabaseUnavailable
            As :meth:`read`.
        """
        import pandas as pd

        with _translated_errors(), self.read_session() as session:
            result = session.run(neo4j.Query(cypher(name)), dict(params))
            keys = list(result.keys())
            columns: list[list[Any]] = [[] for _ in keys]
            for batch in _in_chunks(result, chunk):
                for column, values in zip(columns, zip(*batch, strict=True), strict=True):
                    column.extend(values)
        return pd.DataFrame(dict(zip(keys, columns, strict=True)), columns=keys)

    def read_lines(
        self, name: str, columns: Mapping[str, str], chunk: int = 2_000, **params: Any
    ) -> pd.DataFrame:
        """Run a named read that packs its rows into text lines; parse them into a DataFrame.

        For the reads of every customer or tie at once, where the driver's cost per
        value (a Python object each, about a microsecond) is most of the time: the
        statement joins each row's values with commas server-side and returns the lines
        a group at a time (its one column, ``lines``, is a list of strings), and pyarrow
        parses the text (:func:`parse_lines`). Text a mapping gives is quoted by the
        statement (:func:`quote_field`), so commas, quotes and line breaks in it are
        kept. An empty value is null.

        Parameters
        ----------
        name : str
            A statement returning one column ``lines`` (lists of lines).
        columns : mapping of str to str
            The lines' fields in order, each ``"string"``, ``"float"``, ``"int"`` or
            ``"bool"`` (an integer column with nulls comes back as float).
        chunk : int, default 2000
            Records parsed at a time.
        **params
            The statement's parameters.

        Returns
        -------
        DataFrame
            One row per line, ``columns`` in order (also when no line comes back).

        Raises
        ------
        DatabaseError
            As :meth:`read`, and if a line does not have the fields of ``columns``.
        """
        import pyarrow as pa

        tables: list[pa.Table] = []
        with _translated_errors(), self.read_session() as session:
            result = session.run(neo4j.Query(cypher(name)), dict(params))
            for batch in _in_chunks(result, chunk):
                lines = [line for record in batch for line in record[0]]
                if lines:
                    tables.append(parse_lines(lines, columns, name))
        if not tables:
            tables.append(parse_lines([], columns, name))
        frame: pd.DataFrame = pa.concat_tables(tables).to_pandas()
        return frame

    def run_statement(
        self, statement: str, params: Mapping[str, Any] | None = None, *, write: bool = False
    ) -> list[dict[str, Any]]:
        """Run a statement that comes from a checked-in file, not from user input.

        Used for ``schema.cypher`` (several statements in one file) and the EXPLAIN
        checks; everything else goes through :meth:`read` and :meth:`write`.
        """
        routing = RoutingControl.WRITE if write else RoutingControl.READ
        return self._run(statement, params or {}, routing)

    def write_in_batches(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run a ``CALL { ... } IN TRANSACTIONS`` statement in an implicit transaction.

        Whole-graph updates (a property on every customer) commit in batches this way;
        the managed transactions of :meth:`write` cannot contain ``IN TRANSACTIONS``.
        """
        text = cypher(name)
        with _translated_errors(), self.driver.session(database=self.database) as session:
            return session.run(neo4j.Query(text), dict(params)).data()

    @contextmanager
    def read_session(self) -> Iterator[neo4j.Session]:
        """Yield a session in READ access mode (writes are refused by the server)."""
        with self.driver.session(
            database=self.database, default_access_mode=neo4j.READ_ACCESS
        ) as session:
            yield session

    def clear(
        self,
        batch_size: int = 10_000,
        progress: Callable[[str], None] | None = None,
        every: int = 1_000_000,
    ) -> int:
        """Delete every node and relationship, in batches; keep the schema.

        Relationships go first, so that a hub (a channel or product with hundreds of
        thousands of relationships) never has to be deleted in one transaction.

        Parameters
        ----------
        batch_size : int, default 10,000
            Entities per transaction.
        progress : callable, optional
            Called with a line each time another ``every`` relationships, and then
            nodes, are deleted.
        every : int, default 1,000,000
            How often ``progress`` hears.

        Returns
        -------
        int
            The number of nodes deleted.
        """
        say = progress or (lambda _: None)
        relationships = nodes = 0
        while deleted := self.write("admin/delete_relationships_batch", limit=batch_size)[0][
            "deleted"
        ]:
            relationships += deleted
            if relationships % every < deleted:
                say(f"{relationships:,} relationships deleted")
        while deleted := self.write("admin/delete_nodes_batch", limit=batch_size)[0]["deleted"]:
            nodes += deleted
            if nodes % every < deleted:
                say(f"{nodes:,} nodes deleted")
        return nodes

    def init_schema(self) -> int:
        """Create every constraint and index of the graph model (idempotent).

        Returns
        -------
        int
            The number of schema statements applied.
        """
        statements = schema_statements()
        for statement in statements:
            self.run_statement(statement, write=True)
        return len(statements)


def has_gds(driver: Driver, database: str = "neo4j") -> bool:
    """Tell whether the server has the Graph Data Science procedures.

    Parameters
    ----------
    driver : neo4j.Driver
        Open driver.
    database : str, default "neo4j"
        Database to ask.

    Returns
    -------
    bool
        True when ``gds.version()`` can be called.
    """
    records, _, _ = driver.execute_query(
        "SHOW PROCEDURES YIELD name WHERE name = 'gds.version' RETURN count(*) AS n",
        database_=database,
        routing_=RoutingControl.READ,
    )
    return bool(records[0]["n"])


def gds_client(driver: Driver, database: str = "neo4j") -> GraphDataScience:
    """Return a ``graphdatascience`` client over an existing driver.

    The GDS procedures published on Maven Central (OpenGDS) lack the
    ``gds.debug.arrow`` procedure that the Python client calls when it starts, to
    find an Arrow Flight server. OpenGDS has no Arrow server, so on such a server
    the client is built with a query runner that answers "Arrow disabled" and
    everything runs over Bolt. Servers with the full GDS plugin are used as they are.

    Parameters
    ----------
    driver : neo4j.Driver
        Open driver (not closed by the client).
    database : str, default "neo4j"
        Database the client works on.

    Returns
    -------
    graphdatascience.GraphDataScience
        A client bound to ``driver``.

    Raises
    ------
    GdsUnavailable
        If the server has no GDS procedures.
    """
    import pandas as pd
    from graphdatascience import GraphDataScience
    from graphdatascience.query_runner.neo4j_query_runner import Neo4jQueryRunner

    if not has_gds(driver, database):
        raise GdsUnavailable("the Neo4j server has no Graph Data Science library (gds.version)")

    records, _, _ = driver.execute_query(
        "SHOW PROCEDURES YIELD name WHERE name = 'gds.debug.arrow' RETURN count(*) AS n",
        database_=database,
        routing_=RoutingControl.READ,
    )
    if records[0]["n"]:
        return GraphDataScience(driver, database=database, show_progress=False)

    class _NoArrowQueryRunner(Neo4jQueryRunner):
        def call_procedure(self, endpoint: str, *args: Any, **kwargs: Any) -> pd.DataFrame:
            if endpoint == "gds.debug.arrow":
                row = {"listenAddress": "", "enabled": False, "running": False, "versions": []}
                return pd.DataFrame([row])
            return super().call_procedure(endpoint, *args, **kwargs)

    runner = _NoArrowQueryRunner(
        driver, "bolt", auto_close=False, database=database, show_progress=False
    )
    return GraphDataScience(runner, database=database, show_progress=False)
