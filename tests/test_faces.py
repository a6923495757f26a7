"""Faces: the built-in data set, its attribute readers, and dcgan-faces with attribute arithmetic and vectors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

import gankit
from gankit.specs import PER_GROUP
from gankit.training import train
from gankit_plugins.dcgan import FACE_CODES, WEIGHTS
from gankit_plugins.dcgan.face_quality import (arithmetic_rates, code_agreement, drawn_edit_rates, expected,
                                                sample_rates, vector_rates)
from gankit_plugins.dcgan.face_reader import load_reader
from gankit_plugins.dcgan.faces import ATTRIBUTES, BINARY, draw_face, make_faces
from tests.conftest import assert_one_line_error, run_gankit


@pytest.fixture(scope="module")
def faces_model():
    return gankit.load("dcgan-faces", device="cpu")


def test_faces_are_deterministic_labelled_and_every_value_occurs():
    images, labels = make_faces(400, seed=5)
    again, _ = make_faces(400, seed=5)
    assert images.shape == (400, 3, 64, 64) and labels.shape == (400, len(ATTRIBUTES))
    assert torch.equal(images, again) and images.min() >= -1 and images.max() <= 1
    for i, values in enumerate(ATTRIBUTES.values()):
        assert set(labels[:, i].tolist()) == set(range(len(values)))
    assert FACE_CODES.split(",") == list(ATTRIBUTES)  # dcgan-faces codes every attribute in z


def test_an_attribute_changes_the_picture_where_it_belongs():
    """The same face (same random jitter) with and without glasses differs around the eyes, not elsewhere."""
    base = {name: 0 for name in ATTRIBUTES}
    plain = draw_face(base, np.random.default_rng(3)).astype(int)
    glasses = draw_face({**base, "glasses": 1}, np.random.default_rng(3)).astype(int)
    changed = np.abs(plain - glasses).sum(2) > 30
    rows = np.nonzero(changed.any(1))[0]
    assert changed.sum() > 40 and rows.min() > 16 and rows.max() < 40  # a band across the upper middle of the face


@pytest.mark.parametrize("kind, bar", [("cnn", 0.97), ("descriptors", 0.94)])  # the second judge reads smiles worst
def test_attribute_readers_read_held_out_faces(kind, bar):
    images, labels = make_faces(1000, seed=2)  # the readers trained on seed 1, the GAN on seed 0
    reading = load_reader(kind).read(images)
    for i, name in enumerate(ATTRIBUTES):
        assert reading[name].eq(labels[:, i]).float().mean() >= bar, name
    # faces drawn again with glasses: the ceiling of the card's vector figures (the CNN keeps every other attribute)
    redrawn = drawn_edit_rates("glasses", n=200)
    assert redrawn[f"drawn faces, +glasses: gains glasses, {kind}"] >= bar
    assert redrawn[f"drawn faces, +glasses: keeps all other attributes, {kind}"] >= (0.98 if kind == "cnn" else 0.8)


def write_celeba(root, n: int = 32):
    """A CelebA-layout folder of `n` small pictures, every fourth with Eyeglasses, every second Smiling."""
    folder = root / "img_align_celeba"
    folder.mkdir()
    rows = []
    for i in range(n):
        Image.fromarray(np.full((20, 20, 3), 7 * i, np.uint8)).save(folder / f"{i:06d}.png")
        rows.append(f"{i:06d}.png {1 if i % 4 == 0 else -1} {1 if i % 2 else -1} -1")
    (root / "list_attr_celeba.txt").write_text(f"{n}\nEyeglasses Smiling Male\n" + "\n".join(rows) + "\n")
    return folder


def test_attribute_codes_train_on_labelled_folders_with_latents_that_stand_for_the_labels(tmp_path):
    """The coded dimensions take the data's shares; each training latent lies on its label's side of the threshold."""
    options = {"image_size": 16, "ngf": 8, "ndf": 8, "attribute_codes": "Eyeglasses,Smiling"}
    out = train("dcgan-faces", str(write_celeba(tmp_path)), tmp_path / "run", options=options, steps=2, batch_size=8,
                progress=False)
    model = gankit.load(out, device="cpu")
    assert model.gan.options["code_columns"] == "0,1" and model.gan.options["code_shares"] == "0.7500/0.2500,0.5000/0.5000"
    assert model.generate(2, seed=0).shape == (2, 3, 16, 16)
    i = torch.arange(4000)
    labels = torch.stack([(i % 4 == 0).long(), i % 2], 1)  # the data's shares
    z = model.gan.draw_latent(len(labels), torch.device("cpu"), labels)
    thresholds = torch.special.ndtri(torch.tensor([0.75, 0.5]))  # above them: the top 25% and 50% of a normal
    assert torch.equal((z[:, :2] > thresholds).long(), labels)
    assert abs(float(z[:, 0].mean())) < 0.1 and abs(float(z[:, 0].std()) - 1) < 0.1  # still N(0, 1) overall
    model.gan.options["code_shares"] = "0.2000/0.3000/0.5000,0.5000/0.5000"  # a three-valued attribute: three slices
    values = torch.tensor([[0, 0], [1, 0], [2, 1]]).repeat(100, 1)
    z = model.gan.draw_latent(len(values), torch.device("cpu"), values)
    assert torch.equal(torch.bucketize(z[:, 0].contiguous(), torch.special.ndtri(torch.tensor([0.2, 0.5]))), values[:, 0])


def test_attribute_codes_mistakes_are_one_line_errors(cli, tmp_path):
    tiny = ["-o", "image_size=16", "-o", "ngf=8", "-o", "ndf=8", "--steps", 1, "--batch-size", 8]
    assert_one_line_error(cli("train", "dcgan-faces", "--data", "digits", "--out", tmp_path / "a", *tiny),
                          "attribute_codes", "named attribute labels", "-o attribute_codes=")
    folder = write_celeba(tmp_path)
    assert_one_line_error(cli("train", "dcgan-faces", "--data", folder, "--out", tmp_path / "b", *tiny,
                              "-o", "attribute_codes=Wings"), "no attribute 'Wings'", "Eyeglasses")
    assert_one_line_error(cli("train", "dcgan-faces", "--out", tmp_path / "c", *tiny, "-o", "code_shares=abc"),
                          "code_shares", "leave it out")  # filled by training; a hand-made (or Hub) config cannot break it


def test_run_dcgan_faces_uses_the_bundled_weights_offline(tmp_path):
    result = run_gankit("run", "dcgan-faces", "--n", 16, "--out", tmp_path / "faces.png", env={"HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    grid = np.asarray(Image.open(tmp_path / "faces.png"))
    assert grid.shape == (4 * 66 + 2, 4 * 66 + 2, 3) and grid.std() > 20
    weights = WEIGHTS / "faces" / "model.safetensors"
    assert weights.stat().st_size < 8 * 2**20
    training = json.loads((WEIGHTS / "faces" / "config.json").read_text())["training"]
    assert "gankit train dcgan-faces" in training["command"] and training["wall_time_s"] > 0
    assert "glasses,beard - beard + smile" in (WEIGHTS / "faces" / "README.md").read_text()


def test_arithmetic_by_attribute_names_picks_matching_seeds_and_writes_the_picture(cli, faces_model, tmp_path):
    result = cli("arithmetic", "dcgan-faces", "--a", "glasses,beard", "--b", "beard", "--c", "smile",
                        "--out", tmp_path / "x.png")
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(": seeds ") for line in result.stderr.splitlines() if ": seeds " in line)
    assert set(lines) == {"A = glasses,beard", "B = beard", "C = smile"}
    reader = faces_model.attributes
    for label, want in (("A = glasses,beard", {"glasses", "beard"}), ("C = smile", {"smile"})):
        seeds = [int(s) for s in lines[label].split(", ")]
        assert len(seeds) == PER_GROUP
        reading = reader.read(faces_model.generate(1, seed=seeds[0]))
        assert {name for name in BINARY if reading[name][0] == 1} == want
    assert Image.open(tmp_path / "x.png").size == (4 * 66 + 2, 2 * 66 + 2)
    mixed = cli("arithmetic", "dcgan-faces", "--a", "glasses", "--b", "3,4", "--c", "5", "--out", tmp_path / "m.png")
    assert mixed.returncode == 0, mixed.stderr  # seed lists keep working beside attribute groups


def test_arithmetic_results_have_the_attributes_the_equation_asks_for(faces_model):
    """The issue's bar on 20 of the card's 50 runs: all three right in 70% (random samples: one time in eight)."""
    equation = ("glasses,beard", "beard", "smile")
    assert expected(equation) == {"beard": 0, "glasses": 1, "smile": 1}
    rates = arithmetic_rates(faces_model, equation, runs=20)
    for kind in ("cnn", "descriptors"):
        assert rates[f"glasses,beard - beard + smile: glasses yes, {kind}"] >= 0.8, rates
        assert rates[f"glasses,beard - beard + smile: all 3 right, {kind}"] >= 0.7, rates


def test_attribute_strip_and_vector_add_glasses_and_keep_the_rest(cli, faces_model, tmp_path):
    result = cli("attribute", "dcgan-faces", "--add", "glasses", "--seed", 7, "--strength", "0..2",
                        "--samples", 500, "--out", tmp_path / "strip.png")
    assert result.returncode == 0, result.stderr
    assert Image.open(tmp_path / "strip.png").size == (5 * 66 + 2, 66 + 2)
    # 25 samples without glasses, the vector added once (the bar: 80% gain, 80% keep all the others)
    kept, plain = (vector_rates(faces_model, "glasses", n=25, keep_others=k) for k in (True, False))
    for kind in ("cnn", "descriptors"):
        assert kept[f"+glasses x1: gains glasses, {kind}"] >= 0.8, kept
        all_kept = kept[f"+glasses x1: keeps all other attributes, {kind}"]
        # taking the other attributes' directions out keeps them as often or more (card, 100 samples: 87% / 79% vs 85% / 74%)
        assert all_kept >= 0.6 and all_kept >= plain[f"+glasses x1 (plain vector): keeps all other attributes, {kind}"] - 0.05, (kept, plain)


def test_samples_show_every_attribute_value(faces_model):
    # every value occurs, each near the data's share (the bar: within 10 points; 3.3 on the card's 2,000 samples)
    assert sample_rates(faces_model, n=500, held_out=1000)["largest gap to the data's share (points)"] <= 10
    agreement = code_agreement(faces_model, n=200)  # z's coded glasses dimension decides the glasses
    assert min(agreement[f"z codes glasses: sample shows it, {kind}"] for kind in ("cnn", "descriptors")) >= 0.9, agreement


def test_python_api_for_groups_and_vectors(faces_model):
    seeds = faces_model.seeds_with("none", count=4, start=100)
    reading = faces_model.attributes.read(faces_model.from_latents(faces_model.gan.sample_latent(seeds)))
    assert all(int(reading[name].sum()) == 0 for name in BINARY)
    strip = faces_model.add_attribute("smile", seed=3, strengths=[0, 1, 2], samples=500)
    assert strip.shape == (3, 3, 64, 64) and torch.allclose(strip[0], faces_model.generate(1, seed=3)[0], atol=1e-5)
    assert set(faces_model.info()["attributes"]) == set(ATTRIBUTES)


def test_attribute_mistakes_are_one_line_errors(cli, faces_model, tmp_path):
    assert_one_line_error(cli("arithmetic", "dcgan-faces", "--a", "wings", "--b", "1", "--c", "2"), "--a", "wings", "glasses")
    assert_one_line_error(cli("arithmetic", "dcgan", "--a", "glasses", "--b", "1", "--c", "2"), "no attribute reader")
    assert_one_line_error(cli("attribute", "dcgan-faces", "--add", "glasses", "--remove", "beard"), "one of --add")
    assert_one_line_error(cli("attribute", "dcgan-faces", "--add", "glasses", "--strength", "lots"), "--strength")
    assert_one_line_error(cli("attribute", "dcgan-faces", "--add", "hair_colour"), "hair_colour")
    no_groups = cli("arithmetic", "dcgan-faces", "--a", "glasses", "--b", "none", "--c", "smile", "--per-group", 0)
    assert_one_line_error(no_groups, "error: --per-group must be at least 1")  # not blamed on --a
    assert "glasses, beard, smile, long_hair" in cli("info", "dcgan-faces").out  # what --add and groups take
    assert_one_line_error(cli("attribute", "dcgan-faces", "--add", "glasses", "--samples", 2), "read the same for 'glasses'",
                          "more samples")
    with pytest.raises(gankit.GankitError, match="only .* of seeds 0…255"):
        faces_model.attributes.find_seeds(frozenset(BINARY), count=200, limit=256)
