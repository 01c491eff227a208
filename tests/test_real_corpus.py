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


def test_every_case_has_a_blind_second_reading_and_agreed_readings_are_the_label():
    """`second_reading.jsonl`: a second reader's blind answer to "is a solution described?" for
    every case, with the first labeller's answer before adjudication. Where the two agreed at
    once, the label says the same; a "yes" quotes its sentence from the text."""
    cases = {c["id"]: c for c in _read(REAL / "cases.jsonl")}
    second = {r["id"]: r for r in _read(REAL / "second_reading.jsonl")}
    assert set(second) == set(cases)
    for i, r in second.items():
        label = cases[i]["solution"] is not None
        if r["described"] == r["first_described"]:
            assert label is r["described"], i
        if r["described"]:
            assert r["span"] in cases[i]["text"], i
        else:
            assert r["span"] is None, i


def test_the_bench_measures_the_readers_agreement_and_the_stage_where_they_agreed():
    import pandas as pd

    from bench.structure import second_reading

    ids = ["real-x-001", "real-x-002", "real-x-003", "real-x-004"]
    # the readers agreed on the first two; the adjudicator sided with the second reader on both
    # others, so the final labels are the second reader's answers
    second = pd.DataFrame(
        {
            "id": ids,
            "described": [True, False, True, False],
            "first_described": [True, False, False, True],
        }
    )
    labelled = pd.DataFrame(
        {"source_id": ids, "case_id": list("abcd"), "solution": ["x", None, "x", None]}
    )
    stage = pd.DataFrame({"case_id": list("abcd"), "solution_described": [True, True, True, False]})
    out = second_reading(labelled, stage, second)
    assert out == {
        "n": 4,
        "first_vs_second_reader": 0.5,
        "first_vs_second_kappa": 0.0,  # half the cases each way: agreement is chance
        "second_reader_vs_labels": 1.0,
        "readers_agreed": 2,
        "casuswijzer_where_readers_agreed": 0.5,  # right on the first, wrong on the second
    }
