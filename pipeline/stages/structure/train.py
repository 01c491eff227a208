"""Training and scoring of the structure classifiers on labelled cases (`casuswijzer stage
train-structure`)."""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.core.config import PROJECT_ROOT, Config
from pipeline.core.vocab import DOMAINS
from pipeline.stages.structure.classifier import LinearTextModel, StructureModel
from pipeline.stages.structure.extract import structure_cases
from pipeline.stages.structure.nlp import (
    CueMatcher,
    Sentence,
    analyse_text,
    build_nlp,
    case_tokens,
    sentence_tokens,
    weak_role,
)

log = logging.getLogger(__name__)


def _split_of(nid: str) -> str:
    """Deterministic fallback split (about 1 in 3 held out) when labels.csv has no split."""
    return "heldout" if int(hashlib.sha256(nid.encode()).hexdigest(), 16) % 3 == 0 else "dev"


def _as_list(v: Any) -> list[str]:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return []
    if isinstance(v, list | tuple | np.ndarray):
        return [str(x) for x in v if str(x)]
    return [x.strip() for x in str(v).split(";") if x.strip()]


def load_training_frame(cfg: Config, root: Path | None = None) -> pd.DataFrame:
    """The labelled demo originals: hand-written narratives (source JSONL, their own labels) with
    the split that labels.csv gives their nid (the generated variants keep their original's split).

    Training on the clean originals keeps planted names of the generated corpus out of the
    committed vocabulary. Returns one row per original: case_id (= nid), text fields, labels,
    split. Without labels.csv a deterministic hash split is used.
    """
    root = Path(root or PROJECT_ROOT)
    rows = []
    for path in sorted((root / cfg.structure.training_narratives).glob("narratives_*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    rows.append(json.loads(line))
    src = pd.DataFrame(rows)
    if src.empty:
        raise FileNotFoundError(
            f"no narratives_*.jsonl in {root / cfg.structure.training_narratives}"
        )
    src = src.drop_duplicates("nid")
    labels_path = root / cfg.structure.labels_file
    if labels_path.exists():
        # the corpus's variants keep their original's split; the originals carry the labels
        labels = pd.read_csv(labels_path, dtype=str, keep_default_na=False)
        split = labels.drop_duplicates("nid").set_index("nid")["split"]
        src = src[src["nid"].isin(split.index)].copy()
        src["split"] = src["nid"].map(split)
    else:
        src["split"] = src["nid"].map(_split_of)
    src["source_id"] = src["nid"]
    src["domains"] = src["domains"].map(_as_list)
    src["secondary_patterns"] = src["secondary_patterns"].map(_as_list)
    src["orde"] = pd.to_numeric(src["orde"], errors="coerce").astype("Int64")
    src = src.rename(columns={"text": "narrative"})
    src["case_id"] = src["nid"]
    return src.reset_index(drop=True)


def _featurise(frame: pd.DataFrame, nlp, matcher: CueMatcher):
    """Sentence-role examples (weakly labelled) and case token lists."""
    sent_docs, sent_y, case_docs = [], [], []
    for rec in frame.to_dict("records"):
        sents = analyse_text(rec.get("narrative"), nlp, matcher)
        fields = {
            k: analyse_text(rec.get(k), nlp, matcher)
            for k in ("knelpunt", "oplossing", "structureel")
        }
        for s in sents:
            sent_docs.append(sentence_tokens(s, len(sents)))
            sent_y.append(weak_role(s))
        # a form's fields are gold sentence roles
        for field, role in (
            ("knelpunt", "barrier"),
            ("oplossing", "solution"),
            ("structureel", "other"),
        ):
            for s in fields[field]:
                pos = 1 if role == "barrier" else 4
                sent_docs.append(sentence_tokens(Sentence(s.text, pos, s.lemmas, s.cues), 5))
                sent_y.append(role)
        case_docs.append(case_tokens(sents + [s for v in fields.values() for s in v]))
    return sent_docs, sent_y, case_docs


def fit_all(frame: pd.DataFrame, nlp, matcher: CueMatcher, seed: int) -> StructureModel:
    sent_docs, sent_y, case_docs = _featurise(frame, nlp, matcher)
    models = {
        "role": LinearTextModel.fit(sent_docs, sent_y, seed),
        "barrier_type": LinearTextModel.fit(case_docs, frame["barrier_type"].tolist(), seed),
        "domains": LinearTextModel.fit(
            case_docs, frame["domains"].tolist(), seed, multilabel=True, classes=DOMAINS
        ),
        "orde": LinearTextModel.fit(case_docs, frame["orde"].astype(str).tolist(), seed),
        "outcome": LinearTextModel.fit(case_docs, frame["outcome"].tolist(), seed),
        "solution_type": LinearTextModel.fit(case_docs, frame["solution_type"].tolist(), seed),
    }
    return StructureModel(models)


def _macro_f1(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, average="macro", zero_division=0))


def score_structure(frame: pd.DataFrame, case_structure: pd.DataFrame) -> dict[str, float]:
    """Accuracy / macro-F1 of inferred case labels against the gold labels in `frame`."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.preprocessing import MultiLabelBinarizer

    m = frame.merge(case_structure, on="case_id", suffixes=("", "_pred"))
    out: dict[str, float] = {"n": int(len(m))}
    if not len(m):
        return out
    m["barrier_type_pred"] = m["barrier_types"].map(lambda v: v[0] if len(v) else "")
    for col in ("barrier_type", "solution_type", "outcome", "orde"):
        t, p = m[col].astype(str), m[f"{col}_pred"].astype(str)
        out[f"{col}_accuracy"] = round(float(accuracy_score(t, p)), 3)
        out[f"{col}_macro_f1"] = round(_macro_f1(t, p), 3)
    mlb = MultiLabelBinarizer(classes=list(DOMAINS))
    yt = mlb.fit_transform(m["domains"])
    yp = mlb.transform(m["domains_pred"].map(list))
    out["domains_micro_f1"] = round(float(f1_score(yt, yp, average="micro", zero_division=0)), 3)
    return out


def train_structure(cfg: Config, out_dir: Path) -> dict[str, Any]:
    """Train the structure components on the dev split; store them in out_dir; return metrics.

    Metrics are measured on the held-out split (never used for training or tuning), with the
    input's orde/outcome hidden so that the inferred values are scored.
    """
    params = cfg.structure
    frame = load_training_frame(cfg)
    dev = frame[frame["split"] == "dev"].reset_index(drop=True)
    heldout = frame[frame["split"] == "heldout"].reset_index(drop=True)
    nlp = build_nlp(params)
    matcher = CueMatcher(nlp)
    model = fit_all(dev, nlp, matcher, params.seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics: dict[str, Any] = {
        "n_dev": int(len(dev)),
        "n_heldout": int(len(heldout)),
        "seed": params.seed,
    }
    if len(heldout):
        blind = heldout.assign(orde=pd.NA, outcome=None)
        cs, st = structure_cases(blind, nlp, model, params)
        metrics["heldout"] = score_structure(heldout, cs)
        metrics["heldout"]["barriers_per_case"] = round(
            float((st["kind"] == "barrier").sum() / max(len(cs), 1)), 2
        )
    model.save(out_dir, metrics)
    log.info("structure model trained on %d dev cases", len(dev))
    return metrics
