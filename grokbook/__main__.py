"""``python -m grokbook ...``: the ``grokbook`` command (:func:`grokbook.cli.main`), e.g. from a checkout that is not installed."""

from .cli import main

if __name__ == "__main__":  # not when Dask's spawned workers import the main module again
    raise SystemExit(main())
