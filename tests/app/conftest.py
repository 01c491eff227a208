"""Fixtures of the app tests: knowledge bases of every shape, built once per session."""

from __future__ import annotations

import pytest

from tests.app.apptest import rules_only_anonymiser
from tests.app.kbs import PublishedKBs
from tests.app.served import CHROMIUM, CHROMIUM_FLAGS


@pytest.fixture(scope="session")
def published(tmp_path_factory, config):
    """`published(name)` → the work directory of that kb (see tests/app/kbs.py), built with the
    real pipeline and the real model the first time a test asks for it."""
    from pipeline.core.embedder import load_embedder

    return PublishedKBs(tmp_path_factory.mktemp("published"), config, load_embedder(config.embed))


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's), driven by playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def wd(tiny_workdir, monkeypatch):
    """The tiny kb as the app's work directory for AppTest: the fake embedder, the rules-only
    gate for the intake preview, and Streamlit's caches empty before and after."""
    import streamlit as st

    from app import data
    from tests.helpers import FakeEmbedder

    monkeypatch.setenv(data.ENV_WORKDIR, str(tiny_workdir.root))
    monkeypatch.delenv(data.ENV_PARAMS, raising=False)
    monkeypatch.setattr(data, "load_embedder", lambda cfg: FakeEmbedder())
    monkeypatch.setattr(data, "make_anonymiser", rules_only_anonymiser)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield tiny_workdir
    st.cache_data.clear()
    st.cache_resource.clear()
