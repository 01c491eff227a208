"""The barrier-pattern notebook executes from top to bottom (so it cannot rot)."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from pipeline.core.config import PROJECT_ROOT
from pipeline.evaluate import build_sample_workdir
from tests.helpers import FakeEmbedder

NOTEBOOK = PROJECT_ROOT / "notebooks" / "01-barrier-patterns.ipynb"


def test_barrier_pattern_notebook_runs_on_a_small_work_dir(tmp_path, monkeypatch, config):
    # A small work dir (one original per pattern, fake vectors, private cache) keeps it fast
    # and independent of whatever the repository has built.
    wd, labels = build_sample_workdir(
        tmp_path / "wd",
        config,
        n_per_pattern=1,
        embedder=FakeEmbedder(),
        cache_dir=tmp_path / "cache",
    )
    monkeypatch.setenv("CASUSWIJZER_WORKDIR", str(wd.root))
    monkeypatch.setenv("CASUSWIJZER_LABELS", str(labels))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(PROJECT_ROOT)}}
    ).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("clusters" in o.get("text", "") for o in outputs if o.output_type == "stream")
