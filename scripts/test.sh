#!/usr/bin/env bash
# The whole test suite: unit tests, every notebook executed by nbval (asserts; outputs compared where tagged), notebook pairs
# in sync, a warning-free book build with a page per chapter, and every page
# opened in headless Chromium (Debian's chromium and chromium-driver, installed
# with apt-get when missing). The book build needs npm (MathJax ships with the site).
source "$(dirname "$0")/setup-env.sh"

echo "== 1/5 unit tests"
python -m pytest tests

echo "== 2/5 notebooks (nbval: every cell runs and every assert holds; outputs compared in cells tagged nbval-check-output)"
python -m pytest --nbval-lax --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg notebooks/

echo "== 3/5 every notebooks/*.py and its .ipynb in sync"
python scripts/check_notebooks.py sync

echo "== 4/5 book build (warnings are errors, MathJax shipped with the site) and a page per chapter"
rm -rf _build/html
bash scripts/book.sh
python scripts/check_notebooks.py pages

echo "== 5/5 every page in headless Chromium (MathJax from the site's own copy; no raw TeX; code and output fit at 1280 px)"
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
fi
python scripts/browser_check.py
