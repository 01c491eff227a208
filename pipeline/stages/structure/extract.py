"""The pure core of the structure stage: cases → statements and case labels."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.core.config import StructureParams
from pipeline.core.text import lemmas_of
from pipeline.core.vocab import DOMAINS, OUTCOMES
from pipeline.stages.structure.classifier import StructureModel
from pipeline.stages.structure.nlp import (
    CueMatcher,
    analyse_text,
    case_tokens,
    clean_text,
    sentence_tokens,
)


def statement_id(case_id: str, kind: str, text: str) -> str:
    """Content-based id: an edited statement gets a new id (and so a fresh cluster assignment)."""
    return f"{case_id}-{kind}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:10]}"


def _merge_runs(flags: Sequence[bool], max_len: int = 3) -> list[list[int]]:
    """Consecutive flagged sentence indices, split into runs of at most max_len."""
    runs: list[list[int]] = []
    for i, f in enumerate(flags):
        if not f:
            continue
        if runs and runs[-1][-1] == i - 1 and len(runs[-1]) < max_len:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _pick(proba: np.ndarray, classes: Sequence[str], boost: dict[str, float]) -> str:
    scores = {c: float(p) + boost.get(c, 0.0) for c, p in zip(classes, proba, strict=True)}
    return max(scores, key=scores.get)


def _rule_boost(cues: Counter, prefix: str, weight: float = 0.15) -> dict[str, float]:
    return {
        k.split(":", 1)[1]: weight * min(n, 2)
        for k, n in cues.items()
        if k.startswith(prefix + ":")
    }


def structure_cases(
    cases: pd.DataFrame, nlp, model: StructureModel, params: StructureParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pure core: cases → (case_structure, statements).

    Args:
        cases: columns case_id, narrative, knelpunt, oplossing, structureel (may be None/''),
            orde (nullable int, given by the input), outcome (nullable).
        nlp: the spaCy pipeline from `build_nlp`.
        model: the trained `StructureModel`.
        params: the structure section of params.yaml.
    """
    matcher = CueMatcher(nlp)
    role = model.models["role"]
    b_idx = role.classes.index("barrier")
    s_idx = role.classes.index("solution")
    case_rows, stmt_rows = [], []
    for rec in cases.to_dict("records"):
        cid = str(rec["case_id"])
        sents = analyse_text(rec.get("narrative"), nlp, matcher)
        knelpunt = clean_text(rec.get("knelpunt"))
        oplossing = clean_text(rec.get("oplossing"))
        structureel = clean_text(rec.get("structureel"))
        extra = [analyse_text(t, nlp, matcher) for t in (knelpunt, oplossing, structureel)]
        total = len(sents)
        proba = role.predict_proba([sentence_tokens(s, total) for s in sents])
        p_bar = proba[:, b_idx] if total else np.zeros(0)
        p_sol = proba[:, s_idx] if total else np.zeros(0)
        is_bar = (p_bar >= params.barrier_threshold) & (p_bar >= p_sol)
        if total and not knelpunt and not is_bar.any():
            is_bar[int(np.argmax(p_bar))] = True  # every narrative states at least one barrier
        runs = _merge_runs(is_bar.tolist(), params.max_statement_sentences)

        all_sents = sents + [s for group in extra for s in group]
        ctoks = case_tokens(all_sents)
        case_cues: Counter = Counter()
        for s in all_sents:
            case_cues.update(s.cues)

        bt_model = model.models["barrier_type"]
        bt_proba = bt_model.predict_proba([ctoks])[0]
        bt_order = np.argsort(-bt_proba)
        top_type = bt_model.classes[int(bt_order[0])]
        barrier_types = [top_type] + [
            bt_model.classes[int(j)]
            for j in bt_order[1:3]
            if bt_proba[int(j)] >= params.secondary_type_threshold
        ]

        # barrier statements: the knelpunt field (main) first, then narrative runs
        barriers: list[tuple[str, int | None, float]] = []
        if knelpunt:
            barriers.append((knelpunt, None, math.inf))
        for run in runs:
            text = " ".join(sents[i].text for i in run)
            barriers.append((text, sents[run[0]].index, float(p_bar[run].mean())))
        main = int(np.argmax([b[2] for b in barriers])) if barriers else -1
        if barriers:
            other_types = bt_model.predict_proba([lemmas_of(b[0]) for b in barriers])
        for k, (text, sidx, _) in enumerate(barriers):
            stype = top_type if k == main else bt_model.classes[int(np.argmax(other_types[k]))]
            stmt_rows.append(
                {
                    "statement_id": statement_id(cid, "barrier", text),
                    "case_id": cid,
                    "kind": "barrier",
                    "text": text,
                    "sent_index": sidx,
                    "is_main": k == main,
                    "barrier_type": stype,
                }
            )
        # solution statements: the oplossing field, else narrative sentences with solution role
        solutions: list[tuple[str, int | None]] = []
        if oplossing:
            solutions.append((oplossing, None))
        else:
            for i, s in enumerate(sents):
                if p_sol[i] >= params.solution_threshold and p_sol[i] > p_bar[i]:
                    solutions.append((s.text, s.index))
        for text, sidx in solutions:
            stmt_rows.append(
                {
                    "statement_id": statement_id(cid, "solution", text),
                    "case_id": cid,
                    "kind": "solution",
                    "text": text,
                    "sent_index": sidx,
                    "is_main": False,
                    "barrier_type": None,
                }
            )
        # outcome statement: the last sentence that says how it ended
        outcome_sents = [
            s for s in (extra[1] or sents) if any(k.startswith("outcome:") for k in s.cues)
        ]
        if outcome_sents:
            s = outcome_sents[-1]
            stmt_rows.append(
                {
                    "statement_id": statement_id(cid, "outcome", s.text),
                    "case_id": cid,
                    "kind": "outcome",
                    "text": s.text,
                    "sent_index": None if extra[1] else s.index,
                    "is_main": False,
                    "barrier_type": None,
                }
            )

        # case labels: input wins; else classifier + rule boost
        def predict(task: str, prefix: str, toks=ctoks, cues=case_cues) -> str:
            m = model.models[task]
            return _pick(m.predict_proba([toks])[0], m.classes, _rule_boost(cues, prefix))

        orde_in = rec.get("orde")
        orde = (
            int(orde_in)
            if orde_in is not None and not pd.isna(orde_in)
            else int(predict("orde", "orde"))
        )
        outcome_in = clean_text(rec.get("outcome"))
        outcome = outcome_in if outcome_in in OUTCOMES else predict("outcome", "outcome")
        solution_type = predict("solution_type", "soltype")
        dm = model.models["domains"]
        dp = dm.predict_proba([ctoks])[0]
        lex = {k.split(":", 1)[1]: n for k, n in case_cues.items() if k.startswith("domain:")}
        domains = [
            d
            for d, p in zip(dm.classes, dp, strict=True)
            if p >= dm.threshold or lex.get(d, 0) >= params.domain_min_hits
        ]
        if not domains and len(dp):
            domains = [dm.classes[int(np.argmax(dp))]]
        domains = [d for d in DOMAINS if d in domains]
        case_rows.append(
            {
                "case_id": cid,
                "domains": domains,
                "barrier_types": barrier_types,
                "outcome": outcome,
                "orde": orde,
                "solution_type": solution_type,
            }
        )
    case_structure = pd.DataFrame(
        case_rows,
        columns=["case_id", "domains", "barrier_types", "outcome", "orde", "solution_type"],
    )
    if len(case_structure):
        case_structure["orde"] = case_structure["orde"].astype("int64")
    statements = pd.DataFrame(
        stmt_rows,
        columns=[
            "statement_id",
            "case_id",
            "kind",
            "text",
            "sent_index",
            "is_main",
            "barrier_type",
        ],
    )
    statements["sent_index"] = statements["sent_index"].astype("Int64")
    statements["is_main"] = statements["is_main"].astype(bool)
    return case_structure, statements
