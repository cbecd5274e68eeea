"""The real extracts in ``shared/data`` beside the checkout (UCI Bank Marketing, BankChurners).

Tests that use them skip where the folder is absent, unless ``CRM_REQUIRE_REAL_DATA=1``
(CI sets it) turns the skip into a failure. ``CRM_REAL_DATA_DIR`` names another
folder holding the extracts.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def real_data(name: str, file: str) -> Path:
    """Return the folder of one real extract; skip (or fail in CI) when it is absent.

    Looks in ``$CRM_REAL_DATA_DIR/<name>``, then in ``shared/data/<name>`` beside
    the checkout or beside any folder above it.
    """
    candidates = []
    if os.environ.get("CRM_REAL_DATA_DIR"):
        candidates.append(Path(os.environ["CRM_REAL_DATA_DIR"]) / name)
    for folder in Path(__file__).resolve().parents[1:]:
        candidates.append(folder.parent / "shared" / "data" / name)
    for candidate in candidates:
        if (candidate / file).is_file():
            return candidate
    message = f"the real extract {name}/{file} is not in shared/data beside the checkout"
    if os.environ.get("CRM_REQUIRE_REAL_DATA") == "1":
        pytest.fail(f"{message} and CRM_REQUIRE_REAL_DATA=1")
    pytest.skip(message)
