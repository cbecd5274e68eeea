"""Benchmarks: figures and ratios printed and written to docs/benchmarks.md; never tests."""
