"""Run every benchmark in benchmarks/ and print one table of figures against baselines.

    python benchmarks/run.py

Each benchmark module has ``main() -> list[Row]``: what was measured, our
figure and the baseline's, both measured in the same run, and whether higher
is better (a rate) or lower (a time); the speed-up is printed as a factor > 1
when we are faster.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


Row = tuple[str, float, float, bool]  # (what, ours, baseline, higher_is_better)


def print_table(rows: list[Row]) -> None:
    """Print the rows with the speed-up factor of ours over the baseline."""
    width = max(len(what) for what, *_ in rows)
    print(f"{'benchmark':<{width}}  {'ours':>10}  {'baseline':>10}  {'speed-up':>8}")
    for what, value, baseline, higher_is_better in rows:
        speedup = value / baseline if higher_is_better else baseline / value
        print(f"{what:<{width}}  {value:>10.3g}  {baseline:>10.3g}  {speedup:>7.1f}x")


def main() -> None:
    sys.path.insert(0, str(HERE))
    rows = []
    for path in sorted(HERE.glob("*.py")):
        if path.stem == "run":
            continue
        print(f"running {path.name} ...", flush=True)
        rows += importlib.import_module(path.stem).main()
    print_table(rows)


if __name__ == "__main__":
    main()
