"""The model directory: what a damaged or foreign one says, and that nothing is ever unpickled."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from safetensors.torch import load_file, save_file

from gankit.training import train
from tests.conftest import assert_one_line_error


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("model") / "run"
    return train("dcgan", "digits", out, options={"ngf": 8, "ndf": 8, "image_size": 16}, steps=2, batch_size=16, progress=False)


@pytest.fixture
def copy(model_dir, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(model_dir, target)
    return target


def test_missing_files(cli, copy):
    (copy / "model.safetensors").unlink()
    assert_one_line_error(cli("run", copy), "has no model.safetensors")
    (copy / "config.json").unlink()
    assert_one_line_error(cli("run", copy), "not a gankit model directory", "config.json is missing")


def test_pickled_weights_are_refused_with_an_explanation(cli, copy):
    (copy / "model.safetensors").unlink()
    torch.save({"x": torch.zeros(1)}, copy / "pytorch_model.bin")
    assert_one_line_error(cli("run", copy), "only pickled weights (pytorch_model.bin)", "never unpickles", "safetensors")


def test_truncated_weights_are_detected(cli, copy):
    data = (copy / "model.safetensors").read_bytes()
    (copy / "model.safetensors").write_bytes(data[: len(data) // 2])
    assert_one_line_error(cli("run", copy), "corrupt or truncated")


def test_mismatched_weights_name_the_tensor(cli, copy):
    tensors = load_file(copy / "model.safetensors")
    tensors["generator.0.weight"] = torch.zeros(3, 3)
    save_file(tensors, copy / "model.safetensors")
    assert_one_line_error(cli("run", copy), "generator.0.weight has shape (3, 3), expected (100, 16, 4, 4)")


def test_foreign_and_non_finite_tensors_are_refused(cli, copy):
    tensors = load_file(copy / "model.safetensors")
    save_file({**tensors, "payload.extra": torch.zeros(2)}, copy / "model.safetensors")
    assert_one_line_error(cli("run", copy), "unexpected tensor payload.extra")
    tensors["generator.0.weight"][0, 0, 0, 0] = float("nan")
    save_file(tensors, copy / "model.safetensors")
    assert_one_line_error(cli("run", copy, "--out", copy / "x.png"), "generator.0.weight holds NaN or inf")
    assert not (copy / "x.png").exists()


def test_config_may_only_name_registered_models_and_declared_options(cli, copy):
    config = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps({**config, "options": {**config["options"], "evil": 1}}))
    assert_one_line_error(cli("run", copy), "has no option 'evil'")
    (copy / "config.json").write_text(json.dumps({**config, "options": {**config["options"], "ngf": "wide"}}))
    assert_one_line_error(cli("run", copy), "option 'ngf' must be of type int")
    (copy / "config.json").write_text(json.dumps({**config, "model": "stylegan9", "plugin": "stylegan9", "plugin_package": "gankit-stylegan9"}))
    assert_one_line_error(cli("run", copy), "needs the gankit plugin 'stylegan9'", "pip install gankit-stylegan9")
    (copy / "config.json").write_text(json.dumps({**config, "model": "dcgan-xl"}))  # its plugin (dcgan) is installed
    assert_one_line_error(cli("run", copy), "no model 'dcgan-xl'", "plugin 'dcgan' has dcgan")
    (copy / "config.json").write_text("{not json")
    assert_one_line_error(cli("run", copy), "is not valid JSON")


def test_saved_weights_load_back_identically(model_dir, tmp_path):
    import gankit

    model = gankit.load(model_dir)
    model.save_pretrained(tmp_path / "again")
    again = gankit.load(tmp_path / "again")
    assert torch.equal(model.generate(2, seed=5), again.generate(2, seed=5))


def test_a_model_written_by_format_version_1_still_loads_and_samples_the_same():
    """tests/data/model-format-v1 was written by gankit 0.1.0; every later gankit must read it unchanged."""
    import numpy as np

    import gankit

    root = __import__("pathlib").Path(__file__).parent / "data"
    model = gankit.load(root / "model-format-v1", device="cpu")
    assert model.config["format_version"] == 1
    expected = np.load(root / "model-format-v1-expected.npy")
    assert np.allclose(model.generate(4, seed=0).numpy(), expected, atol=1e-4)
