"""Benchmark the Dutch personal-data gate against plain deduce on the labelled evaluation set.

Prints one JSON object on stdout (and nothing else): per-label recall / precision / F2, hard-
negative damage and narratives per second, for the gate and for plain deduce, in the same run.

    .venv/bin/python bench/anonymise.py [data/eval/anon/anon_eval.jsonl]

Matching: a gold entity counts as found when at least one character overlaps a predicted span.
``recall`` needs a compatible label (ADRES~POSTCODE for deduce's single LOCATIE tag,
DATUM~GEBOORTEDATUM); ``recall_any_label`` accepts any predicted label; ``recall_label_exact``
needs the very same label. A predicted span is correct (precision) when it overlaps a gold
entity of a compatible label. A hard negative is damaged when any predicted span overlaps it.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.core.anonymise import LABELS, Anonymiser  # noqa: E402

DEFAULT_EVAL = ROOT / "data" / "eval" / "anon" / "anon_eval.jsonl"

# deduce's tags mapped onto the gate's labels (LOC: deduce does not tell streets from postcodes)
DEDUCE_TAGS = {
    "persoon": "PERSOON",
    "patient": "PERSOON",
    "bsn": "BSN",
    "telefoonnummer": "TELEFOON",
    "emailadres": "EMAIL",
    "url": "URL",
    "datum": "DATUM",
    "id": "KLANTNUMMER",
    "locatie": "LOC",
    "leeftijd": "LEEFTIJD",
    "ziekenhuis": "INSTELLING",
    "zorginstelling": "INSTELLING",
}
COMPATIBLE = {
    "ADRES": {"ADRES", "LOC"},
    "POSTCODE": {"POSTCODE", "LOC"},
    "DATUM": {"DATUM", "GEBOORTEDATUM"},
    "GEBOORTEDATUM": {"DATUM", "GEBOORTEDATUM"},
}


def compatible(gold_label: str, pred_label: str) -> bool:
    return pred_label in COMPATIBLE.get(gold_label, {gold_label})


def overlaps(a: dict, b: tuple[int, int, str]) -> bool:
    return a["start"] < b[1] and b[0] < a["end"]


def f_beta(p: float, r: float, beta: float = 2.0) -> float:
    if p + r == 0:
        return 0.0
    return (1 + beta**2) * p * r / (beta**2 * p + r)


def score(records: list[dict], preds: list[list[tuple[int, int, str]]]) -> dict:
    found = Counter()
    found_any = Counter()
    found_exact = Counter()
    total = Counter()
    pred_total = Counter()
    pred_correct = Counter()
    neg_total = Counter()
    neg_damaged = Counter()
    for rec, pred in zip(records, preds, strict=True):
        for ent in rec["entities"]:
            lab = ent["label"]
            total[lab] += 1
            hits = [p for p in pred if overlaps(ent, p)]
            found_any[lab] += bool(hits)
            found[lab] += any(compatible(lab, p[2]) for p in hits)
            found_exact[lab] += any(p[2] == lab for p in hits)
        for p in pred:
            pred_total[p[2]] += 1
            pred_correct[p[2]] += any(
                overlaps(ent, p) and compatible(ent["label"], p[2]) for ent in rec["entities"]
            )
        for neg in rec.get("negatives", []):
            neg_total[neg["kind"]] += 1
            neg_damaged[neg["kind"]] += any(overlaps(neg, p) for p in pred)

    per_label = {}
    for lab in LABELS:
        if not total[lab]:
            continue
        r = found[lab] / total[lab]
        compat_preds = [pl for pl in pred_total if compatible(lab, pl)]
        n_pred = sum(pred_total[pl] for pl in compat_preds)
        p = sum(pred_correct[pl] for pl in compat_preds) / n_pred if n_pred else 0.0
        per_label[lab] = {
            "n": total[lab],
            "recall": round(r, 4),
            "recall_any_label": round(found_any[lab] / total[lab], 4),
            "recall_label_exact": round(found_exact[lab] / total[lab], 4),
            "precision": round(p, 4),
            "f2": round(f_beta(p, r), 4),
        }
    n_gold = sum(total.values())
    n_pred = sum(pred_total.values())
    overall_p = sum(pred_correct.values()) / n_pred if n_pred else 0.0
    overall_r = sum(found.values()) / n_gold
    return {
        "per_label": per_label,
        "overall": {
            "recall": round(overall_r, 4),
            "recall_any_label": round(sum(found_any.values()) / n_gold, 4),
            "precision": round(overall_p, 4),
            "f2": round(f_beta(overall_p, overall_r), 4),
            "n_gold": n_gold,
            "n_pred": n_pred,
        },
        "precision_by_predicted_label": {
            lab: {"n": pred_total[lab], "precision": round(pred_correct[lab] / pred_total[lab], 4)}
            for lab in sorted(pred_total)
        },
        "hard_negatives": {
            "n": sum(neg_total.values()),
            "damaged": sum(neg_damaged.values()),
            "damage_rate": round(sum(neg_damaged.values()) / max(1, sum(neg_total.values())), 4),
            "by_kind": {
                k: {"n": neg_total[k], "damage_rate": round(neg_damaged[k] / neg_total[k], 4)}
                for k in sorted(neg_total)
            },
        },
    }


def person_consistency(records: list[dict], results: list) -> float:
    """Share of texts where every gold person maps to exactly one placeholder number and
    different persons to different numbers (texts with >= 2 person mentions only)."""
    good = n = 0
    for rec, res in zip(records, results, strict=True):
        mentions = [e for e in rec["entities"] if e["label"] == "PERSOON" and e.get("ref")]
        if len(mentions) < 2:
            continue
        n += 1
        ref_to_ph = defaultdict(set)
        for m in mentions:
            for sp in res.spans:
                if sp.label == "PERSOON" and m["start"] < sp.end and sp.start < m["end"]:
                    ref_to_ph[m["ref"]].add(sp.replacement)
        ok = all(len(v) == 1 for v in ref_to_ph.values())
        phs = [next(iter(v)) for v in ref_to_ph.values() if len(v) == 1]
        ok = (
            ok and len(phs) == len(set(phs)) and len(ref_to_ph) == len({m["ref"] for m in mentions})
        )
        good += ok
    return round(good / n, 4) if n else 1.0


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_EVAL
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    texts = [r["text"] for r in records]

    t0 = time.perf_counter()
    gate = Anonymiser()
    startup = time.perf_counter() - t0
    gate.anonymise(texts[0])

    t0 = time.perf_counter()
    results = gate.anonymise_many(texts)
    gate_s = time.perf_counter() - t0
    gate_preds = [[(s.start, s.end, s.label) for s in r.spans] for r in results]

    deduce = gate._deduce  # the same loaded model, run with all of deduce's own processors
    deduce.deidentify(texts[0])
    t0 = time.perf_counter()
    docs = [deduce.deidentify(t) for t in texts]
    deduce_s = time.perf_counter() - t0
    deduce_preds = [
        [
            (a.start_char, a.end_char, DEDUCE_TAGS.get(a.tag.split("+")[0], a.tag))
            for a in d.annotations
        ]
        for d in docs
    ]

    gate_rate = len(texts) / gate_s
    deduce_rate = len(texts) / deduce_s
    out = {
        "eval_file": str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path),
        "n_narratives": len(texts),
        "startup_s": round(startup, 2),
        "gate": {
            **score(records, gate_preds),
            "person_consistency": person_consistency(records, results),
            "narratives_per_s": round(gate_rate, 1),
        },
        "deduce": {**score(records, deduce_preds), "narratives_per_s": round(deduce_rate, 1)},
        "speed_ratio_gate_over_deduce": round(gate_rate / deduce_rate, 3),
        "targets": {
            "recall>=0.99": ["BSN", "IBAN", "EMAIL", "TELEFOON", "POSTCODE"],
            "recall_persoon>=0.95": True,
            "precision_overall>=0.90": True,
            "hard_negative_damage<=0.10": True,
            "narratives_per_s>=200": True,
        },
    }
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
