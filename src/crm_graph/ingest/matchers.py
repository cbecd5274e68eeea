"""Resolvers: what links two source records of one customer, behind one interface.

:func:`crm_graph.ingest.resolve.resolve` always links records by the evidence no
resolver may overrule (an earlier load, a reviewer's decision, a shared valid id
number, a declared link to another record) and always enforces what keeps records
apart (different id numbers, distinct source keys, undone merges). Between those, a
*matcher* proposes the weaker links:

- :class:`RulesMatcher` (``--resolver rules``, the default): exact keys on keyed
  hashes (name + phone, name + e-mail, name + birth date, phone + birth date, an
  organisation's full name) and names one character apart with a shared phone or
  birth date. Deterministic, fast (seconds for a million customers), explainable.
- :class:`SplinkMatcher` (``--resolver splink``): a Fellegi-Sunter model trained on
  the extract itself by `Splink <https://moj-analytical-services.github.io/splink/>`_
  (u by random sampling, m by expectation maximisation), links at a match
  probability threshold. Splink runs on DuckDB here; the same settings run on
  Spark by passing Splink's ``SparkAPI`` as ``db_api``.

Both see the same input (:class:`MatchInput`: integer codes of the hashed values,
shared with earlier loads' records, and the current extract's names), and return
:class:`Links`; golden ids, events, conflicts and pins come from ``resolve`` alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

from crm_graph.errors import ConfigError
from crm_graph.ingest.edges import code_edges, distinct_pairs, wildcard_pairs

__all__ = [
    "RESOLVERS",
    "Links",
    "MatchInput",
    "Matcher",
    "RulesMatcher",
    "SplinkMatcher",
    "matcher",
]

Codes = npt.NDArray[np.int64]


@dataclass(frozen=True)
class MatchInput:
    """What a matcher may use: no raw identifying value but the current names.

    Attributes
    ----------
    n, n_cur : int
        All records (the current extract's first, then earlier loads') and the
        current ones.
    codes : dict of str to ndarray
        Per identifying column (``id_number``, ``name``, ``birth_date``, ``phone``,
        ``email``), one integer code per record (-1: missing); equal codes are equal
        keyed hashes, over current and earlier records alike.
    name_codes : ndarray
        Per current record, its code into ``names`` (-1: no name).
    names : ndarray of str
        The current extract's distinct normalised names.
    org_code : ndarray
        Per record, the name's code where the record is an organisation the
        organisation rule may match (-1 otherwise).
    """

    n: int
    n_cur: int
    codes: dict[str, Codes]
    name_codes: Codes
    names: npt.NDArray[Any]
    org_code: Codes


@dataclass(frozen=True)
class Links:
    """Links of one kind between record positions, ``src[i]`` to ``dst[i]``.

    ``score`` is each link's match probability where the matcher has one (the
    record's confidence is then the best score of its kept links), else None (the
    rule's confidence, :data:`crm_graph.ingest.resolve.RULES`).
    """

    rule: str
    src: Codes
    dst: Codes
    score: npt.NDArray[np.float64] | None = None


class Matcher(Protocol):
    """Proposes the links between records that no strong evidence settles."""

    @property
    def name(self) -> str:
        """The resolver's name, as ``--resolver`` takes it."""

    def links(self, data: MatchInput) -> list[Links]:
        """Return the proposed links, strongest kind first."""


@dataclass(frozen=True)
class RulesMatcher:
    """Deterministic rules on keyed hashes (see :mod:`crm_graph.ingest.resolve`).

    Examples
    --------
    Records 0 and 1 share name and phone; record 2 only the phone:

    >>> c = {"name": np.array([0, 0, 1]), "phone": np.array([5, 5, 5]),
    ...      "email": np.array([-1, -1, -1]), "birth_date": np.array([-1, -1, -1])}
    >>> data = MatchInput(3, 3, c, np.array([0, 0, 1]), np.array(["王小明", "李四"], object),
    ...                   np.array([-1, -1, -1]))
    >>> [(x.rule, x.src.tolist(), x.dst.tolist()) for x in RulesMatcher().links(data) if x.src.size]
    [('name_phone', [0], [1])]
    """

    name: str = "rules"

    def links(self, data: MatchInput) -> list[Links]:
        """Exact-key rules, the organisation rule, then the similar-name rules."""
        pos = np.arange(data.n, dtype=np.int64)
        code = data.codes
        out = [
            Links(rule, *code_edges(pos, *(code[c] for c in cols)))
            for rule, cols in (
                ("name_phone", ("name", "phone")),
                ("name_email", ("name", "email")),
                ("name_birth", ("name", "birth_date")),
                ("phone_birth", ("phone", "birth_date")),
            )
        ]
        out.append(Links("org_name", *code_edges(pos, data.org_code)))
        for rule, other in (("similar_name_phone", "phone"), ("similar_name_birth", "birth_date")):
            reps = distinct_pairs(data.name_codes, code[other][: data.n_cur])
            rep_at, wild = wildcard_pairs(data.name_codes[reps], data.names)
            wild_pos = reps[rep_at]
            out.append(Links(rule, *code_edges(wild_pos, wild, code[other][wild_pos])))
        return out


@dataclass
class SplinkMatcher:
    """A Fellegi-Sunter model trained by Splink on the records being resolved.

    Comparisons: name (the same keyed hash; Jaro-Winkler >= 0.9; >= 0.8; else) with
    term-frequency adjustment, so that a common name is weak evidence; id number,
    birth date, phone and e-mail exact. u probabilities from random pairs, m by
    expectation maximisation on pairs sharing a phone and on pairs sharing a birth
    date and the name's first character. Candidate pairs share an id number, a
    phone, an e-mail, or a birth date and the name's first character; not a name
    alone (the most common names are shared by thousands of records: their pairs
    would be most of the work, and a name alone never reaches the threshold). Pairs
    at or above ``threshold`` become links.

    Parameters
    ----------
    threshold : float
        Match probability from which a pair is linked (0.5 to 1).
    seed : int
        Seed of the random pairs for the u probabilities (reproducible models).
    db_api : callable, optional
        Returns the Splink database API to run on (default: a new ``DuckDBAPI`` on one
        DuckDB thread, so that training gives the same model every run).
    """

    threshold: float = 0.9
    seed: int = 7
    db_api: Callable[[], Any] | None = None
    name: str = "splink"

    def __post_init__(self) -> None:
        if not 0.5 <= self.threshold <= 1.0:
            raise ConfigError(
                f"the Splink threshold must be between 0.5 and 1, not {self.threshold}"
            )

    def frame(self, data: MatchInput) -> pd.DataFrame:
        """Return the records as Splink sees them: integer codes, current names as text."""

        def nullable(values: Codes) -> pd.Series:
            return pd.Series(values, dtype="Int64").mask(values < 0)

        nc = data.name_codes
        name = np.full(data.n, None, dtype=object)
        has = np.flatnonzero(nc >= 0)
        name[has] = data.names[nc[has]]
        initial = pd.Series(name, dtype=object).str[:1]
        return pd.DataFrame(
            {
                "unique_id": np.arange(data.n, dtype=np.int64),
                "name_key": nullable(data.codes["name"]),
                "name": name,
                "initial": initial,
                "id_key": nullable(data.codes["id_number"]),
                "birth_key": nullable(data.codes["birth_date"]),
                "phone_key": nullable(data.codes["phone"]),
                "email_key": nullable(data.codes["email"]),
            }
        )

    def settings(self) -> Any:
        """Return Splink's settings for this model (the same on DuckDB and Spark)."""
        import splink.comparison_level_library as cll
        import splink.comparison_library as cl
        from splink import SettingsCreator, block_on

        name = cl.CustomComparison(
            output_column_name="name",
            comparison_levels=[
                cll.NullLevel("name_key"),
                cll.ExactMatchLevel("name_key", term_frequency_adjustments=True),
                cll.JaroWinklerLevel("name", 0.9),
                cll.JaroWinklerLevel("name", 0.8),
                cll.ElseLevel(),
            ],
        )
        return SettingsCreator(
            link_type="dedupe_only",
            comparisons=[
                name,
                cl.ExactMatch("id_key"),
                cl.ExactMatch("birth_key"),
                cl.ExactMatch("phone_key"),
                cl.ExactMatch("email_key"),
            ],
            blocking_rules_to_generate_predictions=[
                block_on("id_key"),
                block_on("phone_key"),
                block_on("email_key"),
                block_on("birth_key", "initial"),
            ],
            retain_intermediate_calculation_columns=False,
            retain_matching_columns=False,
        )

    def links(self, data: MatchInput) -> list[Links]:
        """Train on the records, predict candidate pairs, link those above the threshold."""
        try:
            from splink import DuckDBAPI, Linker, block_on
        except ImportError as e:  # an optional dependency
            raise ConfigError(
                "the splink resolver needs Splink: pip install 'crm-graph[splink]'"
            ) from e
        if data.n < 2:
            return [Links("splink", np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))]
        # one DuckDB thread: training sums floats and samples pairs, and with several
        # threads their order (so the last digits of m and u, so a pair at the threshold)
        # changes from run to run; a reload of the same extract must change nothing
        api = (
            self.db_api()
            if self.db_api is not None
            else DuckDBAPI(duckdb.connect(config={"threads": 1}))
        )
        linker = Linker(api.register(self.frame(data)), self.settings(), log_level="ERROR")
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=self.seed)
        for rule in (("phone_key",), ("birth_key", "initial")):
            linker.training.estimate_parameters_using_expectation_maximisation(block_on(*rule))
        pairs = linker.inference.predict(threshold_match_probability=self.threshold)
        found = pairs.as_pandas_dataframe()[  # type: ignore[no-untyped-call]
            ["unique_id_l", "unique_id_r", "match_probability"]
        ]
        found = found.sort_values("match_probability", ascending=False, kind="stable")
        return [
            Links(
                "splink",
                found["unique_id_l"].to_numpy(np.int64),
                found["unique_id_r"].to_numpy(np.int64),
                found["match_probability"].to_numpy(np.float64),
            )
        ]


#: the resolvers ``--resolver`` offers
RESOLVERS = ("rules", "splink")


def matcher(name: str, **options: Any) -> Matcher:
    """Return the matcher of a resolver by name (``rules`` or ``splink``).

    Examples
    --------
    >>> matcher("rules").name, matcher("splink", threshold=0.9).threshold
    ('rules', 0.9)
    >>> matcher("magic")
    Traceback (most recent call last):
    crm_graph.errors.ConfigError: unknown resolver 'magic' (choose rules or splink)
    """
    if name == "rules":
        return RulesMatcher()
    if name == "splink":
        return SplinkMatcher(**options)
    raise ConfigError(f"unknown resolver {name!r} (choose {' or '.join(RESOLVERS)})")
