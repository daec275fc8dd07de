"""The names re-exported from ``grokbook``: each resolves, importing the package stays light, and the page
"Your own experiment" (notebooks/07_your_own_experiment.py) uses nothing else."""

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import grokbook

PAGE = Path(__file__).resolve().parent.parent / "notebooks" / "07_your_own_experiment.py"


@pytest.mark.parametrize("name", grokbook.__all__)
def test_every_public_name_resolves(name):
    assert getattr(grokbook, name) is not None


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        grokbook.no_such_name  # noqa: B018


def test_import_grokbook_loads_neither_torch_nor_dask():
    code = "import sys, grokbook, grokbook.experiments; print('torch' in sys.modules, 'distributed' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_public_names_are_the_package_objects():
    from grokbook import curves
    from grokbook.training import History

    assert grokbook.t_grok is curves.t_grok and grokbook.grokking_times is curves.grokking_times
    assert grokbook.History is History


def private_uses(source: str) -> list[str]:
    """Every use in ``source`` of a name that is not grokbook's public API, as 'line N: what'.

    Public: ``grokbook`` and its modules listed in ``grokbook.__all__`` (one level,
    ``grokbook.training``, not ``grokbook.tasks.modular``), the names in ``grokbook.__all__``
    and in a listed module's ``__all__``.  Never public: a name or attribute with a
    leading underscore (dunders aside).
    """
    problems = []
    modules = {}  # local name -> the grokbook module it is bound to

    def public_module(path: str) -> bool:
        parts = path.split(".")
        return parts[0] == "grokbook" and (len(parts) == 1 or (len(parts) == 2 and parts[1] in grokbook.__all__))

    def exported(path: str) -> set[str]:
        return set(grokbook.__all__) if path == "grokbook" else set(getattr(importlib.import_module(path), "__all__", ()))

    for node in ast.walk(ast.parse(source)):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "grokbook":
            if not public_module(node.module):
                problems.append(f"{where}: from {node.module} import ... (not a module of grokbook.__all__)")
                continue
            for alias in node.names:
                if alias.name not in exported(node.module):
                    problems.append(f"{where}: {alias.name} is not in {node.module}.__all__")
                elif node.module == "grokbook" and alias.name in grokbook.__all__ and isinstance(getattr(grokbook, alias.name), type(grokbook)):
                    modules[alias.asname or alias.name] = f"grokbook.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "grokbook":
                    if not public_module(alias.name):
                        problems.append(f"{where}: import {alias.name} (not a module of grokbook.__all__)")
                    modules[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("_") and not (node.attr.startswith("__") and node.attr.endswith("__")):
                problems.append(f"{where}: attribute {node.attr}")
            if isinstance(node.value, ast.Name) and node.value.id in modules and node.attr not in exported(modules[node.value.id]):
                problems.append(f"{where}: {node.value.id}.{node.attr} is not in {modules[node.value.id]}.__all__")
        elif isinstance(node, ast.Name) and node.id.startswith("_") and not node.id.startswith("__") and node.id != "_":
            problems.append(f"{where}: name {node.id}")
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name.startswith("_") and not node.name.startswith("__"):
            problems.append(f"{where}: definition {node.name}")
    return problems


def test_the_checker_finds_private_names():
    source = (
        "import grokbook as gb\nfrom grokbook import register, Dataset\nfrom grokbook.training import train\n"
        "from grokbook.tasks.modular import build\nfrom grokbook.experiments import _defaults\nfrom grokbook import _PUBLIC\n"
        "import grokbook.tasks.modular\nx = gb.curves._curve\ny = gb.not_public\n_z = 1\n"
    )
    problems = private_uses(source)
    assert {problem.split(":")[0] for problem in problems} == {f"line {n}" for n in range(4, 11)}, problems


def test_your_own_experiment_uses_the_public_api_only():
    assert private_uses(PAGE.read_text()) == []
