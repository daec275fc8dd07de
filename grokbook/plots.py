"""The book's figure style and the plots that recur across chapters.

Style is applied explicitly with :func:`set_style` (never on import).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["STYLE", "COLORS", "set_style", "show_spins"]

STYLE = Path(__file__).with_name("book.mplstyle")
#: Okabe-Ito colours, safe for the common forms of colour blindness (same order as the style's cycle).
COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def set_style() -> None:
    """Use the book's matplotlib style (font sizes, colour-blind-safe cycle, light grid)."""
    plt.style.use(STYLE)


def show_spins(ax: plt.Axes, spins: np.ndarray, title: str = "") -> None:
    """Draw one L x L configuration of +-1 spins (up = dark), without ticks."""
    spins = np.asarray(spins)
    if spins.ndim != 2:
        raise ValueError(f"spins must be a 2-D (L, L) array, got shape {spins.shape}")
    ax.imshow(spins, cmap="gray_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title:
        ax.set_title(title)
