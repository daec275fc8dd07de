"""Argument checks shared by every public function of grokbook.

Each check raises ``ValueError`` (or ``TypeError`` for a value of the wrong
type) with a message that names the argument and the allowed range, so that a
reader who passes ``L=1`` learns at once what went wrong and what would work.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real

import numpy as np

__all__ = [
    "check_int",
    "check_real",
    "check_fraction",
    "check_choice",
    "check_positive_array",
    "check_config",
]


def check_int(name: str, value: object, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` after checking it is an integer in ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}{_upper(maximum)}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum}, got {value}")
    return value


def _upper(maximum: int | None) -> str:
    return "" if maximum is None else f" and <= {maximum}"


def check_real(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_minimum: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` in the given range.

    ``strict_minimum=True`` excludes the minimum itself (e.g. temperatures > 0).
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None and (value <= minimum if strict_minimum else value < minimum):
        relation = ">" if strict_minimum else ">="
        raise ValueError(f"{name} must be {relation} {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_fraction(name: str, value: object, *, closed: bool = False) -> float:
    """Return ``value`` after checking ``0 < value < 1`` (``0 < value <= 1`` with ``closed``)."""
    value = check_real(name, value)
    upper_ok = value <= 1 if closed else value < 1
    if not (value > 0 and upper_ok):
        interval = "(0, 1]" if closed else "(0, 1)"
        raise ValueError(f"{name} must lie in {interval}, got {value}")
    return value


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """Return ``value`` after checking it is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value  # type: ignore[return-value]


def check_positive_array(name: str, value: object, *, max_ndim: int = 1) -> np.ndarray:
    """Return ``value`` as a float array of finite, strictly positive entries (scalar or up to ``max_ndim``-D)."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}") from error
    if array.ndim > max_ndim:
        raise ValueError(f"{name} must be a scalar or an array with at most {max_ndim} dimension(s), got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(array)) or np.any(array <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return array


def check_config(config: object, defaults: dict) -> dict:
    """Return ``defaults`` updated with ``config`` after checking it is a dict with only known keys.

    The run functions of the chapters (``run_config(config, seed)``) take a
    plain JSON-able dict; a misspelt key must fail loudly, not be ignored.
    """
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    unknown = sorted(set(config) - set(defaults))
    if unknown:
        raise ValueError(f"config has unknown keys {unknown}; allowed: {sorted(defaults)}")
    return {**defaults, **config}
