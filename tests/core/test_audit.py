"""The audit log holds ids only; the trail merges it with the annotation store, oldest first."""

from __future__ import annotations

import json

import pytest

from pipeline.core.annotations import append_event, append_record
from pipeline.core.audit import append_audit, audit_rows


def test_an_audit_line_carries_type_author_time_and_the_id(tmp_path):
    log = tmp_path / "audit.jsonl"
    append_audit(log, "case_read", "ann@gemeente.example", case_id="c001")
    (line,) = log.read_text(encoding="utf-8").splitlines()
    ev = json.loads(line)
    assert set(ev) == {"type", "author", "at", "case_id"}
    assert (ev["type"], ev["author"], ev["case_id"]) == (
        "case_read",
        "ann@gemeente.example",
        "c001",
    )


def test_an_audit_line_refuses_any_field_that_could_hold_text(tmp_path):
    with pytest.raises(ValueError, match="ids only"):
        append_audit(tmp_path / "a.jsonl", "case_read", "ann", case_id="c1", text="Mw. woont")
    with pytest.raises(ValueError, match="at most"):
        append_audit(tmp_path / "a.jsonl", "case_read", "ann", case_id="x" * 500)
    assert not (tmp_path / "a.jsonl").exists()


def test_an_unknown_audit_type_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown audit type"):
        append_audit(tmp_path / "a.jsonl", "case_deleted", "ann", case_id="c1")


def test_the_trail_merges_both_files_in_time_order_and_counts_bad_lines(tmp_path):
    notes, log = tmp_path / "events.jsonl", tmp_path / "audit.jsonl"
    at = "2026-01-0{}T09:00:00+00:00".format
    append_record(log, {"type": "sign_in", "author": "ann", "at": at(1), "role": "beleid"})
    append_record(log, {"type": "case_read", "author": "bob", "at": at(3), "case_id": "c9"})
    append_record(
        notes,
        {"type": "cluster_name", "cluster_id": 7, "name": "Geheim", "author": "ann", "at": at(2)},
    )
    with open(log, "a", encoding="utf-8") as fh:
        fh.write("{kapot\n")
    rows, skipped = audit_rows(notes, log)
    assert [(r["tijd"][:10], r["wie"], r["actie"], r["object"], r["details"]) for r in rows] == [
        ("2026-01-01", "ann", "aangemeld", "", "rol beleid"),
        ("2026-01-02", "ann", "patroon hernoemd", "patroon 7", ""),
        ("2026-01-03", "bob", "casus geopend", "casus c9", ""),
    ]
    assert skipped == 1
    assert all("Geheim" not in str(r) for r in rows)


def test_an_event_written_before_authors_existed_shows_as_unknown(tmp_path):
    notes = tmp_path / "events.jsonl"
    append_event(notes, {"type": "solution_feedback", "target_id": "s1", "helped": False})
    rows, _ = audit_rows(notes, tmp_path / "audit.jsonl")
    assert (rows[0]["wie"], rows[0]["details"]) == ("onbekend", "hielp niet")
