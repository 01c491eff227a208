"""Structure stage: each anonymised case → barrier, solution and outcome statements + case labels.

Reads  `cases.parquet` (interim) and the trained artefacts in `models/structure/`.
Writes `case_structure.parquet` and `statements.parquet`.

Modules: `nlp` (sentences, lemmas, cue phrases from `lexicons.yaml`), `classifier` (linear
models stored as JSON + .npz), `entities` (municipality and organisations from the lists beside
it), `extract` (the pure core `structure_cases`), `train`, `stage`.
"""

from pipeline.stages.structure.classifier import TASKS, LinearTextModel, StructureModel
from pipeline.stages.structure.extract import structure_cases
from pipeline.stages.structure.nlp import (
    BARRIER_CUES,
    DOMAIN_LEXICON,
    CueMatcher,
    analyse_text,
    build_nlp,
)
from pipeline.stages.structure.stage import run_stage
from pipeline.stages.structure.train import (
    load_real_frame,
    load_training_frame,
    score_structure,
    train_structure,
)

__all__ = [
    "BARRIER_CUES",
    "DOMAIN_LEXICON",
    "TASKS",
    "CueMatcher",
    "LinearTextModel",
    "StructureModel",
    "analyse_text",
    "build_nlp",
    "load_real_frame",
    "load_training_frame",
    "run_stage",
    "score_structure",
    "structure_cases",
    "train_structure",
]
