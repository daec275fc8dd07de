#!/usr/bin/env bash
# The whole test suite: unit tests, notebooks under strict nbval, notebook pairs
# in sync, and a warning-free book build with a page per chapter.
source "$(dirname "$0")/setup-env.sh"

echo "== 1/4 unit tests"
python -m pytest tests

echo "== 2/4 notebooks (nbval, outputs compared)"
python -m pytest --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg notebooks/

echo "== 3/4 every notebooks/*.py and its .ipynb in sync"
python scripts/check_notebooks.py sync

echo "== 4/4 book build (warnings are errors) and a page per chapter"
rm -rf _build/html
jupyter-book build . -W -n --keep-going
python scripts/check_notebooks.py pages
