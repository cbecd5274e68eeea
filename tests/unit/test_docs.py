"""The docs describe the product as it is: no development diary in them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
#: words of a development log: numbered sessions, issues or rounds of work
DIARY = re.compile(r"\b(?:[Ss]essions? \d+|[Ii]ssues? \d+|[Rr]ounds? \d+|[Ww]e tried)\b")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_docs_hold_no_development_diary(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    found = [
        f"{doc.name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
        for m in DIARY.finditer(text)
    ]
    assert not found, found


def test_the_check_finds_diary_words() -> None:
    assert DIARY.search("as measured in session 6") is not None
    assert DIARY.search("see issue 12") is not None
    assert DIARY.search("the sessions of the API") is None


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_docs_point_nowhere_outside_the_repository(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    assert "DESIGN.md" not in text, "the design is docs/design.md"
    for target in re.findall(r"\]\(([^)#\s]+)", text):  # markdown links
        if "://" in target:
            continue
        assert (doc.parent / target).resolve().is_relative_to(ROOT), target
