"""The annotation store under several writers at once: nothing lost, every line valid JSON.

App sessions are threads of one Streamlit process, and a deployment may run more than one
process (or a CLI next to the app), so both are tested: separate processes started with
`spawn` (no shared state but the file) and threads of one process. Every tenth event carries a
20 kB note, well above the 4 kB a single pipe write is guaranteed atomic for, so the lock (not
luck) has to keep the lines whole.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import threading
import time

from pipeline.core.annotations import append_event, load_state, lock_path

PROCESSES = 2
EVENTS_PER_PROCESS = 1000
THREADS = 4
EVENTS_PER_THREAD = 250
BIG_NOTE = "x" * 20_000


def _event(writer: int, i: int) -> dict:
    if i % 10 == 0:
        return {
            "type": "escalation",
            "cluster_id": writer * 100_000 + i,
            "status": "open",
            "owner": f"w{writer}",
            "note": BIG_NOTE,
        }
    return {"type": "solution_feedback", "target_id": f"w{writer}-{i}", "helped": i % 2 == 0}


def _write_many(path: str, writer: int, n: int, go) -> None:
    go.wait()
    for i in range(n):
        append_event(path, _event(writer, i), author=f"schrijver-{writer}")


def _check_store(path, writers: int, per_writer: int) -> None:
    raw = path.read_bytes()
    assert raw.endswith(b"\n")
    lines = raw.decode("utf-8").splitlines()
    assert len(lines) == writers * per_writer  # nothing lost, nothing doubled
    seen = set()
    for line in lines:
        ev = json.loads(line)  # every line valid JSON on its own
        writer = int(ev["author"].rsplit("-", 1)[1])
        if ev["type"] == "escalation":
            assert ev["note"] == BIG_NOTE
            seen.add((writer, ev["cluster_id"] - writer * 100_000))
        else:
            seen.add((writer, int(ev["target_id"].rsplit("-", 1)[1])))
    assert seen == {(w, i) for w in range(writers) for i in range(per_writer)}


def test_two_processes_appending_at_once_lose_no_event_and_write_only_whole_lines(tmp_path):
    store = tmp_path / "events.jsonl"
    ctx = mp.get_context("spawn")
    go = ctx.Event()
    procs = [
        ctx.Process(target=_write_many, args=(str(store), w, EVENTS_PER_PROCESS, go))
        for w in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    time.sleep(1.0)  # let both children import and wait at the start line
    go.set()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    _check_store(store, PROCESSES, EVENTS_PER_PROCESS)
    state = load_state(store)
    n_feedback = sum(1 for i in range(EVENTS_PER_PROCESS) if i % 10)
    assert len(state.feedback) == PROCESSES * n_feedback


def test_threads_of_one_process_appending_at_once_lose_no_event(tmp_path):
    store = tmp_path / "events.jsonl"
    go = threading.Event()
    threads = [
        threading.Thread(target=_write_many, args=(str(store), w, EVENTS_PER_THREAD, go))
        for w in range(THREADS)
    ]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join(timeout=300)
    _check_store(store, THREADS, EVENTS_PER_THREAD)


def test_a_line_torn_by_a_crash_does_not_swallow_the_next_event(tmp_path):
    store = tmp_path / "events.jsonl"
    append_event(store, {"type": "cluster_name", "cluster_id": 1, "name": "A"}, author="a")
    with open(store, "ab") as fh:
        fh.write(b'{"type": "cluster_name", "clus')  # a writer died mid-line
    append_event(store, {"type": "cluster_name", "cluster_id": 2, "name": "B"}, author="b")
    assert load_state(store).cluster_names == {1: "A", 2: "B"}


def test_the_lock_file_sits_next_to_the_store(tmp_path):
    store = tmp_path / "events.jsonl"
    append_event(store, {"type": "cluster_name", "cluster_id": 1, "name": "A"}, author="a")
    assert lock_path(store) == tmp_path / "events.jsonl.lock"
    assert lock_path(store).exists()
