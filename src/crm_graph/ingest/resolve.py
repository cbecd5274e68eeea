"""Identity resolution: link every source record to exactly one golden customer.

Rules, strongest first (each record keeps the strongest rule that linked it):

============================  ==========  =================================================
rule                          confidence  records share
============================  ==========  =================================================
``id_number``                 1.00        a valid resident id / social credit code
``link``                      0.99        one names the other's record id (e.g. CRM -> core)
``name_phone``                0.95        normalised name and E.164 phone
``name_email``                0.95        normalised name and e-mail
``name_birth``                0.93        normalised name and birth date
``phone_birth``               0.90        phone and birth date
``org_name``                  0.88        an organisation's full name (``...有限公司``, ``...厂``)
``similar_name_phone``        0.85        phone, and names one character apart
``similar_name_birth``        0.80        birth date, and names one character apart
``existing``                  1.00        they were resolved together by an earlier load
``review``                    1.00        a reviewer accepted them as one (``same_as`` pin)
``splink``                    (score)     Splink's model puts their match probability at or
                                          above its threshold (``--resolver splink``, in
                                          place of the rules from ``name_phone`` down)
============================  ==========  =================================================

The rules from ``name_phone`` down are the :class:`~crm_graph.ingest.matchers.RulesMatcher`;
``--resolver splink`` puts :class:`~crm_graph.ingest.matchers.SplinkMatcher` in their place.

Matching runs on keyed hashes (HMAC-SHA256) of the identifying values, so that the
graph can keep the keys of earlier loads without keeping raw PII; "one character
apart" uses wildcard keys (``王*明``) of the names of the current extract.

Conflicts: records that share an id number but disagree on both name and birth date
are *not* merged on the id; they are reported. Golden ``customer_id``s are stable: a
cluster containing records resolved earlier keeps their customer id; when it joins
several earlier customers, the smallest id survives and a merge event is recorded.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from crm_graph.errors import ResolutionError
from crm_graph.ingest.edges import code_edges
from crm_graph.ingest.matchers import Matcher, MatchInput, RulesMatcher

__all__ = ["LEGAL_FORMS", "RULES", "Resolution", "looks_like_organisation", "pii_hash", "resolve"]

RULES: dict[str, float] = {
    "existing": 1.0,
    "review": 1.0,
    "id_number": 1.0,
    "link": 0.99,
    "name_phone": 0.95,
    "name_email": 0.95,
    "name_birth": 0.93,
    "phone_birth": 0.90,
    "org_name": 0.88,
    "similar_name_phone": 0.85,
    "similar_name_birth": 0.80,
    "splink": 0.0,  # each record: the best match probability of its kept links
    "new": 1.0,
}
#: rules whose confidence is a per-link score, not the rule's
SCORED = ("splink",)

HASHED = ("id_number", "phone", "name", "birth_date", "email")


def pii_hash(key: bytes, value: str | None) -> str | None:
    """Return a keyed hash of a normalised identifying value (None stays None).

    Examples
    --------
    >>> pii_hash(b"k", "+8613812345678") == pii_hash(b"k", "+8613812345678")
    True
    >>> pii_hash(b"k", None) is None, len(pii_hash(b"k", "x") or "")
    (True, 32)
    """
    if value is None or value == "":
        return None
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _hash_keys(
    key: bytes, values: npt.NDArray[Any]
) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_]]:
    r""":func:`pii_hash` of many distinct values as 16-byte keys, keying the HMAC once.

    Returns the keys (``S16``; the hash's 32 hex digits are the key's 16 bytes) and a
    mask of the values that have one (None and "" do not). 16 bytes per value instead
    of a 32-character string (81 bytes in Python) per value.

    Examples
    --------
    >>> keys, ok = _hash_keys(b"k", np.array(["a", None, ""], dtype=object))
    >>> _hex(keys[0]) == pii_hash(b"k", "a"), ok.tolist()
    (True, [True, False, False])
    """
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    out = bytearray(16 * len(values))
    ok = np.zeros(len(values), dtype=bool)
    for i, value in enumerate(values.tolist()):
        if value is None or value == "" or (isinstance(value, float) and value != value):
            continue
        h = keyed.copy()
        h.update(str(value).encode("utf-8"))
        out[16 * i : 16 * i + 16] = h.digest()[:16]
        ok[i] = True
    keys = np.frombuffer(bytes(out), dtype="S16") if len(values) else np.empty(0, "S16")
    return keys, ok


def _hex(key: bytes) -> str:
    """Return a 16-byte key as the 32 hex digits of :func:`pii_hash`.

    NumPy drops trailing zero bytes of ``S16`` items; they are put back.
    """
    return key.ljust(16, b"\0").hex()


@dataclass
class Resolution:
    """The outcome of :func:`resolve`."""

    assignments: pd.DataFrame  # system, record_id, customer_id, rule, confidence, is_new
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    #: per hashed column: each current record's code into the distinct values, and
    #: those values' hashes as 16-byte keys with a mask of the values that have one
    hashes: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[Any], npt.NDArray[np.bool_]]] = (
        field(default_factory=dict)
    )

    def hash_of(self, column: str, positions: npt.NDArray[np.int64]) -> list[str | None]:
        """Return the hashes of ``column`` for the current records at ``positions``."""
        codes, keys, ok = self.hashes[column]
        picked = codes[positions]
        return [_hex(keys[c]) if c >= 0 and ok[c] else None for c in picked.tolist()]

    def rules_used(self) -> dict[str, int]:
        """Return the number of records resolved by each rule."""
        counts = self.assignments["rule"].value_counts()
        return {str(k): int(v) for k, v in counts.items()}


#: registered-name endings of Chinese organisations (no word boundaries in Chinese;
#: a person's name is two to four characters, so six or more ending in one of these
#: is an organisation's)
_CJK_ORG_ENDINGS = ("公司", "集团", "厂", "合作社", "事务所", "商行", "银行", "中心", "协会")
#: legal-form words of organisations in Latin script, matched as whole words only:
#: "SINCLAIR" and "VINCENT" contain INC, and are surnames
LEGAL_FORMS = frozenset(
    (
        "AB AG AS BHD BV CO COMPANY CORP CORPORATION GMBH INC INCORPORATED KG KK LIMITED "
        "LLC LLP LP LTD NV OY PLC PTY SA SARL SAS SDN SPA SRL"
    ).split()
)
_WORDS = re.compile(r"[A-Z0-9]+")


def looks_like_organisation(name: object) -> bool:
    """Tell whether a normalised name is an organisation's registered name.

    Chinese names must end in an organisation word (``有限公司``, ``厂``, ...) and be
    at least six characters long; Latin names must hold a legal form (``LTD``,
    ``INC``, ``GMBH``, ...) as a whole word, never as part of a longer word.

    Examples
    --------
    >>> looks_like_organisation("中山市恒达五金制品有限公司"), looks_like_organisation("王小明")
    (True, False)
    >>> looks_like_organisation("ACME TRADING CO. LTD"), looks_like_organisation("SINCLAIR JOHN")
    (True, False)
    >>> looks_like_organisation("VINCENT INCE"), looks_like_organisation("BRAUN GMBH")
    (False, True)
    """
    if not isinstance(name, str) or len(name) < 2:
        return False
    if len(name) >= 6 and name.endswith(_CJK_ORG_ENDINGS):
        return True
    return not LEGAL_FORMS.isdisjoint(_WORDS.findall(name.upper()))


def _hex_keys(values: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_]]:
    r"""Turn 32-hex-digit hashes (None: missing) into 16-byte keys and a presence mask.

    Examples
    --------
    >>> keys, ok = _hex_keys(np.array(["00" * 15 + "ff", None], dtype=object))
    >>> keys[0][-1:], ok.tolist()
    (b'\xff', [True, False])
    """
    if values.dtype.kind == "S":
        ok = values != b""
        return values, ok
    ok = np.array([isinstance(v, str) and len(v) == 32 for v in values], dtype=bool)
    text = "".join(v if good else "0" * 32 for v, good in zip(values.tolist(), ok, strict=True))
    keys = (
        np.frombuffer(binascii.unhexlify(text), dtype="S16") if len(values) else np.empty(0, "S16")
    )
    return keys, ok


#: Arrow strings: a value costs its UTF-8 bytes and a 4-byte offset, a Python string
#: about 60 bytes more (a million customers have four million records, each with
#: five identifying values and a record id)
TEXT = pd.ArrowDtype(pa.string())


def _arrow_text(values: pd.Series) -> pd.api.extensions.ExtensionArray:
    """Return text values as an Arrow string array (missing values stay missing).

    Examples
    --------
    >>> _arrow_text(pd.Series(["a", None])).tolist()
    ['a', <NA>]
    """
    if isinstance(values.dtype, pd.ArrowDtype) and pa.types.is_string(values.dtype.pyarrow_dtype):
        same: pd.api.extensions.ExtensionArray = values.array
        return same
    plain = values.astype(object).where(values.notna(), None).tolist()
    text = pa.array([None if v is None else str(v) for v in plain], type=pa.string())
    out: pd.api.extensions.ExtensionArray = pd.arrays.ArrowExtensionArray(text)
    return out


def _categories(values: pd.Series) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]:
    """Codes into the distinct non-empty values (-1: missing or empty)."""
    if isinstance(values.dtype, pd.ArrowDtype):  # Arrow strings: no Python string per row
        codes, found = pd.factorize(values, use_na_sentinel=True)
        uniq = np.array(found.tolist(), dtype=object)  # the distinct values only
    else:
        codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
        uniq = np.asarray(uniques, dtype=object)
    codes = codes.astype(np.int64)
    empty = np.flatnonzero(uniq == "")
    if empty.size:
        codes[np.isin(codes, empty)] = -1
    return codes, uniq


def _joint_codes(
    cur_keys: npt.NDArray[Any],
    cur_ok: npt.NDArray[np.bool_],
    old_keys: npt.NDArray[Any],
    old_ok: npt.NDArray[np.bool_],
) -> npt.NDArray[np.int64]:
    """One integer code per distinct key over current and earlier records (-1: missing)."""
    keys = np.concatenate([cur_keys, old_keys]) if old_keys.size else cur_keys
    ok = np.concatenate([cur_ok, old_ok]) if old_keys.size else cur_ok
    out = np.full(keys.size, -1, dtype=np.int64)
    if ok.any():
        _, inverse = np.unique(keys[ok], return_inverse=True)
        out[ok] = inverse
    return out


def _apart_tags(
    id_codes: npt.NDArray[np.int64],
    keep_apart: npt.NDArray[Any],
    keyed: npt.NDArray[np.bool_] | None = None,
    strong: npt.NDArray[np.int64] | None = None,
    system: npt.NDArray[Any] | None = None,
) -> pd.DataFrame:
    """One row per (record position, namespace, value) that must not mix in a customer.

    A valid id number is a tag in namespace ``id``: two records with different id
    numbers are different people, whatever else they share. A record pinned by an
    undone merge carries ``event=side`` tags (``keep_apart``): records on different
    sides of one undone merge stay apart. A record of a system whose record ids are
    distinct customers (``keyed``) is tagged in namespace ``key:<system>`` with its
    component under the strong rules (``strong``): two records of that system join
    only through a strong rule. Values are integers.
    """
    has = np.flatnonzero(id_codes >= 0)
    parts = [pd.DataFrame({"pos": has, "ns": "id", "val": id_codes[has].astype(np.int64)})]
    pinned = [
        (i, str(tag))
        for i in np.flatnonzero(pd.notna(keep_apart))
        for tag in (keep_apart[i] if isinstance(keep_apart[i], list | tuple | np.ndarray) else [])
        if tag is not None
    ]
    if pinned:
        split = [tag.rsplit("=", 1) for _, tag in pinned]
        parts.append(
            pd.DataFrame(
                {
                    "pos": [i for i, _ in pinned],
                    "ns": [s[0] for s in split],
                    "val": pd.factorize(pd.Series([s[-1] for s in split]))[0].astype(np.int64),
                }
            )
        )
    if keyed is not None and strong is not None and system is not None and keyed.any():
        at = np.flatnonzero(keyed)
        ns = pd.Categorical(system[at].astype(str))
        ns = ns.rename_categories(lambda c: f"key:{c}")
        parts.append(pd.DataFrame({"pos": at, "ns": ns.astype(object), "val": strong[at]}))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({"pos": [], "ns": [], "val": []})
    return pd.concat(parts, ignore_index=True)


def _tag_edges(
    tags: npt.NDArray[Any],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Star edges between the records that share a tag (each record: a list or None).

    Examples
    --------
    >>> _tag_edges(np.array([["a"], None, ["a", "b"], ["b"]], dtype=object))
    (array([0, 2]), array([2, 3]))
    """
    pairs = [
        (i, str(tag))
        for i in np.flatnonzero(pd.notna(tags))
        for tag in (tags[i] if isinstance(tags[i], list | tuple | np.ndarray) else [])
        if tag is not None
    ]
    if not pairs:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    at = np.array([i for i, _ in pairs], dtype=np.int64)
    codes = pd.factorize(pd.Series([t for _, t in pairs]))[0].astype(np.int64)
    return code_edges(at, codes)


def _distinct_key_systems(
    system: npt.NDArray[Any], loose_keys: Collection[str]
) -> npt.NDArray[np.bool_]:
    """Mark the records whose system's record ids are distinct customers (all but loose)."""
    if not loose_keys:
        return np.ones(system.size, dtype=bool)
    return ~np.isin(system.astype(str), np.array(sorted(loose_keys), dtype=str))


#: rules strong enough to join two records of one system with different record ids
STRONG_RULES = ("existing", "review", "id_number", "link")


def _strong_labels(
    n: int, edges: list[tuple[str, npt.NDArray[np.int64], npt.NDArray[np.int64]]]
) -> npt.NDArray[np.int64]:
    """Components of the records under the strong rules alone (see ``STRONG_RULES``)."""
    strong = [e for e in edges if e[0] in STRONG_RULES]
    src = np.concatenate([e[1] for e in strong]) if strong else np.empty(0, np.int64)
    dst = np.concatenate([e[2] for e in strong]) if strong else np.empty(0, np.int64)
    graph = sp.coo_matrix((np.ones(src.size), (src, dst)), shape=(n, n))
    return np.asarray(connected_components(graph, directed=False)[1], dtype=np.int64)


def _new_customer_id(first_key: str, used: set[str]) -> str:
    """Mint the customer id of a new cluster from its smallest "system:record_id".

    ``"C"`` and the first 12 hex digits of the key's SHA-256; where another customer
    has that id already, the next 4 digits are added, and so on, so that two
    clusters never share an id (``used`` is updated).

    Examples
    --------
    >>> used = set()
    >>> a = _new_customer_id("core:1", used)
    >>> a, len(a)
    ('C47EFBF3D275B', 13)
    >>> b = _new_customer_id("core:1", used)  # as if another key had the same digits
    >>> b.startswith(a), len(b), sorted(used) == sorted({a, b})
    (True, 17, True)
    """
    digest = hashlib.sha256(first_key.encode("utf-8")).hexdigest().upper()
    length = 12
    while "C" + digest[:length] in used:
        length += 4
        if length > len(digest):  # 2**-256: cannot happen, but never hand out a used id
            digest += hashlib.sha256(digest.encode("ascii")).hexdigest().upper()
    cid = "C" + digest[:length]
    used.add(cid)
    return cid


def _constrained_components(
    n: int,
    edges: list[tuple[str, npt.NDArray[np.int64], npt.NDArray[np.int64]]],
    apart: pd.DataFrame,
) -> tuple[npt.NDArray[np.int64], list[npt.NDArray[np.bool_]], list[list[int]]]:
    """Cluster records by their links, never joining records whose tags disagree.

    Plain connected components (scipy) settle every cluster whose records agree on
    their tags. Only the few clusters that would mix two values of one tag namespace
    (two id numbers, two sides of an undone merge) are rebuilt link by link with a
    union-find, strongest rule first, refusing each link that would mix them.

    Returns
    -------
    labels : ndarray
        A cluster label per record.
    accepted : list of ndarray of bool
        Per entry of ``edges``, which of its links were kept.
    kept_apart : list of list of int
        Per rebuilt cluster, the record positions it held before the split.

    Examples
    --------
    Records 0 and 2 have different id numbers; record 1 matches both on weaker keys:

    >>> e = [("id_number", np.array([0]), np.array([3])),
    ...      ("name_phone", np.array([1, 1]), np.array([0, 2]))]
    >>> tags = pd.DataFrame({"pos": [0, 2, 3], "ns": "id", "val": ["a", "b", "a"]})
    >>> labels, ok, apart = _constrained_components(4, e, tags)
    >>> bool(labels[0] == labels[1] == labels[3] != labels[2]), [m.tolist() for m in ok], apart
    (True, [[True], [True, False]], [[0, 1, 2, 3]])
    """
    src = np.concatenate([e[1] for e in edges]) if edges else np.empty(0, np.int64)
    dst = np.concatenate([e[2] for e in edges]) if edges else np.empty(0, np.int64)
    graph = sp.coo_matrix((np.ones(src.size), (src, dst)), shape=(n, n))
    _, found = connected_components(graph, directed=False)
    label: npt.NDArray[np.int64] = found.astype(np.int64)
    accepted: list[npt.NDArray[np.bool_]] = [np.ones(e[1].size, dtype=bool) for e in edges]
    if apart.empty:
        return label, accepted, []
    tagged = apart.assign(label=label[apart.pos.to_numpy()])
    mixed = tagged.groupby(["label", "ns"], sort=False)["val"].nunique()
    contested = np.unique(mixed[mixed > 1].index.get_level_values("label").to_numpy())
    if contested.size == 0:
        return label, accepted, []

    in_contest = np.zeros(label.max() + 1, dtype=bool)
    in_contest[contested] = True
    parent: dict[int, int] = {}
    tags: dict[int, dict[str, str]] = {}
    for pos, ns, val in zip(tagged.pos, tagged.ns, tagged.val, strict=True):
        if in_contest[label[pos]]:
            parent[int(pos)] = int(pos)
            tags.setdefault(int(pos), {})[str(ns)] = str(val)

    def find(x: int) -> int:
        root = parent.setdefault(x, x)
        while root != parent[root]:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    # edges are already listed strongest rule first
    for (_, s_all, d_all), ok in zip(edges, accepted, strict=True):
        for k in np.flatnonzero(in_contest[label[s_all]]):
            a, b = find(int(s_all[k])), find(int(d_all[k]))
            if a == b:
                continue
            ta, tb = tags.get(a, {}), tags.get(b, {})
            if any(tb.get(ns, v) != v for ns, v in ta.items()):
                ok[k] = False
                continue
            parent[b] = a
            if tb:
                tags[a] = {**tb, **ta}
    members = np.flatnonzero(in_contest[label])
    by_label = pd.Series(members).groupby(label[members], sort=True)
    kept_apart: list[list[int]] = [[int(p) for p in group] for _, group in by_label]
    base = int(label.max()) + 1
    out = label.copy()
    for p in members.tolist():
        out[p] = base + find(p)
    return out, accepted, kept_apart


def resolve(
    records: pd.DataFrame,
    existing: pd.DataFrame | None = None,
    *,
    key: bytes,
    loose_keys: Collection[str] = (),
    taken: Collection[str] = (),
    matcher: Matcher | None = None,
) -> Resolution:
    """Cluster source records into golden customers.

    Identifying values are hashed once per distinct value, and matching runs on
    integer codes of the hashes (shared with the earlier records' hashes), so memory
    grows with the number of records, not with the length of their values.

    Parameters
    ----------
    records : DataFrame
        The current extract's customer records: ``system``, ``record_id``, ``kind``
        and the normalised ``name``, ``id_number``, ``birth_date``, ``phone``,
        ``email`` (None when unknown; object or categorical columns),
        ``link_system``/``link_record`` (None when the record names no other record).
    existing : DataFrame, optional
        Records resolved by earlier loads (from the graph): ``system``,
        ``record_id``, ``customer_id``, ``kind``, ``keep_apart`` and the ``*_hash``
        columns (32 hex digits), or ``*_hash_hi``/``*_hash_lo`` (the hash as two
        64-bit integers, as the loader reads them).
    key : bytes
        HMAC key for the PII hashes.
    loose_keys : collection of str, optional
        The systems known to hold several records of one customer under different
        record ids. In every other system (those of earlier loads too), two records
        never join one customer unless a strong identifier (a shared id number, a
        declared link, a reviewer's decision, an earlier load) says they are one; a
        weaker rule that would join them is refused and reported as a ``keep_apart``
        conflict.
    taken : collection of str, optional
        Customer ids that new customers must not get (ids of merged-away customers,
        which an undo may bring back). Ids of the earlier records are never reused
        either.
    matcher : Matcher, optional
        What proposes the links between records that no strong evidence settles:
        :class:`~crm_graph.ingest.matchers.RulesMatcher` (default) or
        :class:`~crm_graph.ingest.matchers.SplinkMatcher`.

    Returns
    -------
    Resolution
        One assignment per record of ``records`` (earlier records keep theirs), and
        the hashes of the current records' identifying values.

    Examples
    --------
    >>> recs = pd.DataFrame({
    ...     "system": ["core", "cards", "calls"], "record_id": ["1", "A", "x"],
    ...     "kind": ["person"] * 3, "name": ["王小明", "王小明", "王晓明"],
    ...     "id_number": ["11010519491231002X", None, None],
    ...     "birth_date": ["1949-12-31", "1949-12-31", None],
    ...     "phone": ["+8613800000000", None, "+8613800000000"], "email": [None] * 3,
    ...     "link_system": [None] * 3, "link_record": [None] * 3})
    >>> res = resolve(recs, key=b"k")
    >>> res.assignments.customer_id.nunique(), sorted(res.assignments.rule)
    (1, ['name_birth', 'name_birth', 'similar_name_phone'])
    >>> res.hash_of("phone", np.array([0, 1])) == [pii_hash(b"k", "+8613800000000"), None]
    True
    """
    index = records.index
    plain = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
    # reset_index copies every column (640 MB for a million customers' records)
    cur = records if plain else records.reset_index(drop=True)
    n_cur = len(cur)
    old = existing if existing is not None else pd.DataFrame()
    # the category's own strings, not a new string per record
    system = np.asarray(cur["system"].astype(object), dtype=object)
    # record ids stay Arrow strings (a Python string per record is 60 bytes more)
    record_id = _arrow_text(cur["record_id"])
    customer = np.full(n_cur, None, dtype=object)
    keep_apart = np.full(n_cur, None, dtype=object)
    same_as = np.full(n_cur, None, dtype=object)
    if not old.empty:
        keys = ["system", "record_id"]
        carried = [c for c in ("customer_id", "keep_apart", "same_as") if c in old.columns]
        left = pd.DataFrame({"system": system, "record_id": record_id.to_numpy(dtype=object)})
        joined = left.merge(old[keys + carried].drop_duplicates(keys), on=keys, how="left")
        if "customer_id" in carried:
            customer = joined["customer_id"].astype(object).to_numpy()
            customer[pd.isna(customer)] = None
        if "keep_apart" in carried:
            keep_apart = joined["keep_apart"].to_numpy(dtype=object)
        if "same_as" in carried:
            same_as = joined["same_as"].to_numpy(dtype=object)
        seen = old[keys].merge(left, on=keys, how="left", indicator=True)["_merge"]
        old = old[(seen == "left_only").to_numpy()].reset_index(drop=True)
    if old.empty:
        old = pd.DataFrame(columns=["system", "record_id", "customer_id", "keep_apart"])
    n_old = len(old)
    n = n_cur + n_old

    # hash each distinct value once; code the hashes jointly with the earlier records'
    hash_values: dict[
        str, tuple[npt.NDArray[np.int64], npt.NDArray[Any], npt.NDArray[np.bool_]]
    ] = {}
    code: dict[str, npt.NDArray[np.int64]] = {}
    names: npt.NDArray[Any] = np.empty(0, dtype=object)
    for col in HASHED:
        values = cur[col] if col in cur.columns else pd.Series([None] * n_cur, dtype=object)
        codes, uniques = _categories(values)
        ukeys, uok = _hash_keys(key, uniques)
        hash_values[col] = (codes, ukeys, uok)
        if col == "name":
            names = np.asarray(uniques, dtype=object)
        cur_keys = ukeys[np.where(codes >= 0, codes, 0)] if ukeys.size else np.zeros(n_cur, "S16")
        cur_ok = (codes >= 0) & (uok[np.where(codes >= 0, codes, 0)] if uok.size else False)
        old_col = f"{col}_hash"
        old_keys: npt.NDArray[Any]
        old_ok: npt.NDArray[np.bool_]
        if n_old and f"{old_col}_hi" in old.columns:
            halves = np.stack(
                [old[f"{old_col}_hi"].to_numpy(np.int64), old[f"{old_col}_lo"].to_numpy(np.int64)],
                axis=1,
            )
            old_keys = np.ascontiguousarray(halves).view("S16").ravel()
            old_ok = old_keys != b""
        elif n_old and old_col in old.columns:
            old_keys, old_ok = _hex_keys(old[old_col].to_numpy(dtype=object))
        else:
            old_keys, old_ok = np.zeros(n_old, "S16"), np.zeros(n_old, dtype=bool)
        code[col] = _joint_codes(cur_keys, cur_ok, old_keys, old_ok)
    name_codes = hash_values["name"][0]
    org_unique = np.array([looks_like_organisation(x) for x in names.tolist()], dtype=bool)
    org_code = np.full(n, -1, dtype=np.int64)
    is_org = np.zeros(n_cur, dtype=bool)
    if org_unique.size:
        is_org = (name_codes >= 0) & org_unique[np.where(name_codes >= 0, name_codes, 0)]
    # a record its source declares a person is never matched by the organisation rule
    if "kind" in cur.columns:
        is_org &= np.asarray(cur["kind"].astype(object) == "company", dtype=bool)
    else:
        is_org[:] = False
    org_code[:n_cur][is_org] = code["name"][:n_cur][is_org]

    all_system = np.concatenate([system, old["system"].astype(str).to_numpy(dtype=object)])
    all_record = (
        _arrow_text(pd.concat([pd.Series(record_id), old["record_id"].astype(str)]))
        if n_old
        else record_id
    )
    all_customer = np.concatenate(
        [customer, old["customer_id"].to_numpy(dtype=object) if n_old else np.empty(0, object)]
    )
    all_pins = np.concatenate(
        [
            keep_apart,
            old["keep_apart"].to_numpy(dtype=object)
            if n_old and "keep_apart" in old.columns
            else np.full(n_old, None, dtype=object),
        ]
    )
    all_same = np.concatenate(
        [
            same_as,
            old["same_as"].to_numpy(dtype=object)
            if n_old and "same_as" in old.columns
            else np.full(n_old, None, dtype=object),
        ]
    )
    pos = np.arange(n, dtype=np.int64)
    cust_code, cust_ids = _categories(pd.Series(all_customer, dtype=object))

    edges: list[tuple[str, npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
    conflicts: list[dict[str, Any]] = []
    # earlier clusters stay together
    edges.append(("existing", *code_edges(pos, cust_code)))
    # records a reviewer accepted as one customer (must-link pins)
    edges.append(("review", *_tag_edges(all_same)))
    # id numbers, unless the records disagree on both name and birth date
    idc, namec, birthc = code["id_number"], code["name"], code["birth_date"]
    has_id = np.flatnonzero(idc >= 0)
    ids = pd.DataFrame(
        {
            "pos": has_id,
            "id": idc[has_id],
            "name": np.where(namec[has_id] >= 0, namec[has_id], np.nan),
            "birth": np.where(birthc[has_id] >= 0, birthc[has_id], np.nan),
        }
    )
    grouped = ids.groupby("id", sort=False)
    clash = (
        (grouped["name"].transform("nunique") > 1) & (grouped["birth"].transform("nunique") > 1)
    ).to_numpy()
    for _, group in ids[clash].groupby("id", sort=False):
        members = group["pos"].to_numpy()
        conflicts.append(
            {
                "rule": "id_number",
                "reason": "same id number, different names and birth dates",
                "records": [f"{all_system[p]}:{all_record[p]}" for p in members],
            }
        )
    calm = ids[~clash]
    hot = ids[clash]
    pairs = [code_edges(calm["pos"].to_numpy(), calm["id"].to_numpy())]
    for other in ("name", "birth"):
        pairs.append(
            code_edges(
                hot["pos"].to_numpy(),
                hot["id"].to_numpy(),
                hot[other].fillna(-1).to_numpy(dtype=np.int64),
            )
        )
    edges.append(
        ("id_number", np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs]))
    )
    # links to a record of another system
    link_src: list[int] = []
    link_dst: list[int] = []
    if "link_system" in cur.columns and cur["link_system"].notna().any():
        where = pd.Series(pos, index=pd.MultiIndex.from_arrays([all_system, all_record]))
        where = where[~where.index.duplicated(keep="first")]
        linked = np.flatnonzero(cur["link_system"].notna() & cur["link_record"].notna())
        wanted = pd.MultiIndex.from_arrays(
            [
                cur["link_system"].to_numpy(dtype=object)[linked].astype(str),
                _arrow_text(cur["link_record"].iloc[linked]),
            ]
        )
        found = where.index.get_indexer(wanted)
        hit = found >= 0
        link_src = where.to_numpy()[found[hit]].tolist()
        link_dst = linked[hit].tolist()
        del where, wanted, found
    edges.append(("link", np.array(link_src, np.int64), np.array(link_dst, np.int64)))
    data = MatchInput(n, n_cur, code, name_codes, names, org_code)
    scores: dict[int, npt.NDArray[np.float64]] = {}
    for proposed in (matcher if matcher is not None else RulesMatcher()).links(data):
        if proposed.rule not in RULES or proposed.rule in STRONG_RULES:
            raise ResolutionError(f"a matcher proposed links of an unknown kind: {proposed.rule!r}")
        if proposed.score is not None:
            scores[len(edges)] = proposed.score
        edges.append((proposed.rule, proposed.src, proposed.dst))
    del data

    del code, namec, birthc, ids, calm, hot, grouped, pairs  # in the edges now
    keyed = _distinct_key_systems(all_system, loose_keys)
    strong = _strong_labels(n, edges) if keyed.any() else None
    apart = _apart_tags(idc, all_pins, keyed, strong, all_system)
    label, accepted, kept_apart = _constrained_components(n, edges, apart)
    for kept in kept_apart:
        conflicts.append(
            {
                "rule": "keep_apart",
                "reason": "records with different id numbers, records of one system with "
                "different customer keys, or records kept apart by an undone merge match on "
                "weaker keys; not merged",
                "records": [f"{all_system[p]}:{all_record[p]}" for p in kept[:20]],
            }
        )

    # the strongest rule that touched each record
    rule_of = np.full(n, "new", dtype=object)
    rank_of = np.full(n, len(RULES), dtype=np.int64)
    order = list(RULES)
    # a scored matcher's links: each record's best kept score is its confidence
    best = np.zeros(n, dtype=np.float64)
    for at, ((rule, s_all, d_all), ok) in enumerate(zip(edges, accepted, strict=True)):
        if rule == "existing":
            continue  # keeps earlier clusters together; the rule that matched them stays
        r = order.index(rule)
        s, d = s_all[ok], d_all[ok]
        for ends in (s, d):
            better = rank_of[ends] > r
            rank_of[ends[better]] = r
            rule_of[ends[better]] = rule
            if at in scores:
                np.maximum.at(best, ends, scores[at][ok])
    del edges, accepted, apart  # the largest intermediate arrays; not needed below

    # customer ids: keep earlier ones, merge several into the smallest, mint new ones
    merges: list[dict[str, Any]] = []
    cid_of_label: dict[int, str] = {}
    known = np.flatnonzero(cust_code >= 0)
    prior = (
        pd.DataFrame({"label": label[known], "cid": cust_ids[cust_code[known]]})
        .drop_duplicates()
        .groupby("label")["cid"]
        .agg(lambda s: sorted(str(x) for x in s))
    )
    several = any(len(ids) > 1 for ids in prior.tolist())
    member_of = pd.Series(pos).groupby(label) if several else None
    for lab, ordered in zip(prior.index.to_numpy(), prior.to_numpy(), strict=True):
        cid_of_label[int(lab)] = ordered[0]
        if len(ordered) > 1 and member_of is not None:
            member_pos = member_of.get_group(lab).to_numpy()
            merges.append(
                {
                    "kind": "merge",
                    "into_id": ordered[0],
                    "customer_ids": ordered,
                    "records": [f"{all_system[p]}:{all_record[p]}" for p in member_pos],
                    # each record's customer before the merge ("" for a new record)
                    "previous": [
                        str(all_customer[p]) if isinstance(all_customer[p], str) else ""
                        for p in member_pos
                    ],
                    "reason": "records of several customers now match: "
                    + ", ".join(sorted(set(rule_of[member_pos]) - {"existing", "new"})),
                }
            )
    fresh_labels = np.setdiff1d(np.unique(label), np.fromiter(cid_of_label, np.int64))
    if fresh_labels.size:
        in_fresh = np.flatnonzero(np.isin(label, fresh_labels))
        # each new customer's smallest "system:record_id" (Arrow sorts UTF-8 bytes,
        # which is the order of Python's string comparison)
        joined = pc.binary_join_element_wise(
            pa.array(all_system[in_fresh].astype(str)),
            pa.array(all_record.take(in_fresh)),
            ":",
        )
        by_key = np.asarray(pc.sort_indices(joined))
        labels_sorted = label[in_fresh][by_key]
        first_labels, first_at = np.unique(labels_sorted, return_index=True)
        first_keys = joined.take(pa.array(by_key[first_at])).to_pylist()
        del joined, by_key, labels_sorted, in_fresh
        used = {str(c) for c in cust_ids.tolist()} | {str(c) for c in taken}
        for lab, k in zip(first_labels.tolist(), first_keys, strict=True):
            cid_of_label[int(lab)] = _new_customer_id(str(k), used)

    head = label[:n_cur]
    uniq_labels, inverse = np.unique(head, return_inverse=True)
    cid_per_label = np.array([cid_of_label[int(x)] for x in uniq_labels], dtype=object)
    assignments = pd.DataFrame(
        {
            "system": system,
            "record_id": record_id,
            "customer_id": cid_per_label[inverse] if n_cur else np.empty(0, object),
            "rule": rule_of[:n_cur],
            "confidence": np.where(
                np.isin(rule_of[:n_cur], SCORED), best[:n_cur], [RULES[r] for r in rule_of[:n_cur]]
            )
            if n_cur
            else np.empty(0, np.float64),
            "is_new": pd.isna(customer) if n_cur else np.empty(0, bool),
        }
    )
    return Resolution(assignments, conflicts, merges, hash_values)
