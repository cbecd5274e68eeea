"""Benchmarks: figures and ratios printed and written to docs/benchmarks.md; never tests."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def run_child(code: str, customers: int, what: str) -> dict[str, Any]:
    """Run benchmark ``code`` in a fresh Python process for one size; return its JSON line.

    The child gets the size and a temporary output folder as arguments, so that its
    peak RSS is its own and its files are removed afterwards.
    """
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-c", code, str(customers), str(Path(tmp) / "bank")],
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"{what} bench at {customers} failed:\n{proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result
