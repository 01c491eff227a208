"""params.yaml is the one source of every setting; the pydantic models only type it."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from pipeline.core.config import DEFAULT_PARAMS, Config, Workdir, load_config


def _raw() -> dict:
    return yaml.safe_load(DEFAULT_PARAMS.read_text(encoding="utf-8"))


def test_every_model_field_is_set_in_params_yaml_and_nothing_else():
    raw = _raw()
    for name, field in Config.model_fields.items():
        section_model = field.annotation
        assert set(raw[name]) == set(section_model.model_fields), name


def test_no_model_field_has_a_default_in_code():
    for name, field in Config.model_fields.items():
        assert field.is_required(), name
        for key, sub in field.annotation.model_fields.items():
            assert sub.is_required(), f"{name}.{key} has a default in code"


def test_a_key_missing_from_params_is_an_error(tmp_path):
    raw = _raw()
    del raw["cluster"]["seed"]
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ValidationError, match="seed"):
        load_config(path)


def test_an_unknown_key_is_an_error(tmp_path):
    raw = _raw()
    raw["search"]["tresholds"] = 1
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ValidationError, match="tresholds"):
        load_config(path)


def test_inbox_comes_from_params(tmp_path):
    raw = _raw()
    raw["paths"]["inbox"] = "elders/inbox"
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    wd = Workdir(tmp_path, load_config(path))
    assert wd.inbox == (tmp_path / "elders" / "inbox").resolve()
