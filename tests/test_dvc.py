"""dvc.yaml agrees with the stage modules, params.yaml and the Workdir file names."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.config import PROJECT_ROOT, STAGES, Workdir, load_config

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


def test_every_stage_depends_on_its_own_module():
    for name in STAGES:
        module = f"pipeline/{name}.py"
        assert (PROJECT_ROOT / module).exists()
        assert module in DVC[name]["deps"]


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
    produced = set(cfg.paths.inputs) | {"data/raw/inbox", cfg.structure.model_dir}
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
