"""The one preamble of every chapter: ``SCALE = book.setup(seed=0, threads=1)``.

It fixes what makes a chapter's printed numbers reproducible and says at
which scale they were made:

* the torch thread count (a fixed count fixes the order of float sums; small
  networks also train fastest on one thread);
* torch's global seed, for the few draws a chapter makes outside a seeded
  function (every function of the package takes its own ``seed=``);
* the book's figure style (:func:`grokbook.plots.set_style`);
* the scale, "quick" (a laptop CPU, minutes) or "paper" (the papers' sizes),
  from ``GROKBOOK_SCALE`` or the presence of a GPU
  (:func:`grokbook.scale.current_scale`), printed and returned.

The figure colours and the spin plot are re-exported here, so a chapter needs
one import: ``from grokbook import book``.
"""

from __future__ import annotations

import torch

from .plots import COLORS, set_style, show_spins
from .scale import current_scale
from .validate import check_int

__all__ = ["setup", "COLORS", "show_spins"]


def setup(seed: int = 0, threads: int = 1, *, verbose: bool = True) -> str:
    """Prepare a chapter: torch threads and seed, the figure style; return (and print) the scale.

    Args:
        seed: torch's global seed, >= 0.
        threads: torch threads, >= 1.
        verbose: print ``scale: ...``.

    Returns:
        "quick" or "paper".
    """
    seed = check_int("seed", seed, minimum=0)
    torch.set_num_threads(check_int("threads", threads, minimum=1))
    torch.manual_seed(seed)
    set_style()
    scale = current_scale()
    if verbose:
        print(f"scale: {scale}")
    return scale
