"""Chapter 4's seed ensembles through train(), against the hand-written loop they replaced.

    python benchmarks/automata.py [n_epochs] [rounds]

Three ensembles on rule 30 (j = 1, windows of 5-8 cells, batches of 64, Adam,
the error on 32 long test strings every epoch), as chapter 4 trains them:

- shared: one frozen random attention tensor A (d = 2, the seed 28 the
  chapter's survey finds), 64 read-outs B trained at once;
- survey: 64 frozen random A (d = 2), each with its own read-out B (the
  chapter's search for an A that carries the rule);
- full: A and B trained (d = 4), 16 seeds with an L2 penalty.

- new: ``grokbook.tasks.automata.train_ensemble``: an ``Ensemble`` of
  ``CellLogits`` through ``grokbook.training.train``, evaluated on the whole
  training set and the long strings every epoch.  A frozen A's perceptron
  features are computed once (for a stack of A, once for all members) and
  remembered; a trained A's environments are computed on the stack of all
  members at once;
- old: ``automata.run_ensemble`` of commit ``BASELINE`` (its own Adam loop on
  precomputed environments, training errors counted on the batches),
  checked out from git into a temporary folder.

Each timing runs in its own process, on one torch thread, best of two runs
in that process; old and new alternate ``rounds`` times and the best is
kept, so a busy machine slows both alike.  Target: new / old <= 1.5.
Measured on the 2-core development machine (200 epochs, 2 rounds), in ms per
epoch, old -> new: shared 24.1 -> 24.9 (1.03), survey 23.0 -> 31.6 (1.38),
full 84.3 -> 103.3 (1.22); the new loop also evaluates the whole training
set after every epoch, which the old one did not (it counted the errors of
the batches as they trained).
These numbers predate commit 4193c62, which computes the environments by one
batched product per site (no site matrices held) and the read-out for both
cell values; not re-measured (the machine was shared).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

BASELINE = "ca55998"  # the last commit with automata.run_ensemble and rules.TensorNetworkEnsemble
REPO = Path(__file__).resolve().parents[1]

#: name -> (config changes to ENSEMBLE_CONFIG, members, keyword arguments)
CASES = {
    "shared": ('{"d": 2, "freeze_A": True, "A_seed": 28}', 64, "{}"),
    "survey": ('{"d": 2, "freeze_A": True}', 64, "{}"),
    "full": ("{}", 16, '{"l2": 1e-3}'),
}

SCRIPT = """
import time, torch
torch.set_num_threads(1)
from grokbook{module} import automata
config = {{**automata.ENSEMBLE_CONFIG, **{changes}, "n_epochs": {n_epochs}}}
times = []
for _ in range(2):
    start = time.perf_counter()
    automata.{function}(config, list(range({members})), **{kwargs})
    times.append(time.perf_counter() - start)
print(min(times))
"""


def seconds(case: str, n_epochs: int, *, old: bool, baseline_dir: str) -> float:
    """Best of two wall times of one ensemble, in a fresh process."""
    module, function = ("", "run_ensemble") if old else (".tasks", "train_ensemble")
    changes, members, kwargs = CASES[case]
    env = {**os.environ, "TQDM_DISABLE": "1", "PYTHONPATH": baseline_dir if old else str(REPO)}
    script = SCRIPT.format(module=module, function=function, n_epochs=n_epochs, changes=changes, members=members, kwargs=kwargs)
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=baseline_dir if old else REPO, capture_output=True, text=True, check=True)
    return float(result.stdout.split()[-1])


def main(n_epochs: int = 200, rounds: int = 2) -> None:
    with tempfile.TemporaryDirectory() as baseline_dir:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", BASELINE, "grokbook"], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", baseline_dir], input=archive, check=True)
        print(f"load average {os.getloadavg()[0]:.1f}; {n_epochs} epochs; ms per epoch, best of {2 * rounds}")
        print(f"{'case':>8} {'old':>7} {'new':>7} {'new/old':>8}")
        for case in CASES:
            old, new = [], []
            for _ in range(rounds):
                old.append(seconds(case, n_epochs, old=True, baseline_dir=baseline_dir))
                new.append(seconds(case, n_epochs, old=False, baseline_dir=baseline_dir))
            old_ms, new_ms = 1e3 * min(old) / n_epochs, 1e3 * min(new) / n_epochs
            print(f"{case:>8} {old_ms:7.1f} {new_ms:7.1f} {new_ms / old_ms:8.2f}", flush=True)
        print("target: new / old <= 1.5")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
