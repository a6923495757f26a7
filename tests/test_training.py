"""The training loop as a user meets it: run directory, resume, interruption, NaN, crash safety."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
import torch
from safetensors.torch import load_file

import gankit
from gankit.errors import GankitError, Interrupted
from gankit.model import GANModel
from gankit.registry import get_registry
from gankit.specs import ModelSpec, Option
from gankit.training import train
from tests.conftest import TINY, assert_one_line_error, run_gankit

TINY_OPTIONS = {"ngf": 8, "ndf": 8, "image_size": 16}


def test_train_writes_a_complete_model_directory(cli, tmp_path):
    out = tmp_path / "run"
    result = cli("train", "dcgan", "--data", "digits", "--out", out, "--steps", 12, "--sample-every", 5, "--checkpoint-every", 5, *TINY)
    assert result.code == 0, result
    for name in ("config.json", "model.safetensors", "README.md", "samples.png", "checkpoint.safetensors", "metrics.jsonl"):
        assert (out / name).is_file(), name
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["step-000005.png", "step-000010.png"]
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == "dcgan" and config["options"]["image_size"] == 16 and config["training"]["steps"] == 12
    card = (out / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: gankit\n") and "gankit train dcgan" in card
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics] == [10, 12] and {"loss_D", "loss_G", "D(x)", "D(G(z))"} <= set(metrics[0])
    # the progress bar shows losses and D's outputs
    assert "loss_D=" in result.err and "D(G(z))=" in result.err and "step/s" in result.err


def test_resume_continues_exactly_where_training_stopped(tmp_path):
    straight = train("dcgan", "digits", tmp_path / "a", options=TINY_OPTIONS, steps=6, batch_size=16, progress=False)
    train("dcgan", "digits", tmp_path / "b", options=TINY_OPTIONS, steps=3, batch_size=16, progress=False)
    resumed = train("dcgan", "digits", tmp_path / "b", resume=True, steps=6, progress=False)
    a = load_file(straight / "checkpoint.safetensors")
    b = load_file(resumed / "checkpoint.safetensors")
    assert a.keys() == b.keys()
    for name in a:  # weights, EMA, Adam moments and step counts, RNG state
        assert torch.equal(a[name], b[name]), name
    assert json.loads((resumed / "config.json").read_text())["training"]["steps"] == 6


def test_the_ema_generator_samples_as_it_would_with_statistics_of_its_own_samples(tmp_path):
    """EMA weights are an average of the live G's; BatchNorm statistics copied from the live G would not fit them
    (washed-out, shifted samples). The exported EMA generator must draw in eval mode what its own batch statistics
    give."""
    out = train("dcgan", "digits", tmp_path / "run", options=TINY_OPTIONS, steps=40, batch_size=16, lr_g=1e-3,
                progress=False)
    generator = gankit.load(out).gan.generator
    z = torch.randn(2048, 100, 1, 1, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        as_exported = generator.eval()(z)
        own_statistics = generator.train()(z)
    assert (as_exported - own_statistics).abs().mean() < 0.01


def test_resume_refuses_what_would_lose_work(cli, tmp_path):
    out = tmp_path / "run"
    assert cli("train", "dcgan", "--out", out, "--steps", 2, *TINY).code == 0
    assert_one_line_error(cli("train", "dcgan", "--out", out, "--steps", 4, *TINY), "already holds a training run", "--resume")
    assert_one_line_error(cli("train", "dcgan", "--out", out, "--resume", "--steps", 2), "already trained 2 steps")
    assert_one_line_error(cli("train", "dcgan", "--out", tmp_path / "none", "--resume"), "nothing to resume")
    assert cli("train", "dcgan", "--out", out, "--resume", "--steps", 3, "--quiet").code == 0


@pytest.mark.parametrize("damage, fragment", [
    (lambda t, s: t.pop("G.0.weight"), "0.weight"),
    (lambda t, s: t.update({"D.0.weight": torch.zeros(2, 2)}), "size mismatch"),
    (lambda t, s: s["config"].update(warp_drive=True), "warp_drive"),
    (lambda t, s: s.pop("opt_D"), "lacks opt_D"),
])
def test_a_damaged_checkpoint_says_what_is_wrong_and_what_to_do(cli, tmp_path, damage, fragment):
    from safetensors.torch import save_file

    out = tmp_path / "run"
    assert cli("train", "dcgan", "--out", out, "--steps", 2, "--quiet", *TINY).code == 0
    tensors = load_file(out / "checkpoint.safetensors")
    state = json.loads(__import__("safetensors").safe_open(str(out / "checkpoint.safetensors"), "pt").metadata()["state"])
    damage(tensors, state)
    save_file(tensors, out / "checkpoint.safetensors", metadata={"gankit_checkpoint": "1", "state": json.dumps(state)})
    assert_one_line_error(cli("train", "dcgan", "--out", out, "--resume", "--steps", 3), "checkpoint", fragment, "without --resume")


class Exploding(GANModel):
    """A tiny GAN whose generator loss turns NaN at a given step, or which is interrupted (Ctrl-C)."""

    def __init__(self, options):
        super().__init__(options)
        self.latent_shape = (4,)
        self.generator = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Unflatten(1, (1, 4, 4)))
        self.discriminator = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 1))
        self.calls = 0

    def split_batch(self, batch):
        return batch[0][:, :, 2:6, 2:6], None

    def generator_loss(self, D, real, fake, condition):
        self.calls += 1
        if self.calls == self.options["interrupt_at"]:  # Ctrl-C in the middle of a step, after D's update
            for _ in range(self.options["interrupts"]):
                os.kill(os.getpid(), signal.SIGINT)
        loss, stats = super().generator_loss(D, real, fake, condition)
        return (loss * float("nan") if self.calls >= self.options["nan_at"] else loss), stats


class ExplodingPlugin:
    @gankit.hookimpl
    def register_models(self, register):
        register(ModelSpec("exploding", "unconditional-image", "tests.test_training:Exploding",
                           options={"nan_at": Option(10**9), "interrupt_at": Option(-1), "interrupts": Option(1),
                                    "image_size": Option(8), "channels": Option(1)}))


@pytest.fixture
def exploding():
    registry = get_registry()
    registry.add(ExplodingPlugin(), "exploding-test")
    yield
    registry.remove("exploding-test")


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(exploding, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(GankitError, match=r"NaN or inf at step 7; the last good checkpoint \(step 4\)"):
        train("exploding", "digits", out, options={"nan_at": 7}, steps=20, batch_size=8, checkpoint_every=4, log_every=3, progress=False)
    weights = load_file(out / "checkpoint.safetensors")
    assert all(torch.isfinite(v).all() for v in weights.values() if v.is_floating_point())
    assert not (out / "model.safetensors").exists()


def test_ctrl_c_saves_a_resumable_checkpoint(exploding, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(Interrupted, match="interrupted at step 5; checkpoint saved"):  # the step it fell in completes
        train("exploding", "digits", out, options={"interrupt_at": 5}, steps=20, batch_size=8, checkpoint_every=100, progress=False)
    assert (out / "model.safetensors").is_file()
    state = json.loads(__import__("safetensors").safe_open(str(out / "checkpoint.safetensors"), "pt").metadata()["state"])
    assert state["step"] == 5 and load_file(out / "checkpoint.safetensors")["opt_D.0.step"] == 5  # D agrees with the count
    train("exploding", "digits", out, resume=True, steps=6, progress=False)
    assert json.loads((out / "config.json").read_text())["training"]["steps"] == 6

    twice = tmp_path / "twice"  # a second Ctrl-C stops at once, mid-step: nothing half-updated is saved
    with pytest.raises(Interrupted, match=r"stopped at once \(second Ctrl-C\); the checkpoint of step 4 is kept"):
        train("exploding", "digits", twice, options={"interrupt_at": 6, "interrupts": 2}, steps=20, batch_size=8,
              checkpoint_every=4, progress=False)
    assert load_file(twice / "checkpoint.safetensors")["opt_D.0.step"] == 4 and not (twice / "model.safetensors").exists()


def test_ctrl_c_in_a_real_process_saves_exports_and_says_how_to_resume(tmp_path):
    out = tmp_path / "run"
    args = ["train", "dcgan", "--out", out, "--steps", 100000, "--checkpoint-every", 100000, *TINY]
    proc = subprocess.Popen([sys.executable, "-m", "gankit", *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (out / "metrics.jsonl").exists() or not (out / "metrics.jsonl").read_text():
        assert proc.poll() is None and time.time() < deadline, proc.stderr.read()
        time.sleep(0.1)
    # a second trainer on the same run directory is refused while the first one runs
    assert_one_line_error(run_gankit("train", "dcgan", "--out", out, *TINY), "another gankit process is training")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1].startswith("error: training interrupted at step "), err[-300:]
    assert "continue with --resume" in err and "Traceback" not in err
    assert (out / "model.safetensors").is_file() and (out / "checkpoint.safetensors").is_file()
    step = json.loads((out / "config.json").read_text())["training"]["steps"]
    assert run_gankit("train", "dcgan", "--out", out, "--resume", "--steps", step + 1, "--quiet").returncode == 0


def _kill_when(out, args, ready) -> None:
    """Start `gankit train ARGS`, SIGKILL it as soon as `ready()` holds."""
    proc = subprocess.Popen([sys.executable, "-m", "gankit", *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        while not ready():
            assert proc.poll() is None and time.time() < deadline, proc.stderr.read()
            time.sleep(0.002)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def _checkpoint_step(out) -> int:
    return json.loads(__import__("safetensors").safe_open(str(out / "checkpoint.safetensors"), "pt").metadata()["state"])["step"]


@pytest.mark.parametrize("moment", ["checkpoint-write", "export"])
def test_sigkill_while_writing_leaves_something_resume_finishes(tmp_path, moment):
    """Kill training hard while it writes its checkpoint (every step) or its model directory: --resume finishes it."""
    out = tmp_path / "run"
    if moment == "checkpoint-write":  # seeded: the same moments on every run
        delay = random.Random(0).uniform(0.2, 1.5)
        args = ["train", "dcgan", "--out", out, "--steps", 100000, "--checkpoint-every", 1, "--sample-every", 100000, "--quiet", *TINY]
        start = []

        def ready() -> bool:
            if not start and (out / "checkpoint.safetensors").exists():
                start.append(time.time())
            return bool(start) and time.time() - start[0] > delay and any(out.glob(".checkpoint.safetensors.*.tmp"))
    else:
        args = ["train", "dcgan", "--out", out, "--steps", 3, "--quiet", *TINY]

        def ready() -> bool:
            return any(out.glob(".model.safetensors.*.tmp")) or (out / "model.safetensors").exists()
    _kill_when(out, args, ready)
    steps = _checkpoint_step(out)
    target = steps + 2 if moment == "checkpoint-write" or (out / "config.json").exists() else 3  # export done before the kill
    result = run_gankit("train", "dcgan", "--out", out, "--resume", "--steps", target, "--quiet")
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "config.json").read_text())["training"]["steps"] == target
    assert not list(out.rglob("*.tmp"))  # what the killed writes left is cleaned up
    logged = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert logged == sorted(set(logged)), "steps logged twice after resume"


def test_impossible_training_options_are_one_line_errors(cli, tmp_path):
    out = tmp_path / "x"
    assert_one_line_error(cli("train", "dcgan", "--out", out, "--image-size", 48), "image_size must be a power of two")
    assert_one_line_error(cli("train", "dcgan", "--out", out, "--batch-size", 0), "--batch-size must be at least 1")
    assert_one_line_error(cli("train", "dcgan", "--out", out, "-o", "depth=3"), "no option 'depth'", "latent_dim")
    assert_one_line_error(cli("train", "dcgan", "--out", out, "--channels", 2), "channels", "1, 3")
    assert_one_line_error(cli("train", "dcgna", "--out", out), "unknown model 'dcgna'", "did you mean 'dcgan'")
    assert_one_line_error(cli("train", "dcgan", "--out", out, "--device", "cuda:0"), "CUDA is not available")


def test_small_data_options_train_end_to_end(cli, tmp_path):
    """DiffAugment, lazy R1, spectral norm and accuracy-gated D updates (3D-GAN) are options any model gets."""
    out = tmp_path / "run"
    result = cli("train", "dcgan", "--out", out, "--steps", 17, "--augment", "translation,cutout,color", "--r1-gamma", 1,
                 "--d-accuracy-threshold", 0.8, "--spectral-norm", "--quiet", *TINY)
    assert result.code == 0, result
    config = json.loads((out / "config.json").read_text())["training"]["config"]
    assert config["augment"] == "translation,cutout,color" and config["r1_gamma"] == 1.0 and config["spectral_norm"]
    # the exported D holds plain weights with the normalisation baked in: largest singular value ~1
    weights = load_file(out / "model.safetensors")
    for name in ("discriminator.0.weight", "discriminator.2.weight"):
        assert abs(torch.linalg.matrix_norm(weights[name].flatten(1).float(), ord=2) - 1) < 0.05
    assert cli("run", out, "--n", 2, "--out", tmp_path / "g.png").code == 0
    assert cli("train", "dcgan", "--out", out, "--resume", "--steps", 18, "--quiet").code == 0
    assert_one_line_error(cli("train", "dcgan", "--out", tmp_path / "x", "--augment", "rotate", *TINY), "unknown augmentation rotate")
    assert not (tmp_path / "x").exists()


def test_critic_steps_resume_exactly_and_the_learning_rate_follows_its_schedule(cli, tmp_path):
    """--d-steps (WGAN-GP's critic iterations) draws a fresh batch per D update; a resumed run sees the same batches."""
    kw = {"options": TINY_OPTIONS, "batch_size": 16, "d_steps": 3, "progress": False}
    straight = train("dcgan", "digits", tmp_path / "a", steps=4, **kw)
    train("dcgan", "digits", tmp_path / "b", steps=2, **kw)
    resumed = train("dcgan", "digits", tmp_path / "b", resume=True, steps=4, progress=False)
    a, b = load_file(straight / "checkpoint.safetensors"), load_file(resumed / "checkpoint.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)
    once = load_file(train("dcgan", "digits", tmp_path / "c", steps=4, **{**kw, "d_steps": 1}) / "checkpoint.safetensors")
    assert once["opt_D.0.step"] * 3 == a["opt_D.0.step"] and once["opt_G.0.step"] == a["opt_G.0.step"]

    out = tmp_path / "sched"
    assert cli("train", "dcgan", "--out", out, "--steps", 4, "--lr-schedule", "linear", "--lr-g", 4e-4, "--quiet", *TINY).code == 0
    state = json.loads(__import__("safetensors").safe_open(str(out / "checkpoint.safetensors"), "pt").metadata()["state"])
    assert state["opt_G"]["param_groups"][0]["lr"] == pytest.approx(4e-4 * (1 - 3 / 4))  # set before the 4th step
    assert_one_line_error(cli("train", "dcgan", "--out", tmp_path / "x", "--lr-schedule", "steep", *TINY), "--lr-schedule must be one of")
    assert_one_line_error(cli("train", "dcgan", "--out", tmp_path / "x", "--d-steps", 0, *TINY), "--d-steps must be at least 1")
    assert_one_line_error(cli("train", "dcgan", "--out", tmp_path / "x", "--lr-g", "inf", *TINY), "--lr-g must be a finite number")
    assert_one_line_error(cli("train", "dcgan", "--out", tmp_path / "x", "--r1-gamma", -1, *TINY), "--r1-gamma must be 0")


def test_resume_finishes_an_interrupted_export_and_logs_each_step_once(tmp_path):
    """What a kill leaves: a checkpoint of the last step and no model directory, stale temporaries, log lines of
    steps after the checkpoint. --resume with the same --steps writes the model; the log holds every step once."""
    out = tmp_path / "run"
    kw = {"options": TINY_OPTIONS, "batch_size": 8, "log_every": 1, "progress": False}
    train("dcgan", "digits", out, steps=4, **kw)
    older = (out / "checkpoint.safetensors").read_bytes()
    train("dcgan", "digits", out, resume=True, steps=6, progress=False)
    (out / "checkpoint.safetensors").write_bytes(older)  # killed after logging steps 5, 6 but before their checkpoint
    (out / "config.json").unlink()  # … and in the middle of writing the model directory
    with open(out / "metrics.jsonl", "a") as log:
        log.write('{"step": 7, "ti')  # a line torn by the kill
    (out / ".model.safetensors.0123456789ab.tmp").write_bytes(b"half")
    (out / "samples").mkdir(exist_ok=True)
    (out / "samples" / ".step-000006.png.0123456789ab.tmp").write_bytes(b"half")
    train("dcgan", "digits", out, resume=True, steps=4, progress=False)
    assert json.loads((out / "config.json").read_text())["training"]["steps"] == 4
    assert not list(out.rglob("*.tmp"))
    assert [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()] == [1, 2, 3, 4]
    train("dcgan", "digits", out, resume=True, steps=6, progress=False)
    assert [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()] == [1, 2, 3, 4, 5, 6]
    with pytest.raises(GankitError, match="already trained 6 steps"):
        train("dcgan", "digits", out, resume=True, steps=6, progress=False)
