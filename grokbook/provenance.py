"""Where a result came from: git commit, dirty flag, versions, device; and the archive's rule on them.

Every stored result carries :func:`collect`'s record in its header.  It is
collected in the process that *computed* the result, so a result computed on
a Dask worker records that worker's checkout and libraries, not the client's.

The package archive (``grokbook/archive``, :func:`grokbook.store.archive`)
holds results the book plots but cannot recompute within its time budget, so
it must say exactly which code produced them: it accepts a result only when
it was computed from a clean commit (``git_dirty`` is ``False``).  A result
from a dirty tree, or from outside a git checkout, needs an explicit
``allow_dirty=True`` (``grokbook run ... --allow-dirty``), which is recorded
in its header as ``"allow_dirty": true`` (:func:`check_archivable`).
"""

from __future__ import annotations

import platform
import socket
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DirtyTreeError", "collect", "check_archivable", "git_state", "package_version"]

#: Header fields :func:`collect` fills (besides ``device``, which the run chooses).
FIELDS = ("git_commit", "git_dirty", "grokbook_version", "python", "numpy", "torch", "platform", "host")


class DirtyTreeError(ValueError):
    """A result from a dirty (or unknown) tree offered to the archive without ``allow_dirty``."""


@lru_cache(maxsize=1)
def _git_state() -> tuple[str, bool | None]:
    """(commit, whether tracked files differ from it) of the checkout grokbook lives in; ("unknown", None) outside git."""
    here = Path(__file__).resolve().parent

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(here), *args], capture_output=True, text=True, check=True, timeout=10).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        dirty = bool(git("status", "--porcelain", "--untracked-files=no").strip())
    except (OSError, subprocess.SubprocessError):
        return "unknown", None
    return commit or "unknown", dirty


def git_state(*, fresh: bool = False) -> tuple[str, bool | None]:
    """(commit, dirty) of grokbook's checkout, cached per process; ``fresh=True`` asks git again.

    ``dirty`` is ``None`` outside a git checkout (an installed package), which
    the archive treats like a dirty tree: nobody can say what code ran.
    """
    if fresh:
        _git_state.cache_clear()
    return _git_state()


def _version(package: str) -> str:
    try:
        return metadata.version(package)  # reads the installed metadata; does not import torch
    except metadata.PackageNotFoundError:
        return "not installed"


def package_version() -> str:
    """grokbook's ``__version__``."""
    from . import __version__

    return __version__


def collect(device: str | None = None) -> dict[str, Any]:
    """This process's provenance: git commit and dirty flag, grokbook/python/numpy/torch versions, platform, host, device.

    ``device`` is the torch device the run used (``None`` records ``"cpu"``,
    where every run function computes unless asked otherwise).
    """
    commit, dirty = git_state()
    return {
        "git_commit": commit,
        "git_dirty": dirty,
        "grokbook_version": package_version(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": _version("torch"),
        "platform": platform.platform(),
        "host": socket.gethostname(),
        "device": "cpu" if device is None else device,
        "cpu": cpu_model(),
    }


@lru_cache(maxsize=1)
def cpu_model() -> str:
    """The CPU's model name and the instruction set torch's kernels use (e.g. "... / AVX512").

    Trained networks' floats depend on it: two CPUs that pick different MKL
    or ATen kernels round sums differently, so a result is bitwise
    reproducible only on a CPU of the same kind (README, Design).
    """
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            name = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), name)
    except OSError:
        pass
    try:
        import torch

        return f"{name} / {torch.backends.cpu.get_cpu_capability()}"
    except ImportError:
        return name


def check_archivable(provenance: dict[str, Any], *, allow_dirty: bool, where: str = "the archive") -> dict[str, Any]:
    """The header fields to add for a result entering the archive; DirtyTreeError if it may not.

    Clean (``git_dirty is False``): nothing to add.  Dirty or unknown: refused
    unless ``allow_dirty``, which is then recorded (``{"allow_dirty": True}``).
    """
    if not isinstance(allow_dirty, bool):
        raise TypeError(f"allow_dirty must be True or False, got {allow_dirty!r}")
    if provenance.get("git_dirty") is False:
        return {}
    if not allow_dirty:
        state = "a dirty tree" if provenance.get("git_dirty") else "outside a git checkout"
        raise DirtyTreeError(
            f"{where} accepts only results computed from a clean commit; this one was computed from {state} "
            f"(commit {str(provenance.get('git_commit'))[:10]}): commit your changes first, or pass allow_dirty "
            "(--allow-dirty) to archive it marked as such"
        )
    return {"allow_dirty": True}
