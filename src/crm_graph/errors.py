"""The errors crm-graph raises, in one hierarchy under :class:`CrmGraphError`.

Library code raises these and never prints or exits; the edges turn them into
one-line messages (``cli.py``: exit code 1) or HTTP status codes (the API's
exception handlers). Each class carries a stable ``code`` used in JSON output.

Tree::

    CrmGraphError
    +-- ConfigError                 bad settings or arguments the library was given
    +-- CypherNotFound              a Cypher file name that is not in cypher/
    +-- QueryParameterError         a library query was given a bad or unknown parameter
    +-- NotFoundError               a customer, cluster or other entity that is not in the graph
    +-- DatabaseError               talking to Neo4j failed
    |   +-- DatabaseUnavailable     no connection (down, wrong address, wrong password)
    |   +-- GdsUnavailable          the server has no Graph Data Science procedures
    +-- LocalServerError            provisioning or running the local Neo4j
    |   +-- JavaNotFound            no Java, or Java older than 17
    |   +-- PortInUse               the Bolt or HTTP port is taken by another process
    |   +-- ProvisionError          Maven could not fetch Neo4j or GDS
    |   +-- ServerStartError        the server did not come up (see its log)
    +-- GenerateError               the synthetic bank generator was misused
    +-- BackupError                 a backup cannot be written, or a backup folder is damaged
    +-- IngestError                 loading source files
        +-- MappingError            a loaders/*.yaml mapping is invalid
        +-- SourceFileError         a source file is missing or unreadable
        +-- RejectsFolderError      the folder for reject files cannot be written
        +-- ResolutionError         a merge that cannot be undone (already undone, not a merge)
"""

from __future__ import annotations

__all__ = [
    "BackupError",
    "ConfigError",
    "CrmGraphError",
    "CypherNotFound",
    "DatabaseError",
    "DatabaseUnavailable",
    "GdsUnavailable",
    "GenerateError",
    "IngestError",
    "JavaNotFound",
    "LocalServerError",
    "MappingError",
    "PortInUse",
    "NotFoundError",
    "ProvisionError",
    "QueryParameterError",
    "RejectsFolderError",
    "ResolutionError",
    "ServerStartError",
    "SourceFileError",
]


class CrmGraphError(Exception):
    """Base class of every error crm-graph raises on purpose.

    Parameters
    ----------
    message : str
        One line that tells the user what went wrong and, where possible, what to do.

    Examples
    --------
    >>> err = PortInUse("port 7687 is taken")
    >>> isinstance(err, CrmGraphError), err.code, str(err)
    (True, 'port_in_use', 'port 7687 is taken')
    """

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(CrmGraphError):
    """Settings or arguments are invalid."""

    code = "config"


class CypherNotFound(CrmGraphError):
    """A Cypher statement was asked for by a name that has no file."""

    code = "cypher_not_found"


class QueryParameterError(CrmGraphError):
    """A library query was given an unknown parameter, lacks one, or got the wrong type.

    ``parameter`` names the offending parameter (the API reports it as the field).
    """

    code = "query_parameter"

    def __init__(self, message: str, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class NotFoundError(CrmGraphError):
    """A customer, cluster or other entity asked for by id is not in the graph."""

    code = "not_found"


class DatabaseError(CrmGraphError):
    """Talking to Neo4j failed."""

    code = "database"


class DatabaseUnavailable(DatabaseError):
    """Neo4j cannot be reached or refused the credentials."""

    code = "database_unavailable"


class GdsUnavailable(DatabaseError):
    """The server has no Graph Data Science library."""

    code = "gds_unavailable"


class LocalServerError(CrmGraphError):
    """Provisioning or running the local Neo4j failed."""

    code = "local_server"


class JavaNotFound(LocalServerError):
    """No Java 17 or newer on the PATH (or in JAVA_HOME)."""

    code = "java_not_found"


class PortInUse(LocalServerError):
    """A port the local server needs is taken by another process."""

    code = "port_in_use"


class ProvisionError(LocalServerError):
    """Maven could not fetch the Neo4j or GDS artifacts."""

    code = "provision_failed"


class ServerStartError(LocalServerError):
    """The local server was started but did not answer in time."""

    code = "server_start_failed"


class GenerateError(CrmGraphError):
    """The synthetic bank generator was given arguments it cannot honour."""

    code = "generate"


class IngestError(CrmGraphError):
    """Loading source files failed."""

    code = "ingest"


class MappingError(IngestError):
    """A loader mapping (loaders/*.yaml) is invalid."""

    code = "mapping"


class SourceFileError(IngestError):
    """A source file is missing, unreadable or lacks required columns."""

    code = "source_file"


class RejectsFolderError(IngestError):
    """The folder for reject files cannot be created or written (checked before loading).

    A read-only extract (a shared or archived folder) needs ``--rejects DIR``: a rejected
    row is never dropped because its file could not be written.
    """

    code = "rejects_folder"


class BackupError(CrmGraphError):
    """A backup cannot be written, or a backup folder is not a complete, intact backup."""

    code = "backup"


class ResolutionError(IngestError):
    """An identity-resolution event cannot be acted on (e.g. a merge already undone)."""

    code = "resolution"
