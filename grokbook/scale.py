"""How big the chapters' experiments are: "quick" (CPU, minutes) or "paper" (full scale).

The scale comes from the environment variable ``GROKBOOK_SCALE`` when set,
otherwise "paper" when a CUDA GPU is present and "quick" when not.  Chapters
call :func:`current_scale` once and print it, so a reader always sees which
scale produced the figures.
"""

from __future__ import annotations

import os

from .validate import check_choice

__all__ = ["SCALES", "current_scale"]

SCALES = ("quick", "paper")


def current_scale() -> str:
    """The experiment scale: ``GROKBOOK_SCALE`` if set, else "paper" with a GPU, "quick" without."""
    requested = os.environ.get("GROKBOOK_SCALE")
    if requested:
        return check_choice("GROKBOOK_SCALE", requested, SCALES)
    import torch  # here, not at the top: grokbook.experiments imports SCALES and must not import torch

    return "paper" if torch.cuda.is_available() else "quick"
