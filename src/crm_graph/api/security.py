"""API keys, roles and PII masking.

Keys are random tokens (``crm-graph api-key new``); only their SHA-256 digests are
kept: keys given in ``CRM_API_KEYS`` (``role:key`` pairs, comma-separated) are hashed
when read, and a keys file holds one ``role:sha256:<hexdigest>`` line per key
(comments with ``#``). SHA-256 without salt is the right tool for long random tokens
(as for GitHub or Stripe tokens); password hashing would only slow every request.

Roles and what they may do:

==========  ==========================================================  ============
role        endpoints                                                   sees PII
==========  ==========================================================  ============
analyst     customers, recommendations, network, clusters, churn,       no (masked)
            campaigns (read), queries
marketing   customers, recommendations, network, clusters, churn,       no (masked)
            campaigns (plan and read)
service     customers, recommendations (one customer at a time)         yes
admin       everything                                                  yes
==========  ==========================================================  ============

Personal data in API answers is a person's name (resident ids, phones, emails and
addresses never leave the source files unmasked: source records keep masked values
and keyed hashes only; the golden customer's birth date, which the cross-sell age
rules read, is not in any answer). For roles without PII access, person names are
masked to their first character (``王**``); company names are not personal data and
stay.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from crm_graph.errors import ConfigError

__all__ = [
    "ROLES",
    "ApiKeys",
    "Role",
    "digest",
    "mask_name",
    "new_key",
    "parse_keys",
]


class Role(StrEnum):
    """What an API key may do."""

    ANALYST = "analyst"
    MARKETING = "marketing"
    SERVICE = "service"
    ADMIN = "admin"


ROLES = tuple(r.value for r in Role)
PII_ROLES = frozenset({Role.SERVICE, Role.ADMIN})


def digest(key: str) -> str:
    """Return the hex SHA-256 of a key.

    Examples
    --------
    >>> digest("k")[:12]
    '8254c329a928'
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """Return a new random API key (256 bits, URL-safe)."""
    return "crm_" + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class ApiKeys:
    """Known key digests and their roles."""

    roles_by_digest: dict[str, Role]

    def role_of(self, key: str | None) -> Role | None:
        """Return the role of a presented key, or None when it is unknown.

        Every known digest is compared in constant time, so the answer's timing does
        not reveal how close a guess was.

        Examples
        --------
        >>> keys = parse_keys("analyst:secret-1", None)
        >>> keys.role_of("secret-1"), keys.role_of("secret-2"), keys.role_of(None)
        (<Role.ANALYST: 'analyst'>, None, None)
        """
        if not key:
            return None
        presented = digest(key)
        found: Role | None = None
        for known, role in self.roles_by_digest.items():
            if hmac.compare_digest(known, presented):
                found = role
        return found


def _role(text: str, where: str) -> Role:
    try:
        return Role(text.strip())
    except ValueError:
        raise ConfigError(
            f"{where}: unknown role {text.strip()!r} (roles: {', '.join(ROLES)})"
        ) from None


def parse_keys(inline: str, keys_file: Path | None) -> ApiKeys:
    """Read keys from ``CRM_API_KEYS`` text and an optional keys file.

    Raises
    ------
    ConfigError
        For a malformed entry, an unknown role or an unreadable keys file; the
        message never contains a key.

    Examples
    --------
    >>> keys = parse_keys("analyst:a1-secret, admin:z9-secret", None)
    >>> sorted(r.value for r in keys.roles_by_digest.values())
    ['admin', 'analyst']
    >>> parse_keys("boss:xyz-xyz-xyz", None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    crm_graph.errors.ConfigError: CRM_API_KEYS: unknown role 'boss' (roles: analyst, ...)
    """
    out: dict[str, Role] = {}
    for n, item in enumerate(x for x in inline.split(",") if x.strip()):
        role, sep, key = item.strip().partition(":")
        if not sep or len(key) < 8:
            raise ConfigError(
                f"CRM_API_KEYS entry {n + 1}: write role:key with a key of 8 or more characters"
            )
        out[digest(key)] = _role(role, "CRM_API_KEYS")
    if keys_file is not None:
        try:
            lines = keys_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"API keys file {keys_file}: {exc.strerror}") from None
        for number, line in enumerate(lines, 1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            parts = text.split(":")
            if len(parts) != 3 or parts[1] != "sha256" or len(parts[2]) != 64:
                raise ConfigError(
                    f"API keys file {keys_file} line {number}: write role:sha256:<64 hex digits>"
                )
            out[parts[2].lower()] = _role(parts[0], f"API keys file {keys_file} line {number}")
    return ApiKeys(out)


def mask_name(name: str | None, kind: str | None) -> str | None:
    """Mask a person's name to its first character; company names stay.

    Examples
    --------
    >>> mask_name("王小明", "person"), mask_name("中山市宏图贸易有限公司", "company")
    ('王**', '中山市宏图贸易有限公司')
    >>> mask_name(None, "person") is None, mask_name("", "person")
    (True, '')
    """
    if not name or kind == "company":
        return name
    return name[:1] + "*" * max(len(name) - 1, 1)
