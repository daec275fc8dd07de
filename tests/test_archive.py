"""The results archive shipped with the package (grokbook/archive): intact, and in step with the code."""

from __future__ import annotations

import pytest

from grokbook import experiments
from grokbook.store import SUFFIX, archive, read_result

FILES = sorted(archive().root.rglob(f"*{SUFFIX}"))


def test_the_archive_is_not_empty():
    assert FILES, f"no archived results under {archive().root}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(archive().root)))
def test_archived_result_is_intact_and_matches_its_experiment(path):
    result = read_result(path)  # checks the checksum
    experiment = experiments.get(result.experiment)
    assert result.config == experiment.resolve(result.config), "the config no longer matches the experiment's keys or types"
    assert archive().path(result.experiment, result.config, result.seed) == path
