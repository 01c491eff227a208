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


def _store_with_lines(tmp_path, *lines: str):
    store = tmp_path / "events.jsonl"
    append_event(store, {"type": "cluster_name", "cluster_id": 1, "name": "A"})
    with open(store, "a", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line + "\n")
    append_event(store, {"type": "cluster_name", "cluster_id": 2, "name": "B"})
    return store


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"type": "cluster_name", "name": "Mevrouw Jansen"}', "veld 'cluster_id' ontbreekt"),
        ('{"type": "cluster_name", "cluster_id": 7}', "veld 'name' ontbreekt"),
        ('{"type": "cluster_merge", "cluster_id": 3}', "veld 'into' ontbreekt"),
        ('{"type": "escalation"}', "veld 'cluster_id' ontbreekt"),
        ('{"type": "solution_feedback", "helped": true}', "veld 'target_id' ontbreekt"),
        ('{"type": "solution_feedback", "target_id": "s1"}', "veld 'helped' ontbreekt"),
        ('{"cluster_id": 4, "name": "x"}', "veld 'type' ontbreekt"),
    ],
)
def test_a_valid_json_line_with_a_missing_key_is_skipped_and_named(tmp_path, line, message):
    state = load_state(_store_with_lines(tmp_path, line))
    assert state.cluster_names == {1: "A", 2: "B"}
    assert [(p.line, p.message) for p in state.problems] == [(2, message)]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"type": "cluster_name", "cluster_id": "drie", "name": "x"}', "geen geheel getal"),
        ('{"type": "cluster_name", "cluster_id": 3, "name": ["x"]}', "geen tekst"),
        ('{"type": "escalation", "cluster_id": 3, "status": "misschien"}', "onbekende waarde"),
        ('{"type": "solution_feedback", "target_id": "s1", "helped": "ja"}', "ja/nee"),
        ('{"type": "iets anders", "cluster_id": 3}', "onbekende soort"),
        ('["cluster_name", 3]', "geen JSON-object"),
        ("{kapot", "geen geldige JSON"),
    ],
)
def test_a_line_with_a_wrong_value_is_skipped_and_named(tmp_path, line, message):
    state = load_state(_store_with_lines(tmp_path, line))
    assert state.cluster_names == {1: "A", 2: "B"}
    assert len(state.problems) == 1 and message in state.problems[0].message


def test_problem_messages_name_keys_but_never_the_content_of_the_line(tmp_path):
    secret = "Mevrouw Jansen 111222333"
    lines = tuple(
        template.replace("SECRET", secret)
        for template in (
            '{"type": "cluster_name", "name": "SECRET"}',
            '{"type": "escalation", "cluster_id": 1, "status": "SECRET"}',
            '{"type": "SECRET"}',
            '{"type": "cluster_name", "cluster_id": "SECRET", "name": "x"}',
            "{SECRET",
        )
    )
    state = load_state(_store_with_lines(tmp_path, *lines))
    assert [p.line for p in state.problems] == [2, 3, 4, 5, 6]
    for problem in state.problems:
        assert "Jansen" not in problem.message and "111222333" not in problem.message


def test_a_line_that_is_not_utf8_is_skipped_and_the_rest_is_read(tmp_path):
    store = _store_with_lines(tmp_path)
    with open(store, "ab") as fh:
        fh.write(b'{"type": "cluster_name", "cluster_id": 9, "name": "\xff\xfe"}\n')
    append_event(store, {"type": "cluster_name", "cluster_id": 5, "name": "C"})
    state = load_state(store)
    assert state.cluster_names == {1: "A", 2: "B", 5: "C"}
    assert [(p.line, p.message) for p in state.problems] == [(3, "de regel is geen geldige UTF-8")]


def test_blank_lines_are_not_problems(tmp_path):
    state = load_state(_store_with_lines(tmp_path, "", "   "))
    assert state.cluster_names == {1: "A", 2: "B"}
    assert state.problems == []


def test_a_skipped_escalation_keeps_the_previous_valid_status(tmp_path):
    store = tmp_path / "events.jsonl"
    append_event(store, {"type": "escalation", "cluster_id": 1, "status": "geagendeerd"})
    with open(store, "a", encoding="utf-8") as fh:
        fh.write('{"type": "escalation", "cluster_id": 1, "status": "weg"}\n')
    assert load_state(store).escalation[1]["status"] == "geagendeerd"
