"""Run every benchmark: ``python -m benchmarks`` (``make bench``), or name some:
``python -m benchmarks data indicators``."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def _available() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    names = [f"bench_{a.removeprefix('bench_')}" for a in argv] or _available()
    unknown = sorted(set(names) - set(_available()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(_available())}")
        return 2
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        sys.argv = [f"benchmarks.{name}"]  # each main() parses its own (default) arguments
        module.main()
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
