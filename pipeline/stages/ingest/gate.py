"""The anonymisation gate of the ingest stage, for every text column that gets published.

- Narrative fields (narrative, knelpunt, oplossing, structureel): anonymised by the `Anonymiser`,
  cached per (raw text hash, `Anonymiser.fingerprint`), so a changed gate re-anonymises.
- Identifiers: `source_id` is kept only when it has a safe shape and the gate finds nothing in
  it, else replaced by a stable pseudonym ("bron-" + 10 hex); a file name part the gate finds
  something in becomes "bestand-" + 10 hex (suffix kept), a folder "map-" + 10 hex.
- Cells (municipality, organisation): kept when the gate finds nothing in them, or only a
  "person" that lies inside a known place name ("Alphen aan den Rijn"); otherwise emptied.
- A safety net redacts what the residual-PII check's e-mail pattern would flag, so the gate and
  the check agree on e-mail addresses.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.core.io import write_parquet
from pipeline.core.text import fold
from pipeline.stages.ingest.expectations import EMAIL_PATTERN
from pipeline.stages.ingest.readers import TEXT_FIELDS

CELL_FIELDS = ("municipality", "organisation")
ID_FIELDS = ("source_id", "source_file")
# Every text column of the case table that gets published.
PUBLISHED_TEXT_COLUMNS = (*ID_FIELDS, *TEXT_FIELDS, *CELL_FIELDS)

_EMAIL_RE = re.compile(EMAIL_PATTERN)
_PLACE_LISTS = ("lst_municipality", "lst_residence", "lst_province", "lst_region")
_ALIASES = Path(__file__).with_name("place_aliases.txt")


class ResidualPIIError(RuntimeError):
    """Too many records still hold a structured identifier after the gate; nothing was written."""


def pseudonym(prefix: str, value: str) -> str:
    """A stable stand-in for an identifier: the prefix and 10 hex digits of its hash.

    Hex digits that are mostly decimal can read as a phone number or BSN ("bron-0612345678"),
    which the residual check rightly flags; such a hash is hashed again (stable, and rare:
    about 1 in 800), so a pseudonym never holds a run of 8 or more digits.
    """
    digest = hashlib.sha256(f"casuswijzer\x1f{value}".encode()).hexdigest()
    while re.search(r"\d{8}", digest[:10]):
        digest = hashlib.sha256(digest.encode()).hexdigest()
    return prefix + digest[:10]


def safety_net(text: str) -> tuple[str, int]:
    """Redact e-mail addresses the residual check would flag (e.g. `a.b@c.nl2`); (text, count)."""
    return _EMAIL_RE.subn("[EMAIL]", text)


# ------------------------------------------------------------------- narrative text + cache
def load_anon_cache(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Cached anonymisations keyed by (raw text hash, gate fingerprint); a cache written before
    fingerprints existed is ignored (its entries may come from a weaker gate)."""
    if not path.exists():
        return {}
    df = pd.read_parquet(path)
    if "fingerprint" not in df.columns:
        return {}
    return {(r["raw_hash"], r["fingerprint"]): r for r in df.to_dict("records")}


def save_anon_cache(
    path: Path, cache: Mapping[tuple[str, str], Mapping[str, Any]], fp: str
) -> None:
    """Keep the entries of the current gate only (older gates' results are never used again)."""
    rows = [v for (_, f), v in cache.items() if f == fp]
    frame = pd.DataFrame(rows, columns=["raw_hash", "fingerprint", "text", "labels"])
    write_parquet(frame, path)


def _raw_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def anonymise_cases(
    cases: pd.DataFrame, anonymiser, cache: dict[tuple[str, str], dict[str, Any]]
) -> tuple[pd.DataFrame, dict[str, int], int]:
    """Replace every narrative field by its anonymised version, cached per (hash, fingerprint).

    Returns the frame, counts of replaced identifiers per label, and how many texts were newly
    anonymised (0 when every text was anonymised before by a gate with the same fingerprint).
    """
    fp = anonymiser.fingerprint
    out = cases.copy()
    todo: dict[str, str] = {}
    for col in TEXT_FIELDS:
        for text in out[col].dropna():
            h = _raw_hash(text)
            if (h, fp) not in cache:
                todo[h] = text
    if todo:
        results = anonymiser.anonymise_many(list(todo.values()))
        for h, res in zip(todo, results, strict=True):
            cache[(h, fp)] = {
                "raw_hash": h,
                "fingerprint": fp,
                "text": res.text,
                "labels": ",".join(sorted({s.label for s in res.spans})),
            }
    label_counts: dict[str, int] = {}
    for col in TEXT_FIELDS:
        new_values: list[str | None] = []
        for text in out[col]:
            if not isinstance(text, str):
                new_values.append(None)
                continue
            entry = cache[(_raw_hash(text), fp)]
            for label in filter(None, entry["labels"].split(",")):
                label_counts[label] = label_counts.get(label, 0) + 1
            clean, n = safety_net(entry["text"])
            if n:
                label_counts["EMAIL"] = label_counts.get("EMAIL", 0) + n
            new_values.append(clean)
        out[col] = pd.Series(new_values, index=out.index, dtype=object)
    return out, label_counts, len(todo)


# ------------------------------------------------------------------- identifiers and cells
@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Folded Dutch place names: deduce's municipality/residence/province/region lists plus
    `place_aliases.txt`. Raises if deduce's lists cannot be read (never a silent empty list)."""
    spec = importlib.util.find_spec("deduce")
    if spec is None or spec.origin is None:
        raise RuntimeError("de anonimiseringspoort heeft deduce nodig: pip install deduce")
    root = Path(spec.origin).parent / "data" / "lookup" / "src" / "locations" / "lst_placename"
    names: set[str] = set()
    for sub in _PLACE_LISTS:
        path = root / sub / "items.txt"
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise RuntimeError(f"plaatsnamenlijst van deduce niet leesbaar: {path}") from exc
        names |= {fold(x.strip(), strip_accents=False) for x in lines if x.strip()}
    for line in _ALIASES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            names.add(fold(line.strip(), strip_accents=False))
    return frozenset(names)


def _place_spans(text: str, places: frozenset[str], max_words: int = 6) -> list[tuple[int, int]]:
    """Character spans of `text` that spell a known place name (up to `max_words` words)."""
    words = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\s,;()/]+", text)]
    out = []
    for i in range(len(words)):
        for j in range(i + 1, min(len(words), i + max_words) + 1):
            phrase = " ".join(w[2] for w in words[i:j])
            if fold(phrase, strip_accents=False) in places:
                out.append((words[i][0], words[j - 1][1]))
    return out


_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:#/-]{0,63}")
_SEPARATORS = re.compile(r"[._:#/\-]+")


def _digit_runs_safe(value: str) -> bool:
    """False for a run of 8+ digits (BSN, phone, account number); a yyyymmdd date is allowed."""
    for m in re.finditer(r"\d{8,}", value):
        run = m.group()
        if len(run) == 8 and re.fullmatch(r"(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])", run):
            continue
        return False
    return True


class SideChannelGate:
    """Decides what of the identifiers and cells may be published (one instance per build)."""

    def __init__(self, anonymiser, places: frozenset[str] | None = None) -> None:
        self.anonymiser = anonymiser
        self.places = place_names() if places is None else places

    def finds(self, value: str) -> list[str]:
        """Labels of what the gate (or the e-mail safety net) finds in `value`; [] when clean."""
        labels = [s.label for s in self.anonymiser.anonymise(value).spans]
        if _EMAIL_RE.search(value):
            labels.append("EMAIL")
        return labels

    def source_id(self, raw: str) -> str:
        """The id as given when it has a safe shape and nothing in it is personal data."""
        if (
            _SAFE_ID.fullmatch(raw)
            and _digit_runs_safe(raw)
            and not self.finds(_SEPARATORS.sub(" ", raw))
        ):
            return raw
        return pseudonym("bron-", raw)

    def _name_part(self, part: str, is_file: bool) -> str:
        stem, dot, ext = part.rpartition(".")
        if not (is_file and dot and stem):
            stem, ext = part, ""
        if _digit_runs_safe(stem) and not self.finds(_SEPARATORS.sub(" ", stem)):
            return part
        return pseudonym("bestand-" if is_file else "map-", part) + (f".{ext}" if ext else "")

    def file_name(self, raw: str) -> str:
        """The relative path as given when clean; else each flagged part pseudonymised."""
        path, _, sheet = raw.partition("#")
        parts = path.split("/")
        out = [self._name_part(p, i == len(parts) - 1) for i, p in enumerate(parts)]
        return "/".join(out) + (f"#{sheet}" if sheet else "")

    def cell(self, value: str) -> list[str]:
        """Labels that make a municipality/organisation cell unpublishable; [] keeps it."""
        res = self.anonymiser.anonymise(value)
        covered = _place_spans(value, self.places) if res.spans else []
        labels = [
            s.label
            for s in res.spans
            if not (s.label == "PERSOON" and any(a <= s.start and s.end <= b for a, b in covered))
        ]
        if _EMAIL_RE.search(value):
            labels.append("EMAIL")
        return labels

    def cells(self, cases: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[Any, str, list[str]]]]:
        """Empty the municipality/organisation cells the gate finds something in.

        Returns the frame and (row index, field, labels) for every emptied cell.
        """
        out = cases.copy()
        emptied: list[tuple[Any, str, list[str]]] = []
        for col in CELL_FIELDS:
            verdict = {v: self.cell(v) for v in set(out[col].dropna())}
            values = []
            for idx, value in out[col].items():
                if isinstance(value, str) and verdict[value]:
                    emptied.append((idx, col, sorted(set(verdict[value]))))
                    value = None
                values.append(value if isinstance(value, str) else None)
            out[col] = pd.Series(values, index=out.index, dtype=object)
        return out, emptied

    def names(self, raw_names: Iterable[str]) -> dict[str, str]:
        return {raw: self.file_name(raw) for raw in set(raw_names)}
