"""Identity resolution: our rules against Splink (Fellegi-Sunter on DuckDB) on one bank.

Both get the same records: the customer records of a generated bank as the loader
reads and normalizes them (``validate`` and ``records`` of the loader, no database).
Ours is ``crm_graph.ingest.resolve.resolve``; Splink gets a standard model for this
kind of data: name (Jaro-Winkler 0.9/0.8), resident id, birth date, phone and e-mail
exact, term-frequency adjustment on names (no address: the loader's records do not
carry it, and our rules never used it); u from random
sampling, m by EM on two blockings; predictions blocked on id, phone, e-mail, birth
date and name; clusters at match probability 0.99, 0.9 and 0.5. Pairwise precision and
recall against truth/identities.csv, and wall time, for both.

Needs ``pip install splink`` (the ``bench`` extra); skipped with a note without it.
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
import json, sys, time
from datetime import date
from pathlib import Path
from crm_graph.generate import generate_bank
from bench.resolution import compare
n, out = int(sys.argv[1]), Path(sys.argv[2])
generate_bank(out, customers=n, seed=7)
print(json.dumps(compare(out)))
"""


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


def compare(extract: Path) -> dict[str, Any]:
    """Resolve the bank's records both ways; return quality and time of each."""
    from crm_graph.ingest.resolve import resolve

    records = _records(extract)
    truth = pd.read_csv(extract / "truth" / "identities.csv", dtype=str)
    # the loader keeps systems as categoricals and record ids as Arrow strings
    key = records["system"].astype(str) + ":" + records["record_id"].astype(str)
    truth_of = dict(
        zip(truth["system"] + ":" + truth["record_id"], truth["person_id"], strict=True)
    )
    known = key.isin(truth_of)
    result: dict[str, Any] = {"records": int(len(records)), "with_truth": int(known.sum())}

    t = time.perf_counter()
    res = resolve(records, None, key=b"bench")
    ours_s = time.perf_counter() - t
    ours = res.assignments.set_index(
        res.assignments["system"].astype(str) + ":" + res.assignments["record_id"].astype(str)
    )["customer_id"]
    result["ours"] = {
        **pairwise(
            ours.reindex(key[known]).reset_index(drop=True),
            key[known].map(truth_of).reset_index(drop=True),
        ),  # fmt: skip
        "seconds": round(ours_s, 1),
    }
    try:
        import splink  # noqa: F401
    except ImportError:
        result["splink"] = None
        return result
    result["splink"] = _splink(records, key, known, truth_of)
    return result


def _splink(
    records: pd.DataFrame, key: pd.Series, known: pd.Series, truth_of: dict[str, str]
) -> dict[str, Any]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame = pd.DataFrame(
        {
            "unique_id": key,
            "name": records["name"],
            "id_number": records["id_number"],
            "birth_date": records["birth_date"],
            "phone": records["phone"],
            "email": records["email"],
        }
    ).replace({"": None})
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.9, 0.8]).configure(
                term_frequency_adjustments=True
            ),
            cl.ExactMatch("id_number"),
            cl.ExactMatch("birth_date"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("email"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("id_number"),
            block_on("phone"),
            block_on("email"),
            block_on("birth_date"),
            block_on("name"),
        ],
    )
    started = time.perf_counter()
    api = DuckDBAPI()
    linker = Linker(api.register(frame), settings, log_level="WARNING")
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    predictions = linker.inference.predict(threshold_match_probability=0.3)
    out: dict[str, Any] = {}
    for threshold in (0.99, 0.9, 0.5):
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold
        ).as_pandas_dataframe()
        cluster_of = dict(zip(clusters["unique_id"], clusters["cluster_id"], strict=True))
        predicted = key[known].map(cluster_of).fillna(key[known])
        out[f"at_{threshold}"] = pairwise(
            predicted.reset_index(drop=True), key[known].map(truth_of).reset_index(drop=True)
        )
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def run(sizes: list[int]) -> list[dict[str, Any]]:
    """Both resolvers per size."""
    results = []
    for n in sizes:
        r = run_child(CHILD, n, "resolution") | {"customers": n}
        results.append(r)
        s = r["splink"]
        print(
            f"resolution {n:>9,}: ours P {r['ours']['precision']} R {r['ours']['recall']} "
            f"({r['ours']['seconds']} s)"
            + (
                f"; Splink@0.99 P {s['at_0.99']['precision']} R {s['at_0.99']['recall']}, "
                f"@0.9 P {s['at_0.9']['precision']} R {s['at_0.9']['recall']}, "
                f"@0.5 P {s['at_0.5']['precision']} R {s['at_0.5']['recall']} ({s['seconds']} s)"
                if s
                else "; Splink not installed"
            ),
            flush=True,
        )
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    """Table of both resolvers."""
    lines = [
        "| customers | records | ours: precision | recall | time | Splink @0.99: precision "
        "| recall | @0.9: precision | recall | @0.5: precision | recall | time |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        o, s = r["ours"], r["splink"]
        splink_cells = (
            " | ".join(
                f"{s[f'at_{t}']['precision']} | {s[f'at_{t}']['recall']}" for t in (0.99, 0.9, 0.5)
            )
            + f" | {s['seconds']} s"
            if s
            else "not installed | - | - | - | - | - | -"
        )
        lines.append(
            f"| {r['customers']:,} | {r['records']:,} | {o['precision']} | {o['recall']} "
            f"| {o['seconds']} s | {splink_cells} |"
        )
    return "\n".join(lines)
