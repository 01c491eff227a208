"""A work directory remembers the inputs it was built from, and reads the app's inbox.

A user builds their own kb with `--input` (and `--map`), then adds a case in the app and
starts a build there (`casuswijzer build --workdir` without inputs). That build must read the
same data plus the new case, not `paths.inputs` of params.yaml (which replaced the kb with one
of only the inbox cases), and a build with `--input` must read the inbox too.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline.build import MissingInputError, run_build
from pipeline.cli import app
from pipeline.core.anonymise import Anonymiser
from pipeline.core.config import Workdir, load_config
from pipeline.core.db import stable_case_id
from pipeline.stages.ingest import stage
from tests.helpers import FakeEmbedder

STORIES = (
    "Een moeder van twee kinderen heeft huurachterstand. Zonder briefadres krijgt zij geen "
    "uitkering. De wijkcoach regelde een briefadres bij de opvang.",
    "Een man van 58 jaar wacht negen maanden op de GGZ. De huisarts mag niet zelf doorverwijzen. "
    "Een praktijkondersteuner overbrugde de wachttijd.",
    "Een jongen van 18 jaar verliest zijn jeugdhulp op zijn verjaardag. De Wmo-indicatie is nog "
    "niet rond. Een overgangsplan met een mentor hielp.",
    "Een gezin heeft schulden bij de zorgverzekeraar. De schuldhulp start pas bij een stabiel "
    "inkomen. Budgetbeheer en een moratorium gaven rust.",
)


@pytest.fixture
def setup(tmp_path, monkeypatch):
    """(work directory, input folder): a `;` CSV whose narrative column needs --map."""
    monkeypatch.setattr(stage, "load_anonymiser", lambda cfg: Anonymiser(use_deduce=False))
    src = tmp_path / "export"
    src.mkdir()
    lines = ["Volgnr;Omschrijving;Wijkteam"] + [
        f"{i};{text};Team {i % 2}" for i, text in enumerate(STORIES, start=1)
    ]
    (src / "casussen.csv").write_text("\r\n".join(lines) + "\r\n", encoding="cp1252")
    return Workdir(tmp_path / "kb", load_config()), src


def _case_ids(wd: Workdir) -> set[str]:
    with duckdb.connect(str(wd.kb), read_only=True) as con:
        return {r[0] for r in con.execute("SELECT case_id FROM cases").fetchall()}


def _save_inbox_case(
    wd: Workdir, inbox_id: str = "inbox-00000000000000aa", story: str = STORIES[0]
) -> str:
    """A case as the app saves it; returns the case id the build gives it."""
    wd.inbox.mkdir(parents=True, exist_ok=True)
    record = {"id": inbox_id, "text": story + " Later opnieuw aangemeld via het wijkteam."}
    (wd.inbox / f"{inbox_id}.json").write_text(json.dumps(record), encoding="utf-8")
    return stable_case_id(f"{inbox_id}.json", inbox_id)


def test_build_without_input_reads_the_last_builds_inputs_and_map(setup):
    wd, src = setup
    run_build(wd, inputs=[src], column_map={"Omschrijving": "narrative"}, embedder=FakeEmbedder())
    first = _case_ids(wd)
    assert len(first) == len(STORIES)
    new_id = _save_inbox_case(wd)
    manifest = run_build(wd, embedder=FakeEmbedder())  # what 'Bouw starten' in the app runs
    assert _case_ids(wd) == first | {new_id}
    assert manifest["stages"]["ingest"]["records_in"] == len(STORIES) + 1


def test_build_with_input_reads_the_workdirs_inbox_once(setup):
    wd, src = setup
    new_id = _save_inbox_case(wd)
    run_build(
        wd,
        inputs=[src, wd.inbox],  # the inbox named as well: still read once
        column_map={"Omschrijving": "narrative"},
        embedder=FakeEmbedder(),
    )
    assert new_id in _case_ids(wd) and len(_case_ids(wd)) == len(STORIES) + 1
    with duckdb.connect(str(wd.kb), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0


def test_build_without_input_stops_when_the_last_input_is_gone(setup):
    wd, src = setup
    run_build(wd, inputs=[src], column_map={"Omschrijving": "narrative"}, embedder=FakeEmbedder())
    before = wd.kb.read_bytes()
    (src / "casussen.csv").rename(src.parent / "elders.csv")
    src.rmdir()
    with pytest.raises(MissingInputError, match="--input"):
        run_build(wd, embedder=FakeEmbedder())
    assert wd.kb.read_bytes() == before
    result = CliRunner().invoke(app, ["build", "--workdir", str(wd.root)])
    assert result.exit_code == 1 and "niet meer bestaat" in result.output
    assert "Traceback" not in result.output and wd.kb.read_bytes() == before


def test_build_without_input_of_a_workdir_built_before_inputs_were_recorded_stops(setup):
    wd, src = setup
    run_build(wd, inputs=[src], column_map={"Omschrijving": "narrative"}, embedder=FakeEmbedder())
    (wd.interim.parent / "build_inputs.json").unlink()  # as a build of an older version left it
    _save_inbox_case(wd)
    before = wd.kb.read_bytes()
    with pytest.raises(MissingInputError, match="alleen de inbox"):
        run_build(wd, embedder=FakeEmbedder())
    assert wd.kb.read_bytes() == before


def test_build_without_input_of_a_workdir_with_only_app_cases_goes_on(tmp_path, monkeypatch):
    # every case came from the app: the inbox is all the last build read (its file names may
    # have been pseudonymised in the manifest)
    monkeypatch.setattr(stage, "load_anonymiser", lambda cfg: Anonymiser(use_deduce=False))
    wd = Workdir(tmp_path / "kb", load_config())
    first = _save_inbox_case(wd, "inbox-0123456789abcdef")
    run_build(wd, embedder=FakeEmbedder())
    second = _save_inbox_case(wd, "inbox-00000000000000bb", STORIES[1])
    run_build(wd, embedder=FakeEmbedder())
    assert _case_ids(wd) == {first, second}
