import pytest

from grokbook.scale import current_scale


def test_scale_from_environment(monkeypatch):
    monkeypatch.setenv("GROKBOOK_SCALE", "paper")
    assert current_scale() == "paper"
    monkeypatch.setenv("GROKBOOK_SCALE", "quick")
    assert current_scale() == "quick"
    monkeypatch.setenv("GROKBOOK_SCALE", "huge")
    with pytest.raises(ValueError, match="GROKBOOK_SCALE"):
        current_scale()


def test_scale_without_environment_follows_the_gpu(monkeypatch):
    monkeypatch.delenv("GROKBOOK_SCALE", raising=False)
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    assert current_scale() == "quick"
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    assert current_scale() == "paper"
