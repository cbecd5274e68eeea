"""Month-by-month simulation of product adoption and churn over the tie graph.

Adoption hazard of entity ``i`` for product ``p`` in a month::

    base[p] * attributes[i, p] * sequence[i, p] * (1 + SOCIAL_BETA * exposure[i, p])

where ``exposure`` is the tie-weighted share of ``i``'s neighbours holding ``p``
and ``sequence`` boosts typical next products (payroll -> credit card -> consumer
loan; large deposit -> wealth -> funds/insurance). Churn hazard::

    CHURN_BASE * exp(0.8 * (dissatisfaction - 1)) * (1 + CONTAGION * churn_exposure)

where ``churn_exposure`` is the tie-weighted share of neighbours who churned in the
last six months, influencers counting three times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crm_graph.generate.pools import COMPETITORS, PRODUCTS
from crm_graph.generate.world import COMPANY, PERSON, Array, World

__all__ = [
    "BALANCE_MONTHS",
    "CHURN_REASONS",
    "HISTORY_MONTHS",
    "HORIZON_MONTHS",
    "PRODUCT_IDS",
    "Simulation",
    "churn_hazard",
    "own_churn_hazard",
    "simulate",
]

HISTORY_MONTHS = 36  # months before the cutoff that the source systems show
HORIZON_MONTHS = 6  # months after the cutoff: ground truth only
BALANCE_MONTHS = 12  # month-end balances the core system shows, before the cutoff
SOCIAL_BETA = 6.0
CHURN_BASE = 0.0012
CONTAGION = 25.0  # strong enough that about a fifth of churn is peer-driven

PRODUCT_IDS = tuple(p[0] for p in PRODUCTS)
_P = {pid: i for i, pid in enumerate(PRODUCT_IDS)}
CHURN_REASONS = ("fees", "service", "better_rates", "relocation", "peer_influence")

# (initial share, monthly hazard) for persons and companies
_BASE: dict[str, tuple[float, float, float, float]] = {
    #               person init, person hazard, company init, company hazard
    "DEP_CURRENT": (1.0, 0.0, 1.0, 0.0),
    "DEP_TERM": (0.30, 0.006, 0.25, 0.005),
    "DEP_LARGE_CD": (0.04, 0.0015, 0.08, 0.002),
    "CARD_CREDIT": (0.25, 0.004, 0.0, 0.0),
    "LOAN_CONSUMER": (0.04, 0.0015, 0.0, 0.0),
    "LOAN_MORTGAGE": (0.08, 0.0012, 0.0, 0.0),
    "LOAN_BUSINESS": (0.0, 0.0, 0.20, 0.004),
    "WEALTH_MGMT": (0.08, 0.002, 0.05, 0.0015),
    "INS_AGENCY": (0.06, 0.0015, 0.0, 0.0),
    "FUND_AGENCY": (0.05, 0.0015, 0.03, 0.001),
    "PAYROLL": (0.0, 0.0, 0.30, 0.004),  # persons get it through their employer
    "FX": (0.02, 0.0005, 0.15, 0.002),
    "E_BANKING": (0.40, 0.006, 0.5, 0.005),
}

# (prerequisite, product, boost): "customers with A take B more often"
SEQUENCES: tuple[tuple[str, str, float], ...] = (
    ("PAYROLL", "CARD_CREDIT", 3.0),
    ("CARD_CREDIT", "LOAN_CONSUMER", 2.5),
    ("DEP_LARGE_CD", "WEALTH_MGMT", 3.0),
    ("WEALTH_MGMT", "FUND_AGENCY", 2.5),
    ("WEALTH_MGMT", "INS_AGENCY", 2.0),
    ("LOAN_MORTGAGE", "INS_AGENCY", 2.0),
    ("DEP_TERM", "DEP_LARGE_CD", 2.0),
    ("LOAN_BUSINESS", "FX", 2.0),
)


@dataclass
class Simulation:
    """Results of :func:`simulate`; months count from the start (0) to the cutoff (36)."""

    adopted: Array  # int16 [N, P]: month of adoption, -32768 when never
    churn_month: Array  # int16 [N]: month of churn, -1 when none
    churn_reason: Array  # int8 [N]: index into CHURN_REASONS, -1 when none
    churn_competitor: Array  # int8 [N]: index into COMPETITORS, -1 when none
    balances: Array  # float64 [N, BALANCE_MONTHS]: month-end balances before the cutoff


NEVER = np.int16(-32768)


def _attributes(world: World) -> tuple[Array, Array, Array]:
    n, p = world.n, len(PRODUCT_IDS)
    person = world.kind == PERSON
    init = np.zeros((n, p))
    hazard = np.zeros((n, p))
    for pid, (pi, ph, ci, ch) in _BASE.items():
        j = _P[pid]
        init[:, j] = np.where(person, pi, ci)
        hazard[:, j] = np.where(person, ph, ch)
    mult = np.ones((n, p))
    wealth_rank = world.wealth / np.median(world.wealth)
    w = np.clip(wealth_rank, 0.1, 6.0)
    for pid in ("DEP_LARGE_CD", "WEALTH_MGMT", "FUND_AGENCY", "DEP_TERM"):
        mult[:, _P[pid]] *= w ** (0.8 if pid != "DEP_TERM" else 0.3)
    age = world.age.astype(float)
    young = person & (age < 40)
    old = person & (age > 65)
    mult[:, _P["CARD_CREDIT"]] *= np.where(person & (age >= 22) & (age <= 50), 1.6, 0.5)
    mult[:, _P["LOAN_MORTGAGE"]] *= np.where(person & (age >= 26) & (age <= 50), 2.0, 0.2)
    mult[:, _P["INS_AGENCY"]] *= np.where(person & (age >= 30) & (age <= 60), 1.5, 0.6)
    mult[:, _P["E_BANKING"]] *= np.where(young, 2.0, np.where(old, 0.3, 1.0))
    mult[:, _P["LOAN_CONSUMER"]] *= np.where(young, 1.5, 0.8)
    return init * mult, hazard * mult, mult


def own_churn_hazard(world: World) -> Array:
    """Monthly churn hazard of every entity before contagion.

    ``CHURN_BASE x exp(0.8 (dissatisfaction - 1))``, 0.6 times that for companies.

    Parameters
    ----------
    world : World
        Entities from :func:`~crm_graph.generate.world.build_world`.

    Returns
    -------
    ndarray
        float64 [N].
    """
    base = CHURN_BASE * np.where(world.kind == COMPANY, 0.6, 1.0)
    out: Array = base * np.exp(0.8 * (world.dissatisfaction - 1.0))
    return out


def churn_hazard(own: Array, churn_exposure: Array, contagion: float = CONTAGION) -> Array:
    """Monthly churn hazard given the exposure to recent churners.

    Parameters
    ----------
    own : ndarray
        From :func:`own_churn_hazard`.
    churn_exposure : ndarray
        Tie-weighted share of neighbours who churned in the last six months,
        influencers counting three times.
    contagion : float, default CONTAGION
        How much a fully exposed entity's hazard is multiplied by (plus one).

    Returns
    -------
    ndarray

    Examples
    --------
    A fully exposed customer (the exposure is capped at 1) is 26 times likelier to leave:

    >>> h = churn_hazard(np.array([0.001, 0.001]), np.array([0.0, 2.0]), contagion=25.0)
    >>> np.round(h, 6).tolist()
    [0.001, 0.026]
    """
    out: Array = own * (1.0 + contagion * np.minimum(churn_exposure, 1.0))
    return out


def simulate(rng: np.random.Generator, world: World, contagion: float = CONTAGION) -> Simulation:
    """Run the monthly adoption and churn process.

    Parameters
    ----------
    rng : numpy.random.Generator
        Seeded generator.
    world : World
        Entities and ties from :func:`~crm_graph.generate.world.build_world`.
    contagion : float, default CONTAGION
        Strength of churn contagion (:func:`churn_hazard`); other values are for
        studies of the model (``bench/churn_bound.py``), the generated banks use
        the default.

    Returns
    -------
    Simulation
        Adoption months, churn months, reasons, destinations and recent balances.
    """
    n, p = world.n, len(PRODUCT_IDS)
    months = HISTORY_MONTHS + HORIZON_MONTHS
    init_p, hazard, _ = _attributes(world)
    adjacency = world.adjacency

    adopted = np.full((n, p), NEVER, dtype=np.int16)
    held0 = rng.random((n, p)) < np.clip(init_p, 0, 1)
    opened_before = -(1 + (rng.random((n, p)) * np.maximum(world.tenure_months, 1)[:, None]))
    adopted[held0] = opened_before[held0].astype(np.int16)
    # employees of a payroll company receive payroll
    payroll = _P["PAYROLL"]
    employed = world.employer >= 0

    def sync_payroll(month: int) -> None:
        emp_has = np.zeros(n, dtype=bool)
        emp_has[employed] = adopted[world.employer[employed], payroll] != NEVER
        new = emp_has & (adopted[:, payroll] == NEVER) & alive
        adopted[new, payroll] = np.int16(month if month >= 0 else -1)

    churn_month = np.full(n, -1, dtype=np.int16)
    churn_reason = np.full(n, -1, dtype=np.int8)
    churn_competitor = np.full(n, -1, dtype=np.int8)
    alive = np.ones(n, dtype=bool)
    sync_payroll(-1)

    influence_weight = np.where(world.influencer, 3.0, 1.0).astype(np.float32)
    own_hazard = own_churn_hazard(world)
    competitor_weights = np.array([0.25, 0.2, 0.2, 0.12, 0.15, 0.08])
    # neighbour lists for "follow the neighbour's competitor"
    indptr, indices = adjacency.indptr, adjacency.indices

    for month in range(months):
        held = adopted != NEVER
        exposure = adjacency @ held.astype(np.float32)
        seq = np.ones((n, p))
        for pre, prod, boost in SEQUENCES:
            has = held[:, _P[pre]]
            recent = has & (adopted[:, _P[pre]] >= month - 12)
            seq[:, _P[prod]] *= np.where(recent, boost * 1.5, np.where(has, boost, 1.0))
        h = hazard * seq * (1.0 + SOCIAL_BETA * exposure)
        draw = (rng.random((n, p)) < h) & ~held & alive[:, None]
        adopted[draw] = np.int16(month)
        sync_payroll(month)

        # churn
        recent_churn = (churn_month >= 0) & (churn_month >= month - 6)
        churn_exposure = adjacency @ (recent_churn * influence_weight)
        hc = churn_hazard(own_hazard, churn_exposure, contagion)
        leaving = alive & (rng.random(n) < hc)
        idx = np.flatnonzero(leaving)
        if idx.size:
            alive[idx] = False
            churn_month[idx] = month
            contagious = churn_exposure[idx] > 0.05
            reasons = rng.choice(4, size=idx.size, p=[0.35, 0.3, 0.25, 0.1])
            churn_reason[idx] = np.where(contagious, 4, reasons)
            comp = rng.choice(len(COMPETITORS), size=idx.size, p=competitor_weights)
            # contagious churners follow a churned neighbour to its bank when they can
            for k, i in enumerate(idx):
                if not contagious[k]:
                    continue
                neigh = indices[indptr[i] : indptr[i + 1]]
                gone = neigh[churn_competitor[neigh] >= 0]
                if gone.size:
                    comp[k] = churn_competitor[gone[rng.integers(0, gone.size)]]
            churn_competitor[idx] = comp

    balances = _balances(rng, world, churn_month)
    return Simulation(adopted, churn_month, churn_reason, churn_competitor, balances)


def _balances(rng: np.random.Generator, world: World, churn_month: Array) -> Array:
    """Month-end balances of the last months before the cutoff (early churn signals)."""
    n = world.n
    level = world.wealth * 0.35 * rng.lognormal(0, 0.3, n)
    trend = -0.02 * (world.dissatisfaction - 1.0) + rng.normal(0, 0.015, n)
    months = np.arange(HISTORY_MONTHS - BALANCE_MONTHS, HISTORY_MONTHS)
    factor = (1.0 + trend[:, None]) ** (months - months[0])[None, :]
    # money moves out in the three months before a customer leaves
    lead = churn_month[:, None] - months[None, :]
    draining = (churn_month[:, None] >= 0) & (lead >= 0) & (lead <= 3)
    factor = np.where(draining, factor * (0.45 + 0.12 * lead), factor)
    gone = (churn_month[:, None] >= 0) & (months[None, :] > churn_month[:, None])
    out: Array = np.round(np.where(gone, 0.0, level[:, None] * factor), 2)
    return out
