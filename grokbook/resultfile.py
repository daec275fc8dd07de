"""The file format of one stored result: a checksummed header and an .npz payload, written atomically.

Format (``FORMAT``)::

    GROKBOOK-RESULT 1 sha256=<hex digest of everything after this line>\\n
    <one line of JSON: config, seed, versions, git commit, wall time, ...>\\n
    <the payload: numpy .npz bytes, loaded with allow_pickle=False>

A payload is a flat dict of numpy arrays, numbers, strings and None; numbers,
strings and None come back as the same Python types.  :func:`write_atomic`
writes a temporary file in the target's directory, flushes it to disk and
renames it over the target with :func:`os.replace` (atomic on POSIX), so a
reader or a second writer sees the old complete file or the new complete one,
never part of one.  :mod:`grokbook.store` arranges these files by
(experiment, config, seed).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "FORMAT",
    "CorruptResultError",
    "CorruptResultWarning",
    "Result",
    "config_hash",
    "encode",
    "read_result",
    "write_atomic",
]

FORMAT = "GROKBOOK-RESULT 1"
SUFFIX = ".result"
TEMP_PREFIX = ".tmp-"


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
        meta: everything else in the header (versions, git commit, device, wall time, ...).
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

    def scalars(self) -> dict[str, Any]:
        """The payload entries that are one number, string, bool or None (not arrays)."""
        return {key: value for key, value in self.payload.items() if not isinstance(value, np.ndarray)}


def canonical_json(config: Mapping[str, Any]) -> str:
    """``config`` as sorted, compact JSON; TypeError/ValueError naming ``config`` if it is not plain JSON."""
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
    return hashlib.sha256(canonical_json(config).encode()).hexdigest()[:16]


def encode_payload(payload: Mapping[str, Any]) -> tuple[bytes, dict[str, str], dict]:
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


def encode(header: Mapping[str, Any], payload_bytes: bytes) -> bytes:
    """The bytes of a result file: magic line with the checksum, the JSON header, the payload."""
    body = json.dumps(dict(header), sort_keys=True).encode() + b"\n" + payload_bytes
    return f"{FORMAT} sha256={hashlib.sha256(body).hexdigest()}\n".encode() + body


def split(path: Path, data: bytes) -> tuple[dict, bytes]:
    """Verify the checksum of a file's bytes; (header, payload bytes), or CorruptResultError."""
    first, sep, rest = data.partition(b"\n")
    prefix = FORMAT.encode() + b" sha256="
    if not sep or not first.startswith(prefix):
        raise CorruptResultError(f"{path}: not a {FORMAT} file (first line {first[:60]!r})")
    if hashlib.sha256(rest).hexdigest().encode() != first[len(prefix):]:
        raise CorruptResultError(f"{path}: checksum mismatch ({len(data)} bytes; truncated or altered)")
    header_line, _, payload_bytes = rest.partition(b"\n")
    try:
        return json.loads(header_line), payload_bytes
    except ValueError as error:
        raise CorruptResultError(f"{path}: unreadable header ({error})") from error


def read_result(path: str | Path) -> Result:
    """Read and verify one result file.

    Raises:
        FileNotFoundError: no such file.
        CorruptResultError: wrong magic line, checksum mismatch (truncated or altered), or unparsable content.
    """
    path = Path(path)
    header, payload_bytes = split(path, path.read_bytes())
    try:
        payload = _decode_payload(payload_bytes, header.pop("payload_kinds"))
        experiment, config, seed = header.pop("experiment"), header.pop("config"), header.pop("seed")
    except (ValueError, KeyError, TypeError, OSError) as error:
        raise CorruptResultError(f"{path}: unreadable content ({error})") from error
    return Result(experiment=experiment, config=config, seed=seed, payload=payload, meta=header, path=path)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory, fsync and ``os.replace``.

    The temporary file's name holds this process's pid (``.tmp-<pid>-...``), so
    a later sweep can tell a dead writer's leftovers from a live one's.
    """
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
