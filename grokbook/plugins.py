"""Experiments from outside the package: a user's module (``grokbook --import MODULE``) and installed packages' entry points.

An experiment is added by calling :func:`grokbook.register` at import time of
some module.  The command line imports that module with ``grokbook --import
MODULE run NAME`` (:func:`import_experiments`: a dotted name found from the
working directory, or the path of a ``.py`` file); an installed package
declares it in the entry-point group :data:`ENTRY_POINT_GROUP`, imported on
first need (:func:`load_entry_points`; ``grokbook list`` and an unknown name
look there).
"""

from __future__ import annotations

import importlib

from .experiments import REGISTERED

__all__ = ["ENTRY_POINT_GROUP", "HOW_TO_ADD", "import_experiments", "load_entry_points"]

#: the entry-point group through which an installed package adds experiments (a module that calls register)
ENTRY_POINT_GROUP = "grokbook.experiments"
#: what the error of an unknown experiment name says
HOW_TO_ADD = (
    "to add one, call grokbook.register(NAME, description, run_config, quick=config) in a module and run "
    f"'grokbook --import MODULE run NAME' (or name the module in the entry-point group {ENTRY_POINT_GROUP!r} of an installed package)"
)
_ENTRY_POINTS_LOADED: list[bool] = []


def import_experiments(module: str) -> list[str]:
    """Import ``module`` (a dotted name, or the path of a ``.py`` file) for its :func:`register` calls; the names it registered.

    The working directory (or the file's directory) goes on ``sys.path`` first,
    as for ``python -m``, so that a local ``mymodule.py`` is found here and, under
    its module name, by local Dask workers.  A module already imported is not
    run again (nothing new is registered).  ValueError when it cannot be found.
    """
    import sys
    from pathlib import Path

    if not isinstance(module, str) or not module:
        raise TypeError(f"module must be a module name or a .py path, got {module!r}")
    if module.endswith(".py") or "/" in module:
        path = Path(module).expanduser().resolve()
        if not path.is_file() or path.suffix != ".py":
            raise ValueError(f"--import: no Python file {module!r}")
        folder, module = str(path.parent), path.stem
    else:
        folder = str(Path.cwd())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    before = len(REGISTERED)
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name != module.split(".")[0] and error.name != module:
            raise
        raise ValueError(f"--import: no module named {module!r} here ({folder}) or on sys.path") from None
    return REGISTERED[before:]


def load_entry_points() -> list[str]:
    """Import, once, every module of the entry-point group :data:`ENTRY_POINT_GROUP`; the names they registered.

    An installed package adds its experiments with, in its ``pyproject.toml``::

        [project.entry-points."grokbook.experiments"]
        mypackage = "mypackage.experiments"   # a module whose import calls register(...)

    An entry point that fails to load is reported with a warning, not raised,
    so that one broken package does not stop the command line.
    """
    import warnings
    from importlib.metadata import entry_points

    if _ENTRY_POINTS_LOADED:
        return []
    _ENTRY_POINTS_LOADED.append(True)
    before = len(REGISTERED)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            value = point.load()
            if callable(value):
                value()  # a function that registers
        except Exception as error:  # noqa: BLE001 - named in the warning, the others still load
            warnings.warn(f"entry point {point.name} = {point.value} of {ENTRY_POINT_GROUP!r} failed: {type(error).__name__}: {error}", stacklevel=2)
    return REGISTERED[before:]
