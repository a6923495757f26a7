"""Voxel data from files: .npy/.npz arrays, .binvox, meshes voxelized on load, the ModelNet layout, bad files."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

import gankit
from gankit_plugins.voxel.binvox import read_binvox, write_binvox
from gankit_plugins.voxel.files import VoxelFolder, read_grids
from tests.conftest import assert_one_line_error

TINY = ["-o", "grid_size=16", "-o", "ngf=4", "-o", "ndf=4", "-o", "latent_dim=8"]


def test_binvox_reads_the_documented_layout_and_round_trips(tmp_path):
    # dim 2: voxels run x slowest, then z, then y fastest; one run of 1 covers (x=0, z=0, y=0) and (x=0, z=0, y=1)
    (tmp_path / "hand.binvox").write_bytes(b"#binvox 1\ndim 2 2 2\ntranslate 0 0 0\nscale 1\ndata\n" + bytes([1, 2, 0, 6]))
    grid, translate, scale = read_binvox(tmp_path / "hand.binvox")
    assert grid.shape == (2, 2, 2) and grid.sum() == 2 and grid[0, 0, 0] and grid[0, 1, 0] and not grid[0, 0, 1]
    r = np.random.default_rng(0)
    shape = r.random((9, 9, 9)) > 0.3
    shape[:4] = True  # a run longer than 255 voxels
    write_binvox(tmp_path / "x.binvox", shape, (1.0, 2.0, 3.0), 0.5)
    back, translate, scale = read_binvox(tmp_path / "x.binvox")
    assert np.array_equal(back, shape) and translate == (1.0, 2.0, 3.0) and scale == 0.5


def _modelnet(root):
    """A tiny ModelNet-style copy: two classes of .off meshes, train and test folders."""
    for name, make in (("box", lambda: trimesh.creation.box((1.0, 0.6, 0.4))),
                       ("ball", lambda: trimesh.creation.icosphere(2, 0.5))):
        for split, count in (("train", 2), ("test", 1)):
            folder = root / name / split
            folder.mkdir(parents=True)
            for i in range(count):
                make().export(folder / f"{name}_{split}_{i:04d}.off")
    return root


def test_meshes_are_voxelized_filled_and_modelnet_classes_are_labels(tmp_path):
    root = _modelnet(tmp_path / "ModelNet2")
    train, test = VoxelFolder(root, 16), VoxelFolder(root, 16, split="test")
    assert train.classes == ["ball", "box"] and len(train) == 4 and len(test) == 2
    assert sorted(train.labels) == [0, 0, 1, 1]
    ball, box = train[0][0][0].numpy(), train[2][0][0].numpy()
    assert ball.shape == (16, 16, 16) and set(np.unique(ball)) == {0.0, 1.0}
    assert 0.4 < ball.mean() / (np.pi / 6 * (14 / 16) ** 3) < 1.3  # a filled sphere of diameter 14 voxels
    span = [np.flatnonzero(box.any(axis=tuple(a for a in range(3) if a != axis))) for axis in range(3)]
    assert len(span[0]) == 14 and len(span[1]) in (8, 9) and len(span[2]) in (5, 6)  # 1 : 0.6 : 0.4, margin 1
    assert span[0][0] == 1 and box[8, 8, 8] == 1  # centred, solid
    for suffix in (".obj", ".stl"):
        trimesh.creation.box((1, 1, 1)).export(tmp_path / f"cube{suffix}")
        cube = read_grids(tmp_path / f"cube{suffix}", 16)
        assert cube.shape == (1, 16, 16, 16) and cube.mean() > 0.5


def test_train_on_a_folder_of_arrays_binvox_and_meshes(tmp_path, cli):
    data = tmp_path / "shapes"
    data.mkdir()
    ball = np.zeros((16, 16, 16), np.float32)
    ball[4:12, 4:12, 4:12] = 1
    np.save(data / "one.npy", ball)
    np.save(data / "stack.npy", np.stack([ball, ball[::-1]])[:, None])  # (N, 1, S, S, S)
    np.savez(data / "more.npz", a=ball > 0, b=np.pad(ball, 8))  # bool, and a 32³ grid resampled to 16³
    small = read_grids(data / "more.npz", 16)[1]  # the 8³ cube at 12..19 of 32³ becomes the 4³ cube at 6..9 of 16³
    assert small[6:10, 6:10, 6:10].min() > 0.9 and abs(small.sum() - 64) < 16
    write_binvox(data / "w.binvox", ball > 0)
    trimesh.creation.icosphere(2, 1.0).export(data / "s.off")
    assert len(VoxelFolder(data, 16)) == 7
    result = cli("train", "voxel", "--data", data, "--out", tmp_path / "run", "--steps", 2, "--batch-size", 4, *TINY)
    assert result.code == 0, result
    result = cli("run", tmp_path / "run", "--n", 2, "--threshold", 0.3, "--out", tmp_path / "g.binvox")
    assert result.code == 0, result
    grids = gankit.load(tmp_path / "run", device="cpu").generate(2, seed=0)[:, 0].numpy() >= 0.3
    assert all(np.array_equal(read_binvox(tmp_path / f"g-000{i}.binvox")[0], grids[i]) for i in range(2))


@pytest.mark.parametrize("name, write, fragment", [
    ("flat.npy", lambda p: np.save(p, np.ones((16, 16, 8))), "cubic"),
    ("empty.npy", lambda p: np.save(p, np.zeros((16, 16, 16))), "empty grid"),
    ("range.npy", lambda p: np.save(p, np.full((16, 16, 16), 3.0)), "[0, 1]"),
    ("broken.off", lambda p: p.write_text("OFF\n3 1 0\n0 0 0\n1 0\n"), "mesh"),
    ("broken.binvox", lambda p: p.write_bytes(b"#binvox 1\ndim 2 2 2\ndata\n\x01\x03"), "binvox"),
])
def test_bad_files_are_named_in_one_line_or_skipped_and_counted(tmp_path, cli, name, write, fragment):
    data = tmp_path / "shapes"
    data.mkdir()
    good = np.zeros((16, 16, 16), np.float32)
    good[3:13, 3:13, 3:13] = 1
    np.save(data / "good.npy", good)
    write(data / name)
    train = ("train", "voxel", "--data", data, "--steps", 1, "--batch-size", 1, *TINY)
    assert_one_line_error(cli(*train, "--out", tmp_path / "a"), name, fragment, "--skip-bad")
    assert not (tmp_path / "a").exists()
    skipped = cli(*train, "--skip-bad", "--out", tmp_path / "b")
    assert skipped.code == 0 and "warning: skipped 1 " in skipped.err, skipped
