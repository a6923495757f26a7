"""Sampling as users do it: run, interpolate, arithmetic, info, through the CLI and the Python API."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import gankit
from gankit.sampling import parse_seeds, slerp
from gankit.training import train
from tests.conftest import assert_one_line_error


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny") / "run"
    return train("dcgan", "digits", out, options={"ngf": 8, "ndf": 8, "image_size": 16}, steps=4, batch_size=16, progress=False)


def test_run_writes_a_grid_and_the_same_seed_gives_the_same_pixels(cli, tiny_model, tmp_path):
    for name in ("a.png", "b.png"):
        result = cli("run", tiny_model, "--n", 9, "--seed", 3, "--out", tmp_path / name)
        assert result.code == 0 and "grid of 9 samples" in result.out, result
    a, b = (np.asarray(Image.open(tmp_path / n)) for n in ("a.png", "b.png"))
    assert a.shape == (3 * 18 + 2, 3 * 18 + 2) and np.array_equal(a, b)
    assert cli("run", tiny_model, "--n", 9, "--seed", 4, "--out", tmp_path / "c.png").code == 0
    assert not np.array_equal(a, np.asarray(Image.open(tmp_path / "c.png")))


def test_run_into_a_folder_writes_one_png_per_sample(cli, tiny_model, tmp_path):
    result = cli("run", tiny_model, "--n", 3, "--out", tmp_path / "samples")
    assert result.code == 0, result
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == ["0000.png", "0001.png", "0002.png"]
    assert Image.open(tmp_path / "samples" / "0001.png").size == (16, 16)


def test_python_api_matches_the_cli_and_seeds_are_per_sample(tiny_model):
    model = gankit.load(tiny_model, device="cpu")
    batch = model.generate(4, seed=10)
    assert batch.shape == (4, 1, 16, 16) and batch.min() >= -1 and batch.max() <= 1
    assert torch.equal(model.generate(1, seed=12)[0], batch[2])  # sample i of seed S is seed S+i
    assert not torch.equal(model.generate(4, seed=10, truncation=0.5), batch)
    assert model.info()["parameters"]["generator"] > 0 and model.task == "unconditional-image"


def test_slerp_keeps_endpoints_and_prior_like_norms():
    a, b = torch.randn(100, generator=torch.Generator().manual_seed(0)), torch.randn(100, generator=torch.Generator().manual_seed(1))
    path = slerp(a, b, torch.linspace(0, 1, 5))
    assert torch.allclose(path[0], a, atol=1e-5) and torch.allclose(path[-1], b, atol=1e-5)
    assert (path.norm(dim=1) > 0.9 * min(a.norm(), b.norm())).all()  # a straight line dips to ~0.7x in the middle


def test_interpolate_writes_an_animated_gif_and_a_strip(cli, tiny_model, tmp_path):
    result = cli("interpolate", tiny_model, "--steps", 6, "--from", 1, "--to", 2, "--out", tmp_path / "walk.gif")
    assert result.code == 0, result
    gif = Image.open(tmp_path / "walk.gif")
    assert gif.n_frames == 10  # 6 forward, 4 back (boomerang without repeating the ends)
    assert cli("interpolate", tiny_model, "--steps", 6, "--out", tmp_path / "walk.png").code == 0
    assert Image.open(tmp_path / "walk.png").size == (6 * 18 + 2, 18 + 2)
    frames = gankit.load(tiny_model).interpolate(1, 2, steps=6)
    assert torch.equal(frames[0], gankit.load(tiny_model).generate(1, seed=1)[0])


def test_arithmetic_combines_group_means(cli, tiny_model, tmp_path):
    result = cli("arithmetic", tiny_model, "--a", "0-2", "--b", "3,4", "--c", "5", "--out", tmp_path / "x.png")
    assert result.code == 0, result
    assert Image.open(tmp_path / "x.png").size == (4 * 18 + 2, 2 * 18 + 2)
    model = gankit.load(tiny_model)
    means, variations = model.arithmetic([0, 1, 2], [3, 4], [5])
    z = model.gan.sample_latent(range(6))
    expected = model.from_latents((z[0:3].mean(0) - z[3:5].mean(0) + z[5])[None])
    assert torch.allclose(means[3], expected[0], atol=1e-5) and variations.shape[0] == 4
    assert_one_line_error(cli("arithmetic", tiny_model, "--a", "5-2", "--b", "1", "--c", "2"), "--a", "cannot read seeds '5-2'")
    assert_one_line_error(cli("arithmetic", tiny_model, "--a", "x", "--b", "1", "--c", "2"), "--a", "no attribute reader")


def test_parse_seeds():
    assert parse_seeds("1,2,5-8") == [1, 2, 5, 6, 7, 8]
    with pytest.raises(gankit.GankitError):
        parse_seeds("3-1")


def test_info_shows_task_options_parameters_and_source(cli, tiny_model):
    result = cli("info", tiny_model)
    assert result.code == 0 and "unconditional-image" in result.out and "image_size=16" in result.out and "generator" in result.out
    data = json.loads(cli("info", tiny_model, "--json").out)
    assert data["model"] == "dcgan" and data["training"]["steps"] == 4 and str(tiny_model) in data["source"]


def test_sampling_errors_are_one_line(cli, tiny_model, tmp_path):
    assert_one_line_error(cli("run", "dcgam"), "no model 'dcgam'", "did you mean 'dcgan'")
    assert_one_line_error(cli("run", tiny_model, "--truncation", 0), "--truncation must be in (0, 1]")
    assert_one_line_error(cli("run", tiny_model, "--n", 0), "--n must be at least 1")
    assert_one_line_error(cli("interpolate", tiny_model, "--out", tmp_path / "x.mp3"), "cannot write .mp3 files", ".png", ".gif")
    assert_one_line_error(cli("run", tiny_model, "--out", tmp_path / "x.wav"), "task 'unconditional-image' cannot write .wav")
    assert not (tmp_path / "x.wav").exists()
    assert_one_line_error(cli("run", tiny_model, "--device", "tpu"), "not a device name")
    for device in ("meta", "mps", "cuda:7"):  # device names torch knows, that this machine cannot run
        assert_one_line_error(cli("run", tiny_model, "--device", device, "--out", tmp_path / "d.png"), f"--device {device}")


def test_python_train_returns_a_loaded_model(tmp_path):
    model = gankit.train("dcgan", data="digits", out=tmp_path / "run", steps=2, batch_size=16,
                         options={"ngf": 8, "ndf": 8, "image_size": 16}, progress=False)
    assert isinstance(model, gankit.api.Model) and model.generate(2, seed=0).shape == (2, 1, 16, 16)
    assert (tmp_path / "run" / "model.safetensors").is_file()


@pytest.fixture(scope="module")
def cgan_model(tmp_path_factory):
    """The test suite's class-conditional plugin, registered in this process, trained a few steps."""
    import sys

    from gankit.registry import get_registry

    sys.path.insert(0, str(Path(__file__).parent / "thirdparty" / "gankit-cgan"))
    import gankit_cgan

    registry = get_registry()
    registry.add(gankit_cgan, "cgan-test")
    out = tmp_path_factory.mktemp("cgan") / "run"
    yield train("cgan", "digits", out, options={"width": 8}, steps=4, batch_size=16, progress=False)
    registry.remove("cgan-test")
    sys.path.remove(str(Path(__file__).parent / "thirdparty" / "gankit-cgan"))


def test_conditional_sampling_is_seed_stable_and_takes_the_tasks_inputs(cgan_model, cli, tmp_path):
    model = gankit.load(cgan_model, device="cpu")
    batch = model.generate(4, seed=10)
    assert torch.equal(model.generate(1, seed=12)[0], batch[2])  # sample i depends on seed+i, not on its position
    threes = model.generate(4, seed=10, label=3)
    assert torch.equal(model.generate(1, seed=12, label=3)[0], threes[2]) and not torch.equal(threes, batch)
    result = cli("run", cgan_model, "--label", 3, "--n", 4, "--seed", 10, "--out", tmp_path / "threes.npy")
    assert result.code == 0 and "4 samples" in result.out, result
    assert np.array_equal(np.load(tmp_path / "threes.npy"), threes.numpy())
    assert "--label INTEGER" in cli("run", cgan_model, "--help").out
    assert "--label" not in cli("run", "dcgan", "--help").out
    assert_one_line_error(cli("run", cgan_model, "--label", 12), "--label must be below 10")
    assert_one_line_error(cli("run", cgan_model, "--label", -1), "--label must be at least 0")
    assert_one_line_error(cli("run", "dcgan", "--label", 3), "No such option", "--label", "gankit run --help")


def test_interpolation_between_two_labels_walks_from_one_class_to_the_other(cgan_model, cli, tmp_path):
    model = gankit.load(cgan_model, device="cpu")
    walk = model.interpolate(5, steps=5, label=(3, 7))
    assert torch.allclose(walk[0], model.generate(1, seed=5, label=3)[0], atol=1e-5)
    assert torch.allclose(walk[-1], model.generate(1, seed=5, label=7)[0], atol=1e-5)
    assert not torch.allclose(walk[2], walk[0], atol=1e-3)
    result = cli("interpolate", cgan_model, "--label", 3, "--label", 7, "--from", 5, "--steps", 5, "--out", tmp_path / "w.gif")
    assert result.code == 0 and "from label 3 to 7" in result.out, result
    assert Image.open(tmp_path / "w.gif").n_frames == 8
