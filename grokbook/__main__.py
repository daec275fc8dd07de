"""``python -m grokbook``: the same command as the ``grokbook`` console script (see :mod:`grokbook.cli`)."""

import sys

from .cli import main

sys.exit(main())
