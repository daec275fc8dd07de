"""The results store loses nothing: kills mid-sweep, corrupt files, concurrent writers (issue 7)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from grokbook import provenance
from grokbook import store as store_module
from grokbook.store import (
    FORMAT,
    CorruptResultError,
    CorruptResultWarning,
    ResultStore,
    config_hash,
    default_root,
    read_result,
)

REPO = Path(__file__).resolve().parent.parent
CONFIG = {"size": 4, "rate": 0.5, "name": "demo", "widths": [1, 2]}


def payload_of(config: dict, seed: int) -> dict:
    return {"x": np.full(config["size"], float(seed)), "seed": seed}


class Counter:
    """A compute function that records the seeds it was called with."""

    def __init__(self) -> None:
        self.seeds: list[int] = []

    def __call__(self, config: dict, seed: int) -> dict:
        self.seeds.append(seed)
        return payload_of(config, seed)


def temporaries(root: Path) -> list[Path]:
    return list(root.rglob(f"{store_module.TEMP_PREFIX}*"))


# ---------------------------------------------------------------- round trip and metadata


def test_round_trip_keeps_types_and_metadata(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    payload = {
        "curve": np.linspace(0, 1, 7, dtype=np.float32),
        "grid": np.arange(6, dtype=np.int8).reshape(2, 3),
        "list": [1.5, 2.5],
        "steps": 12,
        "loss": 0.25,
        "np_loss": np.float64(0.125),
        "grokked": True,
        "label": "wolff",
        "t_grok": None,
    }
    saved = store.save("demo", CONFIG, 3, payload, wall_time=1.5)
    loaded = store.load("demo", CONFIG, 3)
    assert saved.path == loaded.path == tmp_path / "demo" / config_hash(CONFIG) / "seed-3.result"
    for result in (saved, loaded):
        assert result.experiment == "demo" and result.seed == 3 and result.config == CONFIG
        assert result.payload["curve"].dtype == np.float32 and result.payload["grid"].shape == (2, 3)
        np.testing.assert_array_equal(result.payload["list"], [1.5, 2.5])
        assert type(result.payload["steps"]) is int and result.payload["steps"] == 12
        assert type(result.payload["np_loss"]) is float and result.payload["np_loss"] == 0.125
        assert result.payload["grokked"] is True and result.payload["label"] == "wolff" and result.payload["t_grok"] is None
    meta = loaded.meta
    assert loaded.wall_time == 1.5
    assert meta["config_hash"] == config_hash(CONFIG)
    assert meta["numpy"] == np.__version__ and meta["torch"]  # torch version read without importing torch
    from grokbook import __version__

    assert meta["grokbook_version"] == __version__
    commit = meta["git_commit"]
    assert commit == "unknown" or (len(commit) == 40 and int(commit, 16) >= 0)
    assert loaded.path.read_bytes().startswith(FORMAT.encode() + b" sha256=")


def test_git_commit_unknown_outside_git(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(provenance.subprocess, "run", no_git)
    try:
        assert provenance.git_state(fresh=True) == ("unknown", None)
        assert provenance.collect()["git_dirty"] is None
    finally:
        provenance.git_state(fresh=True)


def test_config_hash_ignores_key_order_and_sees_values() -> None:
    assert config_hash({"a": 1, "b": [2.0, 3.0]}) == config_hash({"b": [2.0, 3.0], "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})
    assert config_hash({"a": 0.1}) != config_hash({"a": 0.1 + 1e-16 * 2})  # exact float repr, no rounding
    assert len(config_hash({})) == 16


@pytest.mark.parametrize(
    "call, error, word",
    [
        (lambda s: s.save("demo", CONFIG, -1, {}, wall_time=0), ValueError, "seed"),
        (lambda s: s.save("demo", CONFIG, 1.5, {}, wall_time=0), TypeError, "seed"),
        (lambda s: s.save("../escape", CONFIG, 0, {}, wall_time=0), ValueError, "experiment"),
        (lambda s: s.save("", CONFIG, 0, {}, wall_time=0), ValueError, "experiment"),
        (lambda s: s.save(3, CONFIG, 0, {}, wall_time=0), TypeError, "experiment"),
        (lambda s: s.save("demo", {"a": float("nan")}, 0, {}, wall_time=0), ValueError, "config"),
        (lambda s: s.save("demo", {1: 2}, 0, {}, wall_time=0), TypeError, "config"),
        (lambda s: s.save("demo", [1], 0, {}, wall_time=0), TypeError, "config"),
        (lambda s: s.save("demo", CONFIG, 0, {"bad": object()}, wall_time=0), TypeError, "payload['bad']"),
        (lambda s: s.save("demo", CONFIG, 0, {"ragged": [[1], [1, 2]]}, wall_time=0), ValueError, "payload['ragged']"),
        (lambda s: s.save("demo", CONFIG, 0, {"nested": {"a": 1}}, wall_time=0), TypeError, "payload['nested']"),
        (lambda s: s.save("demo", CONFIG, 0, {"": 1}, wall_time=0), TypeError, "payload keys"),
        (lambda s: s.save("demo", CONFIG, 0, {}, wall_time=-1.0), ValueError, "wall_time"),
        (lambda s: s.save("demo", CONFIG, 0, "x", wall_time=0), TypeError, "payload"),
    ],
)
def test_bad_arguments_are_named(tmp_path: Path, call, error, word: str) -> None:
    with pytest.raises(error, match=word.replace("[", r"\[").replace("]", r"\]")):
        call(ResultStore(tmp_path))
    assert not temporaries(tmp_path)


def test_missing_result_is_a_key_error(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="seed 5"):
        ResultStore(tmp_path).load("demo", CONFIG, 5)


def test_root_from_environment_else_repository(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GROKBOOK_RESULTS", str(tmp_path / "elsewhere"))
    assert default_root() == tmp_path / "elsewhere"
    assert ResultStore().root == (tmp_path / "elsewhere").resolve()
    monkeypatch.delenv("GROKBOOK_RESULTS")
    assert default_root() == REPO / "results"
    assert "results/" in (REPO / ".gitignore").read_text().split()


# ---------------------------------------------------------------- reruns skip what is stored


def test_rerun_skips_what_is_stored(tmp_path: Path) -> None:
    store, compute = ResultStore(tmp_path), Counter()
    first = store.sweep("demo", CONFIG, range(3), compute, progress=False)
    assert first.computed == [0, 1, 2] and first.reused == [] and compute.seeds == [0, 1, 2]
    second = store.sweep("demo", CONFIG, range(5), compute, progress=False)
    assert second.reused == [0, 1, 2] and second.computed == [3, 4] and compute.seeds == [0, 1, 2, 3, 4]
    assert [r.seed for r in second.results] == [0, 1, 2, 3, 4]
    assert [int(r.payload["seed"]) for r in second.results] == [0, 1, 2, 3, 4]
    other = store.sweep("demo", {**CONFIG, "rate": 0.25}, range(2), compute, progress=False)
    assert other.computed == [0, 1] and other.directory != first.directory
    assert len(store.results("demo")) == 7 and len(store.results("demo", CONFIG)) == 5
    assert store.get_or_compute("demo", CONFIG, 4, compute).payload["seed"] == 4 and len(compute.seeds) == 7


# ---------------------------------------------------------------- corruption is detected and recomputed


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_payload_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-40] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_header(path: Path) -> None:  # a changed config value, the JSON still valid
    path.write_bytes(path.read_bytes().replace(b'"rate": 0.5', b'"rate": 0.6', 1))


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(300))


@pytest.mark.parametrize("damage", [_truncate, _flip_payload_byte, _edit_header, _empty, _garbage])
def test_corrupt_file_is_detected_reported_and_recomputed(tmp_path: Path, damage) -> None:
    store, compute = ResultStore(tmp_path), Counter()
    path = store.get_or_compute("demo", CONFIG, 2, compute).path
    damage(path)
    with pytest.raises(CorruptResultError):
        read_result(path)
    with pytest.warns(CorruptResultWarning, match="corrupt"):
        assert store.results("demo") == []  # listed results skip it, with a warning
    with pytest.warns(CorruptResultWarning, match="seed-2.result"):
        report = store.sweep("demo", CONFIG, [1, 2], compute, progress=False)
    assert report.corrupt == [2] and report.computed == [1] and compute.seeds == [2, 1, 2]
    np.testing.assert_array_equal(store.load("demo", CONFIG, 2).payload["x"], payload_of(CONFIG, 2)["x"])


# ---------------------------------------------------------------- killed sweeps resume


WORKER = r"""
import os, signal, sys, time
import numpy as np
from grokbook import provenance
from grokbook import store as store_module

root, n_seeds, crash = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def kill_self(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if crash == "before_rename":       # temp file complete and synced, never renamed
    store_module.os.replace = kill_self
elif crash == "before_fsync":      # temp file written, not yet synced
    store_module.os.fsync = kill_self

def compute(config, seed):
    print(seed, flush=True)
    time.sleep(0.01)
    return {"x": np.full(config["size"], float(seed)), "seed": seed}

store_module.ResultStore(root).sweep("sweep", {"size": 200_000}, range(n_seeds), compute, progress=False)
"""

N_SEEDS = 24


def _worker(root: Path, log: Path, crash: str = "none") -> subprocess.Popen:
    with open(log, "a") as out:
        return subprocess.Popen([sys.executable, "-c", WORKER, str(root), str(N_SEEDS), crash], stdout=out, cwd=REPO)


def _stored(root: Path) -> list[Path]:
    return sorted(root.glob("sweep/*/seed-*.result"))


def _kill_after(proc: subprocess.Popen, root: Path, n_files: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while len(_stored(root)) < n_files and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_sweep_killed_part_way_resumes_and_loses_nothing(tmp_path: Path) -> None:
    root, log = tmp_path / "results", tmp_path / "computed.log"
    # Three kills at different points: SIGKILL from outside while running, then a
    # crash inside save() after the temp file is written, and one before it is synced.
    _kill_after(_worker(root, log), root, n_files=5)
    after_first = len(_stored(root))
    assert 5 <= after_first < N_SEEDS, "the first worker should be killed part-way"
    for crash in ("before_rename", "before_fsync"):
        proc = _worker(root, log, crash)
        assert proc.wait(timeout=60) == -signal.SIGKILL
        assert len(_stored(root)) == after_first  # the crashed write left no result, only its temp file
        assert len(temporaries(root)) == 1  # (the previous crash's one was removed at start)
    _kill_after(_worker(root, log), root, n_files=after_first + 6)
    before_final = {p.name for p in _stored(root)}

    final = _worker(root, log)
    assert final.wait(timeout=60) == 0
    files = _stored(root)
    assert [p.name for p in files] == sorted(f"seed-{s}.result" for s in range(N_SEEDS))  # each once
    assert len({p.parent for p in files}) == 1
    assert temporaries(root) == [], "stale temp files of killed writers must be removed"
    for path in files:
        result = read_result(path)  # checksum verified
        np.testing.assert_array_equal(result.payload["x"], np.full(200_000, float(result.seed)))
    # The last run computed exactly the seeds that were not stored when it started.
    runs = log.read_text().split()
    final_computed = set(runs[len(runs) - (N_SEEDS - len(before_final)) :])
    assert final_computed == {str(s) for s in range(N_SEEDS)} - {n[5:-7] for n in before_final}


def test_stale_temporary_of_live_process_is_kept(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    directory = store.directory("demo", CONFIG)
    directory.mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = directory / f".tmp-{dead.pid}-abc.result"
    live = directory / f".tmp-{os.getpid()}-abc.result"
    stale.write_bytes(b"partial")
    live.write_bytes(b"partial")
    assert store.remove_stale_temporaries("demo") == [stale]
    assert live.exists() and not stale.exists()


# ---------------------------------------------------------------- concurrent writers of one key

WRITER = r"""
import sys, time
from pathlib import Path
import numpy as np
from grokbook.store import ResultStore

root, value, go = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3])
while not go.exists():
    time.sleep(0.001)
store = ResultStore(root)
for i in range(30):
    store.save("race", {"k": 1}, 0, {"x": np.full(250_000, value), "i": i}, wall_time=0.0)
"""


def test_two_writers_of_one_key_never_corrupt_it(tmp_path: Path) -> None:
    root, go = tmp_path / "results", tmp_path / "go"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(root), str(v), str(go)], cwd=REPO) for v in (1.0, 2.0)]
    store = ResultStore(root)
    go.touch()
    reads = 0
    while any(w.poll() is None for w in writers):
        try:
            result = store.load("race", {"k": 1}, 0)
        except KeyError:
            continue  # not written yet
        x = result.payload["x"]
        assert x.shape == (250_000,) and x[0] in (1.0, 2.0) and np.all(x == x[0])  # one writer's whole file
        reads += 1
    assert [w.wait() for w in writers] == [0, 0]
    final = store.load("race", {"k": 1}, 0)
    assert final.payload["i"] == 29 and np.all(final.payload["x"] == final.payload["x"][0])
    assert reads > 0 and temporaries(root) == []


# ---------------------------------------------------------------- table, partial configs, provenance (issue 14)


def test_table_has_one_row_per_config_and_seed_with_varying_keys_and_scalars(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    for beta in (2.0, 0.5):
        for seed in (1, 0):
            config = {"beta": beta, "width": 8, "temperatures": [1.0, 2.0]}
            payload = {"t_grok": None if seed else 100 * beta, "grokked": seed == 0, "label": "mlp", "curve": np.arange(3.0), "seed": 7}
            store.save("demo", config, seed, payload, wall_time=0.1)
    table = store.table("demo")
    assert list(table.columns) == ["beta", "seed", "grokked", "label", "seed (result)", "t_grok"]  # results in stored (sorted) order
    assert table[["beta", "seed"]].values.tolist() == [[0.5, 0], [0.5, 1], [2.0, 0], [2.0, 1]]
    assert table["t_grok"].tolist()[::2] == [50.0, 200.0] and table["t_grok"].isna().tolist()[1::2] == [True, True]
    assert table["grokked"].tolist() == [True, False, True, False] and set(table["label"]) == {"mlp"}
    empty = store.table("nothing")
    assert list(empty.columns) == ["seed"] and len(empty) == 0


def test_a_partial_config_is_an_error_not_an_empty_list(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    store.save("demo", CONFIG, 0, {"x": 1}, wall_time=0)
    assert len(store.results("demo", CONFIG)) == 1
    assert store.results("demo", {**CONFIG, "size": 5}) == []  # complete, just not computed
    with pytest.raises(ValueError, match=r"config must be complete.*lacks \['name', 'widths'\]"):
        store.results("demo", {"size": 4, "rate": 0.5})
    with pytest.raises(ValueError, match="config must be complete"):
        store.load("demo", {"size": 4}, 0)
    assert store.results("empty", {"size": 4}) == []  # nothing stored to compare with, not registered
    # nothing stored, but a registered experiment: its keys say what is missing
    with pytest.raises(ValueError, match=r"config must be complete.*ising_sampler_check.*lacks \['method', 'n_chains'"):
        store.results("ising_sampler_check", {"L": 8, "n_samples": 32, "temperatures": [2.0]})


def test_experiment_results_complete_a_partial_config_with_defaults(tmp_path: Path) -> None:
    from grokbook.experiments import Experiment

    experiment = Experiment("demo", "demo", payload_of, {"size": 2, "rate": 0.5, "name": "q", "widths": [1]}, {"size": 2, "rate": 0.5, "name": "p", "widths": [1]})
    experiment.sweep({"size": 3}, [0, 1], store=ResultStore(tmp_path), progress=False)
    assert [r.seed for r in experiment.results({"size": 3}, store=ResultStore(tmp_path))] == [0, 1]
    assert experiment.results({"size": 3}, scale="paper", store=ResultStore(tmp_path)) == []


def test_results_record_the_provenance_of_the_process_that_computed_them(tmp_path: Path) -> None:
    meta = ResultStore(tmp_path).save("demo", CONFIG, 0, {"x": 1}, wall_time=0).meta
    assert set(provenance.FIELDS) | {"device"} <= set(meta) and meta["device"] == "cpu"
    assert meta["git_dirty"] in (True, False, None)
    worker = {**provenance.collect("cuda"), "host": "node-7"}
    meta = ResultStore(tmp_path).save("demo", CONFIG, 1, {"x": 1}, wall_time=0, provenance=worker).meta
    assert meta["host"] == "node-7" and meta["device"] == "cuda"
    with pytest.raises(TypeError, match="provenance"):
        ResultStore(tmp_path).save("demo", CONFIG, 2, {"x": 1}, wall_time=0, provenance={"seed": 3})
