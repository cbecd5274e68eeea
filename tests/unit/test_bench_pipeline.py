"""The pipeline table's cells from stored step results (bench/pipeline.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench import pipeline  # noqa: E402


def _api(errors: int = 0) -> dict[str, object]:
    runs = []
    for endpoint, p50, p99, rps in (
        ("customer view", 4.0, 30.0, 250.0),
        ("recommendations", 3.0, 20.0, 400.0),
    ):
        runs.append(
            {
                "endpoint": endpoint,
                "load": "200 req/s offered",
                "p50_ms": p50,
                "p99_ms": p99,
                "rps": 199.0,
                "errors": errors,
            }
        )
        runs.append(
            {
                "endpoint": endpoint,
                "load": "as fast as it goes",
                "p50_ms": p50 * 2,
                "p99_ms": p99 * 2,
                "rps": rps,
                "errors": errors,
            }
        )
    return {
        "seconds": 60.0,
        "peak_rss_mib": 50.0,
        "server_peak_rss_mib": 321.0,
        "endpoints": runs,
        "measured": "2026-12-03",
    }


def test_load_cell_gives_rows_per_second_and_the_admin_import_ratio() -> None:
    steps = {
        "load": {"seconds": 100.0, "rows": 500_000, "peak_rss_mib": 300.0, "measured": "x"},
        "admin_import": {"seconds": 20.0, "peak_rss_mib": 80.0, "measured": "x"},
    }
    row = pipeline.markdown([{"customers": 1000, "steps": steps}]).splitlines()[2]
    assert "100.0 s, 300 MiB (5,000; 5.0x of 20.0 s)" in row


def test_load_cell_without_admin_import_has_no_ratio() -> None:
    steps = {"load": {"seconds": 100.0, "rows": 500_000, "peak_rss_mib": 300.0}}
    row = pipeline.markdown([{"customers": 1000, "steps": steps}]).splitlines()[2]
    assert "(5,000)" in row
    assert "x of" not in row


def test_api_cell_gives_p50_p99_at_the_offered_rate_and_the_flat_out_rate() -> None:
    assert pipeline.api_cell(_api()) == (
        "4.0 / 30.0 ms, 250 req/s; 3.0 / 20.0 ms, 400 req/s; server peak 321 MiB"
    )


def test_api_cell_gives_one_p50_p99_pair_per_run_at_the_offered_rate() -> None:
    step = _api()
    runs: list[dict[str, object]] = step["endpoints"]  # type: ignore[assignment]
    first = runs[0]
    repeated = [
        {**first, "load": f"200 req/s offered, run {i} of 3", "p99_ms": p99}
        for i, p99 in enumerate((30.0, 55.5, 12.25), start=1)
    ]
    step["endpoints"] = repeated + runs[1:]
    assert pipeline.api_cell(step).startswith(
        "4.0 / 30.0, 4.0 / 55.5, 4.0 / 12.2 ms, 250 req/s; 3.0 / 20.0 ms, 400 req/s"
    )


def test_api_cell_shows_the_largest_cpu_steal_where_recorded() -> None:
    step = _api()
    runs = step["endpoints"]
    assert isinstance(runs, list)
    for run, steal in zip(runs, (0.01, 0.126, None, 0.0), strict=True):
        run["cpu_steal"] = steal
    assert pipeline.api_cell(step).endswith("server peak 321 MiB; CPU steal up to 13%")


def test_steal_share_is_the_steal_column_of_the_cpu_time_between_two_readings() -> None:
    from bench.api import _steal_share

    # user nice system idle iowait irq softirq steal
    before = [100, 0, 50, 800, 0, 0, 0, 50]
    after = [200, 0, 100, 1500, 0, 0, 0, 200]
    assert _steal_share(before, after) == pytest.approx(150 / 1000)
    assert _steal_share(None, after) is None
    assert _steal_share(before, before) is None


def test_api_cell_shows_errors_and_failures() -> None:
    assert "(2 errors)" in pipeline.api_cell(_api(errors=1))
    assert pipeline.api_cell({"error": "boom"}) == "failed (boom)"
    assert pipeline.api_cell(None) == "not run"


def test_unknown_step_is_refused_before_anything_runs() -> None:
    with pytest.raises(ValueError, match="unknown pipeline steps"):
        pipeline.run([10], ("load", "api_typo"))


def test_a_step_past_its_time_limit_is_killed_and_shown_as_not_finished() -> None:
    from bench import StepTimeout, run_code

    with pytest.raises(StepTimeout, match=r"did not finish in 0 s") as caught:
        run_code("import time; time.sleep(30)", [], "sleeper", timeout=0.2)
    assert caught.value.seconds == 0.2
    steps = {"clusters_networkx": {"error": str(caught.value), "limit_s": 1800.0}}
    row = pipeline.markdown([{"customers": 1000, "steps": steps}]).splitlines()[2]
    assert "did not finish in 1,800 s" in row


def test_a_child_within_its_time_limit_returns_its_last_json_line() -> None:
    from bench import run_code

    assert run_code("print('{\"a\": 1}')", [], "quick", timeout=30.0) == {"a": 1}


def test_the_api_bench_refuses_no_runs_before_serving() -> None:
    from bench import api

    with pytest.raises(ValueError, match="repeats must be at least 1"):
        api.run(repeats=0)
