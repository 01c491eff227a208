"""Annotation store: events fold into state; bad input is refused."""

from __future__ import annotations

import pytest

from pipeline.core.annotations import append_event, load_state


def test_later_cluster_name_wins(tmp_path):
    store = tmp_path / "events.jsonl"
    append_event(store, {"type": "cluster_name", "cluster_id": 3, "name": "Adres"})
    append_event(store, {"type": "cluster_name", "cluster_id": 3, "name": "Geen adres"})
    assert load_state(store).cluster_names == {3: "Geen adres"}


def test_merges_resolve_transitively(tmp_path):
    store = tmp_path / "events.jsonl"
    append_event(store, {"type": "cluster_merge", "cluster_id": 1, "into": 2})
    append_event(store, {"type": "cluster_merge", "cluster_id": 2, "into": 5})
    assert load_state(store).resolve(1) == 5


def test_unknown_escalation_status_is_refused(tmp_path):
    with pytest.raises(ValueError):
        append_event(
            tmp_path / "e.jsonl", {"type": "escalation", "cluster_id": 1, "status": "misschien"}
        )


def test_feedback_counts_helped_and_not_helped(tmp_path):
    store = tmp_path / "events.jsonl"
    for helped in (True, True, False):
        append_event(store, {"type": "solution_feedback", "target_id": "s1", "helped": helped})
    assert load_state(store).feedback["s1"] == {"helped": 2, "not_helped": 1}


def test_a_corrupt_line_does_not_lose_the_other_events(tmp_path):
    store = tmp_path / "events.jsonl"
    append_event(store, {"type": "cluster_name", "cluster_id": 1, "name": "A"})
    with open(store, "a", encoding="utf-8") as fh:
        fh.write("{kapot\n")
    append_event(store, {"type": "cluster_name", "cluster_id": 2, "name": "B"})
    assert load_state(store).cluster_names == {1: "A", 2: "B"}
