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

File format (``FORMAT``)::

    GROKBOOK-RESULT 1 sha256=<hex digest of everything after this line>\\n
    <one line of JSON: config, seed, versions, git commit, wall time, ...>\\n
    <the payload: numpy .npz bytes, loaded with allow_pickle=False>

A payload is a flat dict of numpy arrays, numbers, strings and None; numbers,
strings and None come back as the same Python types.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import platform
import re
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from importlib import metadata
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from .validate import check_int

__all__ = [
    "FORMAT",
    "ENV_ROOT",
    "CorruptResultError",
    "CorruptResultWarning",
    "Result",
    "SweepReport",
    "ResultStore",
    "check_experiment_name",
    "config_hash",
    "default_root",
    "archive",
    "read_result",
]

FORMAT = "GROKBOOK-RESULT 1"
ENV_ROOT = "GROKBOOK_RESULTS"
SUFFIX = ".result"
TEMP_PREFIX = ".tmp-"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_TEMP = re.compile(rf"^{re.escape(TEMP_PREFIX)}(\d+)-")

Compute = Callable[[dict, int], Mapping[str, Any]]


class CorruptResultError(ValueError):
    """A stored file that fails its checksum or cannot be parsed."""


class CorruptResultWarning(UserWarning):
    """Emitted when a corrupt file is found (and, in a sweep, recomputed)."""


@dataclass(frozen=True)
class Result:
    """One stored result: the payload and the metadata written with it.

    Attributes:
        experiment: experiment name.
        config: the full configuration (JSON types).
        seed: the seed, >= 0.
        payload: name -> numpy array, number or string.
        meta: everything else in the header (versions, git commit, wall time, ...).
        path: the file it was read from or written to.
    """

    experiment: str
    config: dict
    seed: int
    payload: dict
    meta: dict
    path: Path

    @property
    def wall_time(self) -> float:
        """Seconds the computation took when it was run (not when it was loaded)."""
        return float(self.meta["wall_time_s"])


@dataclass
class SweepReport:
    """What :meth:`ResultStore.sweep` did: results in seed order, and which seeds it computed."""

    directory: Path
    results: list[Result] = field(default_factory=list)
    computed: list[int] = field(default_factory=list)
    reused: list[int] = field(default_factory=list)
    corrupt: list[int] = field(default_factory=list)  # found corrupt, then recomputed


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
    """The results archive shipped with grokbook (``grokbook/archive``), e.g. chapter 6's 5-seed sweeps.

    It is an ordinary store, written with ``grokbook run NAME ... --results
    grokbook/archive``.  Notebooks read it with :meth:`ResultStore.load`,
    never ``get_or_compute``: a result missing from the archive (say, after
    a change of the experiment's config) is an error, not hours of silent
    recomputation; ``tests/test_archive.py`` checks every archived result
    still matches its experiment's current config keys.
    """
    return ResultStore(ARCHIVE_ROOT)


def _canonical_json(config: Mapping[str, Any]) -> str:
    if not isinstance(config, Mapping):
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    for key in config:
        if not isinstance(key, str):
            raise TypeError(f"config keys must be strings, got {key!r}")
    try:
        return json.dumps(dict(config), sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"config must hold only finite numbers, strings, booleans, None and lists of them: {error}") from error


def config_hash(config: Mapping[str, Any]) -> str:
    """First 16 hex digits of the SHA-256 of the config as canonical JSON (key order does not matter)."""
    return hashlib.sha256(_canonical_json(config).encode()).hexdigest()[:16]


def check_experiment_name(experiment: object) -> str:
    if not isinstance(experiment, str):
        raise TypeError(f"experiment must be a string, got {type(experiment).__name__}")
    if not _NAME.match(experiment):
        raise ValueError(f"experiment must be a name of letters, digits, '_', '.' or '-' (it names a directory), got {experiment!r}")
    return experiment


@lru_cache(maxsize=1)
def _git_state() -> tuple[str, bool | None]:
    """(commit, whether tracked files differ from it) of the checkout grokbook lives in; ("unknown", None) outside git."""
    here = Path(__file__).resolve().parent

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(here), *args], capture_output=True, text=True, check=True, timeout=10).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        dirty = bool(git("status", "--porcelain", "--untracked-files=no").strip())
    except (OSError, subprocess.SubprocessError):
        return "unknown", None
    return commit or "unknown", dirty


def _version(package: str) -> str:
    try:
        return metadata.version(package)  # reads the installed metadata; does not import torch
    except metadata.PackageNotFoundError:
        return "not installed"


def _encode_payload(payload: Mapping[str, Any]) -> tuple[bytes, dict[str, str], dict]:
    """Payload -> (.npz bytes, key -> kind, the payload as it will load), kind one of array/int/float/bool/str/none."""
    if not isinstance(payload, Mapping):
        raise TypeError(f"payload must be a dict of arrays and numbers, got {type(payload).__name__}")
    arrays, kinds = {}, {}
    for key, value in payload.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"payload keys must be non-empty strings, got {key!r}")
        if value is None:  # e.g. t_grok of a run that never grokked
            kinds[key], arrays[key] = "none", np.zeros(0)
            continue
        if isinstance(value, (bool, np.bool_)):
            kinds[key], value = "bool", bool(value)
        elif isinstance(value, Integral):
            kinds[key], value = "int", int(value)
        elif isinstance(value, Real):
            kinds[key], value = "float", float(value)
        elif isinstance(value, str):
            kinds[key] = "str"
        elif isinstance(value, (np.ndarray, list, tuple)):
            kinds[key] = "array"
        else:
            raise TypeError(f"payload[{key!r}] must be a numpy array, a number, a string or None, got {type(value).__name__} (flatten dicts into keys like 'history.loss')")
        try:
            array = np.asarray(value)
        except ValueError as error:
            raise ValueError(f"payload[{key!r}] must be a rectangular array: {error}") from None
        if array.dtype == object:
            raise TypeError(f"payload[{key!r}] must not be an object array (it would need pickle)")
        arrays[key] = array
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue(), kinds, _from_arrays(arrays, kinds)


def _from_arrays(arrays: Mapping[str, np.ndarray], kinds: Mapping[str, str]) -> dict:
    """Arrays -> payload: 0-d arrays of kind int/float/bool/str become Python scalars again, kind none None."""
    convert = {"int": int, "float": float, "bool": bool, "str": str, "none": lambda _: None}
    return {key: arrays[key] if kind == "array" else convert[kind](arrays[key].item() if arrays[key].size else None) for key, kind in kinds.items()}


def _decode_payload(data: bytes, kinds: Mapping[str, str]) -> dict:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        if set(npz.files) != set(kinds):
            raise CorruptResultError(f"payload holds {sorted(npz.files)}, header lists {sorted(kinds)}")
        return _from_arrays({key: npz[key] for key in npz.files}, kinds)


def read_result(path: str | Path) -> Result:
    """Read and verify one result file.

    Raises:
        FileNotFoundError: no such file.
        CorruptResultError: wrong magic line, checksum mismatch (truncated or altered), or unparsable content.
    """
    path = Path(path)
    data = path.read_bytes()
    first, sep, rest = data.partition(b"\n")
    prefix = FORMAT.encode() + b" sha256="
    if not sep or not first.startswith(prefix):
        raise CorruptResultError(f"{path}: not a {FORMAT} file (first line {first[:60]!r})")
    if hashlib.sha256(rest).hexdigest().encode() != first[len(prefix):]:
        raise CorruptResultError(f"{path}: checksum mismatch ({len(data)} bytes; truncated or altered)")
    header_line, _, payload_bytes = rest.partition(b"\n")
    try:
        header = json.loads(header_line)
        payload = _decode_payload(payload_bytes, header.pop("payload_kinds"))
        experiment, config, seed = header.pop("experiment"), header.pop("config"), header.pop("seed")
    except (ValueError, KeyError, TypeError, OSError) as error:
        raise CorruptResultError(f"{path}: unreadable content ({error})") from error
    return Result(experiment=experiment, config=config, seed=seed, payload=payload, meta=header, path=path)


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

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(default_root() if root is None else root).expanduser().resolve()

    def __repr__(self) -> str:
        return f"ResultStore({str(self.root)!r})"

    def directory(self, experiment: str, config: Mapping[str, Any]) -> Path:
        """Directory holding every seed of one (experiment, config)."""
        return self.root / check_experiment_name(experiment) / config_hash(config)

    def path(self, experiment: str, config: Mapping[str, Any], seed: int) -> Path:
        """File of one (experiment, config, seed), whether or not it exists."""
        seed = check_int("seed", seed, minimum=0)
        return self.directory(experiment, config) / f"seed-{seed}{SUFFIX}"

    def save(
        self, experiment: str, config: Mapping[str, Any], seed: int, payload: Mapping[str, Any], *, wall_time: float
    ) -> Result:
        """Write one result atomically (temp file in the same directory, fsync, ``os.replace``).

        Concurrent writers of the same key never corrupt it: the last rename wins
        and each renamed file is complete.
        """
        path = self.path(experiment, config, seed)
        if isinstance(wall_time, bool) or not isinstance(wall_time, Real) or not (math.isfinite(wall_time) and wall_time >= 0):
            raise ValueError(f"wall_time must be a finite number of seconds >= 0, got {wall_time!r}")
        payload_bytes, kinds, stored = _encode_payload(payload)
        commit, dirty = _git_state()
        header = {
            "experiment": experiment,
            "seed": int(seed),
            "config": json.loads(_canonical_json(config)),
            "config_hash": path.parent.name,
            "payload_kinds": kinds,
            "wall_time_s": float(wall_time),
            "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "grokbook_version": _package_version(),
            "git_commit": commit,
            "git_dirty": dirty,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "torch": _version("torch"),
            "platform": platform.platform(),
        }
        body = json.dumps(header, sort_keys=True).encode() + b"\n" + payload_bytes
        data = f"{FORMAT} sha256={hashlib.sha256(body).hexdigest()}\n".encode() + body
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=SUFFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), 0o644)  # mkstemp makes 0600; results are for every reader
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _fsync_directory(path.parent)
        return Result(experiment, header["config"], int(seed), stored, _meta(header), path)

    def load(self, experiment: str, config: Mapping[str, Any], seed: int) -> Result:
        """The stored result; raises ``KeyError`` if absent and :class:`CorruptResultError` if damaged."""
        path = self.path(experiment, config, seed)
        try:
            return read_result(path)
        except FileNotFoundError:
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
        """
        base = self.root / check_experiment_name(experiment)
        directories = [self.directory(experiment, config)] if config is not None else sorted(p for p in base.glob("*") if p.is_dir())
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


def _seed_of(path: Path) -> int:
    digits = path.name[len("seed-") : -len(SUFFIX)]
    return int(digits) if digits.isdigit() else -1


def _meta(header: dict) -> dict:
    return {k: v for k, v in header.items() if k not in ("experiment", "config", "seed", "payload_kinds")}


def _package_version() -> str:
    from . import __version__

    return __version__


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (best effort: not every OS can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
