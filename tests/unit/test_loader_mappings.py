"""The shipped mappings read every file the generator writes; rejects are the planted defects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm_graph.generate import generate_bank
from crm_graph.ingest.spec import default_loaders_dir, load_specs
from crm_graph.ingest.validate import read_validated


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bank") / "b"
    generate_bank(out, customers=5000, seed=21)
    return out


def test_every_generated_source_file_has_a_mapping(bank: Path) -> None:
    specs = load_specs(default_loaders_dir())
    mapped = {f.path for s in specs for f in s.files}
    written = {
        p.relative_to(bank).as_posix()
        for p in bank.rglob("*.csv")
        if not p.relative_to(bank).as_posix().startswith("truth/")
    }
    assert mapped == written


def test_rejects_are_exactly_the_planted_defects(bank: Path) -> None:
    manifest = json.loads((bank / "manifest.json").read_text(encoding="utf-8"))
    quality = manifest["identity_quality"]
    for spec in load_specs(default_loaders_dir()):
        for f in spec.files:
            result = read_validated(bank, f)
            assert result.read == manifest["files"][f.path], f.path
            assert result.loaded + len(result.rejects) == result.read, f.path
            planted = quality.get(f.path, {"invalid": 0, "noisy": 0})
            # every planted invalid row is caught; beyond them only ids with transposed
            # digits (a kind of noise the check digit catches) may be rejected
            assert planted["invalid"] <= len(result.rejects), f.path
            assert len(result.rejects) <= planted["invalid"] + planted["noisy"], f.path
