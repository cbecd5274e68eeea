"""Identity resolution without a database: rules, keep-apart constraints, stable ids."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_graph.ingest.resolve import _hash_keys, _hex, pii_hash, resolve

KEY = b"unit"
COLUMNS = ["system", "record_id", "kind", "name", "id_number", "birth_date", "phone", "email"]


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows).reindex(columns=COLUMNS)
    frame["kind"] = frame["kind"].fillna("person")
    frame["link_system"] = None
    frame["link_record"] = None
    return frame.astype(object).where(frame.notna(), None)


def _customers(res: Any) -> dict[str, str]:
    a = res.assignments
    return dict(zip(a.system + ":" + a.record_id, a.customer_id, strict=True))


def test_records_with_different_id_numbers_are_never_joined_by_weaker_keys() -> None:
    # two people with one name share a phone (a family line); a caller with that
    # name and phone matches both, but must not make them one customer
    recs = _frame(
        [
            {"system": "core", "record_id": "1", "name": "王芳", "id_number": "ID-A",
             "birth_date": "1980-01-01", "phone": "+8613800000001"},
            {"system": "core", "record_id": "2", "name": "王芳", "id_number": "ID-B",
             "birth_date": "1990-02-02", "phone": "+8613800000002"},
            {"system": "cards", "record_id": "X", "name": "王芳", "id_number": "ID-B",
             "phone": "+8613800000001"},
            {"system": "calls", "record_id": "c", "name": "王芳", "phone": "+8613800000001"},
        ]
    )  # fmt: skip
    res = resolve(recs, key=KEY)
    cust = _customers(res)
    assert cust["core:1"] != cust["core:2"]
    assert cust["cards:X"] == cust["core:2"], "the id number is the strongest rule"
    assert cust["calls:c"] in (cust["core:1"], cust["core:2"])
    assert [c["rule"] for c in res.conflicts] == ["keep_apart"]
    assert sorted(res.conflicts[0]["records"]) == ["calls:c", "cards:X", "core:1", "core:2"]


def test_same_person_across_systems_is_one_customer_with_the_strongest_rule() -> None:
    recs = _frame(
        [
            {"system": "core", "record_id": "1", "name": "李小龙", "id_number": "ID-L",
             "birth_date": "1970-11-27", "phone": "+8613900000000"},
            {"system": "cards", "record_id": "A", "name": "李小龙", "id_number": "ID-L"},
            {"system": "online", "record_id": "u", "name": "李小龙", "phone": "+8613900000000"},
            {"system": "agency", "record_id": "g", "name": "李晓龙", "birth_date": "1970-11-27"},
        ]
    )  # fmt: skip
    res = resolve(recs, key=KEY)
    assert res.assignments.customer_id.nunique() == 1
    rule = dict(zip(res.assignments.record_id, res.assignments.rule, strict=True))
    assert rule == {"1": "id_number", "A": "id_number", "u": "name_phone",
                    "g": "similar_name_birth"}  # fmt: skip


def _existing(res: Any, recs: pd.DataFrame, pins: dict[str, list[str]] | None = None) -> Any:
    """The graph's view of an earlier resolution (hashes, customer ids, pins)."""
    a = res.assignments.merge(recs, on=["system", "record_id"])
    out = pd.DataFrame(
        {
            "system": a.system,
            "record_id": a.record_id,
            "customer_id": a.customer_id,
            "kind": a.kind,
            **{f"{c}_hash": [pii_hash(KEY, v) for v in a[c]] for c in
               ("id_number", "phone", "name", "birth_date", "email")},
        }
    )  # fmt: skip
    keys = out.system + ":" + out.record_id
    out["keep_apart"] = [(pins or {}).get(k) for k in keys]
    return out


def test_pins_of_an_undone_merge_keep_its_sides_apart() -> None:
    first = _frame(
        [
            {"system": "core", "record_id": "1", "name": "张伟", "phone": "+8613700000001"},
            {"system": "calls", "record_id": "c", "name": "张伟", "phone": "+8613700000002"},
        ]
    )  # fmt: skip
    res1 = resolve(first, key=KEY)
    ids = _customers(res1)
    assert ids["core:1"] != ids["calls:c"]
    bridge = _frame(
        [{"system": "crm", "record_id": "p", "name": "张伟", "phone": "+8613700000002",
          "email": None}]
    )  # fmt: skip
    bridge.loc[0, "link_system"], bridge.loc[0, "link_record"] = "core", "1"

    # without pins, the bridging record merges the two earlier customers
    merged = resolve(bridge, _existing(res1, first), key=KEY)
    assert len(merged.merges) == 1
    m = merged.merges[0]
    assert dict(zip(m["records"], m["previous"], strict=True)) == {
        "crm:p": "",
        "core:1": ids["core:1"],
        "calls:c": ids["calls:c"],
    }
    # pinned apart (what an undo writes), it joins one side only
    pins = {"core:1": ["merge:x=" + ids["core:1"]], "calls:c": ["merge:x=" + ids["calls:c"]]}
    kept = resolve(bridge, _existing(res1, first, pins), key=KEY)
    assert kept.merges == []
    assert _customers(kept)["crm:p"] in (ids["core:1"], ids["calls:c"])


def test_hashing_many_values_equals_hashing_each() -> None:
    values = np.array(["a", None, "", "王", "b"] + [f"v{i}" for i in range(300)], dtype=object)
    keys, ok = _hash_keys(KEY, values)
    got = [_hex(k) if good else None for k, good in zip(keys, ok, strict=True)]
    assert got == [pii_hash(KEY, v) for v in values]


NAMES = st.sampled_from(["王芳", "王方", "李娜", "李娜娜", "张伟"])
IDS = st.one_of(st.none(), st.sampled_from(["I1", "I2", "I3"]))
PHONES = st.one_of(st.none(), st.sampled_from(["+86131", "+86132", "+86133"]))
BIRTHS = st.one_of(st.none(), st.sampled_from(["1980-01-01", "1981-01-01"]))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(NAMES, IDS, PHONES, BIRTHS), min_size=1, max_size=14),
    st.integers(1, 13),
)
def test_resolution_invariants(rows: list[tuple[Any, ...]], cut: int) -> None:
    recs = _frame(
        [
            {"system": "s", "record_id": str(i), "name": n, "id_number": i_,
             "phone": p, "birth_date": b}
            for i, (n, i_, p, b) in enumerate(rows)
        ]
    )  # fmt: skip
    res = resolve(recs, key=KEY)
    a = res.assignments.merge(recs, on=["system", "record_id"])
    # one customer per record, never two id numbers in one customer
    assert len(a) == len(recs)
    assert a.record_id.is_unique
    assert (a.dropna(subset=["id_number"]).groupby("customer_id").id_number.nunique() <= 1).all()
    # records sharing an id number and a name are one customer
    same = a.dropna(subset=["id_number"]).groupby(["id_number", "name"]).customer_id.nunique()
    assert (same == 1).all()
    # a later load of part of the records, knowing the rest, keeps every golden id
    early = recs.iloc[: min(cut, len(recs))]
    res1 = resolve(early, key=KEY)
    res2 = resolve(recs, _existing(res1, early), key=KEY)
    before = _customers(res1)
    after = _customers(res2)
    for key, cid in before.items():
        merged_into = [m["into_id"] for m in res2.merges if cid in m["customer_ids"]]
        assert after[key] == (merged_into[0] if merged_into else cid)


# Latin-script surnames and given names, some of which contain a legal-form word as a
# part of a longer word (SINCLAIR, VINCENT hold INC; COLE holds CO; MASON holds SA...)
SURNAMES = ["SINCLAIR", "VINCENT", "PRINCE", "COLE", "MASON", "SMITH", "LTDOVA", "INCE", "SAGE"]
GIVEN = ["JOHN", "MARY", "VINCE", "CORA", "SASHA", "AGNES", "PLUCINSKA", "LLOYD"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(SURNAMES),
            st.sampled_from(GIVEN),
            st.sampled_from(["+447700900001", "+447700900002", None]),
            st.sampled_from(["1980-01-01", "1975-05-05", None]),
            st.sampled_from(["a@x.org", None]),
        ),
        min_size=2,
        max_size=40,
    )
)
def test_distinct_keys_of_one_system_are_never_merged_without_an_id_number(
    people: list[tuple[str, str, str | None, str | None, str | None]],
) -> None:
    # one system, one row per customer key, person names only: namesakes sharing a
    # household phone, a birth date or an e-mail stay apart (as many customers as keys)
    recs = _frame(
        [
            {"system": "cards", "record_id": str(i), "name": f"{sur} {given}",
             "phone": phone, "birth_date": born, "email": email}
            for i, (sur, given, phone, born, email) in enumerate(people)
        ]
    )  # fmt: skip
    res = resolve(recs, key=KEY)
    assert res.assignments.customer_id.nunique() == len(people)
    assert "org_name" not in res.rules_used()


def test_a_declared_person_is_never_matched_as_an_organisation() -> None:
    # "SMITH INC" in two systems: declared persons, no other shared key: two customers
    recs = _frame(
        [
            {"system": "core", "record_id": "1", "name": "JOHN SMITH INC", "kind": "person"},
            {"system": "cards", "record_id": "A", "name": "JOHN SMITH INC", "kind": "person"},
            {"system": "core", "record_id": "2", "name": "ACME TRADING LTD", "kind": "company"},
            {"system": "cards", "record_id": "B", "name": "ACME TRADING LTD", "kind": "company"},
        ]
    )
    cust = _customers(resolve(recs, key=KEY))
    assert cust["core:1"] != cust["cards:A"]
    assert cust["core:2"] == cust["cards:B"]


def test_records_of_one_system_join_on_an_id_number_but_not_on_weaker_keys() -> None:
    recs = _frame(
        [
            {"system": "core", "record_id": "1", "name": "王芳", "id_number": "ID-A",
             "phone": "+8613800000001"},
            {"system": "core", "record_id": "2", "name": "王芳", "id_number": "ID-A"},
            {"system": "core", "record_id": "3", "name": "王芳", "phone": "+8613800000001"},
            {"system": "cards", "record_id": "X", "name": "王芳", "phone": "+8613800000001"},
        ]
    )  # fmt: skip
    res = resolve(recs, key=KEY)
    cust = _customers(res)
    assert cust["core:1"] == cust["core:2"], "a shared id number is strong evidence"
    assert cust["core:3"] != cust["core:1"], "a shared name and phone is not, in one system"
    assert cust["cards:X"] in (cust["core:1"], cust["core:3"])
    assert [c["rule"] for c in res.conflicts] == ["keep_apart"]
    # a system whose keys are not declared distinct merges on the weaker keys
    loose = _customers(resolve(recs, key=KEY, loose_keys={"core"}))
    assert len(set(loose.values())) == 1


def test_a_new_customer_never_gets_an_id_already_taken() -> None:
    recs = _frame([{"system": "core", "record_id": "1", "name": "王芳"}])
    first = resolve(recs, key=KEY).assignments.customer_id[0]
    again = resolve(recs, key=KEY, taken={first}).assignments.customer_id[0]
    assert again != first
    assert again.startswith(first)
    assert len(again) == len(first) + 4


def test_a_reviewers_must_link_joins_records_the_rules_kept_apart() -> None:
    # two records of one system with one name and phone: kept apart (distinct keys);
    # a reviewer accepted them as one customer (same_as), so the next load joins them
    recs = _frame(
        [
            {"system": "core", "record_id": "1", "name": "王芳", "phone": "+8613800000001"},
            {"system": "core", "record_id": "2", "name": "王芳", "phone": "+8613800000001"},
        ]
    )
    first = resolve(recs, key=KEY)
    assert first.assignments.customer_id.nunique() == 2
    old = first.assignments[["system", "record_id", "customer_id"]].copy()
    old["kind"] = "person"
    old["keep_apart"] = None
    old["same_as"] = [["K1"], ["K1"]]
    again = resolve(recs, old, key=KEY)
    assert again.assignments.customer_id.nunique() == 1
    assert set(again.assignments.rule) == {"review"}
    assert len(again.merges) == 1


def test_records_kept_apart_stay_apart_when_a_later_load_is_of_another_system() -> None:
    # a load of the core system keeps two of its records apart; a later load of another
    # system (whose mapping says nothing of core) re-resolves them as earlier records
    recs = _frame(
        [
            {"system": "core", "record_id": "1", "name": "王芳", "phone": "+8613800000001"},
            {"system": "core", "record_id": "2", "name": "王芳", "phone": "+8613800000001"},
        ]
    )
    first = resolve(recs, key=KEY)
    old = first.assignments[["system", "record_id", "customer_id"]].copy()
    old["kind"] = "person"
    old["keep_apart"] = None
    for col, attr in (("name_hash", "name"), ("phone_hash", "phone")):
        old[col] = [pii_hash(KEY, v) for v in recs[attr]]
    later = _frame([{"system": "loans", "record_id": "L1", "name": "李雷"}])
    res = resolve(later, old, key=KEY)
    assert res.merges == []
    assert [c["rule"] for c in res.conflicts] == ["keep_apart"]
