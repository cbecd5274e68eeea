"""Property tests for the identifier check digits and normalizers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crm_graph.identifiers import (
    USCC_ALPHABET,
    normalize_name,
    normalize_phone,
    resident_id_check,
    uscc_check,
    valid_resident_id,
    valid_uscc,
)

digits17 = st.text(alphabet="0123456789", min_size=17, max_size=17)
uscc17 = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)


@given(digits17)
def test_a_resident_id_with_its_check_character_is_valid(first17: str) -> None:
    assert valid_resident_id(first17 + resident_id_check(first17))


@given(digits17, st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_error_breaks_a_resident_id(first17: str, pos: int, delta: int) -> None:
    good = first17 + resident_id_check(first17)
    wrong = str((int(good[pos]) + delta) % 10)
    assert not valid_resident_id(good[:pos] + wrong + good[pos + 1 :])


@given(uscc17)
def test_a_uscc_with_its_check_character_is_valid(first17: str) -> None:
    assert valid_uscc(first17 + uscc_check(first17))


@given(uscc17, st.integers(0, 16), st.integers(1, 30))
def test_any_single_character_error_breaks_a_uscc(first17: str, pos: int, delta: int) -> None:
    good = first17 + uscc_check(first17)
    wrong = USCC_ALPHABET[(USCC_ALPHABET.index(good[pos]) + delta) % 31]
    assert not valid_uscc(good[:pos] + wrong + good[pos + 1 :])


mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@given(mobiles)
def test_every_phone_format_of_a_mobile_gives_the_same_e164(mobile: str) -> None:
    formats = [
        mobile,
        f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}",
        f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}",
        f"0086-{mobile}",
        f"({mobile[:3]}) {mobile[3:]}",
        mobile.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    ]
    expected = "+86" + mobile
    assert {normalize_phone(f) for f in formats} == {expected}
    assert normalize_phone(expected) == expected


@given(st.text(max_size=30))
def test_phone_normalisation_never_fails_and_is_idempotent(value: str) -> None:
    out = normalize_phone(value)
    if out is not None:
        assert out.startswith("+")
        assert out[1:].isdigit()
        assert normalize_phone(out) == out


han = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=6
)


@given(st.text(max_size=40))
def test_name_normalisation_is_idempotent(value: str) -> None:
    once = normalize_name(value)
    assert normalize_name(once) == once


@given(han, han, st.sampled_from([" ", "\u3000", "  ", "\t"]))
def test_spaces_inside_chinese_names_do_not_matter(a: str, b: str, space: str) -> None:
    assert normalize_name(a + space + b) == normalize_name(a + b) == a + b


@given(digits17)
def test_the_resident_id_check_character_is_python_stdnums(first17: str) -> None:
    from stdnum.cn import ric

    # stdnum's function takes the whole number and ignores its last character
    assert resident_id_check(first17) == ric.calc_check_digit(first17 + "?")


@given(uscc17)
def test_the_credit_code_check_character_is_python_stdnums(first17: str) -> None:
    from stdnum.cn import uscc

    # (stdnum's is_valid also checks the embedded organisation code; crm-graph checks the
    # check character only, as a code's structure rules differ by issuing authority)
    assert uscc_check(first17) == uscc.calc_check_digit(first17)
