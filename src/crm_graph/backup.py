"""Back up and restore the local server's graph with the server's own tools.

A backup is a folder:

- ``neo4j.dump``: ``neo4j-admin database dump`` of the database (the whole graph:
  customers, analysis results and their stamps, the cross-sell scoring model,
  campaigns, the review queue and resolution events all live in it);
- ``api-keys.txt``: the API keys file (digests only), when the settings name one;
- ``manifest.json``: crm-graph and Neo4j versions, the database name, when it was
  taken, the graph's fingerprint (:mod:`crm_graph.fingerprint`) and the size and
  SHA-256 of every other file.

Neo4j Community dumps and loads a database offline: both stop the local server and
start it again if it was running. A restore checks the whole folder before it
touches anything (a missing, truncated or altered file is a one-line
:class:`~crm_graph.errors.BackupError`, and the current database stays as it was);
it then dumps the current database aside, loads the backup, starts the server and
compares the fingerprint with the manifest's. If the load or that check fails, the
database dumped aside is loaded back.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crm_graph import __version__
from crm_graph.config import NEO4J_VERSION
from crm_graph.db import Database, connect
from crm_graph.errors import BackupError, ConfigError, CrmGraphError
from crm_graph.fingerprint import fingerprint
from crm_graph.neo4j_local import LocalNeo4j

__all__ = ["backup", "restore", "verify"]

DUMP = "neo4j.dump"
KEYS = "api-keys.txt"
MANIFEST = "manifest.json"
FORMAT = 1

Progress = Callable[[str], None]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(2**20), b""):
            h.update(block)
    return h.hexdigest()


def _fingerprint(server: LocalNeo4j) -> dict[str, Any]:
    s = server.settings
    driver = connect(s.uri, s.neo4j_user, s.neo4j_password.get_secret_value())
    with Database(driver, s.neo4j_database, owns_driver=True) as db:
        return fingerprint(db)


def _local(server: LocalNeo4j) -> None:
    if server.settings.is_external:
        raise ConfigError(
            "backup and restore work on the local server; for the server at "
            f"{server.settings.neo4j_uri} use its own backup tools (neo4j-admin on that host)"
        )
    if server.settings.neo4j_database == "system":
        raise ConfigError("refusing to back up or restore the system database")


def backup(
    server: LocalNeo4j,
    out: Path,
    *,
    keys_file: Path | None = None,
    progress: Progress = lambda _: None,
) -> dict[str, Any]:
    """Back up the local server's database into the folder ``out``.

    Parameters
    ----------
    server : LocalNeo4j
        The local server (started if it is not running, to read the fingerprint;
        left as it was found).
    out : Path
        A new or empty folder.
    keys_file : Path, optional
        The API keys file to include.
    progress : callable, optional
        Called with one line per step.

    Returns
    -------
    dict
        The manifest.

    Raises
    ------
    ConfigError
        For an external server.
    BackupError
        If ``out`` holds files, or the dump fails.
    """
    _local(server)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} is not an empty folder; name a new one")
    was_running = server.pid() is not None
    if not was_running:
        server.start()
    progress("Reading the graph's fingerprint")
    fp = _fingerprint(server)
    out.mkdir(parents=True, exist_ok=True)
    try:
        server.stop()
        progress(f"Dumping database {server.settings.neo4j_database!r}")
        server.admin(
            "database",
            "dump",
            server.settings.neo4j_database,
            f"--to-path={out}",
            "--overwrite-destination=true",
        )
        produced = out / f"{server.settings.neo4j_database}.dump"
        if produced.name != DUMP:
            produced.rename(out / DUMP)
    except CrmGraphError as e:
        raise BackupError(f"the dump failed: {e}") from e
    finally:
        if was_running:
            server.start()
    if keys_file is not None and keys_file.exists():
        shutil.copyfile(keys_file, out / KEYS)
    files = {
        p.name: {"bytes": p.stat().st_size, "sha256": _sha256(p)}
        for p in sorted(out.iterdir())
        if p.name != MANIFEST
    }
    manifest = {
        "format": FORMAT,
        "crm_graph": __version__,
        "neo4j": NEO4J_VERSION,
        "database": server.settings.neo4j_database,
        "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **fp,
        "files": files,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    progress(f"Backed up {fp['nodes']:,} nodes and {fp['relationships']:,} relationships")
    return manifest


def verify(folder: Path) -> dict[str, Any]:
    """Check a backup folder (manifest, every file's size and SHA-256); return its manifest.

    Raises
    ------
    BackupError
        Naming the first problem found.
    """
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BackupError(f"{folder}: no such backup folder")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder}: no {MANIFEST}; not a crm-graph backup") from None
    except (OSError, ValueError) as e:
        raise BackupError(f"{path}: unreadable ({e})") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a crm-graph backup manifest of format {FORMAT}")
    files = manifest.get("files")
    if not isinstance(files, dict) or DUMP not in files:
        raise BackupError(f"{path}: the manifest lists no {DUMP}")
    for name, want in files.items():
        p = folder / name
        if not p.is_file():
            raise BackupError(f"{folder}: {name} is missing")
        size = p.stat().st_size
        if size != want.get("bytes"):
            raise BackupError(
                f"{p}: {size:,} bytes where the backup wrote {want.get('bytes'):,} (truncated?)"
            )
        if _sha256(p) != want.get("sha256"):
            raise BackupError(f"{p}: its checksum differs from the backup's (damaged)")
    return manifest


def restore(
    server: LocalNeo4j,
    folder: Path,
    *,
    keys_file: Path | None = None,
    progress: Progress = lambda _: None,
) -> dict[str, Any]:
    """Replace the local server's database with a backup; return the manifest.

    Parameters
    ----------
    server : LocalNeo4j
        The local server; it runs afterwards.
    folder : Path
        A folder written by :func:`backup`.
    keys_file : Path, optional
        Where the API keys file goes, when the backup has one (a different file
        already there is kept beside it as ``<name>.before-restore``).
    progress : callable, optional
        Called with one line per step.

    Raises
    ------
    BackupError
        If the folder is not an intact backup (nothing was changed), or the
        restored graph's fingerprint differs from the backup's (the database as it
        was before is loaded back).
    """
    _local(server)
    manifest = verify(folder)
    if manifest.get("neo4j") != NEO4J_VERSION:
        raise BackupError(
            f"{folder} was taken from Neo4j {manifest.get('neo4j')}; this server is "
            f"{NEO4J_VERSION} (restore it on that version, then upgrade)"
        )
    name = server.settings.neo4j_database
    progress(f"Backup checked: {manifest['nodes']:,} nodes, {manifest['relationships']:,} rels")
    server.stop()
    with tempfile.TemporaryDirectory(prefix="crm-graph-restore-", dir=server.home) as aside:
        progress("Dumping the current database aside")
        server.admin("database", "dump", name, f"--to-path={aside}", "--overwrite-destination=true")
        try:
            with tempfile.TemporaryDirectory(prefix="load-", dir=server.home) as staged:
                # neo4j-admin loads <database>.dump from a folder
                (Path(staged) / f"{name}.dump").symlink_to((folder / DUMP).resolve())
                progress("Loading the backup")
                server.admin(
                    "database",
                    "load",
                    name,
                    f"--from-path={staged}",
                    "--overwrite-destination=true",
                )
            server.start()
            got = _fingerprint(server)
            if got["fingerprint"] != manifest["fingerprint"]:
                raise BackupError(
                    f"the restored graph's fingerprint {got['fingerprint'][:12]} differs from "
                    f"the backup's {manifest['fingerprint'][:12]}; the previous database is back"
                )
        except CrmGraphError:
            server.stop()
            server.admin(
                "database", "load", name, f"--from-path={aside}", "--overwrite-destination=true"
            )
            server.start()
            raise
    if keys_file is not None and (folder / KEYS).exists():
        saved = (folder / KEYS).read_bytes()
        if keys_file.exists() and keys_file.read_bytes() != saved:
            shutil.copyfile(keys_file, keys_file.with_name(keys_file.name + ".before-restore"))
        keys_file.parent.mkdir(parents=True, exist_ok=True)
        keys_file.write_bytes(saved)
        keys_file.chmod(0o600)
    progress("Restored; the fingerprint matches the backup's")
    return manifest
