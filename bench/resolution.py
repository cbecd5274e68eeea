"""Identity resolution: both resolvers (rules, Splink) on the hard-names generated bank.

Both get the same records: the customer records of a generated bank with hard names
(``generate_bank(hard_names=True)``: namesakes, Latin names with legal-form words and
transliteration variants, shared household phones, twins), as the loader reads and
normalizes them (``validate`` and ``records`` of the loader, no database). Both run
through ``crm_graph.ingest.resolve.resolve``, once with the rules matcher and once
per threshold with the Splink matcher (``crm_graph.ingest.matchers.SplinkMatcher``:
its model is in that class's docstring; trained afresh each time). Pairwise precision
and recall against truth/identities.csv, and the wall time of the resolution alone.
Splink runs up to ``splink_max`` customers.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench import run_child

CHILD = r"""
import json, sys
from pathlib import Path
from crm_graph.generate import generate_bank
from bench.resolution import compare
n, out, splink = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
generate_bank(out, customers=n, seed=7, hard_names=True)
print(json.dumps(compare(out, splink=splink)))
"""

THRESHOLDS = (0.99, 0.9, 0.5)


def _pairs(sizes: pd.Series) -> int:
    s = sizes.to_numpy(dtype=np.int64)
    return int((s * (s - 1) // 2).sum())


def pairwise(predicted: pd.Series, truth: pd.Series) -> dict[str, float]:
    """Pairwise precision and recall of a clustering against the truth (same index).

    Examples
    --------
    >>> p = pd.Series([1, 1, 2, 2]); t = pd.Series(["a", "a", "a", "b"])
    >>> pairwise(p, t)
    {'precision': 0.5, 'recall': 0.333}
    """
    both = pd.DataFrame({"p": predicted.to_numpy(), "t": truth.to_numpy()})
    true_positive = _pairs(both.groupby(["p", "t"]).size())
    predicted_pairs = _pairs(both.groupby("p").size())
    truth_pairs = _pairs(both.groupby("t").size())
    return {
        "precision": round(true_positive / predicted_pairs, 4) if predicted_pairs else 1.0,
        "recall": round(true_positive / truth_pairs, 3) if truth_pairs else 1.0,
    }


def _records(extract: Path) -> pd.DataFrame:
    from crm_graph.ingest.load import _Loader
    from crm_graph.ingest.spec import default_loaders_dir, load_specs

    loader = _Loader(
        None,  # type: ignore[arg-type]  # validate and records do not touch the database
        extract,
        extract / "rejects",
        load_specs(default_loaders_dir()),
        b"bench",
        5000,
        lambda *_: None,
        date.today(),
        "bench",
    )
    loader.validate()
    return loader.records()


def compare(extract: Path, *, splink: bool = True) -> dict[str, Any]:
    """Resolve the bank's records with each resolver; return quality and time of each."""
    from crm_graph.ingest.matchers import SplinkMatcher
    from crm_graph.ingest.resolve import resolve

    records = _records(extract)
    truth = pd.read_csv(extract / "truth" / "identities.csv", dtype=str)
    # the loader keeps systems as categoricals and record ids as Arrow strings
    key = records["system"].astype(str) + ":" + records["record_id"].astype(str)
    truth_of = dict(
        zip(truth["system"] + ":" + truth["record_id"], truth["person_id"], strict=True)
    )
    known = key.isin(truth_of)
    people = key[known].map(truth_of).reset_index(drop=True)
    result: dict[str, Any] = {"records": int(len(records)), "with_truth": int(known.sum())}
    runs: list[tuple[str, Any]] = [("rules", None)]
    if splink:
        runs += [(f"splink@{t}", SplinkMatcher(threshold=t)) for t in THRESHOLDS]
    for name, matcher in runs:
        t = time.perf_counter()
        res = resolve(records, None, key=b"bench", matcher=matcher)
        seconds = time.perf_counter() - t
        assigned = res.assignments.set_index(
            res.assignments["system"].astype(str) + ":" + res.assignments["record_id"].astype(str)
        )["customer_id"]
        result[name] = {
            **pairwise(assigned.reindex(key[known]).reset_index(drop=True), people),
            "seconds": round(seconds, 1),
        }
    return result


def run(sizes: list[int], splink_max: int = 100_000) -> list[dict[str, Any]]:
    """Both resolvers per size (Splink up to ``splink_max`` customers)."""
    results = []
    for n in sizes:
        r = run_child(CHILD, n, "resolution", "1" if n <= splink_max else "0") | {"customers": n}
        results.append(r)
        print(
            f"resolution {n:>9,}: "
            + "; ".join(
                f"{name} P {r[name]['precision']} R {r[name]['recall']} ({r[name]['seconds']} s)"
                for name in ["rules", *(f"splink@{t}" for t in THRESHOLDS)]
                if name in r
            ),
            flush=True,
        )
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    """Table of both resolvers."""
    names = ["rules", *(f"splink@{t}" for t in THRESHOLDS)]
    lines = [
        "| customers | records | "
        + " | ".join(f"{n}: precision | recall | time" for n in names)
        + " |",
        "|---:|---:|" + "---:|---:|---:|" * len(names),
    ]
    for r in results:
        cells = [
            f"{r[n]['precision']} | {r[n]['recall']} | {r[n]['seconds']} s"
            if n in r
            else "- | - | -"
            for n in names
        ]
        lines.append(f"| {r['customers']:,} | {r['records']:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
