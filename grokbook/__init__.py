"""grokbook: the helper package of the grokking book.

Each module does one job; the chapters import what they need, e.g.
``from grokbook import ising``.
"""

__version__ = "0.1.0"
