"""The names re-exported from ``grokbook``: each resolves, and importing the package stays light."""

import subprocess
import sys

import pytest

import grokbook


@pytest.mark.parametrize("name", grokbook.__all__)
def test_every_public_name_resolves(name):
    assert getattr(grokbook, name) is not None


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        grokbook.no_such_name  # noqa: B018


def test_import_grokbook_loads_neither_torch_nor_dask():
    code = "import sys, grokbook, grokbook.experiments; print('torch' in sys.modules, 'distributed' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_public_names_are_the_package_objects():
    from grokbook import curves
    from grokbook.train import History

    assert grokbook.t_grok is curves.t_grok
    assert grokbook.History is History
