#!/usr/bin/env bash
# Build the book into _build/html (creates .venv and installs what is needed).
#
# The site ships its own MathJax (3.2.2, from npm), so that formulas render
# offline and where the CDN is blocked: it is installed once into
# ${TMPDIR:-/tmp}/grokbook-npm and copied to _build/static/mathjax, which
# _config.yml serves as _static/mathjax (html_static_path, mathjax_path).
source "$(dirname "$0")/setup-env.sh"

MATHJAX_VERSION=3.2.2
npm_dir="${TMPDIR:-/tmp}/grokbook-npm"
es5="$npm_dir/node_modules/mathjax/es5"
if [ ! -f "$es5/tex-mml-chtml.js" ] || ! grep -q "\"version\": \"$MATHJAX_VERSION\"" "$npm_dir/node_modules/mathjax/package.json" 2>/dev/null; then
  if ! command -v npm >/dev/null; then
    echo "book.sh: npm not found. The book ships MathJax $MATHJAX_VERSION from npm so that it reads offline;" >&2
    echo "         install Node.js and npm (Debian: apt-get install npm) and run this again." >&2
    exit 1
  fi
  npm install --no-save --no-audit --no-fund --prefix "$npm_dir" "mathjax@$MATHJAX_VERSION" >/dev/null
fi
# The component the pages load and what it loads on demand (input, output and
# its fonts, ui, a11y, sre, adaptors); not the other combined bundles.
static=_build/static/mathjax
rm -rf "$static"
mkdir -p "$static"
cp "$es5/tex-mml-chtml.js" "$static/"
for part in a11y adaptors input output sre ui; do
  cp -r "$es5/$part" "$static/"
done
cp "$npm_dir/node_modules/mathjax/LICENSE" "$static/LICENSE"

jupyter-book build . -W -n --keep-going
echo "book: $PWD/_build/html/index.html"
