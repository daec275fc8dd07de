"""The conclusions page quotes numbers the chapters print: check they still do.

Each table row of ``book/conclusions.md`` links a chapter with {doc}; every
number in its last column ("this book") must appear in that notebook's
committed outputs, so the conclusions cannot drift from the chapters.
"""

import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\|\s*\{doc\}`\.\./(notebooks/[\w]+)`\s*\|.*\|\s*([^|]+?)\s*\|\s*$")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def rows() -> list[tuple[str, str]]:
    lines = (REPO / "book" / "conclusions.md").read_text().splitlines()
    return [(m.group(1), m.group(2)) for m in map(ROW.match, lines) if m]


def printed(notebook: str) -> str:
    nb = nbformat.read(REPO / f"{notebook}.ipynb", as_version=4)
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") or output.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


def test_the_page_has_rows():
    assert len(rows()) >= 10


@pytest.mark.parametrize("notebook, cell", rows(), ids=[f"{n.split('/')[-1]}:{c}" for n, c in rows()])
def test_every_number_is_printed_by_its_chapter(notebook, cell):
    outputs = printed(notebook)
    for number in NUMBER.findall(cell):
        assert re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", outputs), f"{number} is not printed by {notebook}"
