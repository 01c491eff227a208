"""Annotation store: what people decide in the app, kept apart from the published database.

An append-only JSON-lines file (`paths.annotations`): each line is one event. The cluster and
publish stages fold the events into state, so cluster names, merges, escalation status and
solution feedback survive every rebuild. Every event carries when (`at`, UTC) and, from the
app, who (`author`: the signed-in user, "lokaal" in single-user mode). Several app processes and
sessions may append at once: `append_record` serialises writers with a lock file and writes each
line whole (tests/core/test_annotations_concurrency.py).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.core.vocab import ESCALATION_STATUSES

EVENT_TYPES = {"cluster_name", "cluster_merge", "escalation", "solution_feedback"}


@dataclass(frozen=True)
class AnnotationProblem:
    """A line of the store that was skipped: its number and what is wrong, in Dutch.

    The message names keys only, never a value: a line may hold text typed by a person.
    """

    line: int
    message: str


@dataclass
class AnnotationState:
    cluster_names: dict[int, str] = field(default_factory=dict)
    merges: dict[int, int] = field(default_factory=dict)  # cluster_id -> merged into
    escalation: dict[int, dict[str, Any]] = field(default_factory=dict)
    feedback: dict[str, dict[str, int]] = field(default_factory=dict)  # statement/case id
    problems: list[AnnotationProblem] = field(default_factory=list)  # skipped lines

    def resolve(self, cluster_id: int) -> int:
        """Follow merges to the surviving cluster id (cycles stop where they repeat)."""
        return resolve_merge(self.merges, cluster_id)


def resolve_merge(merges: Mapping[int, int], cluster_id: int) -> int:
    """The cluster a cluster finally lives on in: follow merge chains (a→b→c gives c); a cycle
    stops where it repeats. The one implementation, for the cluster stage and the app."""
    seen: set[int] = set()
    while cluster_id in merges and cluster_id not in seen:
        seen.add(cluster_id)
        cluster_id = merges[cluster_id]
    return cluster_id


def append_event(path: Path | str, event: dict[str, Any], author: str | None = None) -> None:
    """Validate and append one event to the store, stamped with when (UTC) and by whom."""
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        raise ValueError(f"unknown annotation type {kind!r}; expected one of {sorted(EVENT_TYPES)}")
    if kind == "escalation" and event.get("status") not in ESCALATION_STATUSES:
        raise ValueError(f"escalation status must be one of {ESCALATION_STATUSES}")
    record = {**event, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    if author is not None:
        record["author"] = author
    append_record(path, record)


STORE_MODE = 0o640  # the store and its lock: owner writes, group (e.g. auditors) reads


def lock_path(path: Path | str) -> Path:
    """The lock file next to a JSON-lines store (`events.jsonl` → `events.jsonl.lock`)."""
    path = Path(path)
    return path.with_name(path.name + ".lock")


def append_record(path: Path | str, record: dict[str, Any]) -> None:
    """Append one JSON object as one line; safe for several processes and threads at once.

    An exclusive `flock` on the lock file serialises the writers; under it the line goes out
    whole (a write loop on an O_APPEND descriptor) and is fsynced before the lock is released.
    A last line left without its newline (a crash mid-write) is closed first, so it cannot
    swallow the new line.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    lock_fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, STORE_MODE)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, STORE_MODE)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    finally:
        os.close(lock_fd)  # closing the descriptor releases the lock


class _BadEvent(ValueError):
    """An event line that cannot be used (the message is Dutch and names keys only)."""


def _int_field(ev: dict[str, Any], key: str) -> int:
    if key not in ev:
        raise _BadEvent(f"veld '{key}' ontbreekt")
    value = ev[key]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _BadEvent(f"veld '{key}' is geen geheel getal")
    try:
        return int(value)
    except ValueError:
        raise _BadEvent(f"veld '{key}' is geen geheel getal") from None


def _str_field(ev: dict[str, Any], key: str, required: bool = True) -> str:
    if key not in ev or ev[key] is None:
        if required:
            raise _BadEvent(f"veld '{key}' ontbreekt")
        return ""
    if not isinstance(ev[key], str):
        raise _BadEvent(f"veld '{key}' is geen tekst")
    return ev[key]


def _apply(state: AnnotationState, ev: Any) -> None:
    """Fold one event into the state, or raise `_BadEvent` and leave the state unchanged."""
    if not isinstance(ev, dict):
        raise _BadEvent("de regel is geen JSON-object")
    if "type" not in ev:
        raise _BadEvent("veld 'type' ontbreekt")
    kind = ev["type"]
    if kind == "cluster_name":
        cid, name = _int_field(ev, "cluster_id"), _str_field(ev, "name")
        state.cluster_names[cid] = name
    elif kind == "cluster_merge":
        src, dst = _int_field(ev, "cluster_id"), _int_field(ev, "into")
        if src != dst:
            state.merges[src] = dst
    elif kind == "escalation":
        cid = _int_field(ev, "cluster_id")
        status = _str_field(ev, "status", required=False) or "open"
        if status not in ESCALATION_STATUSES:
            raise _BadEvent("veld 'status' heeft een onbekende waarde")
        at = ev.get("at")
        state.escalation[cid] = {
            "status": status,
            "owner": _str_field(ev, "owner", required=False),
            "note": _str_field(ev, "note", required=False),
            "at": at if isinstance(at, str) else None,
        }
    elif kind == "solution_feedback":
        key = _str_field(ev, "target_id")
        if "helped" not in ev:
            raise _BadEvent("veld 'helped' ontbreekt")
        if not isinstance(ev["helped"], bool):
            raise _BadEvent("veld 'helped' is geen ja/nee-waarde")
        counts = state.feedback.setdefault(key, {"helped": 0, "not_helped": 0})
        counts["helped" if ev["helped"] else "not_helped"] += 1
    else:
        raise _BadEvent("onbekende soort aantekening in veld 'type'")


def load_state(path: Path | str) -> AnnotationState:
    """Fold all events into the current state; later events win.

    A line that is not valid JSON, misses a key or has a value of the wrong kind is skipped and
    listed in `state.problems` (line number and a Dutch message naming the key); the other
    events still count. Blank lines are ignored.
    """
    state = AnnotationState()
    path = Path(path)
    if not path.exists():
        return state
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                state.problems.append(AnnotationProblem(number, "de regel is geen geldige UTF-8"))
                continue
            if not line.strip():
                continue
            try:
                ev = json.loads(line)
            except json.JSONDecodeError:
                state.problems.append(AnnotationProblem(number, "de regel is geen geldige JSON"))
                continue
            try:
                _apply(state, ev)
            except _BadEvent as exc:
                state.problems.append(AnnotationProblem(number, str(exc)))
    return state
