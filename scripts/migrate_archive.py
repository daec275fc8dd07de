"""Give every archived result of an experiment a config key added after it was computed.

    python scripts/migrate_archive.py ising_grokking flush_denormals false

A run's config is its address in the store (the hash of the config names its
directory), so a new key of a task's ``DEFAULT_CONFIG`` would orphan every
archived run.  This rewrites each file of ``grokbook/archive/<experiment>``
with the key set to the value its code used (the behaviour before the key
existed), under the new hash, and notes the change in the header's
``migrations``.  Payload, seed, commit and timings are copied unchanged;
the checksum is recomputed.  Files that already have the key are left alone.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from grokbook.resultfile import config_hash, encode, split, write_atomic
from grokbook.store import archive


def migrate(experiment: str, key: str, value: object) -> int:
    """Rewrite the archived results of ``experiment`` without ``key``; return how many moved."""
    root = Path(archive().root) / experiment
    moved = 0
    for path in sorted(root.glob("*/seed-*.result")):
        header, payload = split(path, path.read_bytes())
        if key in header["config"]:
            continue
        header["config"][key] = value
        header.setdefault("migrations", []).append(f"config key {key!r} added as {value!r} (the behaviour of its code)")
        header["config_hash"] = config_hash(header["config"])
        target = root / header["config_hash"] / path.name
        write_atomic(target, encode(header, payload))
        path.unlink()
        if not any(path.parent.iterdir()):
            path.parent.rmdir()
        moved += 1
    return moved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment")
    parser.add_argument("key")
    parser.add_argument("value", help="a JSON value: false, 0, 1.5, \"text\"")
    args = parser.parse_args()
    print(f"{migrate(args.experiment, args.key, json.loads(args.value))} results moved")


if __name__ == "__main__":
    main()
