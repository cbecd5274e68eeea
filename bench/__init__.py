"""Benchmarks: figures and ratios printed and written to docs/benchmarks.md; never tests."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

_LOADED_BANK = r"""
import json, resource, sys, time
from pathlib import Path
from crm_graph.config import get_settings
from crm_graph.db import Database, connect
from crm_graph.generate import generate_bank
from crm_graph.ingest.load import load_extract
from crm_graph.ingest.spec import default_loaders_dir, load_specs
from crm_graph.neo4j_local import LocalNeo4j
n, out = int(sys.argv[1]), Path(sys.argv[2])
generate_bank(out, customers=n, seed=SEED, mixing=MIXING)
s = get_settings()
if not s.is_external:
    LocalNeo4j(s).start()
db = Database(
    connect(s.uri, s.neo4j_user, s.neo4j_password.get_secret_value()),
    s.neo4j_database,
    owns_driver=True,
)
db.clear()
t = time.perf_counter()
load_extract(db, out, load_specs(default_loaders_dir()), pii_key=b"bench")
load_seconds = time.perf_counter() - t
"""


def guard_wipe() -> None:
    """Refuse to run against a non-empty external server unless CRM_BENCH_ALLOW_WIPE=1.

    The benchmarks empty the graph of the server they run on. The local instance
    (``crm-graph db start``) is theirs; a server named by ``CRM_NEO4J_URI`` may hold a
    bank's data, so a non-empty one is refused, as the tests refuse it.
    """
    import os

    from crm_graph.config import get_settings
    from crm_graph.db import connect

    settings = get_settings()
    if not settings.is_external:
        return
    driver = connect(settings.uri, settings.neo4j_user, settings.neo4j_password.get_secret_value())
    with driver:
        records, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS n")
    nodes = int(records[0]["n"])
    if nodes and os.environ.get("CRM_BENCH_ALLOW_WIPE") != "1":
        raise SystemExit(
            f"bench: {settings.uri} holds {nodes:,} nodes and the benchmarks would delete "
            "them; set CRM_BENCH_ALLOW_WIPE=1 to allow that"
        )


def loaded_bank_child(body: str, seed: int = 7, mixing: float = 0.2) -> str:
    """Return child code that generates a bank, loads it into an emptied graph, then runs ``body``.

    ``body`` finds ``n`` (customers), ``out`` (the bank folder), ``db`` (a
    :class:`~crm_graph.db.Database`) and ``load_seconds``; it prints one JSON line.
    """
    prelude = _LOADED_BANK.replace("SEED", str(seed)).replace("MIXING", str(mixing))
    return prelude + body + "\ndb.close()\n"


def run_code(code: str, args: list[str], what: str, timeout: float | None = None) -> dict[str, Any]:
    """Run ``code`` in a fresh Python process with ``args``; return its last JSON line.

    A fresh process per measurement makes its peak RSS its own. What the child writes
    to stderr (progress lines, warnings) is passed on as it comes. With ``timeout``
    (seconds) a child still running then is killed and :class:`StepTimeout` raised.
    """
    with (
        tempfile.TemporaryFile("w+") as stdout,  # a file: a full pipe cannot block it
        subprocess.Popen(
            [sys.executable, "-c", code, *args], stdout=stdout, stderr=subprocess.PIPE, text=True
        ) as proc,
    ):
        expired = threading.Event()

        def kill() -> None:
            expired.set()
            proc.kill()

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        try:
            tail: list[str] = []
            for line in proc.stderr or ():
                sys.stderr.write(line)
                tail = [*tail[-40:], line]
            rc = proc.wait()
        finally:
            if timer:
                timer.cancel()
        if expired.is_set():
            raise StepTimeout(what, timeout or 0.0)
        if rc != 0:
            raise RuntimeError(f"{what} bench failed:\n{''.join(tail)[-2000:]}")
        stdout.seek(0)
        result: dict[str, Any] = json.loads(stdout.read().strip().splitlines()[-1])
    return result


class StepTimeout(RuntimeError):
    """A benchmark child ran past its time limit and was killed."""

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"{what} did not finish in {seconds:,.0f} s (killed)")
        self.seconds = seconds


def run_child(code: str, customers: int, what: str, *extra: str) -> dict[str, Any]:
    """Run benchmark ``code`` for one size with a temporary output folder (then removed)."""
    with tempfile.TemporaryDirectory() as tmp:
        return run_code(
            code, [str(customers), str(Path(tmp) / "bank"), *extra], f"{what} at {customers}"
        )
