"""Annotation store: what people decide in the app, kept apart from the published database.

An append-only JSON-lines file (`paths.annotations`): each line is one event. The cluster and
publish stages fold the events into state, so cluster names, merges, escalation status and
solution feedback survive every rebuild. Appending one line is atomic enough for a handful of
concurrent app users and needs no database lock.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.core.vocab import ESCALATION_STATUSES

EVENT_TYPES = {"cluster_name", "cluster_merge", "escalation", "solution_feedback"}


@dataclass
class AnnotationState:
    cluster_names: dict[int, str] = field(default_factory=dict)
    merges: dict[int, int] = field(default_factory=dict)  # cluster_id -> merged into
    escalation: dict[int, dict[str, Any]] = field(default_factory=dict)
    feedback: dict[str, dict[str, int]] = field(default_factory=dict)  # statement/case id

    def resolve(self, cluster_id: int) -> int:
        """Follow merges to the surviving cluster id (cycles stop where they repeat)."""
        seen = set()
        while cluster_id in self.merges and cluster_id not in seen:
            seen.add(cluster_id)
            cluster_id = self.merges[cluster_id]
        return cluster_id


def append_event(path: Path | str, event: dict[str, Any]) -> None:
    """Validate and append one event (with a UTC timestamp) to the store."""
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        raise ValueError(f"unknown annotation type {kind!r}; expected one of {sorted(EVENT_TYPES)}")
    if kind == "escalation" and event.get("status") not in ESCALATION_STATUSES:
        raise ValueError(f"escalation status must be one of {ESCALATION_STATUSES}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {**event, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def load_state(path: Path | str) -> AnnotationState:
    """Fold all events into the current state; later events win. Bad lines are skipped."""
    state = AnnotationState()
    path = Path(path)
    if not path.exists():
        return state
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                ev = json.loads(line)
            except json.JSONDecodeError:
                continue
            kind = ev.get("type")
            if kind == "cluster_name":
                state.cluster_names[int(ev["cluster_id"])] = str(ev["name"])
            elif kind == "cluster_merge":
                src, dst = int(ev["cluster_id"]), int(ev["into"])
                if src != dst:
                    state.merges[src] = dst
            elif kind == "escalation":
                state.escalation[int(ev["cluster_id"])] = {
                    "status": ev.get("status", "open"),
                    "owner": ev.get("owner", ""),
                    "note": ev.get("note", ""),
                    "at": ev.get("at"),
                }
            elif kind == "solution_feedback":
                key = str(ev["target_id"])
                counts = state.feedback.setdefault(key, {"helped": 0, "not_helped": 0})
                counts["helped" if ev.get("helped") else "not_helped"] += 1
    return state
