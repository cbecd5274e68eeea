"""Export the simulated world as each source system sees it, with identity noise.

Each system keeps its own record ids and its own view of a customer: phone formats
differ per system, and a share ``noise`` of the customer records of each system
carries a realistic defect (a mistyped name character, a full-width space, a
missing or mis-typed id number, a stale address, an old phone). A small share of
rows is invalid (impossible dates, birth dates in the future, broken check digits)
and some people have two records inside one system. ``truth/identities.csv`` maps
every customer record to the real entity.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from crm_graph.generate import pools
from crm_graph.generate.simulate import (
    BALANCE_MONTHS,
    CHURN_REASONS,
    HISTORY_MONTHS,
    NEVER,
    PRODUCT_IDS,
    Simulation,
)
from crm_graph.generate.world import COMPANY, PERSON, TIE_TYPES, Array, World
from crm_graph.identifiers import resident_id_check, uscc_check

__all__ = ["Exporter", "START", "month_to_date"]

START = np.datetime64("2023-01-01")
INVALID_SHARE = 0.004
DUPLICATE_SHARE = {"core_banking": 0.005, "cards": 0.01, "agency": 0.01}

PHONE_FORMATS: dict[str, Callable[[str], str]] = {
    "core_banking": lambda p: p,
    "cards": lambda p: f"+86 {p[:3]} {p[3:7]} {p[7:]}" if len(p) == 11 else p,
    "call_center": lambda p: f"{p[:3]}-{p[3:7]}-{p[7:]}" if len(p) == 11 else p,
    "online_banking": lambda p: p,
    "agency": lambda p: f"0086-{p}" if len(p) == 11 else p,
    "crm": lambda p: f"{p[:3]} {p[3:7]} {p[7:]}" if len(p) == 11 else p,
}


def month_to_date(month: Array, day: Array) -> Array:
    """Turn month indexes (0 = 2023-01) and days (1..28) into ISO date strings.

    Examples
    --------
    >>> month_to_date(np.array([0, 35]), np.array([1, 28])).tolist()
    ['2023-01-01', '2025-12-28']
    """
    months = np.datetime64("2023-01") + month.astype("timedelta64[M]")
    days = months.astype("datetime64[D]") + (day.astype(np.int64) - 1).astype("timedelta64[D]")
    out: Array = np.datetime_as_string(days, unit="D")
    return out


@dataclass
class FileStats:
    """Rows written, invalid rows planted and noisy identity records per file."""

    rows: int = 0
    invalid: int = 0
    noisy: int = 0


@dataclass
class Exporter:
    """Writes the silos of one generated bank under ``out``."""

    out: Path
    world: World
    sim: Simulation
    noise: float
    rng: np.random.Generator
    profile_rng: np.random.Generator  # risk grades and consent (a stream of their own)
    hard_names: bool = False  # see generate_bank
    stats: dict[str, FileStats] = field(default_factory=dict)
    identities: list[tuple[Array, Array, Array]] = field(default_factory=list)
    #: --hard-names: other spellings of Latin-script names, by entity
    latin_variants: dict[int, list[str]] = field(default_factory=dict)
    #: --hard-names: (first member, twin) entity pairs
    twins: list[tuple[int, int]] = field(default_factory=list)

    # ------------------------------------------------------------------ helpers
    def write(
        self, rel: str, columns: dict[str, Sequence[Any] | Array], invalid: int = 0, noisy: int = 0
    ) -> None:
        """Write one CSV file (UTF-8, comma, header, quotes where needed)."""
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {
            k: pa.array(np.asarray(v).tolist() if isinstance(v, np.ndarray) else list(v))
            for k, v in columns.items()
        }
        table = pa.table(arrays)
        pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))
        self.stats[rel] = FileStats(rows=table.num_rows, invalid=invalid, noisy=noisy)

    def record_ids(self, prefix: str, count: int, width: int = 9) -> Array:
        """Distinct, shuffled record ids such as ``CB004711923``."""
        space = 10**width
        raw = self.rng.choice(space, size=count, replace=False) if count < space // 4 else None
        if raw is None:  # pragma: no cover - only for absurd scales
            raw = self.rng.permutation(space)[:count]
        out: Array = np.char.add(prefix, np.char.zfill(raw.astype(str), width))
        return out

    def base_identity_names(self, count: int) -> Array:
        """Person names for ``count`` bank employees."""
        surnames = np.array(pools.SURNAMES)
        chars = np.array(pools.GIVEN_CHARS)
        out: Array = np.char.add(
            np.char.add(
                surnames[self.rng.integers(0, surnames.size, count)],
                chars[self.rng.integers(0, chars.size, count)],
            ),
            chars[self.rng.integers(0, chars.size, count)],
        )
        return out

    # ------------------------------------------------------------- identities
    def base_identity(self) -> dict[str, Array]:
        """Canonical names, ids, phones, addresses of every entity."""
        w, rng, n = self.world, self.rng, self.world.n
        person = w.kind == PERSON
        surnames = np.array(pools.SURNAMES)
        sw = np.array(pools.SURNAME_WEIGHTS)
        surname = surnames[rng.choice(surnames.size, n, p=sw / sw.sum())]
        chars = np.array(pools.GIVEN_CHARS)
        g1 = chars[rng.integers(0, chars.size, n)]
        g2 = np.where(rng.random(n) < 0.7, chars[rng.integers(0, chars.size, n)], "")
        person_name = np.char.add(np.char.add(surname, g1), g2)
        words = np.array(pools.COMPANY_WORDS)
        industries = np.array([i[0] for i in pools.INDUSTRIES])
        suffixes = np.array(pools.COMPANY_SUFFIXES)
        # trade names: a known word, or two characters of the trade-name pool
        trade_chars = np.array(list(pools.TRADE_CHARS))
        coined = np.char.add(
            trade_chars[rng.integers(0, trade_chars.size, n)],
            trade_chars[rng.integers(0, trade_chars.size, n)],
        )
        trade = np.where(rng.random(n) < 0.3, words[rng.integers(0, words.size, n)], coined)
        company_name = np.char.add(
            np.char.add(np.char.add(pools.CITY, trade), industries[np.maximum(w.industry, 0)]),
            suffixes[rng.integers(0, suffixes.size, n)],
        )
        company_name = _unique_company_names(company_name, w.kind == COMPANY, w.town)
        name = np.where(person, person_name, company_name)

        # birth dates at the cutoff (2025-12-31) minus age; founding dates for companies
        days = (w.age.astype(np.int64) * 365 + rng.integers(0, 365, n)).astype("timedelta64[D]")
        born = np.datetime64("2025-12-31") - days
        born_s = np.datetime_as_string(born, unit="D")
        gender = np.where(person, np.where(rng.random(n) < 0.5, "M", "F"), "")
        seq = _distinct_sequence(
            born_s, rng.integers(0, 500, n) * 2 + np.where(gender == "M", 1, 0), person
        )
        rid17 = np.char.add(
            np.char.add(pools.AREA_CODE, np.char.replace(born_s, "-", "")),
            np.char.zfill(seq.astype(str), 3),
        )
        org = np.char.zfill(_distinct_codes(rng.integers(0, 10**8, n), ~person).astype(str), 8)
        ids = np.empty(n, dtype=object)
        for i in range(n):
            if person[i]:
                ids[i] = rid17[i] + resident_id_check(rid17[i])
            else:
                o = org[i]
                oc = (
                    11
                    - sum(int(d) * wt for d, wt in zip(o, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
                    % 11
                )
                o9 = o + ("X" if oc == 10 else "0" if oc == 11 else str(oc))
                u17 = "91" + pools.AREA_CODE + o9
                ids[i] = u17 + uscc_check(u17)
        mobile_prefix = np.array(["13", "15", "17", "18", "19"])
        mobile = np.char.add(
            mobile_prefix[rng.integers(0, 5, n)],
            np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9),
        )
        landline = np.char.add("07608", np.char.zfill(rng.integers(0, 10**7, n).astype(str), 7))
        phone = np.where(person, mobile, landline)
        # some household members give the household's shared number (the head's)
        hh = w.household
        in_hh = np.flatnonzero(hh >= 0)
        head_of = np.full(int(hh.max()) + 1 if in_hh.size else 1, -1, dtype=np.int64)
        head_of[hh[in_hh][::-1]] = in_hh[::-1]
        share = in_hh[rng.random(in_hh.size) < 0.3]
        phone[share] = phone[head_of[hh[share]]]
        towns = np.array(pools.TOWNS)
        roads = np.array(pools.ROADS)
        # a household shares an address
        addr_key = np.where(w.household >= 0, w.household, n + np.arange(n))
        road_of = rng.integers(0, roads.size, addr_key.max() + 1)
        number_of = rng.integers(1, 400, addr_key.max() + 1)
        address = np.char.add(
            np.char.add(np.char.add(pools.CITY, towns[w.town]), roads[road_of[addr_key]]),
            np.char.add(number_of[addr_key].astype(str), "号"),
        )
        stale = np.char.add(
            np.char.add(pools.CITY, towns[rng.integers(0, towns.size, n)]),
            np.char.add(roads[rng.integers(0, roads.size, n)], "1号"),
        )
        letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
        handle = np.char.add(
            np.char.add(letters[rng.integers(0, 26, n)], letters[rng.integers(0, 26, n)]),
            rng.integers(1000, 999999, n).astype(str),
        )
        domains = np.array(["@qq.com", "@163.com", "@126.com", "@gmail.com", "@sina.com"])
        email = np.char.add(handle, domains[rng.integers(0, domains.size, n)])
        old_phone = np.char.add(
            mobile_prefix[rng.integers(0, 5, n)],
            np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9),
        )
        out = {
            "name": name,
            "id_number": ids.astype(str),
            "birth_date": born_s,
            "gender": gender,
            "phone": phone,
            "address": address,
            "stale_address": stale,
            "email": email,
            "old_phone": old_phone,
        }
        if self.hard_names:
            self._harden(out, person)
        return out

    def _harden(self, base: dict[str, Array], person: Array) -> None:
        """Make identities harder to resolve (``generate_bank(hard_names=True)``).

        - Surnames and given-name characters by a steep Zipf law: a few surnames and
          popular characters cover much of the city, so namesakes are common.
        - 5% of persons have a Latin-script name, some with a legal-form word as the
          surname (SA, CO, SAS) or inside it (SINCLAIR); another system may spell
          the surname in another transliteration (CHAN / CHEN).
        - 70% of household members give the household's phone and address.
        - Twins: 2% of household members are the twin of the household's first
          member: same birth date, phone and surname, a given name one character apart.
        """
        w, rng, n = self.world, self.rng, self.world.n
        surnames = np.array(pools.SURNAMES)
        order = np.argsort(-np.array(pools.SURNAME_WEIGHTS), kind="stable")
        zipf_s = 1.0 / np.arange(1, surnames.size + 1) ** 1.1
        chars = np.array(pools.GIVEN_CHARS)
        zipf_c = 1.0 / np.arange(1, chars.size + 1) ** 1.0
        surname = surnames[order][rng.choice(surnames.size, n, p=zipf_s / zipf_s.sum())]
        g1 = chars[rng.choice(chars.size, n, p=zipf_c / zipf_c.sum())]
        g2 = chars[rng.choice(chars.size, n, p=zipf_c / zipf_c.sum())]
        given = np.where(rng.random(n) < 0.55, np.char.add(g1, g2), g1)
        name = base["name"].astype(object)
        base["name"] = name
        name[person] = np.char.add(surname, given)[person]
        latin_given = np.array(pools.LATIN_GIVEN)
        groups = pools.LATIN_SURNAMES
        latin = np.flatnonzero(person & (rng.random(n) < 0.05))
        group = rng.integers(0, len(groups), latin.size)
        first = latin_given[rng.integers(0, latin_given.size, latin.size)]
        for i, g, f in zip(latin.tolist(), group.tolist(), first.tolist(), strict=True):
            name[i] = f"{f} {groups[g][0]}"
        self.latin_variants = {
            int(i): [f"{f} {v}" for v in groups[g][1:]]
            for i, g, f in zip(latin.tolist(), group.tolist(), first.tolist(), strict=True)
            if len(groups[g]) > 1
        }
        hh = w.household
        in_hh = np.flatnonzero(hh >= 0)
        if not in_hh.size:
            return
        head_of = np.full(int(hh.max()) + 1, -1, dtype=np.int64)
        head_of[hh[in_hh][::-1]] = in_hh[::-1]
        heads = head_of[hh[in_hh]]
        share = in_hh[(rng.random(in_hh.size) < 0.7) & (heads != in_hh)]
        base["phone"][share] = base["phone"][head_of[hh[share]]]
        base["address"][share] = base["address"][head_of[hh[share]]]
        twins = in_hh[(rng.random(in_hh.size) < 0.02) & (heads != in_hh)]
        taken = set(base["id_number"].tolist())
        for t in twins.tolist():
            h = int(head_of[hh[t]])
            head_name = str(name[h])
            if h in self.latin_variants or " " in head_name or len(head_name) < 2:
                continue
            other = chars[int(rng.integers(0, chars.size))]
            if other == head_name[-1]:
                continue
            born = str(base["birth_date"][h])
            # the twin's resident id carries the shared birth date, with a sequence of
            # its own whose parity is the twin's gender
            start = int(rng.integers(0, 500)) * 2 + (1 if base["gender"][t] == "M" else 0)
            for k in range(500):
                rid17 = f"{pools.AREA_CODE}{born.replace('-', '')}{(start + 2 * k) % 1000:03d}"
                rid = rid17 + resident_id_check(rid17)
                if rid not in taken:
                    break
            else:  # pragma: no cover - 500 people of one gender born that day
                continue
            taken.add(rid)
            name[t] = head_name[:-1] + other
            base["id_number"][t] = rid
            base["birth_date"][t] = born
            base["phone"][t] = base["phone"][h]
            self.twins.append((h, t))

    def customer_records(
        self,
        system: str,
        entities: Array,
        fields: Sequence[str],
        base: dict[str, Array],
        prefix: str,
    ) -> tuple[dict[str, Array], Array, int, int]:
        """Build one system's customer records for ``entities``.

        Returns
        -------
        (columns, entity_of_record, noisy, invalid)
            Column arrays keyed by field (plus ``record_id``), the entity index of
            each record, and how many records carry noise or are invalid.
        """
        rng = self.rng
        dup_share = DUPLICATE_SHARE.get(system, 0.0)
        dups = entities[rng.random(entities.size) < dup_share]
        ents = np.concatenate([entities, dups])
        m = ents.size
        rec_ids = self.record_ids(prefix, m)
        cols: dict[str, Array] = {"record_id": rec_ids}
        fmt = PHONE_FORMATS[system]
        for f in fields:
            if f == "phone":
                cols[f] = np.array([fmt(p) for p in base["phone"][ents]], dtype=object)
            else:
                cols[f] = base[f][ents].astype(object)
        if self.latin_variants and "name" in fields and system != "core_banking":
            # another system may keep another transliteration of a Latin-script name
            for i, e in enumerate(ents.tolist()):
                variants = self.latin_variants.get(int(e))
                if variants and rng.random() < 0.4:
                    cols["name"][i] = variants[int(rng.integers(0, len(variants)))]
        noisy = rng.random(m) < self.noise
        noisy[entities.size :] = True  # a second record of the same person always differs
        defects = [d for d in ("name", "id_number", "address", "phone", "email") if d in fields]
        choice = rng.integers(0, len(defects), m)
        for i in np.flatnonzero(noisy):
            d = defects[choice[i]]
            e = ents[i]
            if d == "name":
                cols["name"][i] = _typo(str(cols["name"][i]), rng)
            elif d == "id_number":
                v = str(cols["id_number"][i])
                cols["id_number"][i] = "" if rng.random() < 0.6 else _transpose(v, rng)
            elif d == "address":
                cols["address"][i] = base["stale_address"][e]
            elif d == "phone":
                cols["phone"][i] = fmt(str(base["old_phone"][e])) if rng.random() < 0.7 else ""
            elif d == "email":
                cols["email"][i] = ""
        date_field = next((f for f in ("birth_date", "opened_on") if f in fields), None)
        invalid = rng.random(m) < INVALID_SHARE
        if date_field is None and "id_number" not in fields:
            invalid[:] = False  # nothing in this view can be made invalid
        for i in np.flatnonzero(invalid):
            if date_field and rng.random() < 0.6:
                cols[date_field][i] = ("2024-13-45", "2091-05-01", "31/02/2024", "not a date")[
                    rng.integers(0, 4)
                ]
            elif "id_number" in fields:
                v = str(cols["id_number"][i]) or str(base["id_number"][ents[i]])
                cols["id_number"][i] = v[:17] + ("0" if v[17:] != "0" else "1")
        self.identities.append((np.full(m, system, dtype=object), rec_ids, ents))
        return cols, ents, int(noisy.sum()), int(invalid.sum())


def _distinct_sequence(born: Array, seq: Array, person: Array) -> Array:
    """Make resident-id sequence numbers unique per birth date, keeping their parity.

    A resident id is area + birth date + a 3-digit sequence whose parity is the
    gender; two people born the same day in the same district never share one. A drawn
    number already taken moves on by two (no extra random draws, so the rest of the
    generated bank does not change).

    Examples
    --------
    >>> _distinct_sequence(np.array(["d", "d", "d", "e"]), np.array([4, 4, 5, 4]),
    ...                    np.array([True, True, True, True])).tolist()
    [4, 6, 5, 4]
    """
    out = seq.copy()
    used: dict[str, set[int]] = {}
    for i in np.flatnonzero(person):
        taken = used.setdefault(str(born[i]), set())
        value = int(out[i])
        for _ in range(500):
            if value not in taken:
                break
            value = (value + 2) % 1000
        else:  # pragma: no cover - over 500 people of one gender born on one day
            raise ValueError(f"more than 500 people of one gender born on {born[i]}")
        taken.add(value)
        out[i] = value
    return out


def _distinct_codes(codes: Array, company: Array) -> Array:
    """Make companies' 8-digit organisation codes unique (a taken code moves on by one).

    Examples
    --------
    >>> _distinct_codes(np.array([7, 7, 7]), np.array([True, True, False])).tolist()
    [7, 8, 7]
    """
    out = codes.copy()
    taken: set[int] = set()
    for i in np.flatnonzero(company):
        value = int(out[i])
        while value in taken:
            value = (value + 1) % 10**8
        taken.add(value)
        out[i] = value
    return out


def _unique_company_names(names: Array, is_company: Array, town: Array) -> Array:
    """Make registered company names unique, as a city's business registry does.

    A repeated name gets its town inserted after the city, then a branch number.
    """
    out = names.astype(object)
    seen: set[str] = set()
    towns = pools.TOWNS
    for i in np.flatnonzero(is_company):
        name = str(out[i])
        if name in seen:
            name = name.replace(pools.CITY, pools.CITY + towns[int(town[i])], 1)
            k = 2
            base = name
            while name in seen:
                name = base.replace("有限公司", f"第{k}有限公司").replace("厂", f"第{k}厂")
                if name == base:
                    name = f"{base}{k}"
                k += 1
        seen.add(name)
        out[i] = name
    return out


def _typo(name: str, rng: np.random.Generator) -> str:
    """Return a realistic variant of a name: a similar character or a stray full-width space."""
    swappable = [k for k, ch in enumerate(name) if ch in pools.SIMILAR_CHARS]
    if swappable and rng.random() < 0.7:
        k = swappable[int(rng.integers(0, len(swappable)))]
        return name[:k] + pools.SIMILAR_CHARS[name[k]] + name[k + 1 :]
    if len(name) >= 2:
        return name[:1] + "\u3000" + name[1:]
    return name + " "


def _transpose(value: str, rng: np.random.Generator) -> str:
    """Swap two neighbouring digits (a typing error that the check digit catches)."""
    digits = [k for k in range(len(value) - 2) if value[k] != value[k + 1]]
    if not digits:
        return value[:-1] + ("1" if value[-1] != "1" else "2")
    k = digits[int(rng.integers(0, len(digits)))]
    return value[:k] + value[k + 1] + value[k] + value[k + 2 :]


#: Share of customers in each internal credit risk grade, 1 (lowest risk) to 5.
RISK_GRADE_SHARES = (0.20, 0.35, 0.30, 0.10, 0.05)


def _profiles(rng: np.random.Generator, w: World, ents: Array) -> dict[str, Array]:
    """Return the risk grade and the marketing consent of each core banking record.

    The grade ranks a latent credit score (income within the customer's kind, less
    dissatisfaction, plus noise) into :data:`RISK_GRADE_SHARES`; about 7% of customers
    refuse marketing, the dissatisfied more often.
    """
    n = w.n
    income_rank = np.empty(n)
    for group in (w.kind == PERSON, w.kind != PERSON):
        members = np.flatnonzero(group)
        income_rank[members] = np.argsort(np.argsort(w.income[members])) / max(members.size, 1)
    score = income_rank - 0.15 * w.dissatisfaction + rng.normal(0.0, 0.25, n)
    cuts = np.quantile(score, np.cumsum(RISK_GRADE_SHARES[::-1])[:-1])
    grade = 5 - np.searchsorted(cuts, score, side="right")
    refuse = rng.random(n) < 0.04 + 0.03 * np.minimum(w.dissatisfaction, 3.0)
    return {
        "risk_grade": grade[ents].astype(str),
        "marketing_consent": np.where(refuse[ents], "N", "Y"),
    }


def _main_record_of(n: int, ents: Array, record_ids: Array) -> Array:
    """Map each entity to its main record id in a system (its first record; None if absent)."""
    out: Array = np.empty(n, dtype=object)
    out[ents[::-1]] = record_ids[::-1]  # the first record of an entity is written last, so it wins
    return out


def _dates(rng: np.random.Generator, month: Array) -> Array:
    return month_to_date(month, rng.integers(1, 29, month.size))


def write_silos(ex: Exporter) -> dict[str, Any]:
    """Write every source system, the catalogues and ``truth/``; return facts for the manifest."""
    w, sim, rng, n = ex.world, ex.sim, ex.rng, ex.world.n
    person = w.kind == PERSON
    ids = w.ids()
    base = ex.base_identity()
    cutoff = HISTORY_MONTHS
    churned_before = (sim.churn_month >= 0) & (sim.churn_month < cutoff)
    held = (sim.adopted != NEVER) & (sim.adopted < cutoff)
    P = {pid: j for j, pid in enumerate(PRODUCT_IDS)}

    # ---------------------------------------------------------------- catalogues
    ex.write(
        "core_banking/products.csv",
        {
            "product_id": [p[0] for p in pools.PRODUCTS],
            "name": [p[1] for p in pools.PRODUCTS],
            "category": [p[2] for p in pools.PRODUCTS],
            "eligible": [p[3] for p in pools.PRODUCTS],
            **{
                bound: [pools.CATEGORY_BOUNDS.get(p[2], (None,) * 3)[i] for p in pools.PRODUCTS]
                for i, bound in enumerate(("min_age", "max_age", "max_risk_grade"))
            },
        },
    )
    towns = list(pools.TOWNS)
    branch_ids = [f"ZS{k + 1:03d}" for k in range(len(towns))]
    ex.write(
        "core_banking/branches.csv",
        {
            "branch_id": ["ZS000", *branch_ids],
            "name": ["中山分行 Zhongshan city branch", *[f"{t}支行" for t in towns]],
            "city": ["中山市"] * (len(towns) + 1),
            "parent_branch_id": ["", *["ZS000"] * len(towns)],
        },
    )
    ex.write(
        "core_banking/competitors.csv",
        {
            "competitor_id": [c[0] for c in pools.COMPETITORS],
            "name": [c[1] for c in pools.COMPETITORS],
        },
    )
    # relationship managers: one per ~300 customers of a town, at least two per branch
    per_town = np.bincount(w.town, minlength=len(towns))
    rm_count = np.maximum(2, per_town // 300)
    rm_town = np.repeat(np.arange(len(towns)), rm_count)
    rm_ids = np.array([f"EMP{k + 1:05d}" for k in range(rm_town.size)])
    rm_start = np.concatenate([[0], np.cumsum(rm_count)[:-1]])
    rm_of = rm_ids[rm_start[w.town] + (rng.random(n) * rm_count[w.town]).astype(int)]
    agents = np.array([f"EMP9{k:04d}" for k in range(max(5, n // 2000))])
    officers = np.array([f"EMP8{k:04d}" for k in range(max(3, n // 5000))])
    staff_names = ex.base_identity_names(rm_ids.size + agents.size + officers.size)
    ex.write(
        "core_banking/employees.csv",
        {
            "employee_id": [*rm_ids, *agents, *officers],
            "name": staff_names,
            "role": ["relationship_manager"] * rm_ids.size
            + ["call_agent"] * agents.size
            + ["credit_officer"] * officers.size,
            "team": [f"{towns[t]}团队" for t in rm_town]
            + ["客服中心"] * agents.size
            + ["授信审批部"] * officers.size,
            "branch_id": [branch_ids[t] for t in rm_town]
            + ["ZS000"] * (agents.size + officers.size),
        },
    )

    # ---------------------------------------------------------------- core banking
    every = np.arange(n)
    cols, ents, noisy, invalid = ex.customer_records(
        "core_banking",
        every,
        ["name", "id_number", "birth_date", "gender", "phone", "address"],
        base,
        "CB",
    )
    cb_of = _main_record_of(n, ents, cols["record_id"])
    opened_month = -np.maximum(w.tenure_months[ents].astype(np.int64), 1)
    status = np.where(churned_before[ents], "churned", "active")
    dormant = (status == "active") & (held[ents].sum(axis=1) <= 1) & (rng.random(ents.size) < 0.3)
    status[dormant] = "dormant"
    closed = np.where(churned_before[ents], _dates(rng, np.maximum(sim.churn_month[ents], 0)), "")
    ex.write(
        "core_banking/customers.csv",
        {
            "cb_id": cols["record_id"],
            "customer_type": np.where(w.kind[ents] == PERSON, "person", "company"),
            "name": cols["name"],
            "id_type": np.where(w.kind[ents] == PERSON, "resident_id", "uscc"),
            "id_number": cols["id_number"],
            "birth_date": cols["birth_date"],
            "gender": cols["gender"],
            "phone": cols["phone"],
            "address": cols["address"],
            "branch_id": np.array(branch_ids)[w.town[ents]],
            "rm_id": rm_of[ents],
            "opened_on": _dates(rng, opened_month),
            "status": status,
            "closed_on": closed,
            **_profiles(ex.profile_rng, w, ents),
        },
        invalid=invalid,
        noisy=noisy,
    )

    # accounts of core products (cards, agency and e-banking live in their own systems)
    core_products = [
        p for p in PRODUCT_IDS if p not in ("CARD_CREDIT", "INS_AGENCY", "FUND_AGENCY", "E_BANKING")
    ]
    acc_e, acc_p = [], []
    for pid in core_products:
        e = np.flatnonzero(held[:, P[pid]])
        acc_e.append(e)
        acc_p.append(np.full(e.size, pid, dtype=object))
    acc_ent = np.concatenate(acc_e)
    acc_prod = np.concatenate(acc_p)
    acc_month = sim.adopted[acc_ent, [P[p] for p in acc_prod]].astype(np.int64)
    acc_closed = churned_before[acc_ent]
    balance = np.round(w.wealth[acc_ent] * rng.uniform(0.02, 0.3, acc_ent.size), 2)
    is_loan = np.isin(acc_prod, ["LOAN_CONSUMER", "LOAN_MORTGAGE", "LOAN_BUSINESS"])
    balance = np.where(
        is_loan, -np.round(w.income[acc_ent] * rng.uniform(0.2, 3.0, acc_ent.size), 2), balance
    )
    balance = np.where(acc_closed, 0.0, balance)
    ex.write(
        "core_banking/accounts.csv",
        {
            "account_id": ex.record_ids("AC", acc_ent.size, 10),
            "cb_id": cb_of[acc_ent],
            "product_id": acc_prod,
            "opened_on": _dates(rng, acc_month),
            "closed_on": np.where(
                acc_closed, _dates(rng, np.maximum(sim.churn_month[acc_ent], 0)), ""
            ),
            "status": np.where(acc_closed, "closed", "open"),
            "balance": balance,
            "currency": np.where(acc_prod == "FX", "USD", "CNY"),
        },
    )

    months = [
        str(np.datetime64("2023-01") + np.timedelta64(m, "M"))
        for m in range(cutoff - BALANCE_MONTHS, cutoff)
    ]
    ex.write(
        "core_banking/balances.csv",
        {
            "cb_id": np.repeat(cb_of, BALANCE_MONTHS),
            "month": np.tile(months, n),
            "balance": sim.balances.ravel(),
        },
    )

    t = w.ties
    fam = t.kind == TIE_TYPES.index("FAMILY")
    relation = np.array(["spouse", "parent", "child", "sibling"])[
        rng.integers(0, 4, int(fam.sum()))
    ]
    ex.write(
        "core_banking/relations.csv",
        {
            "cb_id": cb_of[t.src[fam]],
            "related_cb_id": cb_of[t.dst[fam]],
            "relation": relation,
        },
    )
    money = (t.kind == TIE_TYPES.index("TRANSFERS")) | (t.kind == TIE_TYPES.index("EMPLOYS"))
    src, dst, amt = t.src[money], t.dst[money], t.amount[money]
    salary = t.kind[money] == TIE_TYPES.index("EMPLOYS")
    count = np.where(salary, 36, rng.integers(1, 40, src.size))
    first = rng.integers(0, 12, src.size)
    ex.write(
        "core_banking/transfers.csv",
        {
            "from_cb_id": cb_of[src],
            "to_cb_id": cb_of[dst],
            "count": count,
            "amount": np.round(amt * 3, 2),
            "first_on": _dates(rng, first),
            "last_on": _dates(rng, np.full(src.size, cutoff - 1)),
            "purpose": np.where(
                salary,
                "salary",
                np.where((w.kind[src] == COMPANY) & (w.kind[dst] == COMPANY), "trade", "personal"),
            ),
        },
    )
    ch = np.flatnonzero(churned_before)
    ex.write(
        "core_banking/closures.csv",
        {
            "cb_id": cb_of[ch],
            "closed_on": _dates(rng, sim.churn_month[ch].astype(np.int64)),
            "reason": np.array(CHURN_REASONS)[sim.churn_reason[ch]],
            "destination_bank": np.array([c[0] for c in pools.COMPETITORS])[
                sim.churn_competitor[ch]
            ],
            "amount_moved": np.round(w.wealth[ch] * 0.3, 2),
        },
    )

    # ---------------------------------------------------------------- cards
    holders = np.flatnonzero(held[:, P["CARD_CREDIT"]])
    cols, ents, noisy, invalid = ex.customer_records(
        "cards", holders, ["name", "id_number", "birth_date", "phone", "address"], base, "CH"
    )
    ex.write(
        "cards/cardholders.csv",
        {
            "holder_no": cols["record_id"],
            "name": cols["name"],
            "id_number": cols["id_number"],
            "birth_date": cols["birth_date"],
            "mobile": cols["phone"],
            "address": cols["address"],
        },
        invalid=invalid,
        noisy=noisy,
    )
    holder_of = _main_record_of(n, ents, cols["record_id"])
    ex.write(
        "cards/cards.csv",
        {
            "card_id": ex.record_ids("62", holders.size, 14),
            "holder_no": holder_of[holders],
            "product_id": np.full(holders.size, "CARD_CREDIT"),
            "opened_on": _dates(rng, sim.adopted[holders, P["CARD_CREDIT"]].astype(np.int64)),
            "status": np.where(churned_before[holders], "cancelled", "active"),
            "credit_limit": np.round(np.clip(w.income[holders] * 0.3, 5000, 500000), -3),
        },
    )

    # ---------------------------------------------------------------- online banking
    users = np.flatnonzero(held[:, P["E_BANKING"]])
    cols, ents, noisy, invalid = ex.customer_records(
        "online_banking", users, ["name", "id_number", "phone", "email"], base, "U"
    )
    ex.write(
        "online_banking/users.csv",
        {
            "user_id": cols["record_id"],
            "name": cols["name"],
            "id_number": cols["id_number"],
            "phone": cols["phone"],
            "email": cols["email"],
            "enrolled_on": _dates(rng, sim.adopted[ents, P["E_BANKING"]].astype(np.int64)),
        },
        invalid=invalid,
        noisy=noisy,
    )
    mobile = np.where(
        w.kind[ents] == COMPANY,
        "corporate_banking",
        np.where(rng.random(ents.size) < 0.8, "mobile_banking", "online_banking"),
    )
    ex.write(
        "online_banking/enrolments.csv",
        {
            "user_id": cols["record_id"],
            "channel": mobile,
            "enrolled_on": _dates(rng, sim.adopted[ents, P["E_BANKING"]].astype(np.int64)),
            "daily_limit": np.where(
                w.kind[ents] == COMPANY,
                1_000_000,
                np.where(w.wealth[ents] > 500_000, 200_000, 50_000),
            ),
        },
    )

    # ---------------------------------------------------------------- agency
    buyers_mask = held[:, P["INS_AGENCY"]] | held[:, P["FUND_AGENCY"]]
    buyers = np.flatnonzero(buyers_mask)
    cols, ents, noisy, invalid = ex.customer_records(
        "agency", buyers, ["name", "id_number", "birth_date", "phone"], base, "AG"
    )
    ex.write(
        "agency/clients.csv",
        {
            "client_no": cols["record_id"],
            "name": cols["name"],
            "id_number": cols["id_number"],
            "birth_date": cols["birth_date"],
            "phone": cols["phone"],
        },
        invalid=invalid,
        noisy=noisy,
    )
    client_of = _main_record_of(n, ents, cols["record_id"])
    sale_e, sale_p = [], []
    for pid in ("INS_AGENCY", "FUND_AGENCY"):
        e = np.flatnonzero(held[:, P[pid]])
        sale_e.append(e)
        sale_p.append(np.full(e.size, pid, dtype=object))
    se, spid = np.concatenate(sale_e), np.concatenate(sale_p)
    amount = np.round(w.wealth[se] * rng.uniform(0.02, 0.15, se.size), 2)
    ex.write(
        "agency/sales.csv",
        {
            "sale_id": ex.record_ids("S", se.size, 10),
            "client_no": client_of[se],
            "product_id": spid,
            "sold_on": _dates(rng, sim.adopted[se, [P[p] for p in spid]].astype(np.int64)),
            "amount": amount,
            "fee_income": np.round(amount * np.where(spid == "INS_AGENCY", 0.08, 0.015), 2),
        },
    )

    # ---------------------------------------------------------------- call center
    rate = 0.012 + 0.018 * w.dissatisfaction
    calls_per = rng.poisson(rate * cutoff)
    # complaints pile up in the four months before a customer leaves, unless they leave
    # because their network left (peer influence): those follow others, not complain
    peer = sim.churn_reason == CHURN_REASONS.index("peer_influence")
    pre = (sim.churn_month >= 4) & (sim.churn_month - 4 < cutoff) & ~peer
    spike = np.where(pre, rng.poisson(1.2, n), 0)
    callers = np.flatnonzero((calls_per + spike) > 0)
    cols, ents, noisy, invalid = ex.customer_records(
        "call_center", callers, ["name", "phone"], base, "CL"
    )
    ex.write(
        "call_center/callers.csv",
        {
            "caller_id": cols["record_id"],
            "phone": cols["phone"],
            "caller_name": cols["name"],
        },
        invalid=invalid,
        noisy=noisy,
    )
    caller_of = _main_record_of(n, ents, cols["record_id"])
    ce = np.repeat(callers, calls_per[callers])
    end = np.where(sim.churn_month[ce] >= 0, np.minimum(sim.churn_month[ce], cutoff), cutoff)
    cm = (rng.random(ce.size) * end).astype(np.int64)
    se2 = np.repeat(callers, spike[callers])
    sm = np.clip(
        sim.churn_month[se2].astype(np.int64) - rng.integers(1, 5, se2.size), 0, cutoff - 1
    )
    call_e = np.concatenate([ce, se2])
    call_m = np.concatenate([cm, sm])
    keep = call_m < cutoff
    call_e, call_m = call_e[keep], call_m[keep]
    d = w.dissatisfaction[call_e]
    is_spike = np.r_[np.zeros(ce.size, bool), np.ones(se2.size, bool)][keep]
    complaint = is_spike | (rng.random(call_e.size) < np.clip(0.08 + 0.12 * d, 0, 0.8))
    topics = np.array(pools.CONTACT_TOPICS)
    ex.write(
        "call_center/calls.csv",
        {
            "call_id": ex.record_ids("CALL", call_e.size, 10),
            "caller_id": caller_of[call_e],
            "at": _dates(rng, call_m),
            "kind": np.where(complaint, "complaint", "inquiry"),
            "topic": topics[rng.integers(0, topics.size, call_e.size)],
            "sentiment": np.round(
                np.clip(rng.normal(0.3 - 0.3 * d - 0.4 * complaint, 0.25), -1, 1), 2
            ),
            "resolved": np.where(rng.random(call_e.size) < 0.85 - 0.1 * np.minimum(d, 3), "Y", "N"),
            "agent_id": agents[rng.integers(0, agents.size, call_e.size)],
        },
    )

    # ---------------------------------------------------------------- CRM
    wealthy = w.wealth >= np.quantile(w.wealth, 0.9)
    visits = rng.poisson(np.where(wealthy, 4.0, 0.15) * 3)
    surveys = rng.poisson(0.05 * 3, n)
    # offers: 40% of adoptions during the window were preceded by an offer
    adopt_e, adopt_p = np.nonzero((sim.adopted >= 1) & (sim.adopted < cutoff))
    offered = rng.random(adopt_e.size) < 0.4
    off_e, off_p = adopt_e[offered], adopt_p[offered]
    off_m = np.maximum(
        sim.adopted[off_e, off_p].astype(np.int64) - rng.integers(0, 3, off_e.size), 0
    )
    cold = rng.random(n) < 0.1
    cold_e = np.flatnonzero(cold)
    cold_p = rng.integers(1, len(PRODUCT_IDS), cold_e.size)
    cold_m = rng.integers(0, cutoff, cold_e.size)
    vis_e = np.repeat(np.arange(n), visits + surveys)
    kinds = np.where(
        np.repeat(visits > 0, visits + surveys) & (rng.random(vis_e.size) < 0.8),
        "visit",
        np.array(["survey", "interview", "focus_group", "reception_day"])[
            rng.choice(4, vis_e.size, p=[0.6, 0.2, 0.1, 0.1])
        ],
    )
    vis_m = rng.integers(0, cutoff, vis_e.size)
    c_e = np.concatenate([vis_e, off_e, cold_e])
    c_m = np.concatenate([vis_m, off_m, cold_m])
    c_kind = np.concatenate([kinds, np.full(off_e.size, "offer"), np.full(cold_e.size, "offer")])
    c_prod = np.concatenate(
        [np.full(vis_e.size, ""), np.array(PRODUCT_IDS)[off_p], np.array(PRODUCT_IDS)[cold_p]]
    )
    alive_then = (sim.churn_month[c_e] < 0) | (c_m < sim.churn_month[c_e])
    c_e, c_m, c_kind, c_prod = (
        c_e[alive_then],
        c_m[alive_then],
        c_kind[alive_then],
        c_prod[alive_then],
    )
    outcome = np.where(
        c_kind == "offer",
        np.where(
            np.r_[
                np.zeros(vis_e.size, bool), np.ones(off_e.size, bool), np.zeros(cold_e.size, bool)
            ][alive_then],
            "accepted",
            "declined",
        ),
        "completed",
    )
    parties = np.unique(c_e)
    referred = t.kind == TIE_TYPES.index("REFERRED")
    parties = np.union1d(parties, np.union1d(t.src[referred], t.dst[referred]))
    cols, ents, noisy, invalid = ex.customer_records("crm", parties, ["name", "phone"], base, "CRM")
    # the CRM knows the core id of most parties; some prospects were never linked
    linked = rng.random(ents.size) < 0.75
    ex.write(
        "crm/parties.csv",
        {
            "party_id": cols["record_id"],
            "cb_id": np.where(linked, cb_of[ents], ""),
            "name": cols["name"],
            "phone": cols["phone"],
        },
        invalid=invalid,
        noisy=noisy,
    )
    party_of = _main_record_of(n, ents, cols["record_id"])
    d = w.dissatisfaction[c_e]
    ex.write(
        "crm/contacts.csv",
        {
            "contact_id": ex.record_ids("CT", c_e.size, 10),
            "party_id": party_of[c_e],
            "at": _dates(rng, c_m),
            "kind": c_kind,
            "topic": np.where(
                c_prod != "", "product_offer", topics[rng.integers(0, topics.size, c_e.size)]
            ),
            "product_id": c_prod,
            "sentiment": np.round(np.clip(rng.normal(0.4 - 0.25 * d, 0.3), -1, 1), 2),
            "outcome": outcome,
            "employee_id": rm_of[c_e],
        },
    )
    ex.write(
        "crm/referrals.csv",
        {
            "referrer_party_id": party_of[t.src[referred]],
            "referred_party_id": party_of[t.dst[referred]],
            "referred_on": _dates(rng, rng.integers(0, cutoff, int(referred.sum()))),
        },
    )

    # ---------------------------------------------------------------- loans
    _write_loans(ex, cb_of, officers, held)

    # ---------------------------------------------------------------- truth
    systems = np.concatenate([s for s, _, _ in ex.identities])
    records = np.concatenate([r for _, r, _ in ex.identities])
    entities = np.concatenate([e for _, _, e in ex.identities])
    ex.write(
        "truth/identities.csv",
        {"system": systems, "record_id": records, "person_id": ids[entities]},
    )
    ex.write("truth/communities.csv", {"person_id": ids, "community_id": w.community})
    fe, fp = np.nonzero(sim.adopted >= cutoff)
    ex.write(
        "truth/future_adoptions.csv",
        {
            "person_id": ids[fe],
            "product_id": np.array(PRODUCT_IDS)[fp],
            "adopted_on": _dates(rng, sim.adopted[fe, fp].astype(np.int64)),
        },
    )
    fc = np.flatnonzero(sim.churn_month >= cutoff)
    ex.write(
        "truth/future_churn.csv",
        {
            "person_id": ids[fc],
            "churned_on": _dates(rng, sim.churn_month[fc].astype(np.int64)),
            "reason": np.array(CHURN_REASONS)[sim.churn_reason[fc]],
            "competitor_id": np.array([c[0] for c in pools.COMPETITORS])[sim.churn_competitor[fc]],
        },
    )
    lo, hi = w.community[t.src], w.community[t.dst]
    return {
        "realised_mixing": round(float(np.mean(lo != hi)), 4),
        "ties": {k: int((t.kind == i).sum()) for i, k in enumerate(TIE_TYPES)},
        "communities": int(w.community.max()) + 1,
        "persons": int(person.sum()),
        "companies": int((~person).sum()),
        "churned_before_cutoff": int(churned_before.sum()),
        "future_churners": int(fc.size),
        "future_adoptions": int(fe.size),
    }


def _write_loans(ex: Exporter, cb_of: Array, officers: Array, held: Array) -> None:
    """Credit applications with stage dates, and guarantees between companies."""
    w, sim, rng = ex.world, ex.sim, ex.rng
    cutoff = HISTORY_MONTHS
    P = {pid: j for j, pid in enumerate(PRODUCT_IDS)}
    e_list, p_list, m_list = [], [], []
    for pid in ("LOAN_CONSUMER", "LOAN_MORTGAGE", "LOAN_BUSINESS"):
        e = np.flatnonzero((sim.adopted[:, P[pid]] >= 0) & (sim.adopted[:, P[pid]] < cutoff + 1))
        e_list.append(e)
        p_list.append(np.full(e.size, pid, dtype=object))
        m_list.append(sim.adopted[e, P[pid]].astype(np.int64))
    # rejected applications: 25% on top of the approved ones
    ent = np.concatenate(e_list)
    prod = np.concatenate(p_list)
    month = np.concatenate(m_list)
    rej = rng.random(ent.size) < 0.25
    ent = np.concatenate([ent, ent[rej]])
    prod = np.concatenate([prod, prod[rej]])
    month = np.concatenate([month, np.maximum(month[rej] - rng.integers(1, 6, int(rej.sum())), 0)])
    rejected = np.r_[np.zeros(ent.size - int(rej.sum()), bool), np.ones(int(rej.sum()), bool)]
    amount = np.round(
        np.where(
            prod == "LOAN_MORTGAGE",
            w.income[ent] * rng.uniform(3, 8, ent.size),
            np.where(
                prod == "LOAN_BUSINESS",
                w.income[ent] * rng.uniform(0.05, 0.4, ent.size),
                w.income[ent] * rng.uniform(0.1, 0.5, ent.size),
            ),
        ),
        -2,
    )
    tier_fast = np.where(w.wealth[ent] >= np.quantile(w.wealth, 0.9), 0.6, 1.2)
    handoffs = rng.integers(1, 5, ent.size)
    assess = np.ceil(rng.gamma(2.0, 1.5, ent.size) * (1 + amount / 500_000)).astype(np.int64)
    approve = np.ceil(handoffs * rng.gamma(2.0, 1.0, ent.size) * tier_fast).astype(np.int64)
    disburse = np.ceil(rng.gamma(2.0, 1.0, ent.size)).astype(np.int64)
    received = month_to_date(month, rng.integers(1, 29, ent.size)).astype("datetime64[D]")
    assessed = received + assess.astype("timedelta64[D]")
    decided = assessed + approve.astype("timedelta64[D]")
    disbursed = decided + disburse.astype("timedelta64[D]")
    cut = np.datetime64("2025-12-31")
    ok = ~rejected

    def show(dates: Array, mask: Array) -> Array:
        out: Array = np.where(mask & (dates <= cut), np.datetime_as_string(dates, unit="D"), "")
        return out

    stage = np.where(
        assessed > cut,
        "received",
        np.where(
            decided > cut,
            "assessed",
            np.where(rejected, "rejected", np.where(disbursed > cut, "approved", "disbursed")),
        ),
    )
    keep = received <= cut
    ex.write(
        "loans/applications.csv",
        {
            "application_id": ex.record_ids("APP", int(keep.sum()), 9),
            "cb_id": cb_of[ent][keep],
            "product_id": prod[keep],
            "amount": amount[keep],
            "received_on": np.datetime_as_string(received[keep], unit="D"),
            "assessed_on": show(assessed, np.ones(ent.size, bool))[keep],
            "approved_on": show(decided, ok)[keep],
            "rejected_on": show(decided, rejected)[keep],
            "disbursed_on": show(disbursed, ok)[keep],
            "stage": stage[keep],
            "department_handoffs": handoffs[keep],
            "handled_by": officers[rng.integers(0, officers.size, ent.size)][keep],
        },
    )
    t = w.ties
    g = t.kind == TIE_TYPES.index("GUARANTEES")
    ex.write(
        "loans/guarantees.csv",
        {
            "guarantee_id": ex.record_ids("GU", int(g.sum()), 8),
            "guarantor_cb_id": cb_of[t.src[g]],
            "borrower_cb_id": cb_of[t.dst[g]],
            "amount": t.amount[g],
            "signed_on": _dates(rng, rng.integers(0, cutoff, int(g.sum()))),
        },
    )
