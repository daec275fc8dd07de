"""Execute every notebook from scratch, in memory, and print its wall time and the total.

    python scripts/time_notebooks.py [notebooks/NN_topic.ipynb ...]

Budget: <= 180 s per notebook and <= 600 s for the whole book on 2 cores.
The committed notebooks are not touched.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
BUDGET_EACH, BUDGET_TOTAL = 180.0, 600.0


def execute(path: Path) -> float:
    """Wall time in seconds to execute ``path`` from a fresh kernel."""
    notebook = nbformat.read(path, as_version=4)  # executed in memory, never written back
    client = NotebookClient(notebook, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main(paths: list[str]) -> int:
    notebooks = [Path(p) for p in paths] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    total, over = 0.0, []
    for path in notebooks:
        seconds = execute(path)
        total += seconds
        flag = "" if seconds <= BUDGET_EACH else "  OVER BUDGET"
        over += [path.name] if flag else []
        print(f"{path.name:<40} {seconds:7.1f} s{flag}", flush=True)
    print(f"{'total':<40} {total:7.1f} s{'' if total <= BUDGET_TOTAL else '  OVER BUDGET'}")
    return 1 if over or total > BUDGET_TOTAL else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
