"""Build ``new_phrasings.jsonl`` from the hand-written sources next to this script.

The narratives in ``new_phrasings_heldout.txt`` and ``new_phrasings_dev.txt`` were written by
hand, in phrasings that do not come from ``make_anon_eval.py``'s templates: hurried notes with
abbreviations, form fields, news stories with quotes, ombudsman reports, messages, court and
municipal summaries. All names, numbers and addresses are fictitious (BSNs pass the 11-proef and
IBANs mod-97 so that a checksum rule cannot excuse a miss).

Source format: a record starts with ``=== <id> | <style>`` and runs to the next such line.
Inside the text, ``[[shown text|LABEL]]`` or ``[[shown text|PERSOON|P1]]`` marks an identifier
(label from ``pipeline.core.anonymise.LABELS``, optional person reference for consistency) and
``{{shown text|kind}}`` a hard negative, something the gate must leave untouched
(municipality, organisation, law, role, amount, article, year, ...). Records whose style is
``negative`` hold no identifier at all.

The held-out file was written first, before any rule of the gate changed, and is not used to
tune rules; the dev file is. Its last three sets (d1201-d1425) were written by independent
writers from one brief, without seeing the gate or any earlier set; a lone initial they marked
as a name ("de heer K.") is marked ``placeholder`` here, as the gate keeps such initials (an
ombudsman's or court's own pseudonym). Run with any Python >= 3.11:

    python data/eval/anon/make_new_phrasings.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).parent
SOURCES = {"heldout": HERE / "new_phrasings_heldout.txt", "dev": HERE / "new_phrasings_dev.txt"}
OUT = HERE / "new_phrasings.jsonl"
LABELS = {
    "PERSOON", "BSN", "IBAN", "TELEFOON", "EMAIL", "ADRES", "POSTCODE", "GEBOORTEDATUM",
    "DATUM", "KENTEKEN", "URL", "KLANTNUMMER", "ACCOUNT",
}  # fmt: skip
_MARK_RE = re.compile(r"\[\[([^\[\]|]+)\|([A-Z]+)(?:\|(\w+))?\]\]|\{\{([^{}|]+)\|([a-z_]+)\}\}")
_HEAD_RE = re.compile(r"^=== (\S+) \| (\S+)\s*$")


def parse_record(rid: str, style: str, marked: str, split: str) -> dict:
    """Strip the markup from one record and return it with exact character offsets."""
    text_parts: list[str] = []
    entities: list[dict] = []
    negatives: list[dict] = []
    pos = 0
    length = 0
    for m in _MARK_RE.finditer(marked):
        plain = marked[pos : m.start()]
        text_parts.append(plain)
        length += len(plain)
        shown = m.group(1) if m.group(1) is not None else m.group(4)
        start, end = length, length + len(shown)
        if m.group(1) is not None:
            label = m.group(2)
            if label not in LABELS:
                raise ValueError(f"{rid}: unknown label {label}")
            ent = {"start": start, "end": end, "label": label}
            if m.group(3):
                ent["ref"] = m.group(3)
            entities.append(ent)
        else:
            negatives.append({"start": start, "end": end, "kind": m.group(5)})
        text_parts.append(shown)
        length = end
        pos = m.end()
    text_parts.append(marked[pos:])
    text = "".join(text_parts)
    if "[[" in text or "{{" in text or "]]" in text or "}}" in text:
        raise ValueError(f"{rid}: unbalanced markup")
    if style == "negative" and entities:
        raise ValueError(f"{rid}: a negative record holds an identifier")
    return {
        "id": rid,
        "split": split,
        "style": style,
        "text": text,
        "entities": entities,
        "negatives": negatives,
    }


def parse_file(path: Path, split: str) -> list[dict]:
    records = []
    head = None
    lines: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), "=== end | end"]:
        m = _HEAD_RE.match(line)
        if not m:
            lines.append(line)
            continue
        if head is not None:
            body = "\n".join(lines).strip()
            if body:
                records.append(parse_record(head[0], head[1], body, split))
        head = (m.group(1), m.group(2))
        lines = []
    ids = [r["id"] for r in records]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path.name}: duplicate ids")
    return records


def main() -> None:
    records = []
    for split, path in SOURCES.items():
        if path.exists():
            records += parse_file(path, split)
    with OUT.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    for split in SOURCES:
        part = [r for r in records if r["split"] == split]
        print(
            f"{split}: {sum(r['style'] != 'negative' for r in part)} narratives, "
            f"{sum(r['style'] == 'negative' for r in part)} negative texts, "
            f"{sum(len(r['entities']) for r in part)} identifiers, "
            f"{sum(len(r['negatives']) for r in part)} hard-negative spans"
        )


if __name__ == "__main__":
    main()
