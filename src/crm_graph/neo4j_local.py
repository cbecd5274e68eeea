"""Provision and run a local Neo4j Community 5.26 with Graph Data Science 2.13.

Nothing is downloaded from anywhere but Maven Central, through ``mvn``:

1. Route (a): the distribution archive
   ``org.neo4j.assembly:neo4j-community-standalone:<v>:tar.gz:unix``. Maven Central
   publishes only the pom of that artifact, so this route fails fast today; it is
   tried first so that a mirror which does host the archive is used.
2. Route (b): that pom lists the server's deliverables as dependencies, so resolving
   a tiny generated pom that depends on it yields the server's ``lib/`` folder. The
   server starts with ``java -cp 'plugins/*:conf/*:lib/*'
   org.neo4j.server.CommunityEntryPoint``, the 5.x entry point that the ``neo4j``
   script uses. This is the route that works (see docs/operations.md).

GDS: ``org.neo4j.gds:proc`` with ``opengds-extension`` (the kernel extension that
provides the procedures' injected facade), ``open-write-services`` and
``proc-sysinfo`` plus their runtime dependencies, without the jars the server
already has, go into ``plugins/``.

Everything is cached under ``Settings.cache_dir`` (Maven's repository included, so
that removing that folder really starts from nothing); each instance (``conf/``,
``data/``, ``logs/``, ``run/``) lives under ``Settings.instance_dir``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crm_graph.config import GDS_VERSION, NEO4J_VERSION, Settings
from crm_graph.errors import (
    ConfigError,
    DatabaseUnavailable,
    JavaNotFound,
    LocalServerError,
    PortInUse,
    ProvisionError,
    ServerStartError,
)

__all__ = [
    "Distribution",
    "LocalNeo4j",
    "ServerStatus",
    "cypher_shell_command",
    "ensure_distribution",
    "java_major_version",
    "parse_dependency_list",
]

Progress = Callable[[str], None]

_MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1"
_GDS_ARTIFACTS = ("proc", "opengds-extension", "open-write-services", "proc-sysinfo")
_ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"


def _silent(_: str) -> None:
    return None


def _scaled(size: str, share: float) -> str:
    """Return ``share`` of a memory size such as ``4g``, in megabytes (``2867m``).

    A transaction that needs more than its limit fails with an error instead of
    driving the server out of heap.

    Examples
    --------
    >>> _scaled("4g", 0.7), _scaled("768m", 0.5), _scaled("1048576k", 1.0)
    ('2867m', '384m', '1024m')
    """
    units = {"k": 1 / 1024, "m": 1, "g": 1024}
    unit = size[-1].lower()
    megabytes = float(size[:-1]) * units[unit] if unit in units else float(size) / 2**20
    return f"{max(int(megabytes * share), 32)}m"


def java_major_version(java: str = "java") -> int:
    """Return the major version of the Java runtime.

    Parameters
    ----------
    java : str, default "java"
        The java executable.

    Returns
    -------
    int
        E.g. 17.

    Raises
    ------
    JavaNotFound
        If there is no such executable or its version cannot be read.
    """
    try:
        proc = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise JavaNotFound(f"no Java found ({java}): install Java 17 or newer") from exc
    match = re.search(r'version "(\d+)(?:\.(\d+))?', proc.stderr + proc.stdout)
    if not match:
        raise JavaNotFound(f"cannot read the Java version from `{java} -version`")
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise JavaNotFound("no Java on the PATH: install Java 17 or newer (e.g. openjdk-17-jre)")
    return found


def parse_dependency_list(text: str) -> list[tuple[str, str, str, Path]]:
    """Parse the output file of ``mvn dependency:list -DoutputAbsoluteArtifactFilename``.

    Parameters
    ----------
    text : str
        The file's content.

    Returns
    -------
    list of (group_id, artifact_id, classifier, path)
        One entry per resolved jar; ``classifier`` is ``""`` when absent.

    Examples
    --------
    >>> line = "   org.neo4j:neo4j-kernel:jar:5.26.12:compile:/m2/neo4j-kernel-5.26.12.jar"
    >>> parse_dependency_list(line)
    [('org.neo4j', 'neo4j-kernel', '', PosixPath('/m2/neo4j-kernel-5.26.12.jar'))]
    >>> line = "   io.netty:netty-epoll:jar:linux-x86_64:4.1:compile:/m2/e.jar -- module x"
    >>> parse_dependency_list(line)[0][2]
    'linux-x86_64'
    """
    pattern = re.compile(
        r"^([^:\s]+):([^:\s]+):jar:(?:([^:\s]+):)?([^:\s]+):(?:compile|runtime):(/\S+\.jar)"
    )
    out = []
    for raw in text.splitlines():
        match = pattern.match(raw.strip())
        if match:
            group, artifact, classifier, _version, path = match.groups()
            out.append((group, artifact, classifier or "", Path(path)))
    return out


@dataclass(frozen=True)
class Distribution:
    """A provisioned server: ``lib/`` (Neo4j) and ``plugins/`` (GDS) folders."""

    root: Path
    route: str

    @property
    def lib(self) -> Path:
        """Folder of the server jars."""
        return self.root / "lib"

    @property
    def plugins(self) -> Path:
        """Folder of the GDS jars."""
        return self.root / "plugins"


def _pom(artifact: str, dependencies: list[tuple[str, str, str, str]]) -> str:
    deps = "\n".join(
        f"    <dependency><groupId>{g}</groupId><artifactId>{a}</artifactId>"
        f"<version>{v}</version>{f'<type>{t}</type>' if t else ''}</dependency>"
        for g, a, v, t in dependencies
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.crm-graph</groupId>
  <artifactId>{artifact}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
{deps}
  </dependencies>
</project>
"""


class _Maven:
    def __init__(self, cache_dir: Path, log: Path) -> None:
        self.repo = cache_dir / "m2"
        self.log = log
        self.mvn = shutil.which("mvn")
        if not self.mvn:
            raise ProvisionError(
                "Maven (mvn) is not on the PATH: install it (e.g. apt-get install maven)"
            )

    def run(self, args: list[str], cwd: Path) -> bool:
        cmd = [self.mvn or "mvn", "-B", "-q", f"-Dmaven.repo.local={self.repo}", *args]
        with self.log.open("a", encoding="utf-8") as log:
            log.write(f"\n$ (cd {cwd}) {' '.join(cmd)}\n")
            log.flush()
            proc = subprocess.run(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, check=False)
        return proc.returncode == 0

    def resolve(
        self, work: Path, name: str, deps: list[tuple[str, str, str, str]]
    ) -> list[tuple[str, str, str, Path]]:
        project = work / name
        project.mkdir(parents=True, exist_ok=True)
        (project / "pom.xml").write_text(_pom(name, deps), encoding="utf-8")
        listing = project / "dependencies.txt"
        ok = self.run(
            [
                f"{_MAVEN_DEPENDENCY_PLUGIN}:list",
                "-DoutputAbsoluteArtifactFilename=true",
                "-DincludeScope=runtime",
                f"-DoutputFile={listing}",
            ],
            project,
        )
        if not ok or not listing.exists():
            raise ProvisionError(
                f"Maven could not resolve {name} from Maven Central; see {self.log}"
            )
        jars = parse_dependency_list(listing.read_text(encoding="utf-8"))
        if not jars:
            raise ProvisionError(f"Maven resolved no jars for {name}; see {self.log}")
        return jars


def _route_a(maven: _Maven, work: Path, target: Path) -> bool:
    """Fetch and unpack the standalone tar.gz, if Maven Central serves one."""
    out = work / "archive"
    out.mkdir(parents=True, exist_ok=True)
    artifact = f"org.neo4j.assembly:neo4j-community-standalone:{NEO4J_VERSION}:tar.gz:unix"
    if not maven.run(
        [f"{_MAVEN_DEPENDENCY_PLUGIN}:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={out}"],
        work,
    ):
        return False
    archives = list(out.glob("*.tar.gz"))
    if not archives:
        return False
    with tarfile.open(archives[0]) as tar:
        tar.extractall(out / "x", filter="data")
    libs = list((out / "x").glob("*/lib"))
    if not libs:
        return False
    shutil.copytree(libs[0], target / "lib")
    return True


def ensure_distribution(settings: Settings, progress: Progress = _silent) -> Distribution:
    """Return the cached Neo4j+GDS distribution, provisioning it with Maven if needed.

    Parameters
    ----------
    settings : Settings
        Where the cache lives (``cache_dir``).
    progress : callable, optional
        Called with one line per step.

    Returns
    -------
    Distribution
        Folders ready to run.

    Raises
    ------
    ProvisionError
        If Maven is missing or cannot fetch the artifacts.
    """
    cache = settings.cache_dir
    final = cache / f"neo4j-{NEO4J_VERSION}-gds-{GDS_VERSION}"
    marker = final / "COMPLETE"
    if marker.exists():
        return Distribution(final, marker.read_text(encoding="utf-8").strip())

    cache.mkdir(parents=True, exist_ok=True)
    work = cache / "provision"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = cache / "provision.log"
    log.write_text("", encoding="utf-8")
    maven = _Maven(cache, log)
    staging = cache / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()

    try:
        progress(f"Fetching Neo4j Community {NEO4J_VERSION} from Maven Central (route a: tar.gz)")
        server_keys: set[tuple[str, str]] = set()
        if _route_a(maven, work, staging):
            route = "a: neo4j-community-standalone unix tar.gz"
            server_keys = {(p.name, "") for p in (staging / "lib").glob("*.jar")}
        else:
            progress(
                "No distribution archive on Maven Central; resolving the server's jars (route b)"
            )
            route = "b: dependencies of the neo4j-community-standalone pom"
            jars = maven.resolve(
                work,
                "server",
                [("org.neo4j.assembly", "neo4j-community-standalone", NEO4J_VERSION, "pom")],
            )
            (staging / "lib").mkdir()
            for group, artifact, _classifier, path in jars:
                shutil.copy2(path, staging / "lib" / path.name)
                server_keys.add((group, artifact))

        progress(f"Fetching Graph Data Science {GDS_VERSION} from Maven Central")
        gds_jars = maven.resolve(
            work, "gds", [("org.neo4j.gds", a, GDS_VERSION, "") for a in _GDS_ARTIFACTS]
        )
        (staging / "plugins").mkdir()
        lib_names = {p.name for p in (staging / "lib").glob("*.jar")}
        for group, artifact, _classifier, path in gds_jars:
            if (group, artifact) in server_keys or path.name in lib_names:
                continue  # the server already ships this library
            shutil.copy2(path, staging / "plugins" / path.name)

        (staging / "COMPLETE").write_text(route + "\n", encoding="utf-8")
        shutil.rmtree(final, ignore_errors=True)
        staging.rename(final)
        shutil.rmtree(work, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone after the rename, or a failure
    progress(f"Neo4j {NEO4J_VERSION} + GDS {GDS_VERSION} cached in {final}")
    return Distribution(final, route)


@dataclass(frozen=True)
class ServerStatus:
    """What :meth:`LocalNeo4j.status` reports."""

    running: bool
    managed: bool
    uri: str
    pid: int | None
    neo4j_version: str | None
    gds_version: str | None
    instance_dir: str | None
    log: str | None


def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); treat it as dead.
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        try:
            return stat.read_text().split(") ", 1)[1][0] != "Z"
        except (OSError, IndexError):
            return True
    return True


class LocalNeo4j:
    """The local Neo4j+GDS server of one instance.

    Parameters
    ----------
    settings : Settings
        Ports, memory, credentials and folders.
    progress : callable, optional
        Called with one human-readable line per step.
    """

    def __init__(self, settings: Settings, progress: Progress = _silent) -> None:
        self.settings = settings
        self.progress = progress
        self.home = settings.instance_dir

    @property
    def pid_file(self) -> Path:
        """File holding the server's process id."""
        return self.home / "run" / "neo4j.pid"

    @property
    def log_file(self) -> Path:
        """The server's main log."""
        return self.home / "logs" / "neo4j.log"

    def pid(self) -> int | None:
        """Return the pid of this instance's server if it is running."""
        try:
            pid = int(self.pid_file.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return None
        if not _pid_alive(pid):
            return None
        cmdline = Path(f"/proc/{pid}/cmdline")
        if cmdline.exists():
            try:
                args = cmdline.read_bytes().decode(errors="replace")
            except OSError:
                return None
            if _ENTRY_POINT not in args or str(self.home) not in args:
                return None  # the pid was reused by an unrelated process
        return pid

    def _write_config(self, dist: Distribution) -> None:
        s = self.settings
        for sub in ("conf", "data", "logs", "run", "import"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        conf = f"""# Written by crm-graph on every start; edit settings (CRM_*), not this file.
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:{s.bolt_port}
server.http.enabled=true
server.http.listen_address=127.0.0.1:{s.http_port}
server.https.enabled=false
dbms.security.auth_enabled=true
dbms.security.procedures.unrestricted=gds.*
dbms.security.procedures.allowlist=gds.*
server.memory.heap.initial_size={s.neo4j_heap}
server.memory.heap.max_size={s.neo4j_heap}
server.memory.pagecache.size={s.neo4j_pagecache}
dbms.memory.transaction.total.max={_scaled(s.neo4j_heap, 0.7)}
db.memory.transaction.max={_scaled(s.neo4j_heap, 0.5)}
db.tx_log.rotation.retention_policy=2G size
db.tx_log.rotation.size=256M
server.directories.plugins={dist.plugins}
server.directories.data={self.home / "data"}
server.directories.logs={self.home / "logs"}
server.directories.run={self.home / "run"}
server.directories.import={self.home / "import"}
dbms.usage_report.enabled=false
"""
        (self.home / "conf" / "neo4j.conf").write_text(conf, encoding="utf-8")

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["NEO4J_HOME"] = str(self.home)
        env["NEO4J_CONF"] = str(self.home / "conf")
        return env

    def _classpath(self, dist: Distribution) -> str:
        return f"{dist.plugins}/*:{self.home / 'conf'}/*:{dist.lib}/*"

    def _set_initial_password(self, java: str, dist: Distribution) -> None:
        if (self.home / "data" / "dbms" / "auth.ini").exists():
            return
        if (self.home / "data" / "databases" / "system").exists():
            return  # already initialised; the password was set at the first start
        proc = subprocess.run(
            [
                java,
                "-cp",
                self._classpath(dist),
                "org.neo4j.cli.AdminTool",
                "dbms",
                "set-initial-password",
                self.settings.neo4j_password.get_secret_value(),
            ],
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if proc.returncode != 0:
            last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ServerStartError(f"could not set the initial Neo4j password: {last[0]}")

    def start(self) -> ServerStatus:
        """Provision (if needed) and start the server; wait until Bolt and GDS answer.

        Returns
        -------
        ServerStatus
            The running server.

        Raises
        ------
        JavaNotFound, PortInUse, ProvisionError, ServerStartError
            See :mod:`crm_graph.errors`.
        """
        if self.pid() is not None:
            self.progress(f"Neo4j is already running (pid {self.pid()})")
            return self.status()
        java = _java()
        major = java_major_version(java)
        if major < 17:
            raise JavaNotFound(f"Java {major} found at {java}; Neo4j 5.26 needs Java 17 or newer")
        for port, what in ((self.settings.bolt_port, "Bolt"), (self.settings.http_port, "HTTP")):
            if _port_open(port):
                raise PortInUse(
                    f"{what} port {port} is taken by another process; set CRM_"
                    f"{'BOLT' if what == 'Bolt' else 'HTTP'}_PORT to a free port"
                )
        dist = ensure_distribution(self.settings, self.progress)
        self._write_config(dist)
        self._set_initial_password(java, dist)
        heap = self.settings.neo4j_heap
        cmd = [
            java,
            f"-Xms{heap}",
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djdk.tls.ephemeralDHKeySize=2048",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "-cp",
            self._classpath(dist),
            _ENTRY_POINT,
            f"--home-dir={self.home}",
            f"--config-dir={self.home / 'conf'}",
        ]
        console = self.home / "logs" / "console.log"
        self.progress(f"Starting Neo4j {NEO4J_VERSION} on {self.settings.uri}")
        # Started through a shell that exits at once, so the server is re-parented to
        # init: it outlives this process (`db start` returns) and is never our zombie.
        launcher = f"{shlex.join(cmd)} >>{shlex.quote(str(console))} 2>&1 </dev/null & echo $!"
        proc = subprocess.run(
            ["/bin/sh", "-c", launcher],
            cwd=self.home,
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            start_new_session=True,
        )
        try:
            pid = int(proc.stdout.strip())
        except ValueError as exc:
            raise ServerStartError(f"could not launch Java: {proc.stderr.strip()}") from exc
        self.pid_file.write_text(str(pid), encoding="utf-8")
        self._wait_ready(pid)
        self.progress(f"Neo4j is up (pid {pid}); GDS answers")
        return self.status()

    def _wait_ready(self, pid: int) -> None:
        from crm_graph.db import connect

        deadline = time.monotonic() + self.settings.start_timeout_s
        last_error = "no answer"
        while time.monotonic() < deadline:
            if not _pid_alive(pid):
                self.pid_file.unlink(missing_ok=True)
                raise ServerStartError(
                    f"Neo4j exited while starting; see {self.log_file} and "
                    f"{self.home / 'logs' / 'console.log'}"
                )
            if _port_open(self.settings.bolt_port):
                try:
                    driver = connect(
                        self.settings.uri,
                        self.settings.neo4j_user,
                        self.settings.neo4j_password.get_secret_value(),
                    )
                    with driver:
                        driver.execute_query("CALL gds.version()")
                    return
                except DatabaseUnavailable as exc:
                    last_error = str(exc)
                except Exception as exc:  # noqa: BLE001 - retried until the deadline
                    last_error = f"{type(exc).__name__}: {exc}"
            time.sleep(1.0)
        self._terminate(pid)
        raise ServerStartError(
            f"Neo4j did not answer within {self.settings.start_timeout_s:.0f}s "
            f"({last_error}); see {self.log_file}"
        )

    def _terminate(self, pid: int, timeout: float = 60.0) -> None:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _pid_alive(pid):
            time.sleep(0.3)
        if _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
            while _pid_alive(pid):
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)

    def stop(self) -> bool:
        """Stop the server if it runs.

        Returns
        -------
        bool
            True if a server was stopped, False if none was running.
        """
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        self.progress(f"Stopping Neo4j (pid {pid})")
        self._terminate(pid)
        return True

    def admin(self, *args: str, heap: str = "1g") -> str:
        """Run ``neo4j-admin ARGS`` of the provisioned distribution on this instance.

        The server's own ``lib/`` holds the tool (``org.neo4j.cli.AdminTool``); it reads
        the instance's configuration (its data folders).

        Returns
        -------
        str
            The tool's output.

        Raises
        ------
        LocalServerError
            If the tool fails (its last output lines are in the message).
        """
        dist = ensure_distribution(self.settings, self.progress)
        self._write_config(dist)
        command = [_java(), f"-Xmx{heap}", "-cp", self._classpath(dist), "org.neo4j.cli.AdminTool"]
        proc = subprocess.run(
            [*command, *args], env=self._env(), capture_output=True, text=True, check=False
        )
        output = (proc.stdout + proc.stderr).strip()
        if proc.returncode != 0:
            last = " / ".join(line.strip() for line in output.splitlines()[-3:] if line.strip())
            raise LocalServerError(f"neo4j-admin {' '.join(args[:2])} failed: {last}")
        return output

    def wipe(self) -> ServerStatus:
        """Empty the graph by deleting its database's store files, then start again.

        Deleting tens of millions of nodes with Cypher takes about half an hour; a
        stopped server's store files go in seconds and the server creates the
        database again, empty, when it starts. The ``system`` database (users,
        the password) is kept. Constraints and indexes go with the store; the
        loader creates them again.

        Returns
        -------
        ServerStatus
            The started server.

        Raises
        ------
        ConfigError
            If the configured database is ``system``.
        """
        name = self.settings.neo4j_database
        if name == "system":
            raise ConfigError("refusing to wipe the system database")
        self.stop()
        data = self.home / "data"
        for sub in ("databases", "transactions"):
            target = data / sub / name
            if target.exists():
                self.progress(f"Deleting {target}")
                shutil.rmtree(target)
        return self.start()

    def status(self) -> ServerStatus:
        """Report whether the server runs and which versions it has."""
        pid = self.pid()
        neo4j_version = gds_version = None
        if pid is not None:
            neo4j_version, gds_version = server_versions(self.settings)
        return ServerStatus(
            running=pid is not None,
            managed=True,
            uri=self.settings.uri,
            pid=pid,
            neo4j_version=neo4j_version,
            gds_version=gds_version,
            instance_dir=str(self.home),
            log=str(self.log_file),
        )


def cypher_shell_command(
    settings: Settings, extra: list[str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """Return the command and environment that open cypher-shell on the configured server.

    cypher-shell ships as a jar among the server's own (``lib/``); the password goes
    through ``NEO4J_PASSWORD`` in the environment, not the command line.

    Raises
    ------
    JavaNotFound
        If no Java 17 or newer is available.
    ProvisionError
        If the distribution is not cached and Maven cannot fetch it.
    """
    dist = ensure_distribution(settings)
    command = [
        _java(),
        "-cp",
        f"{dist.lib}/*",
        "org.neo4j.shell.Main",
        "-a",
        settings.uri,
        "-u",
        settings.neo4j_user,
        "-d",
        settings.neo4j_database,
        *(extra or []),
    ]
    env = {**os.environ, "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value()}
    return command, env


def server_versions(settings: Settings) -> tuple[str | None, str | None]:
    """Ask a server for its Neo4j and GDS versions.

    Parameters
    ----------
    settings : Settings
        Where the server is.

    Returns
    -------
    (str or None, str or None)
        Neo4j kernel version and GDS version (None when GDS is absent).

    Raises
    ------
    DatabaseUnavailable
        If the server does not answer.
    """
    from crm_graph.db import connect, has_gds

    driver = connect(settings.uri, settings.neo4j_user, settings.neo4j_password.get_secret_value())
    with driver:
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD name, versions RETURN name, versions[0] AS version"
        )
        neo4j_version = next((r["version"] for r in records if r["name"] == "Neo4j Kernel"), None)
        gds_version = None
        if has_gds(driver, settings.neo4j_database):
            gds_records, _, _ = driver.execute_query("CALL gds.version() YIELD gdsVersion")
            gds_version = gds_records[0]["gdsVersion"]
    return neo4j_version, gds_version
