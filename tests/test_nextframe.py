"""The next-frame video GAN: procedural video data, folders of clips, roll-outs from a still or a clip, the video
writers, PSNR/SSIM/sharpness per horizon, and the bundled model against the baselines."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

import gankit
from gankit.errors import GankitError
from gankit.training import train
from gankit_plugins.nextframe import WEIGHTS
from gankit_plugins.nextframe.data import ClipFolder, _simulate, load_bouncing, load_moving_digits
from gankit_plugins.nextframe.model import gradient_difference_loss, pyramid
from gankit_plugins.nextframe.quality import psnr_frames, sharpness_frames, ssim_frames
from tests.conftest import assert_one_line_error

TINY = {"ngf": 4, "ndf": 4}


def write_gif(path, frames: int, size: int = 32, colour: bool = False) -> np.ndarray:
    """A square moving right, one pixel a frame; returns the frames (T, H, W) in 0..255."""
    arr = np.zeros((frames, size, size), np.uint8)
    for t in range(frames):
        arr[t, 10:16, 4 + t : 10 + t] = 255
    pics = [Image.fromarray(a).convert("RGB" if colour else "L") for a in arr]
    pics[0].save(path, save_all=True, append_images=pics[1:], duration=100)
    return arr


# -- data ----------------------------------------------------------------------------------------
def test_bouncing_is_deterministic_in_range_and_the_test_split_is_other_sequences():
    train_set, again = load_bouncing({"image_size": 32}), load_bouncing({"image_size": 32})
    test_set = load_bouncing({"image_size": 32}, split="test")
    seq = train_set[5]
    assert seq.shape == (16, 1, 32, 32) and seq.min() == -1 and seq.max() == 1
    assert torch.equal(seq, again[5]) and not torch.equal(seq, train_set[6])
    assert all(not torch.equal(test_set[i], train_set[i]) for i in range(20))
    moving = (seq[1:] - seq[:-1]).abs().sum() > 0
    assert moving and (seq > 0).flatten(1).any(1).all()  # every frame shows a ball
    assert load_bouncing({"image_size": 64})[0].shape == (16, 1, 64, 64)
    with pytest.raises(GankitError, match="grayscale"):
        load_bouncing({"image_size": 32, "channels": 3})


def test_collisions_keep_momentum_and_energy():
    pos, vel, radius = [[16.0, 10.0], [16.0, 22.0]], [[0.0, 1.5], [0.0, -0.5]], [3.0, 4.0]
    mass = [r * r for r in radius]

    def totals():
        momentum = sum(m * v[1] for m, v in zip(mass, vel))
        return momentum, sum(m * (v[0] ** 2 + v[1] ** 2) for m, v in zip(mass, vel))

    before = totals()
    track = _simulate(pos, vel, radius, 1000, 6)  # a wide box: no walls, one head-on collision
    assert vel[0][1] < 1.5 and vel[1][1] > -0.5  # they bounced
    assert np.allclose(totals(), before)
    assert track.shape == (6, 2, 2)


def test_moving_digits_are_two_digits_in_64x64():
    seqs = load_moving_digits({"image_size": 64}, n=4)
    seq = seqs[0]
    assert len(seqs) == 4 and seq.shape == (16, 1, 64, 64)
    assert ((seq + 1) / 2).sum((1, 2, 3)).min() > 50  # ink in every frame
    assert not torch.equal(seq[0], seq[8])


def test_folder_of_clips_gif_mp4_and_frame_folders(tmp_path):
    import imageio.v2 as imageio

    write_gif(tmp_path / "a.gif", 14, colour=True)
    with imageio.get_writer(tmp_path / "b.mp4", format="FFMPEG", fps=8, macro_block_size=16) as w:
        for t in range(13):
            w.append_data(np.full((32, 32, 3), 20 * t, np.uint8))
    frames = tmp_path / "clip_c"  # the UCF-101 extracted-frames layout
    frames.mkdir()
    for t in range(12):
        Image.new("L", (40, 32), 10 * t).save(frames / f"frame{t:03d}.png")
    data = ClipFolder(tmp_path, 32, 1, window=12)
    assert len(data) == 3 and data[0].shape == (12, 1, 32, 32)
    assert data[0].min() >= -1 and data[0].max() <= 1

    write_gif(tmp_path / "short.gif", 5)
    (tmp_path / "broken.mp4").write_bytes(b"not a video")
    with pytest.raises(GankitError, match="broken.mp4|short.gif"):
        ClipFolder(tmp_path, 32, 1, window=12)
    with pytest.warns(UserWarning, match="skipped 2"):
        assert len(ClipFolder(tmp_path, 32, 1, window=12, skip_bad=True)) == 3


# -- the model -------------------------------------------------------------------------------------
def test_losses_and_pyramid():
    frame = torch.rand(2, 1, 32, 32)
    assert [p.shape[-1] for p in pyramid(frame)] == [4, 8, 16, 32]
    assert gradient_difference_loss(frame, frame) == 0
    blurred = torch.nn.functional.avg_pool2d(frame, 3, 1, 1)
    assert gradient_difference_loss(blurred, frame) > 0.05


def test_frame_scores():
    true = torch.rand(3, 2, 1, 32, 32)
    assert torch.allclose(ssim_frames(true, true), torch.ones(3, 2))
    noisy = (true + 0.1 * torch.randn_like(true)).clamp(0, 1)
    assert (psnr_frames(noisy, true) - 20).abs().max() < 1.5  # noise σ 0.1 → about 20 dB
    assert (ssim_frames(noisy, true) < 0.99).all()
    blurred = torch.nn.functional.avg_pool2d(true.flatten(0, 1), 3, 1, 1).view_as(true)
    assert (sharpness_frames(true, true) > sharpness_frames(blurred, true)).all()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("nextframe") / "run"
    return train("nextframe", "bouncing", out, options=TINY, steps=4, batch_size=4, sample_every=2, progress=False)


def test_run_from_a_still_writes_gif_frames_strip_and_array(tiny, cli, tmp_path):
    still = tmp_path / "still.png"
    Image.new("RGB", (48, 40), "red").save(still)
    result = cli("run", tiny, "--image", still, "--frames", 5, "--out", tmp_path / "clip.gif")
    assert result.code == 0 and "6 frames" in result.out, result
    assert "resized from 48x40 to 32x32" in result.err and "grayscale" in result.err
    with Image.open(tmp_path / "clip.gif") as gif:
        assert gif.n_frames == 6 and gif.size == (64, 64)  # the still, then 5 predictions; enlarged 2x
    assert cli("run", tiny, "--image", still, "--frames", 5, "--out", tmp_path / "frames").code == 0
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == [f"{t:04d}.png" for t in range(6)]
    assert cli("run", tiny, "--image", still, "--frames", 3, "--out", tmp_path / "x.npy").code == 0
    clip = np.load(tmp_path / "x.npy")
    model = gankit.load(tiny, device="cpu")
    assert clip.shape == (1, 4, 1, 32, 32)
    assert np.allclose(clip, model.generate(frames=3, image=still).numpy(), atol=1e-6)
    assert cli("run", tiny, "--frames", 2, "--out", tmp_path / "strip.png").code == 0
    with Image.open(tmp_path / "strip.png") as strip:  # 8 stored example contexts: 4 frames + 2 predicted, one row each
        assert strip.size == (2 * (6 * 34 + 2), 2 * (8 * 34 + 2))


def test_run_from_a_clip_uses_its_last_frames(tiny, cli, tmp_path):
    frames = write_gif(tmp_path / "ctx.gif", 7)
    result = cli("run", tiny, "--video", tmp_path / "ctx.gif", "--frames", 2, "--out", tmp_path / "y.npy")
    assert result.code == 0, result
    clip = np.load(tmp_path / "y.npy")[0]
    assert clip.shape == (6, 1, 32, 32)  # 4 context frames, then 2 predicted
    assert np.allclose((clip[:4, 0] + 1) * 127.5, frames[-4:], atol=1)
    if_mp4 = cli("run", tiny, "--video", tmp_path / "ctx.gif", "--frames", 2, "--out", tmp_path / "z.mp4")
    assert if_mp4.code == 0 and (tmp_path / "z.mp4").stat().st_size > 0, if_mp4


def test_bad_video_inputs_are_one_line_errors(tiny, cli, tmp_path):
    write_gif(tmp_path / "short.gif", 2)
    (tmp_path / "bad.gif").write_bytes(b"GIF89a nonsense")
    still = tmp_path / "s.png"
    Image.new("L", (32, 32)).save(still)
    assert_one_line_error(cli("run", tiny, "--video", tmp_path / "short.gif"), "2 frame", "at least 4")
    assert_one_line_error(cli("run", tiny, "--video", tmp_path / "bad.gif"), "cannot read video", "bad.gif")
    assert_one_line_error(cli("run", tiny, "--image", still, "--frames", 0), "--frames", "at least 1")
    assert_one_line_error(cli("run", tiny, "--image", still, "--frames", 10**9), "GiB", "fewer frames")
    assert_one_line_error(cli("run", tiny, "--image", still, "--video", tmp_path / "short.gif"), "not both")
    assert_one_line_error(cli("run", tiny, "--image", tmp_path / "short.gif", "--out", tmp_path / "o.wav"), ".wav", ".gif", ".mp4")
    assert_one_line_error(cli("run", tiny, "--image", tmp_path / "bad.gif"), "cannot read image")
    assert_one_line_error(cli("interpolate", tiny), "latent")
    assert_one_line_error(cli("fid", "bouncing", tiny, "--n", 4), "video samples")


def test_python_api_and_previews(tiny):
    model = gankit.load(tiny, device="cpu")
    examples = model.generate(frames=3)
    assert examples.shape == (8, 7, 1, 32, 32)  # the 8 contexts kept from the training data, 3 predicted frames each
    assert torch.allclose(model.generate(1, seed=10, frames=3)[0], examples[2], atol=1e-5)  # seed s → example s mod 8
    assert (tiny / "samples.png").is_file() and (tiny / "samples" / "step-000002.png").is_file()
    assert model.info()["task"] == "next-frame-video" and "frames" in model.info()["inputs"]


def test_train_on_a_folder_of_clips(tmp_path, cli):
    data = tmp_path / "clips"
    data.mkdir()
    for i in range(3):
        write_gif(data / f"{i}.gif", 12)
    out = tmp_path / "run"
    result = cli("train", "nextframe", "--data", data, "--out", out, "--steps", 2, "--batch-size", 2,
                 "-o", "ngf=4", "-o", "ndf=4", "-o", "channels=3", "--quiet")
    assert result.code == 0 and (out / "model.safetensors").is_file(), result
    assert gankit.load(out, device="cpu").generate(frames=2).shape == (8, 6, 3, 32, 32)  # RGB clips
    write_gif(data / "short.gif", 3)
    assert_one_line_error(cli("train", "nextframe", "--data", data, "--out", tmp_path / "r2", "--steps", 2, "--quiet"),
                          "short.gif", "--skip-bad")


# -- the bundled weights, against the baselines --------------------------------------------------------
def test_bundled_model_beats_copy_last_and_is_sharper_than_l2_only(cli):
    result = cli("eval", "nextframe", "--data", "bouncing", "--metrics", "psnr,sharpness", "--horizon", 2, "--n", 96, "--json")
    assert result.code == 0, result
    scores = json.loads(result.out)
    for h in (1, 2):
        assert scores[f"psnr@{h}"] > scores[f"psnr@{h} copy-last"] + 2, scores
        assert scores[f"psnr@{h}"] > scores[f"psnr@{h} linear"] + 2, scores
    l2 = json.loads(cli("eval", WEIGHTS / "bouncing-l2", "--data", "bouncing", "--metrics", "sharpness", "--horizon", 1,
                        "--n", 96, "--json").out)
    assert scores["sharpness@1"] > l2["sharpness@1"], (scores, l2)
    assert_one_line_error(cli("eval", "nextframe", "--data", "bouncing", "--metrics", "psnr", "--horizon", 0), "horizon")
