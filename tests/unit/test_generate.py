"""Planted properties of the synthetic bank, checked statistically on the exported files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_graph.errors import GenerateError
from crm_graph.generate import generate_bank
from crm_graph.generate.silos import RISK_GRADE_SHARES
from crm_graph.identifiers import normalize_phone, valid_resident_id, valid_uscc

SYSTEM_FILES = {
    "core_banking": ("core_banking/customers.csv", "cb_id"),
    "cards": ("cards/cardholders.csv", "holder_no"),
    "online_banking": ("online_banking/users.csv", "user_id"),
    "agency": ("agency/clients.csv", "client_no"),
    "call_center": ("call_center/callers.csv", "caller_id"),
    "crm": ("crm/parties.csv", "party_id"),
}


def _read(bank: Path, rel: str) -> pd.DataFrame:
    return pd.read_csv(bank / rel, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bank") / "b"
    generate_bank(out, customers=10_000, seed=7)
    return out


@pytest.fixture(scope="module")
def person_of_cb(bank: Path) -> dict[str, str]:
    ids = _read(bank, "truth/identities.csv")
    core = ids[ids.system == "core_banking"]
    return dict(zip(core.record_id, core.person_id, strict=True))


def _ties(bank: Path, person_of_cb: dict[str, str]) -> pd.DataFrame:
    frames = [
        _read(bank, "core_banking/relations.csv").rename(
            columns={"cb_id": "a", "related_cb_id": "b"}
        ),
        _read(bank, "core_banking/transfers.csv").rename(
            columns={"from_cb_id": "a", "to_cb_id": "b"}
        ),
        _read(bank, "loans/guarantees.csv").rename(
            columns={"guarantor_cb_id": "a", "borrower_cb_id": "b"}
        ),
    ]
    ties = pd.concat([f[["a", "b"]] for f in frames])
    ties["a"] = ties.a.map(person_of_cb)
    ties["b"] = ties.b.map(person_of_cb)
    return ties


def test_layout_manifest_and_counts(bank: Path) -> None:
    manifest = json.loads((bank / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 7
    assert manifest["customers"] == 10_000
    assert manifest["cutoff"] == "2025-12-31"
    assert manifest["generator_version"]
    for system in SYSTEM_FILES:
        assert (bank / system).is_dir()
    for rel, rows in manifest["files"].items():
        assert len(_read(bank, rel)) == rows, rel
    for name in ("identities", "communities", "future_adoptions", "future_churn"):
        assert (bank / "truth" / f"{name}.csv").exists()


def test_every_customer_record_is_in_the_identity_truth(bank: Path) -> None:
    ids = _read(bank, "truth/identities.csv")
    assert not ids.duplicated(["system", "record_id"]).any()
    for system, (rel, key) in SYSTEM_FILES.items():
        records = set(_read(bank, rel)[key])
        assert records == set(ids[ids.system == system].record_id), system
    persons = set(_read(bank, "truth/communities.csv").person_id)
    assert set(ids.person_id) <= persons
    assert len(persons) == 10_000


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    def digest(folder: Path) -> dict[str, str]:
        return {
            p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }

    generate_bank(tmp_path / "a", customers=1500, seed=11)
    generate_bank(tmp_path / "b", customers=1500, seed=11)
    generate_bank(tmp_path / "c", customers=1500, seed=12)
    a, b, c = digest(tmp_path / "a"), digest(tmp_path / "b"), digest(tmp_path / "c")
    assert a == b
    assert len(a) == 28
    assert a["core_banking/customers.csv"] != c["core_banking/customers.csv"]


@pytest.mark.parametrize("mixing", [0.1, 0.2, 0.4])
def test_community_mixing_is_close_to_the_parameter(tmp_path: Path, mixing: float) -> None:
    generate_bank(tmp_path, customers=5000, seed=5, mixing=mixing)
    ids = _read(tmp_path, "truth/identities.csv")
    core = ids[ids.system == "core_banking"]
    person_of_cb = dict(zip(core.record_id, core.person_id, strict=True))
    community = _read(tmp_path, "truth/communities.csv").set_index("person_id").community_id
    ties = _ties(tmp_path, person_of_cb)
    crossing = (ties.a.map(community) != ties.b.map(community)).mean()
    assert crossing == pytest.approx(mixing, abs=0.04)


def _holders_at_cutoff(bank: Path, person_of_cb: dict[str, str]) -> pd.DataFrame:
    acc = _read(bank, "core_banking/accounts.csv")
    acc = acc[acc.status == "open"]
    return pd.DataFrame({"person_id": acc.cb_id.map(person_of_cb), "product_id": acc.product_id})


def test_adoption_is_higher_among_neighbours_of_holders(
    bank: Path, person_of_cb: dict[str, str]
) -> None:
    ties = _ties(bank, person_of_cb)
    holders = _holders_at_cutoff(bank, person_of_cb)
    future = _read(bank, "truth/future_adoptions.csv")
    # persons only, for products persons can hold
    everyone = {p for p in _read(bank, "truth/communities.csv").person_id if p.startswith("P")}
    lifts = []
    for product in ("DEP_TERM", "WEALTH_MGMT", "CARD_CREDIT", "LOAN_CONSUMER"):
        has = set(holders[holders.product_id == product].person_id)
        near = set(ties[ties.a.isin(has)].b) | set(ties[ties.b.isin(has)].a)
        near = (near & everyone) - has
        far = everyone - has - near
        adopters = set(future[future.product_id == product].person_id)
        rate_near = len(adopters & near) / max(len(near), 1)
        rate_far = len(adopters & far) / max(len(far), 1)
        if rate_far > 0:
            lifts.append(rate_near / rate_far)
    assert lifts
    assert float(np.median(lifts)) > 1.3


def test_churn_is_higher_among_neighbours_of_churners(
    bank: Path, person_of_cb: dict[str, str]
) -> None:
    ties = _ties(bank, person_of_cb)
    closed = _read(bank, "core_banking/closures.csv")
    churned = set(closed.cb_id.map(person_of_cb))
    # contagion works through recent churners (the last six months before the cutoff)
    recent = set(closed[closed.closed_on >= "2025-07-01"].cb_id.map(person_of_cb))
    near = (set(ties[ties.a.isin(recent)].b) | set(ties[ties.b.isin(recent)].a)) - churned
    everyone = set(_read(bank, "truth/communities.csv").person_id)
    far = everyone - churned - near
    future = set(_read(bank, "truth/future_churn.csv").person_id)
    assert future
    assert not future & churned, "a customer churns once"
    rate_near = len(future & near) / len(near)
    rate_far = len(future & far) / len(far)
    assert rate_near > 1.5 * rate_far


def test_contagion_strength_sets_the_share_of_peer_driven_churn() -> None:
    from crm_graph.generate.simulate import CHURN_REASONS, simulate
    from crm_graph.generate.world import build_world

    world = build_world(np.random.default_rng(3), 20_000, 0.2)
    peer = CHURN_REASONS.index("peer_influence")
    shares, churners = [], []
    for contagion in (0.0, 25.0, 100.0):
        sim = simulate(np.random.default_rng(4), world, contagion=contagion)
        left = sim.churn_month >= 0
        churners.append(int(left.sum()))
        shares.append(float((sim.churn_reason[left] == peer).mean()))
    # without contagion, "peer influence" is only a churner who happened to have a
    # recently churned tie; with it, ties drive more and more of the churn
    assert churners[0] < churners[1] < churners[2]
    assert shares[0] < 0.12 < shares[1] < shares[2]
    assert shares[2] > 0.5


def test_future_churners_show_early_signals(bank: Path, person_of_cb: dict[str, str]) -> None:
    bal = _read(bank, "core_banking/balances.csv")
    bal["balance"] = bal.balance.astype(float)
    bal["person_id"] = bal.cb_id.map(person_of_cb)
    months = sorted(bal.month.unique())
    first = bal[bal.month == months[0]].set_index("person_id").balance
    last = bal[bal.month == months[-1]].set_index("person_id").balance
    trend = (last / first.where(first > 0)).dropna()
    future = set(_read(bank, "truth/future_churn.csv").person_id)
    churners = trend[trend.index.isin(future)]
    stayers = trend[~trend.index.isin(future)]
    assert churners.median() < stayers.median()


def test_risk_grades_and_consent_follow_their_shares(bank: Path) -> None:
    core = _read(bank, "core_banking/customers.csv")
    shares = core["risk_grade"].value_counts(normalize=True)
    for grade, want in zip("12345", RISK_GRADE_SHARES, strict=True):
        assert abs(shares[grade] - want) < 0.02, grade
    refused = core["marketing_consent"].eq("N")
    assert set(core["marketing_consent"]) == {"Y", "N"}
    assert 0.04 < refused.mean() < 0.12
    # a lower income means a worse grade, so the best grade keeps more money with the bank
    balances = _read(bank, "core_banking/balances.csv")
    mean = balances.assign(b=balances["balance"].astype(float)).groupby("cb_id")["b"].mean()
    persons = core[core["customer_type"] == "person"].set_index("cb_id")
    by_grade = mean.reindex(persons.index).groupby(persons["risk_grade"]).median()
    assert by_grade["1"] > 2 * by_grade["5"]
    # the dissatisfied refuse more often, and they are the ones who leave (at 1M: 9.5% of
    # churned customers refused, 6.7% of active ones)
    churned = core["status"].eq("churned")
    assert churned.sum() > 400
    assert refused[churned].mean() > 1.2 * refused[~churned].mean()


def test_future_facts_stay_out_of_the_source_files(bank: Path) -> None:
    cutoff = "2025-12-31"
    for rel, col in [
        ("core_banking/accounts.csv", "opened_on"),
        ("cards/cards.csv", "opened_on"),
        ("agency/sales.csv", "sold_on"),
        ("call_center/calls.csv", "at"),
        ("crm/contacts.csv", "at"),
        ("loans/applications.csv", "received_on"),
        ("core_banking/closures.csv", "closed_on"),
    ]:
        assert _read(bank, rel)[col].max() <= cutoff, rel
    assert _read(bank, "truth/future_adoptions.csv").adopted_on.min() > cutoff
    assert _read(bank, "truth/future_churn.csv").churned_on.min() > cutoff


def _differing_share(bank: Path, noise_person_of: dict[str, str]) -> float:
    core = _read(bank, "core_banking/customers.csv")
    core["person_id"] = core.cb_id.map(noise_person_of)
    core = core.drop_duplicates("person_id").set_index("person_id")
    ids = _read(bank, "truth/identities.csv")
    cards = _read(bank, "cards/cardholders.csv").merge(
        ids[ids.system == "cards"], left_on="holder_no", right_on="record_id"
    )
    ref = core.loc[cards.person_id]
    differs = (
        (cards.name.to_numpy() != ref.name.to_numpy())
        | (cards.id_number.to_numpy() != ref.id_number.to_numpy())
        | (cards.address.to_numpy() != ref.address.to_numpy())
        | (
            cards.mobile.map(normalize_phone).to_numpy()
            != ref.phone.map(normalize_phone).to_numpy()
        )
    )
    return float(differs.mean())


@pytest.mark.parametrize(("noise", "low", "high"), [(0.0, 0.0, 0.03), (0.2, 0.30, 0.42)])
def test_share_of_noisy_records_follows_the_parameter(
    tmp_path: Path, noise: float, low: float, high: float
) -> None:
    manifest = generate_bank(tmp_path, customers=5000, seed=3, noise=noise)
    ids = _read(tmp_path, "truth/identities.csv")
    core = ids[ids.system == "core_banking"]
    share = _differing_share(tmp_path, dict(zip(core.record_id, core.person_id, strict=True)))
    # a card record differs from the core record when either of them is noisy
    assert low <= share <= high
    q = manifest["identity_quality"]["cards/cardholders.csv"]
    assert q["noisy"] / q["rows"] == pytest.approx(noise, abs=0.03)


def test_identifiers_carry_valid_check_digits(bank: Path) -> None:
    core = _read(bank, "core_banking/customers.csv")
    persons = core[(core.customer_type == "person") & (core.id_number != "")]
    companies = core[(core.customer_type == "company") & (core.id_number != "")]
    person_ok = persons.id_number.map(valid_resident_id).mean()
    company_ok = companies.id_number.map(valid_uscc).mean()
    # only transposed digits (noise) and planted invalid rows break a check digit
    assert 0.95 < person_ok < 1.0
    assert 0.95 < company_ok <= 1.0
    assert persons.id_number.str.fullmatch(r"442000\d{11}[\dX]").mean() > 0.99
    phones = core.phone[core.phone != ""].map(normalize_phone)
    assert phones.notna().mean() > 0.99


def test_bad_parameters_are_refused(tmp_path: Path) -> None:
    with pytest.raises(GenerateError, match="--customers"):
        generate_bank(tmp_path, customers=10)
    with pytest.raises(GenerateError, match="--mixing"):
        generate_bank(tmp_path, customers=1000, mixing=1.5)
    (tmp_path / "file").write_text("x")
    with pytest.raises(GenerateError, match="not a folder"):
        generate_bank(tmp_path / "file", customers=1000)


def test_hard_names_make_namesakes_latin_names_variants_and_twins(tmp_path: Path) -> None:
    plain = generate_bank(tmp_path / "plain", customers=3000, seed=2)
    hard = generate_bank(tmp_path / "hard", customers=3000, seed=2, hard_names=True)
    assert (plain["hard_names"], plain["twins"]) == (False, 0)
    assert hard["hard_names"]
    assert hard["twins"] > 0

    def people(folder: Path) -> pd.DataFrame:
        core = pd.read_csv(folder / "core_banking" / "customers.csv", dtype=str)
        return core[core.customer_type == "person"]

    p, h = people(tmp_path / "plain"), people(tmp_path / "hard")
    # namesakes: the same full name is shared by more people
    assert h.name.duplicated().mean() > 2 * p.name.duplicated().mean()
    latin = h[h.name.str.contains(r"^[A-Z ]+$", regex=True)]
    assert len(latin) > 0.02 * len(h)
    assert latin.name.str.contains(r" (?:SA|CO|SAS)$", regex=True).any()
    # twins: one birth date and phone, given names one character apart, two resident ids
    by_birth_phone = h.groupby(["birth_date", "phone"])
    twins = [
        g.drop_duplicates("id_number")
        for _, g in by_birth_phone
        if g.id_number.nunique() == 2 and g.name.nunique() == 2
    ]
    assert len(twins) >= 0.5 * hard["twins"] * len(h) / 3000
    one_apart = 0
    for g in twins:
        a, b = g.name.tolist()
        one_apart += len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1
        assert all(i[6:14] == g.birth_date.iloc[0].replace("-", "") for i in g.id_number)
    assert one_apart >= 0.9 * len(twins)
    # another system spells some Latin names in another transliteration
    cards = pd.read_csv(tmp_path / "hard" / "cards" / "cardholders.csv", dtype=str)
    assert cards.name.isin(["MARIA CHEN", "JOHN CHEN", "PETER HUANG"]).any() or (
        cards.name.str.contains(r" (?:CHEN|HUANG|LI|ZHANG|LIANG|LIN|WU|HE|SAA|KO)$").any()
    )
