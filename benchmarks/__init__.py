"""Benchmarks: one module per area, each runnable as ``python -m benchmarks.bench_<area>``."""
