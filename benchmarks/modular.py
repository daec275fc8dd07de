"""Time to grok a + b mod 97 (half the table), the prologue's recipe against a plain baseline.

    python benchmarks/modular.py

Both train Gromov's quadratic network with MSE and AdamW (lr 1e-2, weight
decay 5) on the same split through ``grokbook.training.train``; the time to grok
is the wall time of a run stopped at the first evaluation with test accuracy
>= 0.99 (found by a first run; training is deterministic, so the timed run
reaches the same state).

- recipe (``modular.DEFAULT_CONFIG``): the first layer as a row lookup
  ``W1[a] + W1[p + b]``, width 128, evaluated every 5 steps, one torch thread;
- baseline, the plain prototype of issue 9: the literal product of the
  (n, 2p) one-hot matrix with W1, width 512, evaluated every step, with
  torch's default thread count and again with one thread (on a busy machine
  two threads contending for two cores can be many times slower than one).

The target is a time to grok under 5 s on 2 idle cores; the load average is
printed because on a shared machine both times inflate.

Then the time per full-batch training step (through ``grokbook.training.train``,
one thread, evaluation excluded) of Nanda et al.'s one-layer transformer
(``tasks.modular_transformer``: p = 113, width 128/512 and 30% of the table, their
size, chapter 0's main runs; p = 59 at half their width on 50% of the table, its fraction sweep) beside the MLP's, and the transformer's
last-position forward against the literal three-position one
(``ModularTransformer.forward_full``, what their code computes).
"""

from __future__ import annotations

import os
import time

import torch

from grokbook.tasks import modular, modular_transformer
from grokbook.training import torch_threads, train

RECIPE: dict = {}  # modular.DEFAULT_CONFIG unchanged
BOOK_TRANSFORMER = {"p": 59, "d_model": 64, "d_mlp": 256, "train_fraction": 0.5}  # the archived runs' size
BASELINE = {"width": 512, "dense_one_hot": True, "eval_every": 1, "n_epochs": 120}


def time_to_grok(config: dict, threads: int, seed: int = 0) -> tuple[float, float]:
    """(steps to grok, t_99: first test accuracy >= 0.99; wall seconds of a run stopped there) on ``threads`` torch threads."""
    with torch_threads(threads):
        steps = modular.run_config(config, seed)["t_99"]
        if steps != steps:  # NaN: never grokked within the budget
            raise RuntimeError(f"{config} did not grok within its budget of steps")
        timed = modular.run_config({**config, "n_epochs": int(steps)}, seed)
        assert timed["t_99"] == steps, "a deterministic rerun should grok at the same step"
        return steps, timed["wall_time"]


def step_time(setup, n_steps: int = 20, forward=None) -> float:
    """Seconds per full-batch training step of a task's ``build`` output, after 3 warm-up steps, on one thread."""
    data, model, optimizer, loss_fn = setup
    if forward is not None:
        model.forward = forward.__get__(model)
    with torch_threads(1):
        train(model, data, optimizer, n_epochs=3, loss_fn=loss_fn, eval_every=3, progress=False)
        times = []
        for n in (1, n_steps + 1):  # the difference leaves out the two evaluations of each call
            start = time.perf_counter()
            train(model, data, optimizer, n_epochs=n, loss_fn=loss_fn, eval_every=n, progress=False)
            times.append(time.perf_counter() - start)
        return (times[1] - times[0]) / n_steps


def transformer_rows() -> list[tuple[str, float, float, bool]]:
    """Time per step: the transformer at Nanda et al.'s size and at the book's, the MLP, the literal forward."""
    paper = modular_transformer.build({}, 0)
    book = modular_transformer.build(BOOK_TRANSFORMER, 0)
    mlp = modular.build({"train_fraction": 0.3}, 0)
    t_paper, t_book, t_mlp = step_time(paper, 10), step_time(book), step_time(mlp, 100)
    literal = modular_transformer.build(BOOK_TRANSFORMER, 0)
    t_literal = step_time(literal, forward=type(literal.model).forward_full)
    print(f"time per full-batch step (1 thread): transformer p=113 {t_paper * 1e3:.0f} ms, p=59 half width {t_book * 1e3:.0f} ms "
          f"(literal three-position forward {t_literal * 1e3:.0f} ms); quadratic MLP p=97 {t_mlp * 1e3:.1f} ms")
    return [
        ("transformer p=59, half width, 50% (ms per step; baseline: literal three-position forward)", t_book * 1e3, t_literal * 1e3, False),
        ("transformer p=113, 30% (ms per step; baseline: the MLP's step, p=97, 30%)", t_paper * 1e3, t_mlp * 1e3, False),
    ]


def main() -> list[tuple[str, float, float, bool]]:
    default_threads = torch.get_num_threads()
    print(f"cores: {os.cpu_count()}, torch default threads: {default_threads}, load average (1 min) before: {os.getloadavg()[0]:.1f}")
    recipe_steps, recipe_time = time_to_grok(RECIPE, threads=1)
    baseline_steps, baseline_time = time_to_grok(BASELINE, threads=default_threads)
    _, baseline_time_1 = time_to_grok(BASELINE, threads=1)
    print(f"recipe:   groks at step {recipe_steps:.0f} in {recipe_time:.2f} s (target < 5 s on 2 idle cores)")
    print(f"baseline: groks at step {baseline_steps:.0f} in {baseline_time:.2f} s ({default_threads} threads), {baseline_time_1:.2f} s (1 thread)")
    rows = transformer_rows()
    print(f"load average (1 min) after: {os.getloadavg()[0]:.1f}")
    return rows + [
        (f"time to grok a+b mod 97 (s; baseline one-hot matmul, width 512, {default_threads} threads)", recipe_time, baseline_time, False),
        ("time to grok a+b mod 97 (s; the same baseline on 1 thread)", recipe_time, baseline_time_1, False),
        ("steps to grok a+b mod 97 (baseline width 512)", recipe_steps, baseline_steps, False),
    ]


if __name__ == "__main__":
    from run import print_table

    print_table(main())
