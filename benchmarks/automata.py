"""The frozen-attention seed ensemble of chapter 3 through train(), against the hand-written loop it replaced.

    python benchmarks/automata.py [n_epochs]

Chapter 3's row (a): one frozen random attention tensor A (d = 2, the seed
28 the chapter's survey finds), 64 read-outs B trained at once on rule 30
(j = 1, windows of 5-8 cells, batches of 64, Adam), with the error on 32 long
test strings every epoch.

- new: ``grokbook.tasks.automata.train_ensemble``: an ``Ensemble`` of
  ``CellLogits`` through ``grokbook.train.train`` (the frozen A is a buffer
  shared by the members, whose perceptron features ``CellLogits`` remembers),
  evaluated on the whole training set and the long strings every epoch;
- old: ``automata.run_ensemble`` of commit ``BASELINE`` (its own Adam loop on
  precomputed environments), checked out from git into a temporary folder.

Each runs in its own process, on one torch thread, best of two; the two
alternate, so a busy machine slows both alike.  Target: new / old <= 1.5.
Measured on the 2-core development machine while other jobs ran: 1.29 (see the
closing note of issue #13).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

BASELINE = "ca55998"  # the last commit with automata.run_ensemble and rules.TensorNetworkEnsemble
REPO = Path(__file__).resolve().parents[1]

SCRIPT = """
import time, torch
torch.set_num_threads(1)
from grokbook{module} import automata
config = {{**automata.ENSEMBLE_CONFIG, "d": 2, "freeze_A": True, "A_seed": 28, "n_epochs": {n_epochs}}}
times = []
for _ in range(2):
    start = time.perf_counter()
    automata.{function}(config, list(range(64)))
    times.append(time.perf_counter() - start)
print(min(times))
"""


def seconds(n_epochs: int, *, old: bool, baseline_dir: str) -> float:
    """Best of two wall times of one ensemble, in a fresh process."""
    module, function = ("", "run_ensemble") if old else (".tasks", "train_ensemble")
    env = {**os.environ, "TQDM_DISABLE": "1", "PYTHONPATH": baseline_dir if old else str(REPO)}
    script = SCRIPT.format(module=module, function=function, n_epochs=n_epochs)
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=baseline_dir if old else REPO, capture_output=True, text=True, check=True)
    return float(result.stdout.split()[-1])


def main(n_epochs: int = 200) -> None:
    with tempfile.TemporaryDirectory() as baseline_dir:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", BASELINE, "grokbook"], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", baseline_dir], input=archive, check=True)
        print(f"load average {os.getloadavg()[0]:.1f}; 64 read-outs on one frozen A (d = 2), {n_epochs} epochs")
        old, new = [], []
        for _ in range(2):
            old.append(seconds(n_epochs, old=True, baseline_dir=baseline_dir))
            new.append(seconds(n_epochs, old=False, baseline_dir=baseline_dir))
        old_ms, new_ms = 1e3 * min(old) / n_epochs, 1e3 * min(new) / n_epochs
        print(f"old run_ensemble ({BASELINE}): {old_ms:.1f} ms per epoch")
        print(f"new train() + Ensemble:       {new_ms:.1f} ms per epoch")
        print(f"ratio new / old: {new_ms / old_ms:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
