#!/usr/bin/env bash
# The whole test suite: unit tests, every notebook executed by nbval (asserts; outputs compared where tagged), notebook pairs
# in sync, a warning-free book build with a page per chapter, and every page
# opened in headless Chromium (Debian's chromium and chromium-driver, installed
# with apt-get when missing).
source "$(dirname "$0")/setup-env.sh"

echo "== 1/5 unit tests"
python -m pytest tests

echo "== 2/5 notebooks (nbval: every cell runs and every assert holds; outputs compared in cells tagged nbval-check-output)"
python -m pytest --nbval-lax --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg notebooks/

echo "== 3/5 every notebooks/*.py and its .ipynb in sync"
python scripts/check_notebooks.py sync

echo "== 4/5 book build (warnings are errors) and a page per chapter"
rm -rf _build/html
jupyter-book build . -W -n --keep-going
python scripts/check_notebooks.py pages

echo "== 5/5 every page in headless Chromium (MathJax served from a local npm copy: no CDN here)"
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
fi
mathjax="${TMPDIR:-/tmp}/grokbook-npm"
[ -f "$mathjax/node_modules/mathjax/es5/tex-mml-chtml.js" ] || npm install --no-save --no-audit --no-fund --prefix "$mathjax" mathjax@3.2.2 >/dev/null
GROKBOOK_MATHJAX="$mathjax/node_modules/mathjax/es5" python scripts/browser_check.py
