"""The 3D voxel GAN (first increment): primitives, training, meshes a viewer opens, renders, COV/MMD/1-NNA."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import trimesh
from PIL import Image

import gankit
from gankit.training import train
from gankit_plugins.voxel.output import mesh
from gankit_plugins.voxel.primitives import CLASSES, load, primitive
from gankit_plugins.voxel.quality import mean_shape, scores
from tests.conftest import assert_one_line_error

TINY = {"grid_size": 16, "ngf": 4, "ndf": 4, "latent_dim": 16}


def test_primitives_are_solid_labelled_inside_the_grid_and_deterministic():
    data, test = load({"grid_size": 32}, n=70), load({"grid_size": 32}, split="test", n=70)
    grid, label = data[3]
    assert grid.shape == (1, 32, 32, 32) and set(grid.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(grid, data[3][0]) and not torch.equal(grid, test[3][0])
    labels = {data[i][1] for i in range(70)}
    assert labels == set(range(len(CLASSES))) and len(CLASSES) >= 6
    for kind in range(len(CLASSES)):
        g, k = primitive(100 + kind, 32, kind=kind)
        assert k == kind and g.mean() > 0.005
        assert g[[0, -1]].sum() + g[:, [0, -1]].sum() + g[:, :, [0, -1]].sum() <= 2  # inside the grid


def test_meshes_of_every_primitive_are_watertight(tmp_path):
    for kind, name in enumerate(CLASSES):
        surface = mesh(primitive(kind, 32, kind=kind)[0].astype(np.float32))
        surface.export(tmp_path / f"{name}.obj")
        loaded = trimesh.load(tmp_path / f"{name}.obj", force="mesh")
        assert loaded.is_watertight and loaded.volume > 0, name


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("voxel") / "run"
    return train("voxel", "primitives", out, options=TINY, steps=4, batch_size=4, sample_every=2, progress=False)


def test_run_writes_arrays_meshes_and_renders(tiny, cli, tmp_path):
    model = gankit.load(tiny, device="cpu")
    grids = model.generate(4, seed=0)
    assert grids.shape == (4, 1, 16, 16, 16) and grids.min() >= 0 and grids.max() <= 1
    level = float(grids[0].flatten().kthvalue(grids[0].numel() - 40).values)  # a threshold that has a surface
    result = cli("run", tiny, "--n", 2, "--threshold", f"{level:.6f}", "--out", tmp_path / "shapes")
    assert result.code == 0, result
    names = sorted(p.name for p in (tmp_path / "shapes").iterdir())
    assert {"0000.npy", "0000.png", "0001.npy", "0001.png"} <= set(names)
    assert np.allclose(np.load(tmp_path / "shapes" / "0000.npy"), grids[0].numpy(), atol=1e-6)
    assert trimesh.load(tmp_path / "shapes" / "0000.obj", force="mesh").faces.shape[0] > 0
    assert cli("run", tiny, "--n", 4, "--out", tmp_path / "grid.png").code == 0
    assert Image.open(tmp_path / "grid.png").size[0] > 0
    walk = cli("interpolate", tiny, "--steps", 3, "--turn", 20, "--threshold", f"{level:.6f}", "--out", tmp_path / "w.gif")
    assert walk.code == 0 and Image.open(tmp_path / "w.gif").n_frames == 3, walk
    assert_one_line_error(cli("run", tiny, "--n", 1, "--threshold", 1.0, "--out", tmp_path / "x.stl"), "empty", "threshold")
    assert_one_line_error(cli("fid", "primitives", tiny, "--n", 4), "voxels")


def test_cov_mmd_1nna_mean_what_they_say(tiny, cli):
    real = torch.stack([load({"grid_size": 16}, n=12)[i][0] for i in range(12)])
    same = scores(real, real)
    assert same["cov"] == 1 and same["mmd"] == 0
    baseline = mean_shape(real).expand_as(real)
    worst = scores(baseline, real)
    assert worst["cov"] < 0.5 and worst["1nna"] > 0.75 and worst["mmd"] > 0.2  # 50% would be ideal
    result = cli("eval", tiny, "--data", "primitives", "--metrics", "cov,mmd,1nna", "--n", 12, "--json")
    assert result.code == 0, result
    got = json.loads(result.out)
    assert {"cov", "mmd", "1nna", "cov mean-shape", "1nna mean-shape"} <= set(got)
