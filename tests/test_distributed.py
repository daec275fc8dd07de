"""Sweeps on a real Dask LocalCluster of 2 worker processes: faults, and results bitwise equal to the in-process path (issue 14).

The runs are tiny (a sleep, a little numpy, a 30-step torch fit), so each
test costs a few seconds.  The run functions live in this module: the
cluster's spawned workers import it by name (sys.path travels with them), and
the client-killed test runs this file as a script, whose ``__main__``
functions cloudpickle ships by value.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from grokbook.experiments import EXPERIMENTS, Experiment
from grokbook.store import ResultStore, read_result
from grokbook.sweeps import SweepError, run_sweeps

HERE = Path(__file__).resolve()
QUICK = {"sleep": 0.0, "scale": 1.0, "fail_seed": -1, "markers": ""}


def square(config: dict, seed: int) -> dict:
    """seed^2 * scale and four normal draws; sleeps ``sleep`` s; leaves a file ``start-<seed>-<pid>`` in ``markers``; raises for ``fail_seed``."""
    if config["markers"]:
        Path(config["markers"], f"start-{seed}-{os.getpid()}").touch()
    time.sleep(config["sleep"])
    if seed == config["fail_seed"]:
        raise RuntimeError(f"seed {seed} fails on purpose")
    return {"value": seed**2 * config["scale"], "noise": np.random.default_rng(seed).normal(size=4), "label": "square"}


def tiny_torch(config: dict, seed: int) -> dict:
    """30 Adam steps of a 8-16-2 MLP on random data: float sums whose order the thread count fixes."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    x, y = torch.randn(64, 8, generator=generator), torch.randint(0, 2, (64,), generator=generator)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(8, config["width"]), torch.nn.ReLU(), torch.nn.Linear(config["width"], 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"loss": np.array(losses), "weight": model[0].weight.detach().numpy().copy(), "final_loss": losses[-1]}


SQUARE = Experiment("square", "seed squared, slowly", square, QUICK, QUICK)
TORCH = Experiment("tiny_torch", "a tiny torch fit", tiny_torch, {"width": 16}, {"width": 16})


@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


def worker_pids(address: str) -> set[int]:
    from dask.distributed import Client

    with Client(address) as client:
        return set(client.run(os.getpid).values())


def markers(directory: Path) -> list[tuple[int, int]]:
    """(seed, pid) of every run started, from the marker files."""
    return sorted(tuple(int(part) for part in path.name.split("-")[1:]) for path in directory.glob("start-*"))


def stored_seeds(root: Path, experiment: str) -> list[int]:
    return sorted(read_result(path).seed for path in (root / experiment).rglob("seed-*.result"))


def test_worker_killed_mid_run_is_rescheduled_and_every_result_stored_once(cluster, tmp_path: Path, monkeypatch) -> None:
    marks = tmp_path / "markers"
    marks.mkdir()
    pids = worker_pids(cluster.scheduler_address)
    killed: list[tuple[int, int]] = []

    def kill_first_busy_worker() -> None:  # SIGKILL the worker running the first run to start, 0.3 s into its 1.5 s
        deadline = time.monotonic() + 30
        while not markers(marks) and time.monotonic() < deadline:
            time.sleep(0.02)
        seed, pid = markers(marks)[0]
        assert pid in pids, f"marker pid {pid} is not a worker {pids}"
        time.sleep(0.3)
        os.kill(pid, signal.SIGKILL)
        killed.append((seed, pid))

    saves: list[tuple[str, int]] = []
    original = ResultStore.save

    def counting_save(self, experiment, config, seed, *args, **kwargs):
        saves.append((experiment, seed))
        return original(self, experiment, config, seed, *args, **kwargs)

    monkeypatch.setattr(ResultStore, "save", counting_save)
    killer = threading.Thread(target=kill_first_busy_worker)
    killer.start()
    store = ResultStore(tmp_path / "results")
    report = run_sweeps(SQUARE, [{"sleep": 1.5, "markers": str(marks)}], 4, store=store, scheduler=cluster.scheduler_address, progress=False)[0]
    killer.join()

    (seed, pid), = killed
    started = markers(marks)
    assert [s for s, p in started if s == seed] == [seed, seed], f"seed {seed} ran once, not again after its worker was killed: {started}"
    assert report.computed == [0, 1, 2, 3] and not report.failed
    assert sorted(saves) == [("square", s) for s in range(4)]  # each result written once
    assert stored_seeds(store.root, "square") == [0, 1, 2, 3]
    assert [r.payload["value"] for r in report.results] == [0.0, 1.0, 4.0, 9.0]


def test_a_run_that_raises_leaves_the_others_stored_and_fails_the_command(cluster, tmp_path: Path, monkeypatch, capsys) -> None:
    from grokbook.cli import main

    store = ResultStore(tmp_path)
    with pytest.raises(SweepError) as caught:
        run_sweeps(SQUARE, [{"fail_seed": 2}], 4, store=store, scheduler=cluster.scheduler_address, progress=False)
    (config, seed, error), = caught.value.failures
    assert seed == 2 and config["fail_seed"] == 2 and error == "RuntimeError: seed 2 fails on purpose"
    assert stored_seeds(tmp_path, "square") == [0, 1, 3]
    assert [r.seed for r in caught.value.reports[0].results] == [0, 1, 3]

    monkeypatch.setitem(EXPERIMENTS, "square", SQUARE)  # the command: the others run (or are reused), exit status 1
    status = main(["run", "square", "--seeds", "5", "--set", "fail_seed=2", "--scheduler", cluster.scheduler_address, "--results", str(tmp_path)])
    out, err = capsys.readouterr()
    assert status == 1
    assert "5 seeds: 1 computed, 3 already stored, 0 corrupt and recomputed, 1 failed" in out
    lines = [line for line in err.splitlines() if line.startswith("grokbook")]
    assert lines == ['grokbook run: error: seed 2 of config sleep=0.0, scale=1.0, fail_seed=2, markers="": RuntimeError: seed 2 fails on purpose']
    assert stored_seeds(tmp_path, "square") == [0, 1, 3, 4]


@pytest.mark.parametrize("experiment, configs", [(SQUARE, [{"scale": 0.1}, {"scale": 3.0}]), (TORCH, [{"width": 16}, {"width": 5}])], ids=["numpy", "torch"])
def test_cluster_results_are_bitwise_equal_to_in_process(cluster, tmp_path: Path, experiment: Experiment, configs: list[dict]) -> None:
    here = run_sweeps(experiment, configs, 3, store=ResultStore(tmp_path / "here"), progress=False)
    there = run_sweeps(experiment, configs, 3, store=ResultStore(tmp_path / "there"), scheduler=cluster.scheduler_address, progress=False)
    for a_report, b_report in zip(here, there):
        assert a_report.computed == b_report.computed == [0, 1, 2]
        for a, b in zip(a_report.results, b_report.results):
            assert a.path.relative_to(tmp_path / "here") == b.path.relative_to(tmp_path / "there")
            assert a.payload.keys() == b.payload.keys()
            for key, value in a.payload.items():
                other = b.payload[key]
                if isinstance(value, np.ndarray):
                    assert value.dtype == other.dtype and value.tobytes() == other.tobytes(), key
                else:
                    assert type(value) is type(other) and value == other, key
            # the stored payload bytes (the .npz after the header) are equal too
            assert a.path.read_bytes().split(b"\n", 2)[2] == b.path.read_bytes().split(b"\n", 2)[2]


def test_client_killed_mid_sweep_resumes_on_rerun_with_nothing_half_written(tmp_path: Path) -> None:
    root, marks = tmp_path / "results", tmp_path / "markers"
    marks.mkdir()
    command = [sys.executable, str(HERE), str(root), str(marks)]
    env = {**os.environ, "TQDM_DISABLE": "1"}
    client = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while len(list(root.rglob("seed-*.result"))) < 2:
            assert client.poll() is None, client.stdout.read().decode()
            assert time.monotonic() < deadline, "the sweep stored nothing in 90 s"
            time.sleep(0.05)
        os.kill(client.pid, signal.SIGKILL)
        client.wait(timeout=10)
    finally:
        if client.poll() is None:
            client.kill()
    stored = stored_seeds(root, "square")  # every file reads back with a valid checksum
    assert 2 <= len(stored) < 8
    for _ in range(100):  # the dead client's worker processes exit when their parent is gone
        alive = [pid for _, pid in markers(marks) if _alive(pid)]
        if not alive:
            break
        time.sleep(0.1)
    assert not alive, f"workers {alive} outlived their killed client"

    report = run_sweeps(SQUARE, [CHILD_CONFIG | {"markers": str(marks)}], 8, store=ResultStore(root), progress=False)[0]
    assert report.reused == stored and sorted(report.reused + report.computed) == list(range(8))
    assert stored_seeds(root, "square") == list(range(8)) and not list(root.rglob(".tmp-*"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped) is dead too
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


CHILD_CONFIG = {"sleep": 0.4}

if __name__ == "__main__":  # the client of the client-killed test: `grokbook run square --workers 2` over 8 seeds
    from grokbook import experiments
    from grokbook.cli import main

    results, marker_dir = sys.argv[1:3]
    experiments.register("square", "seed squared, slowly", square, quick=QUICK, paper=QUICK)
    sys.exit(main(["run", "square", "--seeds", "8", "--workers", "2", "--set", f"sleep={CHILD_CONFIG['sleep']}", f"markers={marker_dir}", "--results", results]))


USER_MODULE = '''
import multiprocessing

import grokbook


def run(config, seed):
    return {"value": float(config["a"] * seed), "in_worker": multiprocessing.parent_process() is not None}


grokbook.register("my_workers", "a user's experiment on workers", run, quick={"a": 3})
'''


def test_a_users_module_runs_on_local_workers_through_import(tmp_path: Path) -> None:
    """``grokbook --import mymodule run NAME --workers 1``: the workers import the user's module by name (issue 20.4)."""
    (tmp_path / "my_workers_module.py").write_text(USER_MODULE)
    env = {**os.environ, "TQDM_DISABLE": "1", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "grokbook", "--import", "my_workers_module", "run", "my_workers", "--seeds", "2",
               "--workers", "1", "--results", str(tmp_path / "results")]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=240)
    assert done.returncode == 0, done.stderr
    results = ResultStore(tmp_path / "results").results("my_workers")
    assert [(r.seed, r.payload["value"], r.payload["in_worker"]) for r in results] == [(0, 0.0, True), (1, 3.0, True)]
