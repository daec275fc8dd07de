"""The conclusions page quotes numbers the chapters print: check they still do.

Each table row of ``book/conclusions.md`` links a chapter with {doc}; every
number in its "this book" column (found by the table's header) must appear in
that notebook's committed outputs, so the conclusions cannot drift from the
chapters.  Every table also carries a "verdict" column whose entries start
with one of the book's verdict words.
"""

import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
CHAPTER = re.compile(r"^\{doc\}`(?:[^`<]*<)?\.\./(notebooks/\w+)>?`$")  # {doc}`../notebooks/x` or {doc}`label <../notebooks/x>`
NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")  # 17,750 is one number; a trailing comma is not part of it
VERDICTS = ("reproduced", "partly", "not reproduced", "not attempted", "no paper value")


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def tables() -> list[tuple[list[str], list[list[str]]]]:
    """(header, rows) of every markdown table of the page; rows without the separator line."""
    found, header, rows = [], None, []
    for line in (REPO / "book" / "conclusions.md").read_text().splitlines() + [""]:
        if line.startswith("|"):
            if header is None:
                header = cells(line)
            elif not set(line) <= set("|-: "):
                rows.append(cells(line))
        elif header is not None:
            found.append((header, rows))
            header, rows = None, []
    return found


def rows() -> list[tuple[str, str]]:
    """(notebook, its "this book" cell) of every row that links a chapter."""
    out = []
    for header, body in tables():
        ours = header.index("this book")
        for row in body:
            match = CHAPTER.match(row[0])
            if match:
                out.append((match.group(1), row[ours]))
    return out


def printed(notebook: str) -> str:
    nb = nbformat.read(REPO / f"{notebook}.ipynb", as_version=4)
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") or output.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


def test_the_page_has_rows():
    assert len(rows()) >= 10


def test_every_table_has_a_verdict_for_every_row():
    for header, body in tables():
        assert "verdict" in header, f"table {header} has no verdict column"
        column = header.index("verdict")
        for row in body:
            assert row[column].startswith(VERDICTS), f"row {row[:2]}: verdict {row[column]!r} is not one of {VERDICTS}"


@pytest.mark.parametrize("notebook, cell", rows(), ids=[f"{n.split('/')[-1]}:{c}" for n, c in rows()])
def test_every_number_is_printed_by_its_chapter(notebook, cell):
    outputs = printed(notebook)
    for number in NUMBER.findall(cell):
        assert re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", outputs), f"{number} is not printed by {notebook}"
