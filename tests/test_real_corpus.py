"""The real published-case corpus (data/real): `cases.jsonl` is what `make_split.py` makes of
the batches and `spans.jsonl`, and every located label stands in its own text."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from pipeline.core.config import PROJECT_ROOT

REAL = PROJECT_ROOT / "data" / "real"


def _make_split(here: Path):
    spec = importlib.util.spec_from_file_location("make_split_copy", REAL / "make_split.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.HERE = here
    return module


def _read(path: Path) -> list[dict]:
    return [json.loads(ln) for ln in path.read_text("utf-8").splitlines() if ln.strip()]


@pytest.fixture
def copy(tmp_path) -> Path:
    here = tmp_path / "real"
    shutil.copytree(REAL / "batches", here / "batches")
    shutil.copy(REAL / "spans.jsonl", here / "spans.jsonl")
    return here


def test_cases_jsonl_is_what_make_split_makes_of_the_batches_and_spans(copy):
    _make_split(copy).main()
    assert _read(copy / "cases.jsonl") == _read(REAL / "cases.jsonl")


def test_every_located_label_is_a_part_of_its_text():
    cases = _read(REAL / "cases.jsonl")
    located = [c for c in cases if c.get("main_barrier_span")]
    assert len(located) == len(cases)  # every case's main barrier was located
    for c in cases:
        for field in ("main_barrier_span", "solution_span"):
            if c.get(field):
                assert c[field] in c["text"], (c["id"], field)
        if c["solution"] is None:  # no solution described: nothing to locate
            assert c.get("solution_span") is None, c["id"]


def test_a_span_that_is_not_in_its_text_stops_the_merge(copy):
    spans = _read(copy / "spans.jsonl")
    spans[0]["main_barrier_span"] = "Een zin die in geen enkele tekst staat."
    (copy / "spans.jsonl").write_text(
        "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in spans), "utf-8"
    )
    with pytest.raises(SystemExit, match="main_barrier_span is not a part of its text"):
        _make_split(copy).main()
