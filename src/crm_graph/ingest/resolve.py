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
============================  ==========  =================================================

Matching runs on keyed hashes (HMAC-SHA256) of the identifying values, so that the
graph can keep the keys of earlier loads without keeping raw PII; "one character
apart" uses wildcard keys (``王*明``) of the names of the current extract.

Conflicts: records that share an id number but disagree on both name and birth date
are *not* merged on the id; they are reported. Golden ``customer_id``s are stable: a
cluster containing records resolved earlier keeps their customer id; when it joins
several earlier customers, the smallest id survives and a merge event is recorded.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = ["RULES", "Resolution", "pii_hash", "resolve"]

RULES: dict[str, float] = {
    "existing": 1.0,
    "id_number": 1.0,
    "link": 0.99,
    "name_phone": 0.95,
    "name_email": 0.95,
    "name_birth": 0.93,
    "phone_birth": 0.90,
    "org_name": 0.88,
    "similar_name_phone": 0.85,
    "similar_name_birth": 0.80,
    "new": 1.0,
}

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


def _hash_all(key: bytes, values: npt.NDArray[Any]) -> list[str | None]:
    """:func:`pii_hash` of many values, keying the HMAC once (same results, faster).

    Examples
    --------
    >>> values = np.array(["a", None, ""], dtype=object)
    >>> _hash_all(b"k", values) == [pii_hash(b"k", "a"), None, None]
    True
    """
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    hashed: list[str | None] = []
    for value in uniques:
        if value == "":
            hashed.append(None)
            continue
        h = keyed.copy()
        h.update(str(value).encode("utf-8"))
        hashed.append(h.hexdigest()[:32])
    hashed.append(None)  # code -1: missing
    return [hashed[c] for c in codes.tolist()]


@dataclass
class Resolution:
    """The outcome of :func:`resolve`."""

    assignments: pd.DataFrame  # system, record_id, customer_id, rule, confidence, is_new
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)

    def rules_used(self) -> dict[str, int]:
        """Return the number of records resolved by each rule."""
        counts = self.assignments["rule"].value_counts()
        return {str(k): int(v) for k, v in counts.items()}


_ORG_MARKERS = ("公司", "集团", "厂", "合作社", "事务所", "商行", "LTD", "CO.", "INC", "LLC")


def _looks_like_organisation(name: object) -> bool:
    """Tell whether a normalised name is an organisation's (unique enough to match alone).

    Examples
    --------
    >>> _looks_like_organisation("中山市恒达五金制品有限公司"), _looks_like_organisation("王小明")
    (True, False)
    """
    return isinstance(name, str) and len(name) >= 6 and any(m in name for m in _ORG_MARKERS)


def _wildcards(names: pd.Series) -> pd.DataFrame:
    """One row per (record position, name with one character replaced by '*')."""
    rows_idx: list[int] = []
    keys: list[str] = []
    for i, name in zip(names.index, names.to_numpy(), strict=True):
        if not isinstance(name, str) or len(name) < 2 or len(name) > 40:
            continue
        for k in range(len(name)):
            rows_idx.append(i)
            keys.append(name[:k] + "*" + name[k + 1 :])
    return pd.DataFrame({"pos": rows_idx, "wild": keys})


def _group_edges(
    frame: pd.DataFrame, cols: list[str]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Star edges (first member -> every other member) of groups sharing ``cols``."""
    sub = frame.dropna(subset=cols)
    if sub.empty:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    first = sub.groupby(cols, sort=False)["pos"].transform("min").to_numpy()
    pos = sub["pos"].to_numpy()
    keep = first != pos
    return first[keep], pos[keep]


def _apart_tags(allrec: pd.DataFrame) -> pd.DataFrame:
    """One row per (record position, namespace, value) that must not mix in a customer.

    A valid id number is a tag in namespace ``id``: two records with different id
    numbers are different people, whatever else they share. A record pinned by an
    undone merge carries ``event=side`` tags (``keep_apart``): records on different
    sides of one undone merge stay apart.
    """
    ids = allrec.dropna(subset=["id_number_hash"])
    parts = [pd.DataFrame({"pos": ids.pos.to_numpy(), "ns": "id", "val": ids.id_number_hash})]
    if "keep_apart" in allrec.columns:
        pins = allrec[["pos", "keep_apart"]].dropna().explode("keep_apart").dropna()
        if not pins.empty:
            split = pins["keep_apart"].astype(str).str.rsplit("=", n=1, expand=True)
            parts.append(
                pd.DataFrame({"pos": pins.pos.to_numpy(), "ns": split[0], "val": split[1]})
            )
    return pd.concat(parts, ignore_index=True)


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
) -> Resolution:
    """Cluster source records into golden customers.

    Parameters
    ----------
    records : DataFrame
        The current extract's customer records: ``system``, ``record_id``, ``kind``
        and the normalised ``name``, ``id_number``, ``birth_date``, ``phone``,
        ``email`` (None when unknown), ``link_system``/``link_record`` (None when
        the record names no other record).
    existing : DataFrame, optional
        Records resolved by earlier loads (from the graph): ``system``,
        ``record_id``, ``customer_id``, ``kind`` and the ``*_hash`` columns.
    key : bytes
        HMAC key for the PII hashes.

    Returns
    -------
    Resolution
        One assignment per record of ``records`` (earlier records keep theirs).

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
    """
    cur = records.reset_index(drop=True).copy()
    for col in ("name", "id_number", "birth_date", "phone", "email", "link_system", "link_record"):
        if col not in cur.columns:
            cur[col] = None
        cur[col] = cur[col].where(cur[col].notna() & (cur[col] != ""), None)
    for col in HASHED:
        cur[f"{col}_hash"] = _hash_all(key, cur[col].to_numpy())
    org = cur["name"].map(_looks_like_organisation)
    cur["org_name_hash"] = cur["name_hash"].where(org, None)
    cur["customer_id"] = None
    old = existing if existing is not None else pd.DataFrame()
    cur["keep_apart"] = None
    if not old.empty:
        keys = ["system", "record_id"]
        carried = [c for c in ("customer_id", "keep_apart") if c in old.columns]
        joined = cur[keys].merge(old[keys + carried].drop_duplicates(keys), on=keys, how="left")
        for col in carried:
            cur[col] = joined[col].to_numpy()
        seen = old[keys].merge(cur[keys], on=keys, how="left", indicator=True)["_merge"]
        old = old[(seen == "left_only").to_numpy()]
    cols = [
        "system",
        "record_id",
        "kind",
        "customer_id",
        "keep_apart",
        "org_name_hash",
        *[f"{c}_hash" for c in HASHED],
    ]
    allrec = pd.concat([cur[cols], old.reindex(columns=cols)], ignore_index=True)
    allrec["pos"] = np.arange(len(allrec))
    n_cur = len(cur)

    edges: list[tuple[str, npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
    conflicts: list[dict[str, Any]] = []
    # earlier clusters stay together
    edges.append(("existing", *_group_edges(allrec, ["customer_id"])))
    # id numbers, unless the records disagree on both name and birth date
    ids = allrec.dropna(subset=["id_number_hash"])
    grouped = ids.groupby("id_number_hash", sort=False)
    n_names = grouped["name_hash"].transform("nunique")
    n_births = grouped["birth_date_hash"].transform("nunique")
    clash = (n_names > 1) & (n_births > 1)
    for _, group in ids[clash].groupby("id_number_hash", sort=False):
        conflicts.append(
            {
                "rule": "id_number",
                "reason": "same id number, different names and birth dates",
                "records": [f"{s}:{r}" for s, r in zip(group.system, group.record_id, strict=True)],
            }
        )
    # within a clash, records that agree on the name or the birth date still match
    clashing = ids[clash]
    pairs = [_group_edges(ids[~clash], ["id_number_hash"])]
    pairs += [
        _group_edges(clashing, ["id_number_hash", c]) for c in ("name_hash", "birth_date_hash")
    ]
    edges.append(
        ("id_number", np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs]))
    )
    # links to a record of another system
    where = {(s, r): p for s, r, p in zip(allrec.system, allrec.record_id, allrec.pos, strict=True)}
    link_src, link_dst = [], []
    for i, (ls, lr) in enumerate(zip(cur["link_system"], cur["link_record"], strict=True)):
        if ls is not None and lr is not None and (ls, lr) in where:
            link_src.append(where[(ls, lr)])
            link_dst.append(i)
    edges.append(("link", np.array(link_src, np.int64), np.array(link_dst, np.int64)))
    for rule, keycols in (
        ("name_phone", ["name_hash", "phone_hash"]),
        ("name_email", ["name_hash", "email_hash"]),
        ("name_birth", ["name_hash", "birth_date_hash"]),
        ("phone_birth", ["phone_hash", "birth_date_hash"]),
        ("org_name", ["org_name_hash"]),
    ):
        edges.append((rule, *_group_edges(allrec, keycols)))
    wild = _wildcards(cur["name"])
    if not wild.empty:
        for rule, other in (
            ("similar_name_phone", "phone_hash"),
            ("similar_name_birth", "birth_date_hash"),
        ):
            wild[other] = cur[other].to_numpy()[wild["pos"]]
            edges.append((rule, *_group_edges(wild, ["wild", other])))

    n = len(allrec)
    apart = _apart_tags(allrec)
    label, accepted, kept_apart = _constrained_components(n, edges, apart)
    for members in kept_apart:
        conflicts.append(
            {
                "rule": "keep_apart",
                "reason": "records with different id numbers, or kept apart by an undone "
                "merge, match on weaker keys; not merged",
                "records": [
                    f"{allrec.system.iat[p]}:{allrec.record_id.iat[p]}" for p in members[:20]
                ],
            }
        )

    # the strongest rule that touched each record
    rule_of = np.full(n, "new", dtype=object)
    rank_of = np.full(n, len(RULES), dtype=np.int64)
    order = list(RULES)
    for (rule, s_all, d_all), ok in zip(edges, accepted, strict=True):
        if rule == "existing":
            continue  # keeps earlier clusters together; the rule that matched them stays
        r = order.index(rule)
        s, d = s_all[ok], d_all[ok]
        for ends in (s, d):
            better = rank_of[ends] > r
            rank_of[ends[better]] = r
            rule_of[ends[better]] = rule

    # customer ids: keep earlier ones, merge several into the smallest, mint new ones
    allrec["label"] = label
    merges: list[dict[str, Any]] = []
    cid_of_label: dict[int, str] = {}
    prior_ids = allrec.dropna(subset=["customer_id"]).groupby("label")["customer_id"].unique()
    for lab, ids_here in zip(prior_ids.index.to_numpy(), prior_ids.to_numpy(), strict=True):
        ordered = sorted(str(x) for x in ids_here)
        cid_of_label[int(lab)] = ordered[0]
        if len(ordered) > 1:
            members = allrec[allrec.label == lab]
            merges.append(
                {
                    "kind": "merge",
                    "into_id": ordered[0],
                    "customer_ids": ordered,
                    "records": [
                        f"{s}:{r}" for s, r in zip(members.system, members.record_id, strict=True)
                    ],
                    # each record's customer before the merge ("" for a new record)
                    "previous": [str(c) if isinstance(c, str) else "" for c in members.customer_id],
                    "reason": "records of several customers now match: "
                    + ", ".join(sorted(set(rule_of[members.pos.to_numpy()]) - {"existing", "new"})),
                }
            )
    first_key = (
        allrec.assign(k=allrec.system.astype(str) + ":" + allrec.record_id.astype(str))
        .sort_values("k")
        .drop_duplicates("label")
        .set_index("label")["k"]
    )
    for lab, k in zip(first_key.index.to_numpy(), first_key.to_numpy(), strict=True):
        if int(lab) not in cid_of_label:
            cid_of_label[int(lab)] = (
                "C" + hashlib.sha256(k.encode("utf-8")).hexdigest()[:12].upper()
            )

    head = allrec.iloc[:n_cur]
    assignments = pd.DataFrame(
        {
            "system": head.system.to_numpy(),
            "record_id": head.record_id.to_numpy(),
            "customer_id": [cid_of_label[int(x)] for x in head.label.to_numpy()],
            "rule": rule_of[:n_cur],
            "confidence": [RULES[r] for r in rule_of[:n_cur]],
            "is_new": head.customer_id.isna().to_numpy(),
        }
    )
    return Resolution(assignments, conflicts, merges)
