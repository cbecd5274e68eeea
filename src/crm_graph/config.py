"""Settings, read from the environment (prefix ``CRM_``) or a ``.env`` file.

Only the edges (``cli.py``, ``api``) call :func:`get_settings`; library functions
take what they need as arguments.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["NEO4J_VERSION", "GDS_VERSION", "Settings", "get_settings"]

#: Neo4j Community release the local server runs (GDS 2.13 supports 5.26 only).
NEO4J_VERSION = "5.26.12"
#: Graph Data Science release installed into the local server's plugins folder.
GDS_VERSION = "2.13.9"

_SIZE_PATTERN = r"^[0-9]+[kKmMgG]?$"


class Settings(BaseSettings):
    """Everything crm-graph can be configured with.

    Every field maps to an environment variable ``CRM_<FIELD>`` (case-insensitive).

    Examples
    --------
    >>> s = Settings(neo4j_uri=None, bolt_port=7700)
    >>> s.uri, s.is_external
    ('bolt://127.0.0.1:7700', False)
    >>> Settings(neo4j_uri="neo4j+s://x.databases.neo4j.io").is_external
    True
    """

    model_config = SettingsConfigDict(
        env_prefix="CRM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    neo4j_uri: str | None = Field(
        default=None,
        description="Bolt URI of an existing server; unset means the local server.",
    )
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("crm-graph-local")
    neo4j_database: str = "neo4j"

    bolt_port: int = Field(default=7687, ge=1, le=65535)
    http_port: int = Field(default=7474, ge=1, le=65535)
    neo4j_heap: str = Field(default="4g", pattern=_SIZE_PATTERN)
    neo4j_pagecache: str = Field(default="2g", pattern=_SIZE_PATTERN)
    start_timeout_s: float = Field(default=180.0, gt=0)

    cache_dir: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "crm-graph",
        description="Downloaded Neo4j/GDS distributions and Maven's repository.",
    )
    data_dir: Path = Field(
        default_factory=lambda: Path.home() / ".local" / "share" / "crm-graph",
        description="Local server instances (configuration, store, logs).",
    )
    instance: str = Field(default="default", pattern=r"^[A-Za-z0-9_-]+$")

    pii_key: SecretStr = Field(
        default=SecretStr("crm-graph-development-key"),
        description="HMAC key of the PII hashes on source records; set your own in production.",
    )
    load_batch_size: int = Field(default=5000, ge=1, le=100_000)
    load_workers: int = Field(
        default=2,
        ge=1,
        le=16,
        description="Processes that check files and write transactions in flight during a load.",
    )
    resolver: Literal["rules", "splink"] = Field(
        default="rules",
        description="What links records that no id number or declared link settles: the "
        "deterministic rules, or a Splink model trained on the extract (needs the splink extra).",
    )
    splink_threshold: float = Field(
        default=0.9,
        ge=0.5,
        le=1.0,
        description="Match probability from which the splink resolver links two records.",
    )

    tiers: str = Field(
        default="",
        description="Value tiers, highest first: shares of customers by AUM rank "
        "(private:0.5%,wealth:3%,affluent:12%, the default) or lowest AUM amounts in the "
        "bank's currency (private:6000000,wealth:1000000,affluent:200000).",
    )
    currency: str = Field(
        default="",
        pattern=r"^([A-Z]{3})?$",
        description="ISO 4217 currency that reports and churn's reasons label amounts "
        "with; empty: the currency most of the graph's accounts are in (the mappings').",
    )

    api_keys: SecretStr = Field(
        default=SecretStr(""), description="role:key pairs, comma-separated (hashed when read)."
    )
    api_keys_file: Path | None = Field(
        default=None, description="File of role:sha256:<hex> lines (crm-graph api-key new)."
    )
    api_max_body_bytes: int = Field(default=65_536, ge=1024, le=10_485_760)
    api_db_retry_s: float = Field(
        default=2.0, gt=0, le=60, description="How long the API retries a write before a 503."
    )

    audit_dir: Path | None = Field(
        default=None,
        description="Folder of the access audit (JSON lines); default <data_dir>/audit.",
    )
    audit_max_bytes: int = Field(
        default=64 * 2**20,
        ge=4096,
        description="Size at which the current audit file is rotated (rotated files are kept).",
    )

    @field_validator("neo4j_uri")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @property
    def is_external(self) -> bool:
        """Whether the user pointed at a server crm-graph does not run itself."""
        return self.neo4j_uri is not None

    @property
    def audit_folder(self) -> Path:
        """The access audit's folder (``audit_dir``, or ``<data_dir>/audit``)."""
        return self.audit_dir or self.data_dir / "audit"

    @property
    def uri(self) -> str:
        """The Bolt URI to connect to."""
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def instance_dir(self) -> Path:
        """Folder of the local server instance (conf/, data/, logs/, run/)."""
        return self.data_dir / "instances" / self.instance


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (cached; tests override via dependency injection).

    Returns
    -------
    Settings
        Settings read from the environment and ``.env``.
    """
    return Settings()
