"""Re-time the archived runs with the current clock, from their stored learning curves.

The archive was computed before the book had one clock (grokbook.curves):
its runs stored a ``t_grok`` for every settled test curve, including the 25
runs whose test accuracy never rose after fitting. This script recomputes
the clock's fields of each archived result (``t_fit``, ``t_grok``,
``delay``, ``test_plateau``, ``test_at_fit``) from the curves stored beside
them, exactly as :meth:`grokbook.training.History.to_payload` would, and
rewrites the file with a header entry ``rederived`` naming the fields, the
commit and the date. Nothing else in a file changes: the curves and
snapshots are the ones the training run produced.

    python scripts/rederive_archive.py            # rewrite what changed, print a line per file
    python scripts/rederive_archive.py --check    # exit 1 if any file is out of date
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import datetime, timezone

from grokbook import provenance, resultfile
from grokbook.store import ARCHIVE_ROOT
from grokbook.training import History

CLOCK_FIELDS = ("t_fit", "t_grok", "delay", "test_plateau", "test_at_fit")


def clock_fields(payload: dict) -> dict:
    """The clock's fields of a stored run, recomputed from its curves."""
    derived = History.from_payload(payload).to_payload()
    return {key: derived[key] for key in CLOCK_FIELDS}


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report files whose fields are out of date")
    args = parser.parse_args(argv)
    commit, dirty = provenance.git_state(fresh=True)
    stale = 0
    for path in sorted(ARCHIVE_ROOT.glob(f"*/*/seed-*{resultfile.SUFFIX}")):
        header, _ = resultfile.split(path, path.read_bytes())
        payload = resultfile.read_result(path).payload
        if not all(key in payload for key in CLOCK_FIELDS):
            continue
        fields = clock_fields(payload)
        changed = [key for key in CLOCK_FIELDS if not same(float(payload[key]), fields[key])]
        if not changed:
            continue
        stale += 1
        print(f"{path.relative_to(ARCHIVE_ROOT)}: " + ", ".join(f"{k} {payload[k]} -> {fields[k]}" for k in changed))
        if args.check:
            continue
        payload.update(fields)
        data, kinds, _ = resultfile.encode_payload(payload)
        header["payload_kinds"] = kinds
        header["rederived"] = {
            "fields": list(CLOCK_FIELDS),
            "changed": changed,
            "by": "scripts/rederive_archive.py (grokbook.curves)",
            "git_commit": commit,
            "git_dirty": dirty,
            "utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        resultfile.write_atomic(path, resultfile.encode(header, data))
    print(f"{stale} archived result(s) {'out of date' if args.check else 'rewritten'}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
