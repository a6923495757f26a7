"""The 3D voxel GAN (first increment): primitives, training, meshes a viewer opens, renders, COV/MMD/1-NNA."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import trimesh
from PIL import Image

import gankit
from gankit.errors import GankitError
from gankit.training import train
from gankit_plugins.voxel.classifier import JUDGES, load_judge, read_shapes
from gankit_plugins.voxel.model import VoxelGAN, blur, rotations, turn
from gankit_plugins.voxel.output import mesh
from gankit_plugins.voxel.primitives import CLASSES, load, primitive
from gankit_plugins.voxel.quality import mean_shape, scores
from tests.conftest import assert_one_line_error

TINY = {"grid_size": 16, "ngf": 4, "ndf": 4, "latent_dim": 16}
CONFIDENT_CNN, CONFIDENT_DESCRIPTORS = 0.72, 0.8  # the bundled weights read 81% and 88% of 1000 samples (model card)


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


def test_conditional_model_makes_the_class_asked_for(tiny, cli, tmp_path):
    run = train("voxel", "primitives", tmp_path / "cond", options={**TINY, "conditional": True, "upsample": "resize",
                "class_loss": 1.0, "target_blur": 1.0}, steps=2, batch_size=4, log_every=1, progress=False)
    model = gankit.load(run, device="cpu")
    real, condition = model.gan.split_batch((torch.from_numpy(primitive(3, 16)[0]).float()[None, None], torch.tensor([4])))
    soft = ((real > 0.05) & (real < 0.95)).sum()
    assert soft > 50 and condition.argmax(1).tolist() == [4]  # D sees the grid blurred (not 0/1 voxels), and its class
    logged = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert all(0 < row["aux_D"] and 0 < row["aux_G"] for row in logged)  # AC-GAN's class loss, D's and G's
    assert model.gan.options["class_names"].split("|") == CLASSES
    tori, spheres = model.generate(3, seed=5, label="torus"), model.generate(3, seed=5, label="0")
    assert torch.equal(tori, model.generate(3, seed=5, label="torus")) and not torch.equal(tori, spheres)
    assert torch.allclose(model.generate(4, seed=0)[2], model.generate(1, seed=2)[0], atol=1e-5)  # each seed draws its class
    assert torch.allclose(model.interpolate(0, 1, steps=3)[-1], model.generate(1, seed=1)[0], atol=1e-5)  # class and all
    walk = cli("interpolate", run, "--label", "torus", "--label", "box", "--steps", 3, "--out", tmp_path / "w.gif")
    assert walk.code == 0 and "3 frames from label 'torus' to 'box'" in walk.out and Image.open(tmp_path / "w.gif"), walk
    assert_one_line_error(cli("run", run, "--label", "cube", "--out", tmp_path / "x.png"), "cube", "torus")
    assert_one_line_error(cli("run", tiny, "--label", "torus", "--out", tmp_path / "x.png"), "unconditional")
    assert_one_line_error(cli("train", "voxel", "--data", "primitives", "--out", tmp_path / "r", "-o", "class_names=a|b"),
                          "conditional=true")
    assert_one_line_error(cli("train", "voxel", "--data", "primitives", "--out", tmp_path / "r", "-o", "class_loss=1"),
                          "class_loss", "conditional=true")


def test_blurred_targets_keep_volume_and_surface():
    grid = torch.from_numpy(primitive(3)[0]).float()[None, None]
    smooth = blur(grid, 1.0)
    assert torch.allclose(smooth.sum(), grid.sum(), rtol=0.02)  # the volume stays
    between = ((smooth > 0.05) & (smooth < 0.95)).sum() / grid.sum()
    inside = smooth > 0.5
    iou = (inside & (grid > 0)).sum() / (inside | (grid > 0)).sum()
    assert between > 0.5 and iou > 0.8, (between, iou)  # a soft band around the surface, whose 0.5 level is the shape's


def test_turned_pose_draws_a_shape_and_turns_it_by_the_latent():
    rod = torch.zeros(1, 1, 16, 16, 16)
    rod[0, 0, 2:14, 7:9, 7:9] = 1  # along the first axis
    half_turn = torch.tensor([[0.7071, 0.0, 0.7071, 0.0]])  # 90 degrees about the second axis
    turned = turn(rod, rotations(half_turn))[0, 0] > 0.5
    assert torch.allclose(turn(rod, rotations(torch.tensor([[1.0, 0, 0, 0]]))), rod, atol=1e-5)  # no turn: as drawn
    assert turned.sum() == rod.sum() and turned[7:9, 7:9, 2:14].all()  # the rod now lies along the third axis

    options = {"grid_size": 16, "latent_dim": 8, "latent": "normal", "ngf": 4, "ndf": 4, "upsample": "transposed",
               "conditional": False, "class_names": "", "class_loss": 0.0, "target_blur": 0.0}
    free, posed = VoxelGAN(options | {"pose": "free"}), VoxelGAN(options | {"pose": "turned"})
    posed.load_state_dict(free.state_dict())
    z = torch.randn(3, 8)
    with torch.no_grad():
        drawn = free.generator.eval()(z)
        assert torch.allclose(posed.generator.eval()(z), turn(drawn, rotations(z[:, :4])), atol=1e-6)
    with pytest.raises(GankitError, match="latent_dim=4 or more"):
        VoxelGAN(options | {"pose": "turned", "latent_dim": 3})


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


def test_shipped_judges_read_held_out_primitives_clean_and_roughened():
    from gankit_plugins.voxel.classifier import JUDGES, load_judge, read_shapes, roughen

    test = load({"grid_size": 32}, split="test", n=140)
    grids = torch.stack([test[i][0] for i in range(140)])
    labels = torch.tensor([test[i][1] for i in range(140)])
    rough = roughen(grids, torch.Generator().manual_seed(5))
    for kind in JUDGES:
        judge = load_judge(kind)
        with torch.no_grad():
            assert (judge(grids).argmax(1) == labels).float().mean() >= 0.95, kind
            assert (judge(rough).argmax(1) == labels).float().mean() >= 0.85, kind  # a lumpy sphere is still a sphere
        read = read_shapes(grids, judge)
        # trained on roughened shapes too, the cnn is sure (p >= 0.9) of about 80% of clean ones, the descriptor MLP of more
        assert read["confident"] >= 0.75 and read["min_class_share"] > 0.05, (kind, read)


def test_judges_read_the_main_solid_without_specks_or_sealed_cavities():
    from gankit_plugins.voxel.classifier import main_solid

    solid = torch.zeros(1, 1, 12, 12, 12, dtype=torch.bool)
    solid[..., 2:9, 2:9, 2:9] = True
    hollow, specked = solid.clone(), solid.clone()
    hollow[..., 4:7, 4:7, 4:7] = False  # a sealed bubble inside
    specked[..., 11, 11, 11] = specked[..., 0, 11, 0] = True  # loose voxels outside
    for grid in (hollow, specked):
        assert torch.equal(main_solid(grid), solid.float())
    assert main_solid(torch.zeros(1, 1, 4, 4, 4, dtype=torch.bool)).sum() == 0


def test_voxel_features_fid_classes_and_probe(tiny, cli):
    from gankit.metrics.stats import frechet_distance
    from gankit_plugins.voxel.classifier import feature_extractor

    def stats(grids):
        with torch.no_grad():
            f = feature_extractor()(grids).double().numpy()
        return f.mean(0), np.cov(f, rowvar=False)

    train_set, test_set = load({"grid_size": 16}, n=300), load({"grid_size": 16}, split="test", n=300)
    train_grids = torch.stack([train_set[i][0] for i in range(300)])
    test_grids = torch.stack([test_set[i][0] for i in range(300)])
    real = frechet_distance(*stats(test_grids), *stats(train_grids))
    blob = frechet_distance(*stats(test_grids), *stats(mean_shape(train_grids).expand_as(train_grids)))
    assert real * 5 < blob  # held-out primitives are near the training ones in this space, the mean shape is not

    result = cli("eval", tiny, "--data", "primitives", "--metrics", "fid,classes", "--features", "voxel", "--n", 16, "--json")
    assert result.code == 0, result
    got = json.loads(result.out)
    assert got["fid"] > 0 and got["resize"] is None and got["n_b"] == 16
    assert 0 <= got["classes confident cnn"] <= 1 and 0 <= got["classes min-share descriptors"] <= 1
    probe = cli("probe", tiny, "--train", 70, "--test", 35)
    assert probe.code == 0 and "raw voxels (4096-d)" in probe.out and "linear probe on primitives" in probe.out, probe


def test_fid_between_folders_of_voxel_files(cli, tmp_path):
    real, other = load({"grid_size": 32}, n=60), load({"grid_size": 32}, split="test", n=60)
    for name, data in (("real", real), ("other", other)):
        (tmp_path / name).mkdir()
        for i in range(60):
            np.save(tmp_path / name / f"{i:04d}.npy", data[i][0][0].numpy())
    (tmp_path / "blob").mkdir()
    blob = mean_shape(torch.stack([real[i][0] for i in range(60)])).reshape(32, 32, 32).numpy()
    for i in range(60):
        np.save(tmp_path / "blob" / f"{i:04d}.npy", np.roll(blob, i % 3 - 1, axis=0))

    def fid(a, b):
        result = cli("fid", tmp_path / a, tmp_path / b, "--features", "voxel", "--json", "--quiet")
        assert result.code == 0, result
        return json.loads(result.out)

    near, far = fid("real", "other"), fid("real", "blob")
    assert near["n_a"] == near["n_b"] == 60 and near["fid"] * 5 < far["fid"]
    assert cli("run", "voxel", "--n", 12, "--out", tmp_path / "samples").code == 0  # NNNN.npy + .obj + .png each
    assert fid("real", "samples")["n_b"] == 12  # a mesh beside its grid is the same shape, read once
    (tmp_path / "pictures").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "pictures" / "a.png")
    assert_one_line_error(cli("fid", tmp_path / "pictures", tmp_path / "real", "--features", "voxel"), "no voxel files found")


def test_bundled_voxel_answers_offline_with_meshes_and_beats_the_mean_shape(tmp_path, cli):
    from gankit_plugins.voxel import WEIGHTS
    from tests.conftest import run_gankit

    result = run_gankit("run", "voxel", "--n", 3, "--out", tmp_path / "shapes", env={"HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    for i in range(3):
        surface = trimesh.load(tmp_path / "shapes" / f"{i:04d}.obj", force="mesh")
        assert surface.faces.shape[0] > 50 and np.load(tmp_path / "shapes" / f"{i:04d}.npy").shape == (1, 32, 32, 32)
    grids = gankit.load("voxel", device="cpu").generate(4, seed=0)
    assert grids.shape == (4, 1, 32, 32, 32) and 0 <= grids.min() and grids.max() <= 1
    weights = WEIGHTS / "primitives" / "model.safetensors"
    assert weights.stat().st_size < 8 * 2**20
    training = json.loads((WEIGHTS / "primitives" / "config.json").read_text())["training"]
    assert "gankit train voxel" in training["command"] and training["wall_time_s"] > 0 and training["steps"] >= 3000
    got = json.loads(cli("eval", "voxel", "--data", "primitives", "--metrics", "cov,mmd,1nna,classes", "--n", 200, "--json").out)
    assert got["mmd"] < got["mmd mean-shape"] - 0.05 and got["cov"] > got["cov mean-shape"] + 0.2, got
    assert got["1nna"] < 0.8 < got["1nna mean-shape"], got
    assert got["classes confident cnn"] >= CONFIDENT_CNN and got["classes confident descriptors"] >= CONFIDENT_DESCRIPTORS, got
    spheres = gankit.load("voxel", device="cpu").generate(50, seed=0, label="sphere")  # the class it makes best (card)
    for kind in JUDGES:
        assert read_shapes(spheres, load_judge(kind))["confident_class_shares"]["sphere"] >= 0.8, kind
