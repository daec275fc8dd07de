"""The experiment registry and the ``grokbook`` command (issue 6, "CLI and results store")."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grokbook import catalog, experiments
from grokbook import cli
from grokbook.cli import main
from grokbook.experiments import EXPERIMENTS, Experiment, get, register, run_sweep
from grokbook.store import ResultStore

REPO = Path(__file__).resolve().parent.parent
SMALL = ["--set", "L=8", "n_samples=32", "temperatures=1.5,3.5"]


def run_cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as exit_:  # argparse's --help and usage errors
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


# ---------------------------------------------------------------- registry


def test_registered_experiments_have_matching_scales() -> None:
    assert "ising_sampler_check" in EXPERIMENTS
    for experiment in EXPERIMENTS.values():
        assert set(experiment.quick) == set(experiment.paper) and experiment.description
        assert experiment.config("quick") == dict(experiment.quick)
        assert experiment.config("paper") == dict(experiment.paper)


def test_config_checks_name_the_key() -> None:
    experiment = get("ising_sampler_check")
    with pytest.raises(ValueError, match="'colour'"):
        experiment.run({"colour": 3}, 0)
    with pytest.raises(ValueError, match="'colour'"):
        experiment.config("quick", {"colour": 3})
    with pytest.raises(TypeError, match="'L'"):
        experiment.resolve({"L": 8.5})
    with pytest.raises(TypeError, match="'L'"):
        experiment.resolve({"L": True})
    with pytest.raises(TypeError, match=r"temperatures\[1\]"):
        experiment.resolve({"temperatures": [1.0, "hot"]})
    with pytest.raises(TypeError, match="'temperatures'"):
        experiment.resolve({"temperatures": 2.0})
    with pytest.raises(ValueError, match="scale"):
        experiment.config("huge")
    with pytest.raises(ValueError, match="seed"):
        experiment.run({}, -1)
    with pytest.raises(ValueError, match="n_samples"):
        experiment.run({"n_samples": 20, "n_chains": 16}, 0)
    # ints are accepted for floats; missing keys take the quick default
    assert experiment.resolve({"temperatures": [2, 3]})["temperatures"] == [2.0, 3.0]
    assert experiment.resolve({"L": 4})["n_chains"] == experiment.quick["n_chains"]


def test_unknown_experiment_and_bad_registrations() -> None:
    with pytest.raises(ValueError, match="experiment must be one of .*ising_sampler_check.*'nope'"):
        get("nope")
    with pytest.raises(ValueError, match="already registered"):
        register("ising_sampler_check", "again", catalog.ising_sampler_check, quick={}, paper={})
    with pytest.raises(ValueError, match="same keys"):
        Experiment("x", "x", catalog.ising_sampler_check, {"a": 1}, {"b": 1})
    with pytest.raises(TypeError, match="'a'"):
        Experiment("x", "x", catalog.ising_sampler_check, {"a": 1}, {"a": "one"})
    with pytest.raises(ValueError, match="experiment"):
        register("../x", "x", catalog.ising_sampler_check, quick={}, paper={})


def test_register_is_one_call_and_accepts_a_lazy_target(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(experiments, "EXPERIMENTS", dict(EXPERIMENTS))
    experiment = register("norms", "vector norms", "numpy.linalg:norm", quick={"x": [3.0, 4.0]}, paper={"x": [1.0]})
    assert experiments.get("norms") is experiment and "norms" not in EXPERIMENTS
    assert experiment.run_config is np.linalg.norm  # "module:function" resolved on use


def test_ising_sampler_check_agrees_with_onsager_away_from_tc(tmp_path: Path) -> None:
    """Quick scale, L = 16: finite-size effects are far below the error bars at T = 1.5, 2.0 (ordered) and 3.5 (energy)."""
    report = run_sweep("ising_sampler_check", seeds=1, store=ResultStore(tmp_path), progress=False)
    out = report.results[0].payload
    T = out["T"]
    assert out["energy"].shape == T.shape == (4,)
    z_energy = (out["energy"] - out["onsager_energy"]) / out["energy_se"]
    z_m = (out["abs_magnetization"] - out["onsager_abs_magnetization"]) / out["abs_magnetization_se"]
    for t, z in zip(T, z_energy):
        if t != 2.5:  # near T_c the L = 16 lattice differs from the infinite one
            assert abs(z) < 4, f"energy at T={t}: z = {z:.2f}"
    for t, z in zip(T, z_m):
        if t < 2.269:  # above T_c the finite lattice has |m| ~ L^-1, not 0
            assert abs(z) < 4, f"|m| at T={t}: z = {z:.2f}"


# ---------------------------------------------------------------- the command


def test_list_shows_every_experiment_with_both_configs(capsys: pytest.CaptureFixture) -> None:
    status, out, _ = run_cli(capsys, "list")
    assert status == 0
    for name, experiment in EXPERIMENTS.items():
        assert f"{name}: {experiment.description}" in out
    assert "quick  L=16" in out and "paper  L=64" in out


def test_run_stores_resumes_and_show_summarises(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    root = str(tmp_path)
    status, out, _ = run_cli(capsys, "run", "ising_sampler_check", "--seeds", "2", *SMALL, "--results", root)
    assert status == 0, out
    assert "2 seeds: 2 computed, 0 already stored" in out
    config = get("ising_sampler_check").config("quick", {"L": 8, "n_samples": 32, "temperatures": [1.5, 3.5]})
    directory = ResultStore(root).directory("ising_sampler_check", config)
    assert f"results in {directory}" in out
    assert sorted(p.name for p in directory.iterdir()) == ["seed-0.result", "seed-1.result"]

    status, out, _ = run_cli(capsys, "run", "ising_sampler_check", "--seeds", "3", *SMALL, "--results", root)
    assert status == 0 and "3 seeds: 1 computed, 2 already stored" in out

    status, out, _ = run_cli(capsys, "show", "ising_sampler_check", "--results", root)
    assert status == 0
    assert "seeds: 3 (0, 1, 2)" in out and "quick + {" in out and "onsager_energy: [-1.9511, -0.6601]" in out


def test_sweep_runs_one_config_per_value(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    root = str(tmp_path)
    status, out, _ = run_cli(capsys, "run", "ising_sampler_check", *SMALL[:-1], "--sweep", "temperatures=1.5", "--results", root)
    assert status == 2  # a list-valued key cannot be swept value by value
    status, out, _ = run_cli(capsys, "run", "ising_sampler_check", *SMALL, "--sweep", "n_chains=4,8", "--results", root)
    assert status == 0, out
    assert out.count("1 seeds: 1 computed") == 2
    stored = ResultStore(root).results("ising_sampler_check")
    assert sorted(result.config["n_chains"] for result in stored) == [4, 8]


def test_show_without_results(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    status, out, _ = run_cli(capsys, "show", "ising_sampler_check", "--results", str(tmp_path))
    assert status == 0 and "no stored results" in out


def test_results_directory_from_environment(capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROKBOOK_RESULTS", str(tmp_path / "env"))
    status, out, _ = run_cli(capsys, "run", "ising_sampler_check", *SMALL)
    assert status == 0 and f"results in {tmp_path / 'env' / 'ising_sampler_check'}" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "nope"], "experiment must be one of ising_sampler_check"),
        (["show", "nope"], "experiment must be one of ising_sampler_check"),
        (["run", "ising_sampler_check", "--set", "colour=red"], "unknown key 'colour'"),
        (["run", "ising_sampler_check", "--set", "L"], "--set takes key=value"),
        (["run", "ising_sampler_check", "--set", "L=big"], "--set L must be an integer"),
        (["run", "ising_sampler_check", "--set", "temperatures=1,hot"], r"temperatures\[1\] must be a number"),
        (["run", "ising_sampler_check", "--set", "L=1", "--results", "{tmp}"], "L must be an integer >= 2"),
        (["run", "ising_sampler_check", "--set", "method=gibbs", "--results", "{tmp}"], "method must be one of"),
        (["run", "ising_sampler_check", "--sweep", "L="], "--sweep takes key=v1,v2"),
        (["run", "ising_sampler_check", "--sweep", "colour=1,2"], "unknown key 'colour'"),
        (["run", "ising_sampler_check", "--seeds", "0"], "--seeds: must be an integer >= 1"),
        (["run", "ising_sampler_check", "--seeds", "two"], "--seeds: must be an integer >= 1"),
        (["run", "ising_sampler_check", "--scale", "huge"], "invalid choice: 'huge'"),
        (["run", "ising_sampler_check", "--colour"], "unrecognized arguments: --colour"),
        (["run"], "required: NAME"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "required"),
    ],
)
def test_mistakes_give_one_clear_line(capsys: pytest.CaptureFixture, tmp_path: Path, argv: list[str], message: str) -> None:
    status, _, err = run_cli(capsys, *[a.replace("{tmp}", str(tmp_path)) for a in argv])
    lines = [line for line in err.splitlines() if line.strip() and "%|" not in line]  # ignore a progress bar
    assert status == 2
    assert len(lines) == 1 and "Traceback" not in err, err
    assert re.search(message, lines[0]), lines[0]


@pytest.mark.parametrize("command", ["run", "show", "list"])
def test_help_explains_every_option(capsys: pytest.CaptureFixture, command: str) -> None:
    status, out, _ = run_cli(capsys, command, "--help")
    assert status == 0 and len(out.split("\n\n")[1].split()) >= 5  # a description under the usage
    commands = next(a for a in cli._build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for action in commands.choices[command]._actions:
        assert all(option in out for option in action.option_strings)
        assert action.help and len(action.help.split()) >= 4, f"{command} {action.dest} needs an explanation"
        assert action.help.split()[0] in out


def test_python_dash_m_runs_the_command(tmp_path: Path) -> None:
    env = {**os.environ, "GROKBOOK_RESULTS": str(tmp_path)}
    listing = subprocess.run([sys.executable, "-m", "grokbook", "list"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert listing.returncode == 0 and "ising_sampler_check:" in listing.stdout
    wrong = subprocess.run([sys.executable, "-m", "grokbook", "run", "nope"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1 and "Traceback" not in wrong.stderr


def test_show_summarises_none_and_strings(capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def run(config: dict, seed: int) -> dict:
        return {"t_grok": None if seed == 0 else 10 * seed, "label": "mlp", "curve": np.arange(3.0) + seed}

    monkeypatch.setitem(EXPERIMENTS, "fake", Experiment("fake", "a stand-in", run, {"width": 4}, {"width": 64}))
    assert run_cli(capsys, "run", "fake", "--seeds", "3", "--results", str(tmp_path))[0] == 0
    status, out, _ = run_cli(capsys, "show", "fake", "--results", str(tmp_path))
    assert status == 0 and "fake config" in out and "(quick)" in out
    assert "t_grok: None in 1 seed(s); the others: 15  (se over seeds 5)" in out
    assert "label: mlp" in out and "curve: [1., 2., 3.]" in out


# ---------------------------------------------------------------- lazy imports, the in-process path, --device, show --format (issue 14)


def test_importing_the_command_and_the_registry_loads_no_torch_dask_or_pandas() -> None:
    code = (
        "import sys, grokbook.cli, grokbook.experiments\n"
        "assert grokbook.experiments.EXPERIMENTS['ising_grokking'].target.startswith('grokbook.tasks.')\n"
        "print(sorted(m for m in ('torch', 'dask', 'distributed', 'pandas') if m in sys.modules))\n"
        "grokbook.experiments.run_sweep('ising_sampler_check', overrides={'L': 4, 'n_samples': 8, 'n_chains': 2, 'temperatures': [2.0]},\n"
        "                               store=grokbook.store.ResultStore(sys.argv[1]), progress=False)\n"
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))\n"
    )
    with __import__("tempfile").TemporaryDirectory() as root:
        done = subprocess.run([sys.executable, "-c", code, root], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "[]"]  # nothing heavy on import; no dask on the in-process path


def test_registry_reads_a_chapters_configs_on_first_use_only(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def quick() -> dict:
        calls.append("quick")
        return {"width": 4}

    experiment = Experiment("lazy", "lazy configs", "numpy.linalg:norm", quick, lambda: {"width": 64})
    assert calls == []
    assert experiment.config("paper") == {"width": 64} and experiment.quick == {"width": 4} and calls == ["quick"]
    broken = Experiment("broken", "keys differ", "numpy.linalg:norm", lambda: {"a": 1}, lambda: {"b": 1})
    with pytest.raises(ValueError, match="same keys"):
        broken.config()
    defaults = experiments._defaults("tasks.modular", n_epochs=7)
    assert defaults()["n_epochs"] == 7 and "p" in defaults()


def runs_anywhere(config: dict, seed: int, device: str = "cpu") -> dict:
    import torch

    return {"on": str(torch.zeros(1, device=device).device), "value": float(seed + config["width"])}


def test_device_is_passed_to_run_functions_that_take_it_and_recorded(capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(EXPERIMENTS, "anywhere", Experiment("anywhere", "takes a device", runs_anywhere, {"width": 1}, {"width": 2}))
    status, out, _ = run_cli(capsys, "run", "anywhere", "--device", "cpu", "--results", str(tmp_path))
    assert status == 0, out
    result, = ResultStore(tmp_path).results("anywhere")
    assert result.payload["on"] == "cpu" and result.meta["device"] == "cpu"
    # an experiment whose run function has no device parameter, and cuda without a GPU: one clear line each
    status, _, err = run_cli(capsys, "run", "ising_sampler_check", "--device", "cpu", "--results", str(tmp_path))
    assert status == 2 and "does not take a device" in err and err.count("\n") == 1
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    status, _, err = run_cli(capsys, "run", "anywhere", "--device", "cuda", "--results", str(tmp_path))
    assert status == 2 and "torch sees no GPU" in err
    with pytest.raises(ValueError, match="device must be one of"):
        EXPERIMENTS["anywhere"].run({}, 0, device="tpu")


def _has_gpu() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.mark.skipif(not _has_gpu(), reason="torch sees no CUDA GPU on this machine (torch.cuda.is_available() is False)")
def test_device_cuda_runs_on_the_gpu(capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(EXPERIMENTS, "anywhere", Experiment("anywhere", "takes a device", runs_anywhere, {"width": 1}, {"width": 2}))
    status, out, _ = run_cli(capsys, "run", "anywhere", "--device", "cuda", "--seeds", "2", "--results", str(tmp_path))
    assert status == 0, out
    for result in ResultStore(tmp_path).results("anywhere"):
        assert result.payload["on"].startswith("cuda") and result.meta["device"] == "cuda"


def flaky(config: dict, seed: int) -> dict:
    if seed == 1:
        raise RuntimeError("no luck\nat all")
    return {"value": seed * config["width"]}


def test_in_process_a_run_that_raises_leaves_the_others_stored(capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(EXPERIMENTS, "flaky", Experiment("flaky", "seed 1 fails", flaky, {"width": 3}, {"width": 3}))
    status, out, err = run_cli(capsys, "run", "flaky", "--seeds", "3", "--results", str(tmp_path))
    assert status == 1 and "3 seeds: 2 computed, 0 already stored, 0 corrupt and recomputed, 1 failed" in out
    assert [line for line in err.splitlines() if line.strip() and "%|" not in line] == ["grokbook run: error: seed 1 of config width=3: RuntimeError: no luck at all"]
    assert sorted(r.seed for r in ResultStore(tmp_path).results("flaky")) == [0, 2]


def test_workers_and_scheduler_exclude_each_other(capsys: pytest.CaptureFixture) -> None:
    status, _, err = run_cli(capsys, "run", "ising_sampler_check", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1")
    assert status == 2 and "not allowed with argument" in err


def test_show_formats_one_row_per_config_and_seed(capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(EXPERIMENTS, "flaky", Experiment("flaky", "seed 1 fails", flaky, {"width": 3}, {"width": 3}))
    for width in ("2", "5"):
        assert run_cli(capsys, "run", "flaky", "--seeds", "1", "--set", f"width={width}", "--results", str(tmp_path))[0] == 0
    status, out, _ = run_cli(capsys, "show", "flaky", "--format", "csv", "--results", str(tmp_path))
    assert status == 0 and out == "width,seed,value\n2,0,0\n5,0,0\n"
    status, out, _ = run_cli(capsys, "show", "flaky", "--format", "json", "--results", str(tmp_path))
    assert json.loads(out) == [{"width": 2, "seed": 0, "value": 0}, {"width": 5, "seed": 0, "value": 0}]
    status, out, _ = run_cli(capsys, "show", "flaky", "--format", "table", "--results", str(tmp_path))
    assert out.split() == ["width", "seed", "value", "2", "0", "0", "5", "0", "0"]
    assert run_cli(capsys, "show", "flaky", "--format", "xml")[0] == 2


def test_workers_without_dask_installed_is_one_clear_line(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name, *a))
    status, _, err = run_cli(capsys, "run", "ising_sampler_check", "--workers", "2")
    assert status == 2 and "workers needs dask.distributed: pip install 'grokbook[cluster]'" in err


# ---------------------------------------------------------------- a user's experiments (issue 20)


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch):
    """The registry, sys.path and sys.modules as they were, after the test."""
    from grokbook import plugins

    saved = dict(EXPERIMENTS)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(plugins, "_ENTRY_POINTS_LOADED", [])
    modules = set(sys.modules)
    yield EXPERIMENTS
    EXPERIMENTS.clear()
    EXPERIMENTS.update(saved)
    for name in set(sys.modules) - modules:
        if name.startswith(("my_", "plugged_")):
            del sys.modules[name]


USER_MODULE = '''
import grokbook

def run(config, seed):
    return {"value": float(config["a"] - config["b"] + seed), "t_grok": float("nan") if seed == 0 else 10.0 * seed,
            "wall_time": 123.0}

grokbook.register("my_subtraction", "a - b, a user's experiment", run, quick={"a": 5, "b": 2})
'''


def test_register_paper_defaults_to_quick_and_replace_registers_again(registry: dict) -> None:
    first = register("my_plain", "one config", catalog.ising_sampler_check, quick={"L": 4})
    assert dict(first.paper) == dict(first.quick) == {"L": 4}
    with pytest.raises(ValueError, match="already registered; pass replace=True"):
        register("my_plain", "again", catalog.ising_sampler_check, quick={"L": 8})
    second = register("my_plain", "again", catalog.ising_sampler_check, quick={"L": 8}, replace=True)
    assert get("my_plain") is second and second.quick["L"] == 8
    with pytest.raises(TypeError, match="replace"):
        register("my_plain", "again", catalog.ising_sampler_check, quick={"L": 8}, replace="yes")


def test_unknown_name_says_how_to_add_one(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(ValueError, match=r"grokbook.register\(.*--import MODULE run NAME.*grokbook.experiments"):
        get("nope")
    status, _, err = run_cli(capsys, "run", "nope")
    assert status == 2 and "--import MODULE" in err and err.count("\n") == 1


def test_import_a_users_module_by_name_and_by_path(capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: dict) -> None:
    (tmp_path / "my_tasks.py").write_text(USER_MODULE)
    monkeypatch.chdir(tmp_path)  # a module beside the user, as `grokbook --import my_tasks` finds it
    results = str(tmp_path / "results")
    status, out, err = run_cli(capsys, "--import", "my_tasks", "run", "my_subtraction", "--seeds", "3", "--results", results)
    assert status == 0, err
    assert "my_subtraction (quick): a=5, b=2" in out and "3 seeds: 3 computed" in out
    status, out, _ = run_cli(capsys, "--import", "my_tasks", "show", "my_subtraction", "--results", results)
    assert status == 0 and "value: 4  (se over seeds 0.5774)" in out
    assert "t_grok: 15  (se over seeds 5; 2 of 3 seeds had a value, the others NaN)" in out  # NaN left out, counted
    assert out.count("wall time") == 1 and "123" not in out  # one wall time: the store's
    del sys.modules["my_tasks"]
    del EXPERIMENTS["my_subtraction"]
    status, out, _ = run_cli(capsys, "--import", str(tmp_path / "my_tasks.py"), "list")
    assert status == 0 and "my_subtraction: a - b, a user's experiment" in out
    status, _, err = run_cli(capsys, "--import", "my_missing_module", "list")
    assert status == 2 and "no module named 'my_missing_module'" in err and err.count("\n") == 1


def test_an_installed_packages_entry_point_registers_its_experiments(tmp_path: Path, registry: dict) -> None:
    from grokbook.plugins import ENTRY_POINT_GROUP

    (tmp_path / "plugged_tasks.py").write_text(USER_MODULE.replace("my_subtraction", "plugged_subtraction"))
    info = tmp_path / "plugged-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: plugged\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nplugged = plugged_tasks\n")
    sys.path.insert(0, str(tmp_path))
    assert "plugged_subtraction" not in EXPERIMENTS
    assert get("plugged_subtraction").quick == {"a": 5, "b": 2}  # found through the entry point on first need


def test_threads_option_sets_torch_threads_per_run(capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def threads(config: dict, seed: int) -> dict:
        import torch

        return {"threads": torch.get_num_threads()}

    monkeypatch.setitem(EXPERIMENTS, "threads", Experiment("threads", "torch threads", threads, {"width": 4}, {"width": 4}))
    for n in ("2", "1"):
        assert run_cli(capsys, "run", "threads", "--threads", n, "--set", f"width={n}", "--results", str(tmp_path))[0] == 0
    values = sorted((r.config["width"], r.payload["threads"]) for r in ResultStore(tmp_path).results("threads"))
    assert values == [(1, 1), (2, 2)]
