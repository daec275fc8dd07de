"""Stored results as tables: one row per (config, seed), for ``grokbook show --format`` and the notebooks.

:func:`results_table` is what :meth:`grokbook.store.ResultStore.table` returns:
the config keys that differ between the stored configs, the seed, and every
scalar of the payloads, as a pandas DataFrame (pandas is imported on call).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas

    from .resultfile import Result

__all__ = ["results_table"]


def results_table(results: Sequence[Result]) -> pandas.DataFrame:
    """Results (of one experiment) as a DataFrame, one row per (config, seed).

    Columns: the config keys whose value differs between the configs (in
    config order), ``seed``, then every scalar entry of the payloads (numbers,
    strings, bools, None; arrays are left out).  A scalar named like a column
    before it gets the suffix ``" (result)"``.  Rows are sorted by the varying
    keys, then the seed.
    """
    import pandas as pd

    configs = {result.meta.get("config_hash"): result.config for result in results}
    keys = list(dict.fromkeys(key for config in configs.values() for key in config))
    varying = [key for key in keys if len({json.dumps(c.get(key), sort_keys=True) for c in configs.values()}) > 1]
    scalars = list(dict.fromkeys(key for result in results for key in result.scalars()))
    columns = {key: (f"{key} (result)" if key in varying or key == "seed" else key) for key in scalars}
    rows = [
        {**{key: result.config.get(key) for key in varying}, "seed": result.seed, **{columns[k]: result.payload.get(k) for k in scalars}}
        for result in results
    ]
    rows.sort(key=lambda row: (*(_sort_key(row[key]) for key in varying), row["seed"]))
    return pd.DataFrame(rows, columns=[*varying, "seed", *columns.values()])


def _sort_key(value: Any) -> tuple:
    """Numbers before everything else (in their order), then other values by their JSON text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, json.dumps(value, sort_keys=True))
