"""``--data``: image folders, torchvision data sets from local files, and what bad data says."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from PIL import Image

from gankit.data import load_data
from gankit.errors import GankitError
from tests.conftest import TINY, assert_one_line_error

OPTIONS = {"image_size": 16, "channels": 3}


def make_images(folder, count=5, size=(40, 24)):
    (folder / "nested" / "deeper").mkdir(parents=True)
    for i in range(count):
        sub = folder / ("nested/deeper" if i % 2 else "")
        Image.fromarray(np.full((size[1], size[0], 3), i * 12 % 256, np.uint8)).save(sub / f"img{i}.png")
    return folder


def test_image_folder_is_recursive_resized_and_center_cropped(tmp_path):
    data = load_data(str(make_images(tmp_path)), OPTIONS)
    assert len(data) == 5
    image, label = data[1]
    assert image.shape == (3, 16, 16) and label == 0 and -1 <= image.min() and image.max() <= 1
    gray, _ = load_data(str(tmp_path), {"image_size": 8, "channels": 1})[0]
    assert gray.shape == (1, 8, 8)


def test_16_bit_and_transparent_pictures_read_as_they_look(tmp_path):
    """A 16-bit grey PNG reads as its 8-bit twin (not saturated white); a shape drawn in alpha stays a shape,
    composited onto white — in training data and in metric sides alike."""
    from gankit.metrics.features import ImageFiles

    ramp = np.linspace(0, 1, 16 * 16).reshape(16, 16)
    for name, pixels in (("8", (ramp * 255).round().astype(np.uint8)), ("16", (ramp * 65535).round().astype(np.uint16))):
        (tmp_path / name).mkdir()
        Image.fromarray(pixels).save(tmp_path / name / "ramp.png")
    assert Image.open(tmp_path / "16" / "ramp.png").mode.startswith("I")
    options = {"image_size": 16, "channels": 1}
    assert (load_data(str(tmp_path / "8"), options)[0][0] - load_data(str(tmp_path / "16"), options)[0][0]).abs().max() <= 2 / 255
    assert (ImageFiles(tmp_path / "8", 16, 3)[0] - ImageFiles(tmp_path / "16", 16, 3)[0]).abs().max() <= 1 / 255

    rgba = np.zeros((16, 16, 4), np.uint8)
    rgba[..., 2] = 255  # blue everywhere; only the alpha draws the square
    rgba[4:12, 4:12, 3] = 255
    (tmp_path / "alpha").mkdir()
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha" / "square.png")
    image = load_data(str(tmp_path / "alpha"), {"image_size": 16, "channels": 3})[0][0]
    assert image[:, 8, 8].tolist() == [-1, -1, 1] and image[:, 0, 0].tolist() == [1, 1, 1]  # blue square on white
    assert ImageFiles(tmp_path / "alpha", 16, 3)[0][:, 0, 0].tolist() == [1, 1, 1]


def test_bad_folders_and_files_are_named(cli, tmp_path):
    assert_one_line_error(cli("train", "dcgan", "--data", tmp_path / "nope", "--out", tmp_path / "r"), "no such folder")
    (tmp_path / "empty").mkdir()
    assert_one_line_error(cli("train", "dcgan", "--data", tmp_path / "empty", "--out", tmp_path / "r"), "no images found")
    folder = make_images(tmp_path / "imgs", count=20)
    (folder / "broken.jpg").write_bytes(b"this is not a jpeg")
    assert_one_line_error(cli("train", "dcgan", "--data", folder, "--out", tmp_path / "r", *TINY), "cannot read image", "broken.jpg", "--skip-bad")
    assert not (tmp_path / "r" / "checkpoint.safetensors").exists()
    data = load_data(str(folder), OPTIONS, skip_bad=True)
    assert len(data) == 20 and data.skipped == 1


def test_training_on_an_image_folder(cli, tmp_path):
    folder = make_images(tmp_path / "imgs", count=20)
    result = cli("train", "dcgan", "--data", folder, "--out", tmp_path / "run", "--steps", 2, "--channels", 3, *TINY)
    assert result.code == 0, result
    assert (tmp_path / "run" / "model.safetensors").is_file()


def write_idx(path, array, magic):
    with open(path, "wb") as fh:
        fh.write(struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape) + array.tobytes())


def test_torchvision_mnist_through_its_own_loading_code(tmp_path):
    """torchvision's MNIST class reads the real IDX format; the files are made here instead of downloaded."""
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 32), ("t10k", 8)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 255, (n, 28, 28), dtype=np.uint8), 2051)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", rng.integers(0, 10, n, dtype=np.uint8), 2049)
    data = load_data("mnist", {"image_size": 32, "channels": 1}, root=tmp_path)
    image, label = data[0]
    assert len(data) == 32 and image.shape == (1, 32, 32) and 0 <= label < 10


def test_unknown_data_name(tmp_path):
    with pytest.raises(GankitError, match="no such folder, and not a data set name"):
        load_data("imagenet-9000", OPTIONS)


def test_celeba_attribute_list_beside_the_folder_labels_its_pictures(tmp_path):
    """CelebA's layout: img_align_celeba/000001.jpg … with list_attr_celeba.txt beside the folder."""
    folder = tmp_path / "img_align_celeba"
    folder.mkdir()
    for i in (1, 2):
        Image.fromarray(np.full((24, 20, 3), 60 * i, np.uint8)).save(folder / f"00000{i}.jpg")
    (tmp_path / "list_attr_celeba.txt").write_text("2\nEyeglasses Smiling Male\n"
                                                   "000001.jpg  1 -1  1\n000002.jpg -1  1 -1\n")
    data = load_data(str(folder), OPTIONS)
    assert data.attribute_names == ["Eyeglasses", "Smiling", "Male"]
    assert data[0][1].tolist() == [1, 0, 1] and data[1][1].tolist() == [0, 1, 0]
    (tmp_path / "list_attr_celeba.txt").write_text("1\nEyeglasses Smiling\n000001.jpg 1\n")
    with pytest.raises(GankitError, match="not CelebA's attribute list"):
        load_data(str(folder), OPTIONS)
