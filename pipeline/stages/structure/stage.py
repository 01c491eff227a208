"""Structure stage: each anonymised case → barrier, solution and outcome statements + case labels.

Reads  `cases.parquet` (interim) and the trained artefacts in `models/structure/`.
Writes `case_structure.parquet` (case_id, domains, barrier_types, outcome, orde, solution_type,
solution_described, municipality, organisation, organisations; and municipality_listed: the
input's own municipality cell under its listed name, `entities.canonical_municipality`, which
publish prefers to the text's) and `statements.parquet`
(statement_id, case_id, kind, text, sent_index, is_main, barrier_type).

Method: spaCy splits sentences (`spacy.blank("nl")` + sentencizer, or the trained pipeline named
in params.yaml) and `simplemma` gives lemmas. Dutch cue phrases (Matcher) and life-domain
lexicons (PhraseMatcher) mark sentences; their hits become extra features of small linear
classifiers (lemma uni/bigram TF-IDF + logistic regression, stored as JSON + .npz, no pickles)
trained on the demo corpus's dev split and the real published cases' dev split
(`train_structure`). A small ranker (JSON) picks the main barrier sentence; the main barrier
statement is its run of barrier sentences, or with `main_neighbour_min_ratio` <= 1 the two
adjacent sentences with the highest summed ranker odds.
Municipality and organisations come from the lists in `municipalities.tsv` / `organisations.tsv`
(`entities`).
Whether (and where) a solution is told is decided by the solution-side cues (`solution_side` in
`lexicons.yaml`, keys `sol:...`), which the role model and the main-barrier ranker never see:
tuning them leaves the barrier statements and the main barrier as they are. Where no told cue
decides, the role model's surest solution sentence in the text's last part counts, unless that
part has a "stuck" cue or the sentence is a call for change or has a modal verb (moeten, zullen,
mogelijk: what must, will or could happen is no solution found).

Guarantees: a statement id comes from its content (case id + kind + sha256 of the text; a repeat
of the same text in one case gets `~2`, `~3`), so it is stable across rebuilds and an edited
narrative gets new statements (and so fresh cluster assignments); every case with at least one
barrier has exactly one main barrier, and a form's explicit `knelpunt` field is that main barrier;
labels given by the input (orde, outcome) win over inferred ones; outcome and orde say only what
the text tells: without a described solution the outcome is "niet" or "onbekend", the orde is
null (nullable Int64) and there is no solution statement; the output is deterministic.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from pipeline.core.config import Workdir
from pipeline.core.io import write_parquet
from pipeline.stages.structure.classifier import StructureModel
from pipeline.stages.structure.entities import canonical_municipality
from pipeline.stages.structure.extract import structure_cases
from pipeline.stages.structure.nlp import build_nlp

log = logging.getLogger(__name__)


def unique_ids(ids: pd.Series) -> pd.Series:
    """Content ids repeat when a case states the same text twice: number the repeats (~2, ~3)."""
    repeat = ids.groupby(ids).cumcount()
    return ids.where(repeat == 0, ids + "~" + (repeat + 1).astype(str))


def run_stage(wd: Workdir) -> dict[str, Any]:
    """Read cases, structure them with the trained model, write case_structure + statements."""
    params = wd.cfg.structure
    cases = pd.read_parquet(wd.cases)
    for col in ("knelpunt", "oplossing", "structureel", "orde", "outcome"):
        if col not in cases:
            cases[col] = None
    nlp = build_nlp(params)
    model = StructureModel.load(wd.structure_model)
    case_structure, statements = structure_cases(cases, nlp, model, params)
    if "municipality" in cases:  # the input's own cell, under the name the list gives it
        listed = cases.set_index("case_id")["municipality"].map(canonical_municipality)
        case_structure["municipality_listed"] = case_structure["case_id"].map(listed)
    statements["statement_id"] = unique_ids(statements["statement_id"])
    write_parquet(case_structure, wd.case_structure)
    write_parquet(statements, wd.statements)
    counts = statements["kind"].value_counts().to_dict()
    return {
        "cases": int(len(case_structure)),
        "barrier_statements": int(counts.get("barrier", 0)),
        "solution_statements": int(counts.get("solution", 0)),
        "outcome_statements": int(counts.get("outcome", 0)),
        "solution_described": int(case_structure["solution_described"].sum()),
        "municipality_named": int(case_structure["municipality"].notna().sum()),
    }
