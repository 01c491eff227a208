"""Kennisbank bijwerken: a build started from the app (app.builder and its page), with AppTest.

The builds started here are real background processes (`python -m app.builder` running
`python -m pipeline.cli build`) on a work directory without input, so they end within seconds
with the CLI's own error; the build that publishes a new knowledge base in the served app is
test_build_from_app_browser.py (slow).
"""

from __future__ import annotations

import json
import os
import time

import pytest
from streamlit.testing.v1 import AppTest

from app import auth, builder
from pipeline.build import PROGRESS, lock_path
from pipeline.core.io import workdir_lock
from tests.app.apptest import APP, SECRETS
from tests.app.apptest import claims as _claims


def _page(role: str | None = None) -> AppTest:
    """The build page, as the local user (beheer) or signed in with `role`."""
    at = AppTest.from_file(APP, default_timeout=60)
    if role is None:
        at.secrets["casuswijzer_test"] = "zonder aanmelden"
    else:
        at.secrets["auth"] = SECRETS
        at.user = _claims(role)
    at.run()
    at.switch_page("app_pages/bijwerken.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _wait_until_finished(wd, timeout: float = 120) -> builder.BuildStatus:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = builder.status(wd)
        if status.state != "running":
            return status
        time.sleep(0.5)
    raise TimeoutError("the build did not finish")


def _audit(wd) -> list[dict]:
    if not wd.audit_log.exists():
        return []
    return [json.loads(x) for x in wd.audit_log.read_text(encoding="utf-8").splitlines()]


def test_the_builder_waits_on_the_same_lock_as_the_build(wd):
    assert builder.lock_path(wd) == lock_path(wd)


def test_the_stage_lines_of_a_build_log_give_its_progress():
    lines = [
        "INFO pipeline.build: " + PROGRESS % ("ingest", 1, 5),
        "INFO pipeline.build: stage ingest klaar in 19.7 s",
        "INFO pipeline.build: " + PROGRESS % ("structure", 2, 5),
    ]
    assert builder.progress(lines) == [
        {"stage": "ingest", "index": 1, "seconds": 19.7},
        {"stage": "structure", "index": 2, "seconds": None},
    ]


@pytest.mark.parametrize("role", ["professional", "facilitator", "beleid"])
def test_below_beheer_the_build_page_is_not_in_the_navigation(wd, role):
    assert "Kennisbank bijwerken" not in [p.title for p in auth.pages_for(role)]
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = SECRETS
    at.user = _claims(role)
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/bijwerken.py")


def test_a_beheerder_sees_the_start_button(wd):
    at = _page("beheer")
    assert at.title[0].value == "Kennisbank bijwerken"
    assert at.button(key="bouw_start").label == "Bouw starten"
    assert not at.button(key="bouw_start").disabled


def test_starting_a_build_runs_it_in_the_background_and_audits_who_started_it(wd):
    at = _page()
    at.button(key="bouw_start").click().run()
    assert not at.exception, [e.value for e in at.exception]
    started = [e for e in _audit(wd) if e["type"] == "build_started"]
    assert [(e["author"], set(e)) for e in started] == [("lokaal", {"type", "author", "at"})]
    assert builder.status(wd).state in ("running", "failed")
    _wait_until_finished(wd)


def test_a_failed_build_shows_why_in_dutch_with_the_end_of_its_log(wd):
    builder.start(wd, "lokaal")  # this work dir has no input: the CLI stops with exit code 1
    status = _wait_until_finished(wd)
    assert (status.state, status.returncode) == ("failed", 1)
    at = _page()
    assert at.error[0].value.startswith("De laatste bouw is mislukt: de bouw stopte met een fout")
    assert "De vorige kennisbank blijft in gebruik" in at.error[0].value
    assert "geen invoer gevonden" in at.code[0].value


def test_a_start_while_another_build_holds_the_work_dir_is_refused(wd):
    at = _page()
    with workdir_lock(lock_path(wd)):  # e.g. `casuswijzer build` on the command line
        at.button(key="bouw_start").click().run()
    assert "Er loopt al een bouw" in at.warning[0].value
    assert builder.status(wd).state == "idle"
    assert not [e for e in _audit(wd) if e["type"] == "build_started"]


def test_a_second_start_while_the_apps_build_runs_is_refused(wd):
    # a build the app started and that still runs (its runner: this very process)
    path = builder.status_path(wd)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"state": "running", "pid": os.getpid(), "by": "x"}))
    with pytest.raises(builder.BuildRunning, match="Er loopt al een bouw"):
        builder.start(wd, "lokaal")


def test_while_a_build_runs_the_page_shows_progress_and_no_usable_start_button(wd):
    path = builder.status_path(wd)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"state": "running", "pid": os.getpid(), "by": "lokaal"}))
    builder.log_path(wd).write_text(
        "INFO pipeline.build: "
        + PROGRESS % ("ingest", 1, 5)
        + "\nINFO pipeline.build: stage ingest klaar in 3.0 s\n"
        + "INFO pipeline.build: "
        + PROGRESS % ("structure", 2, 5)
        + "\n"
    )
    at = _page()
    assert at.button(key="bouw_start").disabled
    (bar,) = at.get("progress")
    assert bar.value == 20  # 1 of 5 stages done
    assert "Er loopt een bouw" in at.info[0].value
    assert "knelpunten en oplossingen herkennen … bezig" in at.markdown[-1].value


def test_a_killed_build_reads_as_failed_not_as_running_forever(wd):
    path = builder.status_path(wd)
    path.parent.mkdir(parents=True)
    dead = os.fork()
    if dead == 0:  # the child exits at once
        os._exit(0)
    os.waitpid(dead, 0)
    path.write_text(json.dumps({"state": "running", "pid": dead, "by": "lokaal"}))
    status = builder.status(wd)
    assert (status.state, status.returncode) == ("failed", None)
