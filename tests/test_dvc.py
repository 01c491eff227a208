"""dvc.yaml agrees with the stage modules, params.yaml and the Workdir file names."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from pipeline.core.config import PROJECT_ROOT, STAGES, Workdir, load_config

DVC = yaml.safe_load((PROJECT_ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
PARAMS = yaml.safe_load((PROJECT_ROOT / "params.yaml").read_text(encoding="utf-8"))


def _paths(entries) -> list[str]:
    out = []
    for e in entries or []:
        out.extend(e.keys() if isinstance(e, dict) else [e])
    return out


def test_every_pipeline_stage_has_a_dvc_stage_calling_its_cli():
    assert set(STAGES) <= set(DVC)
    for name in STAGES:
        assert DVC[name]["cmd"].startswith(f"casuswijzer stage {name} ")


ROOT_INIT = PROJECT_ROOT / "pipeline" / "__init__.py"
STAGES_INIT = PROJECT_ROOT / "pipeline" / "stages" / "__init__.py"


def _stage_source(name: str) -> Path:
    package = PROJECT_ROOT / "pipeline" / "stages" / name
    return package if package.is_dir() else package.with_suffix(".py")


def _pipeline_imports(path: Path) -> set[str]:
    """Modules of `pipeline` imported anywhere in a file (top level or inside functions)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("pipeline")}
    return out


def _module_file(module: str) -> Path | None:
    base = PROJECT_ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _import_closure(start: Path) -> set[Path]:
    """Every pipeline source file reachable by imports from the files under `start`."""
    todo = list(start.rglob("*.py")) if start.is_dir() else [start]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for module in _pipeline_imports(path):
            found = _module_file(module)
            if found is not None:
                todo.append(found)
                parts = found.relative_to(PROJECT_ROOT).parts[:-1]
                for i in range(2, len(parts) + 1):  # a package's __init__ runs on import
                    todo.append(PROJECT_ROOT.joinpath(*parts[:i], "__init__.py"))
    return {p for p in seen if p.exists()}


def test_every_stage_depends_on_its_own_package():
    for name in STAGES:
        source = _stage_source(name)
        assert source.exists()
        assert str(source.relative_to(PROJECT_ROOT)) in DVC[name]["deps"]


def test_every_module_a_stage_imports_is_among_its_deps():
    for name in STAGES:
        deps = [PROJECT_ROOT / d for d in DVC[name]["deps"]]
        for path in _import_closure(_stage_source(name)):
            if path in (ROOT_INIT, STAGES_INIT):  # docstrings only
                continue
            assert any(path == d or d in path.parents for d in deps), (
                f"{name} imports {path.relative_to(PROJECT_ROOT)}, which is not in its dvc deps"
            )


def test_stages_import_no_other_stage_and_nothing_from_serve():
    for name in STAGES:
        for path in _import_closure(_stage_source(name)):
            rel = path.relative_to(PROJECT_ROOT).as_posix()
            assert not rel.startswith("pipeline/serve/"), f"{name} imports {rel}"
            if rel.startswith("pipeline/stages/") and rel != "pipeline/stages/__init__.py":
                assert rel.startswith(_stage_source(name).relative_to(PROJECT_ROOT).as_posix()), (
                    f"{name} imports another stage: {rel}"
                )


def test_stages_that_read_annotations_depend_on_the_store():
    folder = str(Path(load_config().paths.annotations).parent)
    for name in ("cluster", "publish"):
        assert folder in DVC[name]["deps"]


def test_named_params_exist_in_params_yaml():
    for stage in DVC.values():
        for key in stage.get("params", []):
            node = PARAMS
            for part in key.split("."):
                assert part in node, f"{key} not in params.yaml"
                node = node[part]


def test_each_output_has_exactly_one_owner():
    owners: dict[str, str] = {}
    for name, stage in DVC.items():
        for out in _paths(stage.get("outs")) + _paths(stage.get("metrics")):
            assert out not in owners, f"{out} owned by {owners[out]} and {name}"
            owners[out] = name


def test_outputs_are_the_workdir_file_names():
    wd = Workdir(PROJECT_ROOT, load_config())
    expected = {
        "ingest": [wd.cases, wd.quarantine, wd.ingest_report, wd.anonymise_cache],
        "structure": [wd.statements, wd.case_structure],
        "embed": [wd.case_embeddings, wd.statement_embeddings, wd.embed_cache],
        "cluster": [wd.clusters, wd.statement_clusters, wd.case_clusters, wd.cluster_model],
        "publish": [wd.kb, wd.manifest],
    }
    for name, paths in expected.items():
        rel = {str(Path(p).relative_to(PROJECT_ROOT)) for p in paths}
        assert rel == set(_paths(DVC[name]["outs"])), name


def test_data_dependencies_are_inputs_or_earlier_outputs():
    cfg = load_config()
    annotations = str(Path(cfg.paths.annotations).parent)
    shipped = {cfg.structure.model_dir, cfg.cluster.reference_dir}  # trained, in git
    produced = set(cfg.paths.inputs) | {"data/raw/inbox", annotations} | shipped
    for name in STAGES:
        stage = DVC[name]
        for dep in stage["deps"]:
            if dep.startswith("pipeline/"):
                continue
            assert dep in produced, f"{name} depends on {dep}, which no earlier stage makes"
        produced |= set(_paths(stage.get("outs"))) | set(_paths(stage.get("metrics")))


def test_ingest_depends_on_every_configured_input():
    cfg = load_config()
    assert set(cfg.paths.inputs) <= set(DVC["ingest"]["deps"])
