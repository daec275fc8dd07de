"""Checks on the notebook pairs, run by scripts/test.sh.

    python scripts/check_notebooks.py sync    # every notebooks/*.py matches its .ipynb
    python scripts/check_notebooks.py pages   # every notebook is in _toc.yml, and the built book has a page per toc entry
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))


def check_sync() -> list[str]:
    """jupytext --diff in py:percent (the `--diff-format` avoids a crash of jupytext 1.19 and its exit 0)."""
    problems = []
    for py in NOTEBOOKS:
        ipynb = py.with_suffix(".ipynb")
        if not ipynb.exists():
            problems.append(f"{py.name} has no paired {ipynb.name}")
            continue
        diff = subprocess.run(
            [sys.executable, "-m", "jupytext", "--diff", "--diff-format", "py:percent", str(py), str(ipynb)],
            capture_output=True, text=True, check=False,
        )
        if diff.returncode != 0 or diff.stdout.strip():
            problems.append(f"{py.name} and {ipynb.name} differ (run jupytext --sync, then execute):\n{diff.stdout}{diff.stderr}")
    return problems


def toc_files() -> list[str]:
    """Every file of _toc.yml (root first), without suffix, in reading order."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [chapter["file"] for part in toc.get("parts", []) for chapter in part.get("chapters", [])]


def check_pages() -> list[str]:
    html = ROOT / "_build" / "html"
    listed = toc_files()
    problems = [f"notebooks/{py.stem} is not in _toc.yml (only_build_toc_files: it would not be built)"
                for py in NOTEBOOKS if f"notebooks/{py.stem}" not in listed]
    pages = [html / f"{name}.html" for name in listed] + [html / "index.html"]
    return problems + [f"missing page {page.relative_to(ROOT)}" for page in pages if not page.exists()]


if __name__ == "__main__":
    checks = {"sync": check_sync, "pages": check_pages}
    if len(sys.argv) != 2 or sys.argv[1] not in checks:
        sys.exit(f"usage: python {sys.argv[0]} {{{'|'.join(checks)}}}")
    problems = checks[sys.argv[1]]()
    for problem in problems:
        print("FAIL:", problem)
    print(f"{sys.argv[1]}: {len(NOTEBOOKS)} notebooks, {len(problems)} problems")
    sys.exit(1 if problems else 0)
