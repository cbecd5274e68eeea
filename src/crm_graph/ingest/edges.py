"""Link-building helpers of identity resolution: groups of records that share keys.

Records are integer positions; identifying values are integer codes (-1: missing).
A group of records sharing all keys becomes a star of links (its first record to
every other one), which is all a clustering by connected components needs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["code_edges", "distinct_pairs", "wildcard_pairs"]


def wildcard_pairs(
    name_codes: npt.NDArray[np.int64], names: npt.NDArray[Any]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(record position, wildcard code) for every name with one character replaced by '*'.

    Wildcards are made once per distinct name, then spread over its records.

    Examples
    --------
    >>> pos, wild = wildcard_pairs(np.array([0, 1, 0, -1]), np.array(["王芳", "王方"], object))
    >>> sorted(zip(pos.tolist(), wild.tolist()))
    [(0, 0), (0, 1), (1, 1), (1, 2), (2, 0), (2, 1)]
    """
    # each wildcard as a 64-bit hash of its text, not the text (a million names give
    # three million wildcards); within one run equal texts have equal hashes, and two
    # different texts collide with a probability of about 1e-6 at that size
    keys: list[int] = []
    owner: list[int] = []
    used = np.zeros(len(names), dtype=bool)
    used[name_codes[name_codes >= 0]] = True
    for u, name in enumerate(names.tolist()):
        if not used[u] or not isinstance(name, str) or len(name) < 2 or len(name) > 40:
            continue
        for k in range(len(name)):
            keys.append(hash(name[:k] + "*" + name[k + 1 :]))
            owner.append(u)
    if not keys:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    wild, _ = pd.factorize(np.asarray(keys, dtype=np.int64))
    del keys
    owner_arr = np.asarray(owner, dtype=np.int64)
    order = np.argsort(owner_arr, kind="stable")
    owner_arr = owner_arr[order]
    wild_sorted: npt.NDArray[np.int64] = np.asarray(wild, dtype=np.int64)[order]
    start = np.searchsorted(owner_arr, np.arange(len(names)), side="left")
    count = np.searchsorted(owner_arr, np.arange(len(names)), side="right") - start
    recs = np.flatnonzero(name_codes >= 0)
    per = count[name_codes[recs]]
    pos = np.repeat(recs, per)
    first = np.repeat(start[name_codes[recs]], per)
    within = np.arange(pos.size) - np.repeat(np.cumsum(per) - per, per)
    return pos, wild_sorted[first + within]


def distinct_pairs(
    name_codes: npt.NDArray[np.int64], other: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Position of the first record of each distinct (name, other value) pair.

    The similar-name rules only need one record per pair: the pair's other records
    have the same name and value, so the stronger exact rule (``name_phone``,
    ``name_birth``) already links them to it, and they take that rule. A million
    customers have four million records but about a million such pairs.

    Examples
    --------
    >>> distinct_pairs(np.array([0, 1, 0, -1, 0]), np.array([5, 5, 5, 5, -1])).tolist()
    [0, 1]
    """
    has = np.flatnonzero((name_codes >= 0) & (other >= 0))
    if not has.size:
        return np.empty(0, np.int64)
    width = int(other[has].max()) + 1
    _, first = np.unique(name_codes[has] * width + other[has], return_index=True)
    out: npt.NDArray[np.int64] = np.sort(has[first])
    return out


def code_edges(
    pos: npt.NDArray[np.int64], *keys: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Star edges (first member -> every other member) of groups sharing all ``keys``.

    A key of -1 (missing) never matches.

    Examples
    --------
    >>> code_edges(np.arange(5), np.array([1, 2, 1, -1, 1]))
    (array([0, 0]), array([2, 4]))
    """
    ok = np.ones(pos.size, dtype=bool)
    for k in keys:
        ok &= k >= 0
    if not ok.any():
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # one integer per combination of keys (codes are dense, so the product is small)
    combined = keys[0][ok].astype(np.int64)
    for k in keys[1:]:
        part = k[ok].astype(np.int64)
        width = int(part.max()) + 1
        if (int(combined.max()) + 1) * width >= 2**62:
            pairs = pd.MultiIndex.from_arrays([combined, part])
            combined = pd.factorize(pairs)[0].astype(np.int64)
            continue
        combined = combined * width + part
    members = pos[ok].astype(np.int64)
    # intermediate arrays are freed as soon as they are used: the similar-name rules
    # run this on four wildcards per record (16 million rows for 1M customers)
    order = np.lexsort((members, combined))  # by group, then position
    grouped = combined[order]
    del combined
    at = members[order]
    del members
    starts = np.empty(grouped.size, dtype=bool)
    starts[0] = True
    np.not_equal(grouped[1:], grouped[:-1], out=starts[1:])
    del grouped
    first = at[starts][np.cumsum(starts) - 1]
    del starts
    keep = first != at
    where = order[keep]
    del order
    back = np.argsort(where, kind="stable")  # the members' original order
    del where
    return first[keep][back], at[keep][back]
