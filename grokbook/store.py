"""The results store: one checksummed file per (experiment, config, seed), written atomically.

A sweep over seeds can take hours at paper scale, and a notebook should not
recompute what the CLI already computed.  The store keys every result by the
experiment name, a hash of its configuration and the seed, so that

* a rerun skips what is stored, and an interrupted sweep resumes where it
  stopped (:meth:`ResultStore.sweep`);
* a file is never seen half-written: it is written to a temporary file in the
  same directory, flushed to disk, then renamed over the final name with
  :func:`os.replace` (atomic on POSIX), so a reader or a second writer sees
  either the old complete file or the new complete one;
* a file damaged afterwards (truncated copy, flipped bits) fails its SHA-256
  checksum, is reported with a :class:`CorruptResultWarning` and recomputed.

Layout: ``ROOT/<experiment>/<config hash>/seed-<seed>.result``; ``ROOT`` is
``$GROKBOOK_RESULTS`` if set, else ``results/`` in the repository checkout
(git-ignored), else ``results/`` in the working directory.

Each file (:mod:`grokbook.resultfile`) holds the payload, the config and seed,
the wall time and the provenance of the process that computed it
(:mod:`grokbook.provenance`: git commit, dirty flag, versions, device).  The
package archive (:func:`archive`) is a store that accepts only results from a
clean commit, unless ``allow_dirty`` marks them.  :meth:`ResultStore.table`
gives an experiment's results as a pandas DataFrame (:mod:`grokbook.tables`).
"""

from __future__ import annotations

import json
import math
import os
import re
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from . import provenance as _provenance
from .resultfile import (
    FORMAT,
    SUFFIX,
    TEMP_PREFIX,
    CorruptResultError,
    CorruptResultWarning,
    Result,
    canonical_json,
    config_hash,
    encode,
    encode_payload,
    read_result,
    write_atomic,
)
from .validate import check_int

if TYPE_CHECKING:
    import pandas

__all__ = [
    "FORMAT", "ENV_ROOT", "ARCHIVE_ROOT", "CorruptResultError", "CorruptResultWarning", "Result", "SweepReport",
    "ResultStore", "check_experiment_name", "config_hash", "default_root", "archive", "read_result",
]  # fmt: skip

ENV_ROOT = "GROKBOOK_RESULTS"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_TEMP = re.compile(rf"^{re.escape(TEMP_PREFIX)}(\d+)-")
#: header fields the store sets itself; provenance may not overwrite them
_RESERVED = ("experiment", "seed", "config", "config_hash", "payload_kinds", "wall_time_s", "created_utc")

Compute = Callable[[dict, int], Mapping[str, Any]]


@dataclass
class SweepReport:
    """What a sweep of one config did: results in seed order, which seeds it computed, which failed.

    ``failed`` maps a seed whose run raised to the error, ``"Type: message"``
    (filled by :func:`grokbook.experiments.run_sweeps`; its other seeds still ran).
    """

    directory: Path
    config: dict = field(default_factory=dict)
    results: list[Result] = field(default_factory=list)
    computed: list[int] = field(default_factory=list)
    reused: list[int] = field(default_factory=list)
    corrupt: list[int] = field(default_factory=list)  # found corrupt, then recomputed
    failed: dict[int, str] = field(default_factory=dict)


def default_root() -> Path:
    """``$GROKBOOK_RESULTS``, else ``results/`` of the repository checkout, else ``./results``."""
    env = os.environ.get(ENV_ROOT)
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout / "results"
    return Path.cwd() / "results"  # an installed (non-editable) package, e.g. in Colab


#: The store shipped inside the package: results the book plots but cannot recompute within its time budget.
ARCHIVE_ROOT = Path(__file__).resolve().parent / "archive"


def archive() -> ResultStore:
    """The results archive shipped with grokbook (``grokbook/archive``), e.g. chapter 3's 5-seed sweeps.

    It is a store written with ``grokbook run NAME ... --results
    grokbook/archive`` that accepts only results computed from a clean commit
    (:mod:`grokbook.provenance`; ``--allow-dirty`` marks the exceptions in
    their header).  Notebooks read it with :meth:`ResultStore.load`,
    never ``get_or_compute``: a result missing from the archive (say, after
    a change of the experiment's config) is an error, not hours of silent
    recomputation; ``tests/test_archive.py`` checks every archived result
    still matches its experiment's current config keys and its provenance
    rule, and recomputes one run of each archived experiment bitwise.
    """
    return ResultStore(ARCHIVE_ROOT)


def check_experiment_name(experiment: object) -> str:
    """``experiment`` if it can name a directory (letters, digits, ``_.-``); TypeError/ValueError naming it otherwise."""
    if not isinstance(experiment, str):
        raise TypeError(f"experiment must be a string, got {type(experiment).__name__}")
    if not _NAME.match(experiment):
        raise ValueError(f"experiment must be a name of letters, digits, '_', '.' or '-' (it names a directory), got {experiment!r}")
    return experiment


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


class ResultStore:
    """Results on disk under ``root`` (default :func:`default_root`); see the module docstring.

    Example::

        store = ResultStore()
        result = store.get_or_compute("ising_sampler_check", config, seed=0, compute=run)
        result.payload["energy"]
    """

    def __init__(self, root: str | Path | None = None, *, clean_only: bool | None = None) -> None:
        """``clean_only``: accept only results from a clean commit (default: only when ``root`` is the package archive)."""
        self.root = Path(default_root() if root is None else root).expanduser().resolve()
        if clean_only is not None and not isinstance(clean_only, bool):
            raise TypeError(f"clean_only must be True, False or None, got {clean_only!r}")
        self.clean_only = self.root == ARCHIVE_ROOT.resolve() if clean_only is None else clean_only

    def __repr__(self) -> str:
        return f"ResultStore({str(self.root)!r}{', clean_only=True' if self.clean_only else ''})"

    def check_accepts(self, provenance: Mapping[str, Any], *, allow_dirty: bool = False) -> dict[str, Any]:
        """Header fields marking a result with this ``provenance``; DirtyTreeError (a ValueError) if refused.

        Only a ``clean_only`` store (the archive) refuses anything: a result from a
        dirty or unknown tree, unless ``allow_dirty``, which is then recorded.
        """
        if not self.clean_only:
            return {}
        return _provenance.check_archivable(dict(provenance), allow_dirty=allow_dirty, where=f"{self!r}")

    def directory(self, experiment: str, config: Mapping[str, Any]) -> Path:
        """Directory holding every seed of one (experiment, config)."""
        return self.root / check_experiment_name(experiment) / config_hash(config)

    def path(self, experiment: str, config: Mapping[str, Any], seed: int) -> Path:
        """File of one (experiment, config, seed), whether or not it exists."""
        seed = check_int("seed", seed, minimum=0)
        return self.directory(experiment, config) / f"seed-{seed}{SUFFIX}"

    def save(
        self,
        experiment: str,
        config: Mapping[str, Any],
        seed: int,
        payload: Mapping[str, Any],
        *,
        wall_time: float,
        provenance: Mapping[str, Any] | None = None,
        allow_dirty: bool = False,
    ) -> Result:
        """Write one result atomically (temp file in the same directory, fsync, ``os.replace``).

        ``provenance`` is the record of the process that computed the payload
        (:func:`grokbook.provenance.collect`, e.g. a Dask worker's); ``None``
        collects this process's.  A ``clean_only`` store refuses a dirty one
        unless ``allow_dirty`` (:meth:`check_accepts`).  Concurrent writers of
        the same key never corrupt it: the last rename wins and each renamed file is complete.
        """
        path = self.path(experiment, config, seed)
        if isinstance(wall_time, bool) or not isinstance(wall_time, Real) or not (math.isfinite(wall_time) and wall_time >= 0):
            raise ValueError(f"wall_time must be a finite number of seconds >= 0, got {wall_time!r}")
        provenance = _provenance.collect() if provenance is None else provenance
        if not isinstance(provenance, Mapping) or any(key in _RESERVED for key in provenance):
            raise TypeError(f"provenance must be a dict without the store's own keys {_RESERVED}, got {provenance!r}")
        marks = self.check_accepts(provenance, allow_dirty=allow_dirty)
        payload_bytes, kinds, stored = encode_payload(payload)
        header = {
            **provenance,
            **marks,
            "experiment": experiment,
            "seed": int(seed),
            "config": json.loads(canonical_json(config)),
            "config_hash": path.parent.name,
            "payload_kinds": kinds,
            "wall_time_s": float(wall_time),
            "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        write_atomic(path, encode(header, payload_bytes))
        return Result(experiment, header["config"], int(seed), stored, _meta(header), path)

    def load(self, experiment: str, config: Mapping[str, Any], seed: int) -> Result:
        """The stored result; raises ``KeyError`` if absent and :class:`CorruptResultError` if damaged."""
        path = self.path(experiment, config, seed)
        try:
            return read_result(path)
        except FileNotFoundError:
            self._check_complete(experiment, config)
            raise KeyError(f"no stored result for experiment {experiment!r}, config {path.parent.name}, seed {seed}") from None

    def get_or_compute(self, experiment: str, config: Mapping[str, Any], seed: int, compute: Compute) -> Result:
        """The stored result if present and intact; otherwise ``compute(config, seed)``, saved, returned.

        A corrupt file is reported with a :class:`CorruptResultWarning` and recomputed.
        """
        return self._get_or_compute(experiment, config, seed, compute)[0]

    def _get_or_compute(self, experiment, config, seed, compute) -> tuple[Result, str]:
        try:
            return self.load(experiment, config, seed), "reused"
        except KeyError:
            status = "computed"
        except CorruptResultError as error:
            warnings.warn(f"corrupt result, recomputing: {error}", CorruptResultWarning, stacklevel=3)
            status = "corrupt"
        start = time.perf_counter()
        payload = compute(dict(config), seed)
        return self.save(experiment, config, seed, payload, wall_time=time.perf_counter() - start), status

    def sweep(
        self,
        experiment: str,
        config: Mapping[str, Any],
        seeds: Iterable[int],
        compute: Compute,
        *,
        progress: bool = True,
    ) -> SweepReport:
        """Every seed of one config, computing only what is missing or corrupt (so a killed sweep resumes).

        Stale temporary files of dead writers are removed first.  ``progress``
        shows a tqdm bar over seeds (tqdm honours ``TQDM_DISABLE``).
        """
        seeds = [check_int("seed", seed, minimum=0) for seed in seeds]
        report = SweepReport(directory=self.directory(experiment, config))
        self.remove_stale_temporaries(experiment)
        for seed in tqdm(seeds, desc=experiment, unit="seed", disable=not progress):
            result, status = self._get_or_compute(experiment, config, seed, compute)
            report.results.append(result)
            getattr(report, status).append(seed)
        return report

    def results(self, experiment: str, config: Mapping[str, Any] | None = None) -> list[Result]:
        """Every intact stored result of an experiment (of one config if given), ordered by config hash then seed.

        Corrupt files are reported with a :class:`CorruptResultWarning` and skipped.
        ``config`` must be complete (:meth:`grokbook.experiments.Experiment.results`
        fills in defaults): one whose keys differ from the stored configs' (none
        stored: the registered experiment's) raises ValueError naming the keys.
        """
        base = self.root / check_experiment_name(experiment)
        directories = [self.directory(experiment, config)] if config is not None else sorted(p for p in base.glob("*") if p.is_dir())
        if config is not None and not directories[0].is_dir():
            self._check_complete(experiment, config)
        found = []
        for directory in directories:
            for path in sorted(directory.glob(f"seed-*{SUFFIX}"), key=_seed_of):
                try:
                    found.append(read_result(path))
                except CorruptResultError as error:
                    warnings.warn(f"skipping corrupt result: {error}", CorruptResultWarning, stacklevel=2)
        return found

    def remove_stale_temporaries(self, experiment: str | None = None) -> list[Path]:
        """Delete temporary files left by writers that died mid-write (their pid is gone); return them.

        Temporary files of live processes are kept: they may still be renamed into place.
        """
        base = self.root if experiment is None else self.root / check_experiment_name(experiment)
        removed = []
        for temp in base.rglob(f"{TEMP_PREFIX}*"):
            match = _TEMP.match(temp.name)
            if match and not _pid_alive(int(match.group(1))):
                temp.unlink(missing_ok=True)
                removed.append(temp)
        return removed

    def _check_complete(self, experiment: str, config: Mapping[str, Any]) -> None:
        """ValueError naming the keys ``config`` lacks or adds, against a stored config of ``experiment`` (or its registered one)."""
        from .experiments import EXPERIMENTS

        keys = set(EXPERIMENTS[experiment].quick) if experiment in EXPERIMENTS else None
        for path in sorted((self.root / experiment).glob(f"*/seed-*{SUFFIX}"))[:1]:
            try:
                keys = set(read_result(path).config)
            except CorruptResultError:
                return
        if keys is not None and keys != set(config):
            raise ValueError(
                f"config must be complete: configs of {experiment!r} have keys {sorted(keys)}; this one lacks {sorted(keys - set(config))} "
                f"and adds {sorted(set(config) - keys)} (complete it with grokbook.experiments.get({experiment!r}).config(scale, overrides), "
                "or ask the experiment: its .results(partial_config, scale=...))"
            )

    def table(self, experiment: str) -> pandas.DataFrame:
        """The stored results of ``experiment`` as a DataFrame, one row per (config, seed): :func:`grokbook.tables.results_table`."""
        from .tables import results_table

        return results_table(self.results(experiment))


def _seed_of(path: Path) -> int:
    digits = path.name[len("seed-") : -len(SUFFIX)]
    return int(digits) if digits.isdigit() else -1


def _meta(header: dict) -> dict:
    return {k: v for k, v in header.items() if k not in ("experiment", "config", "seed", "payload_kinds")}
