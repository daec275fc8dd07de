"""Test ordering: tests marked ``@pytest.mark.last`` (minutes-long recomputations) run after all the others."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "last: run after every other test (a long recomputation; see tests/test_archive.py)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)  # stable: keeps the order within each group
