"""Audit trail: who did what in the app, and when.

Two JSON-lines files, side by side (by default in data/annotations/):
- the annotation store (`paths.annotations`): every change (a pattern renamed or merged, an
  escalation edited, a solution rated), each event with `author` and `at`;
- the audit log (`app.audit_log`): sign-ins and sign-outs, whole cases opened, cases added,
  actions refused. It holds ids only, never case text or anything a person typed.
Both are appended with `annotations.append_record` (a lock file; safe for several processes).
`audit_rows` merges them into one time-ordered table, in Dutch, for the app's Audit page and
`casuswijzer export audit`. It shows structured values only: a renamed pattern's new name and an
escalation's note are text a person typed and stay out of the trail.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.core.annotations import append_record

# What the audit log records (type: Dutch label). Annotation events are labelled below.
AUDIT_TYPES = {
    "sign_in": "aangemeld",
    "sign_out": "afgemeld",
    "case_read": "casus geopend",
    "case_added": "casus toegevoegd",
    "refused": "geweigerd",
    "build_started": "bouw van de kennisbank gestart",
    "receipt_lookup": "ontvangstcode opgezocht",
}
# The only fields an audit line may carry besides type, author and at: ids and fixed words.
AUDIT_FIELDS = {"case_id", "action", "role", "reason"}
MAX_FIELD_CHARS = 120

ANNOTATION_LABELS = {
    "cluster_name": "patroon hernoemd",
    "cluster_merge": "patronen samengevoegd",
    "escalation": "escalatie gewijzigd",
    "solution_feedback": "oplossing beoordeeld",
}
COLUMNS = ("tijd", "wie", "actie", "object", "details", "bron")
UNKNOWN_AUTHOR = "onbekend"


def append_audit(path: Path | str, kind: str, author: str, **fields: str) -> None:
    """Append one audit line (`kind` from AUDIT_TYPES) with when (UTC) and by whom.

    Only the fields in AUDIT_FIELDS are accepted, as short strings: ids, an action name, a
    role, a fixed reason. Anything else is refused, so no text can slip into the log.
    """
    if kind not in AUDIT_TYPES:
        raise ValueError(f"unknown audit type {kind!r}; expected one of {sorted(AUDIT_TYPES)}")
    unknown = set(fields) - AUDIT_FIELDS
    if unknown:
        raise ValueError(f"audit lines carry ids only; unknown fields {sorted(unknown)}")
    for key, value in fields.items():
        if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS:
            raise ValueError(f"audit field {key!r} must be a string of at most {MAX_FIELD_CHARS}")
    record = {
        "type": kind,
        "author": str(author),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        **fields,
    }
    append_record(path, record)


def _read_lines(path: Path) -> tuple[list[dict[str, Any]], int]:
    """The JSON objects of a JSON-lines file and how many lines were skipped (not an object)."""
    if not path.exists():
        return [], 0
    events, skipped = [], 0
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            try:
                ev = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                skipped += 1
                continue
            if isinstance(ev, dict):
                events.append(ev)
            else:
                skipped += 1
    return events, skipped


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _annotation_row(ev: dict[str, Any]) -> dict[str, str]:
    kind = _text(ev.get("type"))
    obj = f"patroon {_text(ev.get('cluster_id'))}"
    details = ""
    if kind == "cluster_merge":
        details = f"opgegaan in patroon {_text(ev.get('into'))}"
    elif kind == "escalation":
        details = f"status: {_text(ev.get('status'))}"
    elif kind == "solution_feedback":
        obj = f"casus {_text(ev.get('target_id'))}"
        details = "hielp" if ev.get("helped") is True else "hielp niet"
    return {
        "actie": ANNOTATION_LABELS.get(kind, f"onbekende aantekening ({_text(kind)[:40]})"),
        "object": obj,
        "details": details,
    }


def _audit_row(ev: dict[str, Any]) -> dict[str, str]:
    kind = _text(ev.get("type"))
    obj = f"casus {ev['case_id']}" if ev.get("case_id") else ""
    parts = []
    if ev.get("role"):
        parts.append(f"rol {_text(ev['role'])}")
    if ev.get("action"):
        parts.append(f"actie {_text(ev['action'])}")
    if ev.get("reason"):
        parts.append(_text(ev["reason"]))
    return {
        "actie": AUDIT_TYPES.get(kind, f"onbekend ({_text(kind)[:40]})"),
        "object": obj,
        "details": ", ".join(parts),
    }


def audit_rows(annotations: Path | str, audit_log: Path | str) -> tuple[list[dict[str, str]], int]:
    """Every event of both files as a row (COLUMNS, Dutch), oldest first, and the number of
    lines skipped because they were not valid JSON objects."""
    rows = []
    notes, skipped_a = _read_lines(Path(annotations))
    for ev in notes:
        rows.append(
            {
                "tijd": _text(ev.get("at")),
                "wie": _text(ev.get("author")) or UNKNOWN_AUTHOR,
                **_annotation_row(ev),
                "bron": "aantekening",
            }
        )
    log, skipped_b = _read_lines(Path(audit_log))
    for ev in log:
        rows.append(
            {
                "tijd": _text(ev.get("at")),
                "wie": _text(ev.get("author")) or UNKNOWN_AUTHOR,
                **_audit_row(ev),
                "bron": "auditlog",
            }
        )
    rows.sort(key=lambda r: r["tijd"])  # ISO-8601 UTC stamps sort as text; stable within one
    return rows, skipped_a + skipped_b
