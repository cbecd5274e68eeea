"""The real world behind the silos: people, companies, communities and ties.

Everything is held in numpy arrays indexed by entity (0..N-1); entity ``i`` has
the stable id ``P00000042`` (person) or ``E00000042`` (company).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

Array = npt.NDArray[Any]

__all__ = ["Array", "TIE_TYPES", "TIE_WEIGHT", "Ties", "World", "build_world"]

PERSON, COMPANY = 0, 1
COMPANY_SHARE = 0.12
MEAN_COMMUNITY = 60
SOCIAL_DEGREE = 4.0

# Tie types and their default strength for contagion and influence.
TIE_TYPES = ("FAMILY", "EMPLOYS", "TRANSFERS", "GUARANTEES", "REFERRED")
TIE_WEIGHT = {"FAMILY": 1.0, "EMPLOYS": 0.6, "TRANSFERS": 0.5, "GUARANTEES": 0.8, "REFERRED": 0.5}


@dataclass
class Ties:
    """Directed ties between entities (src -> dst) with a type index into TIE_TYPES."""

    src: Array
    dst: Array
    kind: Array  # int8 index into TIE_TYPES
    amount: Array  # float64: money flow per year for TRANSFERS/EMPLOYS, guarantee amount

    def __len__(self) -> int:
        return int(self.src.size)


@dataclass
class World:
    """Entities and their attributes; see :func:`build_world`."""

    n: int
    kind: Array  # 0 person, 1 company
    community: Array
    town: Array
    household: Array  # household index for persons, -1 for companies
    employer: Array  # entity index of the employer, -1 when none
    age: Array  # persons: years at the cutoff; companies: years since founding
    income: Array  # yearly income (persons) or revenue (companies), CNY
    wealth: Array  # latent AUM scale, CNY
    influencer: Array  # bool
    dissatisfaction: Array  # latent >= 0
    tenure_months: Array  # months as customer at the start of the simulation
    industry: Array  # index into pools.INDUSTRIES for companies, -1 for persons
    ties: Ties = field(repr=False)
    adjacency: sp.csr_matrix = field(repr=False)  # undirected, weighted, row-normalised

    def ids(self) -> Array:
        """Return the stable entity ids (``P...``/``E...``)."""
        prefix = np.where(self.kind == PERSON, "P", "E")
        ids: Array = np.char.add(prefix, np.char.zfill(np.arange(self.n).astype(str), 8))
        return ids


def _communities(rng: np.random.Generator, n: int) -> Array:
    sizes: list[int] = []
    total = 0
    while total < n:
        size = int(max(8, rng.lognormal(np.log(MEAN_COMMUNITY), 0.5)))
        sizes.append(size)
        total += size
    sizes[-1] -= total - n
    if sizes[-1] < 8 and len(sizes) > 1:
        last = sizes.pop()
        sizes[-1] += last
    out: Array = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
    return out


def _pick_within(
    rng: np.random.Generator,
    community: Array,
    start: Array,
    size: Array,
    members: Array,
) -> Array:
    """For each community c in ``community`` draw one member of c uniformly."""
    offset = (rng.random(community.size) * size[community]).astype(np.int64)
    picked: Array = members[start[community] + offset]
    return picked


def build_world(rng: np.random.Generator, n: int, mixing: float) -> World:
    """Draw entities, planted communities and ties.

    Parameters
    ----------
    rng : numpy.random.Generator
        Seeded generator.
    n : int
        Number of entities (persons and companies).
    mixing : float
        Share of ties that leave the entity's community (block-model mixing).

    Returns
    -------
    World
        The world, with the realised tie list and its normalised adjacency.
    """
    community = _communities(rng, n)
    k = int(community.max()) + 1
    order = np.arange(n)  # entities are laid out community by community
    size = np.bincount(community, minlength=k)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])

    kind = (rng.random(n) < COMPANY_SHARE).astype(np.int8)
    # every community has at least one company (an employer)
    kind[start] = COMPANY
    from crm_graph.generate.pools import INDUSTRIES, TOWNS

    home_town = rng.integers(0, len(TOWNS), k)
    town = np.where(rng.random(n) < 0.8, home_town[community], rng.integers(0, len(TOWNS), n))

    age = np.where(
        kind == PERSON,
        np.clip(rng.normal(42, 14, n), 18, 88),
        np.clip(rng.gamma(2.0, 6.0, n), 1, 60),
    ).astype(np.int16)
    income = np.where(
        kind == PERSON,
        rng.lognormal(np.log(90_000), 0.6, n),
        rng.lognormal(np.log(5_000_000), 1.1, n),
    )
    wealth = income * np.where(
        kind == PERSON, rng.lognormal(0.0, 0.9, n), rng.lognormal(-1.5, 0.8, n)
    )
    dissatisfaction = rng.exponential(1.0, n)
    tenure_months = rng.integers(0, 240, n).astype(np.int16)
    industry = np.where(kind == COMPANY, rng.integers(0, len(INDUSTRIES), n), -1).astype(np.int16)

    # Influencers: a few per community with many ties.
    propensity = rng.pareto(2.5, n) + 1.0
    influencer = np.zeros(n, dtype=bool)
    n_infl = np.maximum(1, (size * 0.04).astype(int))
    pick = _pick_within(rng, np.repeat(np.arange(k), n_infl), start, size, order)
    influencer[pick] = True
    propensity[influencer] *= 6.0

    # Households: consecutive persons of a community, 1-4 people.
    persons = np.flatnonzero(kind == PERSON)
    hh_sizes = rng.choice([1, 2, 3, 4], size=persons.size, p=[0.3, 0.3, 0.25, 0.15])
    household = np.full(n, -1, dtype=np.int64)
    hh_id = np.repeat(np.arange(hh_sizes.size), hh_sizes)[: persons.size]
    # break households at community borders
    border = np.r_[True, community[persons][1:] != community[persons][:-1]]
    hh_id = np.cumsum(border | np.r_[True, hh_id[1:] != hh_id[:-1]]) - 1
    household[persons] = hh_id

    # Calibrate: FAMILY ties never cross communities, so the others cross more often
    # and the realised share of crossing ties is close to ``mixing``.
    companies = np.flatnonzero(kind == COMPANY)
    company_comm = community[companies]
    comp_order = np.argsort(company_comm, kind="stable")
    comp_sorted = companies[comp_order]
    comp_size = np.bincount(company_comm, minlength=k)
    comp_start = np.concatenate([[0], np.cumsum(comp_size)[:-1]])

    # Employment: 65% of persons of working age work for a company.
    working = persons[(age[persons] < 62) & (rng.random(persons.size) < 0.65)]

    # FAMILY pairs (each member to the household's first member)
    first = np.r_[True, hh_id[1:] != hh_id[:-1]]
    head = persons[first][hh_id]
    fam_mask = head != persons
    fam_src, fam_dst = head[fam_mask], persons[fam_mask]
    n_family = fam_src.size
    n_social = int(n * SOCIAL_DEGREE / 2)
    crossing_others = (
        mixing * (n_family + working.size + n_social) / max(working.size + n_social, 1)
    )
    mu = float(min(0.95, crossing_others))

    own = community[working]
    outside = rng.random(working.size) < mu
    target_comm = np.where(outside, rng.integers(0, k, working.size), own)
    # communities without a company fall back to any company
    no_comp = comp_size[target_comm] == 0
    emp_pick = comp_sorted[
        comp_start[target_comm]
        + (rng.random(working.size) * np.maximum(comp_size[target_comm], 1)).astype(np.int64)
    ]
    emp_pick[no_comp] = rng.choice(companies, int(no_comp.sum()))
    employer = np.full(n, -1, dtype=np.int64)
    employer[working] = emp_pick
    salary = income[working] * rng.uniform(0.7, 1.0, working.size)

    # Social/business ties: sources by propensity, targets inside (1-mu) or anywhere (mu).
    p = propensity / propensity.sum()
    s_src = rng.choice(n, size=n_social, p=p)
    s_out = rng.random(n_social) < mu
    s_dst = np.where(
        s_out,
        rng.choice(n, size=n_social, p=p),
        _pick_within(rng, community[s_src], start, size, order),
    )
    keep = s_src != s_dst
    s_src, s_dst = s_src[keep], s_dst[keep]
    both_company = (kind[s_src] == COMPANY) & (kind[s_dst] == COMPANY)
    r = rng.random(s_src.size)
    any_company = (kind[s_src] == COMPANY) | (kind[s_dst] == COMPANY)
    s_kind = np.where(
        (both_company & (r < 0.3)) | (any_company & (r < 0.08)),
        TIE_TYPES.index("GUARANTEES"),
        np.where(r < 0.12, TIE_TYPES.index("REFERRED"), TIE_TYPES.index("TRANSFERS")),
    ).astype(np.int8)
    # referrals are between persons
    s_kind[(s_kind == TIE_TYPES.index("REFERRED")) & (kind[s_src] == COMPANY)] = TIE_TYPES.index(
        "TRANSFERS"
    )
    s_amount = np.where(
        s_kind == TIE_TYPES.index("GUARANTEES"),
        np.round(rng.lognormal(np.log(800_000), 0.7, s_src.size), -3),
        np.round(np.minimum(income[s_src], income[s_dst]) * rng.uniform(0.01, 0.2, s_src.size), 2),
    )

    src = np.concatenate([fam_src, emp_pick, s_src])
    dst = np.concatenate([fam_dst, working, s_dst])
    kinds = np.concatenate(
        [
            np.full(fam_src.size, TIE_TYPES.index("FAMILY"), np.int8),
            np.full(working.size, TIE_TYPES.index("EMPLOYS"), np.int8),
            s_kind,
        ]
    )
    amount = np.concatenate([np.zeros(fam_src.size), np.round(salary, 2), s_amount])
    # one tie per unordered pair and type
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    key = (lo.astype(np.int64) * n + hi) * len(TIE_TYPES) + kinds
    _, first_idx = np.unique(key, return_index=True)
    first_idx.sort()
    ties = Ties(src[first_idx], dst[first_idx], kinds[first_idx], amount[first_idx])

    weights = np.array([TIE_WEIGHT[t] for t in TIE_TYPES])[ties.kind]
    a = sp.coo_matrix(
        (np.r_[weights, weights], (np.r_[ties.src, ties.dst], np.r_[ties.dst, ties.src])),
        shape=(n, n),
    ).tocsr()
    a.sum_duplicates()
    deg = np.asarray(a.sum(axis=1)).ravel()
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    adjacency = sp.diags(inv) @ a

    return World(
        n=n,
        kind=kind,
        community=community,
        town=town,
        household=household,
        employer=employer,
        age=age,
        income=income,
        wealth=wealth,
        influencer=influencer,
        dissatisfaction=dissatisfaction,
        tenure_months=tenure_months,
        industry=industry,
        ties=ties,
        adjacency=adjacency.tocsr().astype(np.float32),
    )
