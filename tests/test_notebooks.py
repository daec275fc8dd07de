"""Every chapter opens with the Colab install cell, and every figure has a caption (issue 6).

The first code cell of each ``notebooks/NN_*.py`` (and of its paired
``.ipynb``, which is what Colab opens) must install grokbook from this
repository when run in Colab, do nothing anywhere else, and be tagged
``remove-cell`` so the website does not show it.  The cell is executed here
twice, with ``subprocess.run`` and IPython magics replaced by recorders:
once as on a laptop (nothing may run) and once with a stand-in
``google.colab`` module (exactly one pip install of the repository).

Every code cell of an executed ``notebooks/*.ipynb`` that shows an image
carries MyST-NB figure metadata (``mystnb.figure``: a caption and a name
``fig-...``), so that the book numbers it, captions it and can cite it with
{numref}; the names are unique across the book.
"""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml
from IPython.core.inputtransformer2 import TransformerManager

import grokbook

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.py"))
EXECUTED = sorted((REPO / "notebooks").glob("*.ipynb"))
FIGURE_NAME = re.compile(r"fig-[a-z0-9-]+")
REPOSITORY_URL = yaml.safe_load((REPO / "_config.yml").read_text())["repository"]["url"]
RELEASE_TAG = f"v{grokbook.__version__}"  # Colab installs the release the notebook was written for, never a moving branch


def first_code_cell(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return next(cell for cell in notebook.cells if cell.cell_type == "code")


def run_cell(source: str, monkeypatch: pytest.MonkeyPatch, *, in_colab: bool) -> list[str]:
    """Execute the cell; return every command it ran (subprocess.run, os.system, %pip / !pip)."""
    commands: list[str] = []

    def record(args, *rest, **kwargs):
        commands.append(" ".join(map(str, args)) if isinstance(args, (list, tuple)) else str(args))
        return subprocess.CompletedProcess(args, 0)

    ipython = types.SimpleNamespace(
        run_line_magic=lambda magic, line: commands.append(f"%{magic} {line}"),
        system=lambda command: commands.append(f"!{command}"),
    )
    for name in ("run", "check_call", "check_output", "call", "Popen"):
        monkeypatch.setattr(subprocess, name, record)
    monkeypatch.setattr("os.system", lambda command: commands.append(command) or 0)
    if in_colab:
        google = types.ModuleType("google")
        google.colab = types.ModuleType("google.colab")
        google.__path__ = []
        monkeypatch.setitem(sys.modules, "google", google)
        monkeypatch.setitem(sys.modules, "google.colab", google.colab)
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    code = TransformerManager().transform_cell(source)  # %pip and !pip lines -> get_ipython() calls
    exec(compile(code, "<colab cell>", "exec"), {"get_ipython": lambda: ipython, "__name__": "__colab_cell__"})
    return commands


def test_there_are_chapters() -> None:
    assert NOTEBOOKS, "no notebooks/NN_*.py found"


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_cell_is_the_tagged_colab_install(py: Path) -> None:
    ipynb = py.with_suffix(".ipynb")
    assert ipynb.exists(), f"{py.name} has no paired {ipynb.name}"
    for notebook, name in ((jupytext.read(py), py.name), (nbformat.read(ipynb, as_version=4), ipynb.name)):
        cell = first_code_cell(notebook)
        assert "remove-cell" in cell.metadata.get("tags", []), f"{name}: first code cell must be tagged remove-cell"
        assert "google.colab" in cell.source, f"{name}: first code cell must be guarded by a google.colab check"
        match = re.search(r"git\+(https://\S+?)@([\w.\-/]+)", cell.source)
        assert match, f"{name}: first code cell must pip install git+<repository>@<tag or commit>"
        assert match.group(1).removesuffix(".git") == REPOSITORY_URL, f"{name}: installs {match.group(1)}, _config.yml names {REPOSITORY_URL}"
        assert match.group(2) == RELEASE_TAG, f"{name}: installs @{match.group(2)}, the release tag is {RELEASE_TAG}"


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_colab_cell_installs_only_in_colab(py: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = first_code_cell(jupytext.read(py)).source
    assert run_cell(source, monkeypatch, in_colab=False) == [], f"{py.stem}: the Colab cell must do nothing outside Colab"
    commands = run_cell(source, monkeypatch, in_colab=True)
    installs = [c for c in commands if "pip" in c and "install" in c and f"git+{REPOSITORY_URL}" in c]
    assert len(installs) == 1, f"{py.stem}: in Colab the cell must pip install grokbook once, ran {commands}"


def figure_cells(ipynb: Path) -> list[tuple[int, nbformat.NotebookNode]]:
    """(index, cell) of every code cell whose outputs show a PNG image."""
    notebook = nbformat.read(ipynb, as_version=4)
    return [
        (index, cell)
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))
    ]


@pytest.mark.parametrize("ipynb", EXECUTED, ids=lambda p: p.stem)
def test_every_figure_has_a_caption_and_a_name(ipynb: Path) -> None:
    for index, cell in figure_cells(ipynb):
        where = f"{ipynb.name}, cell {index}"
        figure = cell.metadata.get("mystnb", {}).get("figure")
        assert isinstance(figure, dict), f"{where}: draws a figure without mystnb.figure metadata (caption and name)"
        assert str(figure.get("caption", "")).strip(), f"{where}: the figure has an empty caption"
        assert FIGURE_NAME.fullmatch(str(figure.get("name", ""))), f"{where}: figure name {figure.get('name')!r} is not fig-[a-z0-9-]+"
        # MyST-NB wraps every rich output of the cell in the figure: one image, or the name would label two figures
        rich = [output for output in cell.outputs if output.output_type in ("display_data", "execute_result")]
        assert len(rich) == 1, f"{where}: {len(rich)} rich outputs in one captioned cell (one figure per cell)"


def test_figure_names_are_unique_across_the_book() -> None:
    names = [
        (cell.metadata.get("mystnb", {}).get("figure", {}).get("name"), f"{ipynb.name}, cell {index}")
        for ipynb in EXECUTED
        for index, cell in figure_cells(ipynb)
    ]
    seen: dict[str, str] = {}
    for name, where in names:
        if name:
            assert name not in seen, f"figure name {name!r} is used twice: {seen[name]} and {where}"
            seen[name] = where
