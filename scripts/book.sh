#!/usr/bin/env bash
# Build the book into _build/html (creates .venv and installs what is needed).
source "$(dirname "$0")/setup-env.sh"
jupyter-book build . -W -n --keep-going
echo "book: $PWD/_build/html/index.html"
