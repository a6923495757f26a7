"""The one training loop every GAN shares: alternating D and G steps, EMA, checkpoints, resume, samples.

Read it top to bottom: `train` sets up (model, data, optimizers, EMA, resume), `Trainer.step` is one
D update and one G update, `Trainer.run` loops, logs, samples and checkpoints. Plugins change behaviour
only through `GANModel` (networks, inputs, losses) and their `train_defaults`.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import signal
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, TensorDataset

from gankit import checkpoint, distributed, losses
from gankit.augment import DiffAugment
from gankit.data import load_data
from gankit.devices import pick_device, to_channels_last, to_device
from gankit.errors import GankitError, Interrupted
from gankit.images import save_image
from gankit.io import remove_stale_temporaries, write_text
from gankit.model import GANModel
from gankit.modelio import save_model
from gankit.specs import ModelSpec, resolve_options
from gankit.trainconfig import TrainConfig

SAMPLE_SEEDS = range(64)
STANDING_SEEDS = range(1 << 30, (1 << 30) + 1024)
"""Seeds whose samples measure the EMA generator's BatchNorm statistics (far from the preview's and users' seeds)."""
R1_EVERY = 16  # lazy R1 regularisation (StyleGAN2): every 16 steps, scaled by 16


SPECTRAL_NORM_LAYERS = (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Conv3d, torch.nn.ConvTranspose3d, torch.nn.Linear)


def apply_spectral_norm(module: torch.nn.Module) -> None:
    """Spectral normalisation on every convolution and linear layer of `module` (D)."""
    from torch.nn.utils.parametrizations import spectral_norm

    for layer in list(module.modules()):
        if isinstance(layer, SPECTRAL_NORM_LAYERS):
            spectral_norm(layer)


def plain_state(module: torch.nn.Module) -> dict[str, Tensor]:
    """`module`'s state dict with parametrised weights baked in: loadable by the plain network."""
    from torch.nn.utils import parametrize

    plain = copy.deepcopy(module)
    for layer in plain.modules():
        if parametrize.is_parametrized(layer):
            for name in list(layer.parametrizations.keys()):
                parametrize.remove_parametrizations(layer, name, leave_parametrized=True)
    return plain.state_dict()


class StepBatches:
    """Index batches as a pure function of (seed, step): a resumed run sees exactly the batches it would have."""

    def __init__(self, size: int, batch_size: int, seed: int, start_step: int, rank: int = 0, world_size: int = 1) -> None:
        if size < batch_size * world_size:
            raise GankitError(f"the data set has {size} samples, fewer than --batch-size {batch_size} x {world_size} processes")
        self.size, self.batch_size, self.seed, self.step = size, batch_size, seed, start_step
        self.rank, self.per_epoch = rank, size // (batch_size * world_size)
        self.stride = batch_size * world_size

    def __iter__(self) -> Iterator[list[int]]:
        epoch, perm = -1, None
        step = self.step
        while True:
            if step // self.per_epoch != epoch:
                epoch = step // self.per_epoch
                perm = torch.randperm(self.size, generator=torch.Generator().manual_seed(self.seed * 100003 + epoch))
            i = (step % self.per_epoch) * self.stride + self.rank * self.batch_size  # each process its own shard
            yield perm[i : i + self.batch_size].tolist()
            step += 1


def _ignore_ctrl_c(worker_id: int) -> None:
    """Data-loader workers leave Ctrl-C to the trainer, which stops between steps (they would die mid-batch)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def batches(dataset: Dataset, config: TrainConfig, start_step: int, pin: bool) -> Iterator[Any]:
    """An endless stream of training batches; in-memory tensor data sets skip the DataLoader."""
    sampler = StepBatches(len(dataset), config.batch_size, config.seed, start_step, *distributed.world())
    if isinstance(dataset, TensorDataset):
        for idx in sampler:
            index = torch.tensor(idx)
            yield tuple(t[index] for t in dataset.tensors)
    else:
        loader = DataLoader(dataset, batch_sampler=sampler, num_workers=config.workers, pin_memory=pin,
                            persistent_workers=config.workers > 0, worker_init_fn=_ignore_ctrl_c)
        yield from loader


class Trainer:
    """Holds the live training state; `run` trains up to `config.steps`."""

    def __init__(self, model: GANModel, spec: ModelSpec, dataset: Dataset, config: TrainConfig, out: Path,
                 data: str, command: str | None) -> None:
        self.model, self.spec, self.dataset, self.config, self.out = model, spec, dataset, config, out
        self.data, self.command = data, command
        self.device = pick_device(config.device)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # every step has the same shapes: let cuDNN time its algorithms once
        self.rank, self.world_size = distributed.world()
        self.main = self.rank == 0
        from gankit.registry import get_registry

        self.task = get_registry().task_of(spec)
        self.channels_last = config.channels_last and self.task.channels_last and self.device.type == "cpu"
        if config.spectral_norm:
            apply_spectral_norm(model.discriminator)
        model.to(self.device)
        if self.channels_last:
            to_channels_last(model)
        self.G, self.D = model.generator, model.discriminator
        adam = {"betas": (config.beta1, config.beta2)}
        adam |= {"fused": True} if self.device.type in ("cpu", "cuda") else {"foreach": True}
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=config.lr_g, **adam)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=config.lr_d, **adam)
        self.ema = self.make_ema(model) if config.ema else None
        if self.ema is not None:  # fixed lists for the per-step EMA update
            self.ema_params = (list(self.ema.generator.parameters()), [p.detach() for p in self.G.parameters()])
            self.ema_buffers = list(zip(self.ema.generator.buffers(), self.G.buffers()))
        self.augment = DiffAugment(config.augment) if config.augment else None
        self.last_preview: tuple[int, Any] | None = None  # (step, image): export reuses the last step's preview
        self.autocast = (
            torch.autocast("cuda", dtype=torch.bfloat16) if config.amp and self.device.type == "cuda" else contextlib.nullcontext()
        )
        self.step_count = 0
        self.elapsed = 0.0
        self.bad_steps = torch.zeros(config.log_every, dtype=torch.bool, device=self.device)
        self.last_good_checkpoint: int | None = None

    @staticmethod
    def make_ema(model: GANModel) -> GANModel:
        """A copy of the model whose generator tracks an exponential moving average; D is shared, not copied."""
        discriminator = model.discriminator
        del model.discriminator
        try:
            ema = copy.deepcopy(model)
        finally:
            model.discriminator = discriminator
        ema.discriminator = discriminator
        ema.generator.eval().requires_grad_(False)
        return ema

    # -- one iteration ---------------------------------------------------------------------------
    def discriminate(self, x: Tensor, condition: Any) -> Tensor:
        return self.model.discriminate(self.augment(x) if self.augment else x, condition)

    def step(self, batches: list[Any]) -> dict[str, Tensor]:
        """`d_steps` D updates (each on its own batch, skipped while D is too accurate) and one G update on the
        last one; returns device-side stats."""
        model, config = self.model, self.config
        for m in (model, self.ema):
            if m is not None:
                m.training_phase(self.step_count, config.steps)
        if config.lr_schedule != "constant":
            factor = config.lr_factor(self.step_count)
            for opt, lr in ((self.opt_g, config.lr_g), (self.opt_d, config.lr_d)):
                for group in opt.param_groups:
                    group["lr"] = lr * factor
        for batch in batches:
            real, condition = model.split_batch(to_device(batch, self.device))  # the plugin's work runs on the device
            real = to_device(real, self.device, self.channels_last)
            condition = to_device(condition, self.device)
            latent = model.draw_latent(real.shape[0], self.device, condition)

            with self.autocast:
                fake = model.generate(latent, condition)
                d_loss, d_stats = model.discriminator_loss(self.discriminate, real, fake.detach(), condition)
            update_d = config.d_accuracy_threshold >= 1 or not bool(distributed.any_process(
                d_stats.get("D_accuracy", torch.zeros((), device=self.device)) > config.d_accuracy_threshold))
            if update_d:
                self.opt_d.zero_grad(set_to_none=True)
                if config.r1_gamma > 0 and self.step_count % R1_EVERY == 0:
                    real_r1 = real.detach().requires_grad_(True)
                    with self.autocast:
                        penalty = losses.r1_penalty(self.discriminate(real_r1, condition), real_r1)
                    d_loss = d_loss + penalty * (config.r1_gamma / 2 * R1_EVERY)
                d_loss.backward()
                distributed.average_gradients(self.D)
                self.opt_d.step()

        self.D.requires_grad_(False)  # G's backward needs no gradients for D's weights
        with self.autocast:
            g_loss, g_stats = model.generator_loss(self.discriminate, real, fake, condition)
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        distributed.average_gradients(self.G)
        self.opt_g.step()
        self.D.requires_grad_(True)
        distributed.average_buffers(self.model)

        if self.ema is not None:
            self.update_ema()
        self.bad_steps[self.step_count % config.log_every] = ~(torch.isfinite(d_loss) & torch.isfinite(g_loss))
        self.step_count += 1
        return {"loss_D": d_loss.detach(), "loss_G": g_loss.detach(), **d_stats, **g_stats}

    @torch.no_grad()
    def update_ema(self) -> None:
        decay = min(self.config.ema_decay, (1 + self.step_count) / (10 + self.step_count))
        torch._foreach_lerp_(*self.ema_params, 1 - decay)
        for b_ema, b in self.ema_buffers:
            b_ema.copy_(b)

    def check_finite(self, collective: bool = True) -> None:
        """Stop on NaN/inf losses, naming the first bad step, or on NaN/inf weights (one host sync per log interval)."""
        params = [*self.G.parameters(), *self.D.parameters()]
        broken_weights = ~torch.stack([torch.isfinite(p).all() for p in params]).all()
        flags = torch.cat([self.bad_steps, broken_weights[None]])
        bad = distributed.any_process(flags) if collective else flags
        if bool(bad.any()):
            kept = (f"the last good checkpoint (step {self.last_good_checkpoint}) is kept in {self.out}"
                    if self.last_good_checkpoint else "no checkpoint was written yet")
            if not bool(bad[:-1].any()):
                raise GankitError(f"the weights became NaN or inf by step {self.step_count}; {kept}; lower the learning rates")
            every = self.config.log_every
            step = (self.step_count - 1) // every * every + int(bad[:-1].nonzero()[0]) + 1
            raise GankitError(f"loss became NaN or inf at step {step}; {kept}; lower the learning rates or add --r1-gamma")
        self.bad_steps.zero_()

    # -- outputs ---------------------------------------------------------------------------------
    @torch.no_grad()
    def standing_statistics(self) -> None:
        """Measure the EMA generator's BatchNorm statistics afresh on its own samples (BigGAN's "standing
        statistics"): its weights are an average, but the statistics it carries are the live generator's, whose
        activations differ; samples and exports take them from here (the next step copies the live ones back)."""
        norms = [m for m in self.ema.generator.modules()
                 if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.track_running_stats]
        if not norms:
            return
        kept = [(m.momentum, {k: b.clone() for k, b in m.named_buffers()}) for m in norms]
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # a plain average over all batches
        self.ema.generator.train()  # as the live G runs, e.g. with a frozen part kept in eval mode
        try:
            for i in range(0, len(STANDING_SEEDS), self.config.batch_size):
                self.ema.sample(STANDING_SEEDS[i : i + self.config.batch_size], {})
        finally:
            self.ema.generator.eval()
            for m, (momentum, buffers) in zip(norms, kept):
                m.momentum = momentum
                if not m.num_batches_tracked:  # not run in train mode (frozen): its statistics stay as they were
                    for name, value in buffers.items():
                        getattr(m, name).copy_(value)

    @torch.no_grad()
    def preview(self):
        """The task's preview of fixed-seed samples, from the EMA generator (with standing statistics) when there
        is one; made once per step."""
        if self.last_preview is not None and self.last_preview[0] == self.step_count:
            return self.last_preview[1]
        if self.ema is not None:
            self.standing_statistics()
        model = self.ema or self.model
        was_training = model.generator.training
        model.generator.eval()
        try:
            with self.autocast:
                samples = model.sample(SAMPLE_SEEDS, {})
        finally:
            model.generator.train(was_training)
        self.last_preview = (self.step_count, self.task.make_preview(samples.float().cpu()))
        return self.last_preview[1]

    def save_checkpoint(self, collective: bool = True) -> None:
        self.check_finite(collective)
        streams = distributed.gather(torch.get_rng_state()) if collective else [torch.get_rng_state()]
        if not self.main:
            return
        tensors = {f"G.{k}": v for k, v in self.G.state_dict().items()}
        tensors |= {f"D.{k}": v for k, v in self.D.state_dict().items()}
        if self.ema is not None:
            tensors |= {f"G_ema.{k}": v for k, v in self.ema.generator.state_dict().items()}
        opt_g, rest_g = checkpoint.optimizer_tensors("opt_G", self.opt_g.state_dict())
        opt_d, rest_d = checkpoint.optimizer_tensors("opt_D", self.opt_d.state_dict())
        tensors |= opt_g | opt_d | {"rng.cpu": streams[0]} | {f"rng.cpu.rank{r}": t for r, t in enumerate(streams) if r}
        if self.device.type == "cuda":
            tensors["rng.cuda"] = torch.cuda.get_rng_state(self.device)
        state = {
            "step": self.step_count, "elapsed": self.elapsed, "model": self.spec.name, "options": self.model.options,
            "data": self.data, "config": dataclasses.asdict(self.config), "command": self.command,
            "opt_G": rest_g, "opt_D": rest_d,
        }
        checkpoint.save(self.out / checkpoint.CHECKPOINT_NAME, tensors, state)
        self.last_good_checkpoint = self.step_count

    def restore(self, tensors: dict[str, Tensor], state: dict[str, Any]) -> None:
        def part(prefix: str) -> dict[str, Tensor]:
            return {k[len(prefix) + 1 :]: v for k, v in tensors.items() if k.startswith(prefix + ".")}

        try:
            self.G.load_state_dict(part("G"))
            self.D.load_state_dict(part("D"))
            if self.ema is not None:
                self.ema.generator.load_state_dict(part("G_ema") or part("G"))
            self.opt_g.load_state_dict(checkpoint.optimizer_state("opt_G", tensors, state["opt_G"]))
            self.opt_d.load_state_dict(checkpoint.optimizer_state("opt_D", tensors, state["opt_D"]))
            if "rng.cpu" not in tensors:
                raise KeyError("tensor rng.cpu is missing")
        except (RuntimeError, KeyError, ValueError, TypeError) as exc:
            first = " ".join(str(exc).split())[:240] or type(exc).__name__
            raise GankitError(f"checkpoint {self.out / checkpoint.CHECKPOINT_NAME} does not fit the model it names "
                              f"({first}); it is damaged: start again without --resume, or in another --out") from None
        for opt in (self.opt_g, self.opt_d):  # moments must share their parameter's memory format (channels-last)
            for param, entry in opt.state.items():
                for key, value in entry.items():
                    if torch.is_tensor(value) and value.shape == param.shape:
                        entry[key] = torch.empty_like(param).copy_(value)
        self.step_count, self.elapsed = state["step"], state["elapsed"]
        stream = tensors.get(f"rng.cpu.rank{self.rank}" if self.rank else "rng.cpu")
        if stream is None:  # a checkpoint of another world size: this process starts a stream of its own
            torch.manual_seed(self.config.seed + 1000003 * self.rank + self.step_count)
        else:
            torch.set_rng_state(stream)
        if self.device.type == "cuda" and self.world_size > 1:  # one stream per process, from (seed, rank, step)
            torch.cuda.manual_seed(self.config.seed + 1000003 * self.rank + self.step_count)
        elif self.device.type == "cuda" and "rng.cuda" in tensors:
            torch.cuda.set_rng_state(tensors["rng.cuda"], self.device)
        self.last_good_checkpoint = self.step_count

    def export(self) -> Path:
        """Write the model directory (EMA generator with standing statistics, when enabled) into the run directory
        (rank 0 only)."""
        if not self.main:
            return self.out
        training = {
            "command": self.command, "data": self.data, "steps": self.step_count, "wall_time_s": round(self.elapsed, 1),
            "device": str(self.device), "config": dataclasses.asdict(self.config),
        }
        return save_model(self.out, self.ema or self.model, self.spec, training, samples=self.preview(),
                          discriminator_state=plain_state(self.D) if self.config.spectral_norm else None)

    # -- the loop --------------------------------------------------------------------------------
    def run(self, progress: bool = True) -> Path:
        from tqdm.auto import tqdm

        config = self.config
        stream = batches(self.dataset, config, self.step_count * config.d_steps, pin=self.device.type == "cuda")
        bar = tqdm(total=config.steps, initial=self.step_count, unit="step", disable=not (progress and self.main), dynamic_ncols=True)
        metrics_log = (self.out / "metrics.jsonl").open("a", encoding="utf-8", buffering=1) if self.main else None
        started = time.perf_counter() - self.elapsed
        self.model.train()
        try:
            with stop_between_steps() as stop:  # installed until the interrupted run is saved
                try:
                    while self.step_count < config.steps:
                        if self.stop_agreed(stop.requested):
                            raise KeyboardInterrupt
                        self.train_one_step(stream, bar, metrics_log, started)
                except KeyboardInterrupt:
                    bar.close()
                    if stop.forced or not stop.requested:  # mid-step: the state may be half-updated, keep the last checkpoint
                        kept = (f"the checkpoint of step {self.last_good_checkpoint} is kept" if self.last_good_checkpoint
                                else "no checkpoint was written yet")
                        raise Interrupted(f"training stopped at once (second Ctrl-C); {kept}; continue with --resume") from None
                    self.save_checkpoint(collective=False)  # between steps: consistent; other processes may be gone
                    self.export()
                    raise Interrupted(f"training interrupted at step {self.step_count}; checkpoint saved in {self.out}; "
                                      "continue with --resume") from None
        finally:
            bar.close()
            if metrics_log:
                metrics_log.close()
        self.save_checkpoint()
        return self.export()

    def stop_agreed(self, requested: bool) -> bool:
        """Whether to stop now: this process's Ctrl-C flag, agreed by all processes under torchrun (one tiny
        all-reduce a step, beside DDP's own), read without a device sync when training alone."""
        if self.world_size == 1:
            return requested
        return bool(distributed.any_process(torch.tensor(requested, device=self.device)).item())

    def train_one_step(self, stream: Iterator[Any], bar, metrics_log, started: float) -> None:
        """One step, then what falls due at it: the log line, the preview, the checkpoint."""
        config = self.config
        stats = self.step([next(stream) for _ in range(config.d_steps)])
        self.elapsed = time.perf_counter() - started
        step = self.step_count
        if step % config.log_every == 0 or step == config.steps:
            self.check_finite()
            values = dict(zip(stats, torch.stack([v.float() for v in stats.values()]).tolist()))
            values.pop("D_accuracy", None)
            bar.set_postfix({k: f"{v:.3f}" for k, v in values.items()}, refresh=False)
            if metrics_log:
                metrics_log.write(json.dumps({"step": step, "time": round(self.elapsed, 2), **values}) + "\n")
        bar.update(1)
        if step % config.sample_every == 0 and self.main:
            image = self.preview()
            save_image(image, self.out / "samples" / f"step-{step:06d}.png")
            save_image(image, self.out / "samples.png")
        if step % config.checkpoint_every == 0:
            self.save_checkpoint()

    def truncate_log(self) -> None:
        """Drop log lines of steps after the restored checkpoint: they are trained again (rank 0 only)."""
        path = self.out / "metrics.jsonl"
        if not self.main or not path.is_file():
            return
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line if line.endswith("\n") else line + "\n" for line in lines if 0 <= _logged_step(line) <= self.step_count]
        if kept != lines:
            write_text(path, "".join(kept))


class stop_between_steps(contextlib.AbstractContextManager):
    """While active (main thread only), the first Ctrl-C only sets `requested`, so that training stops between
    steps with a consistent state; a second one interrupts at once."""

    def __init__(self) -> None:
        self.requested = self.forced = False
        self.previous = None

    def __enter__(self) -> "stop_between_steps":
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.requested:
            self.forced = True
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _logged_step(line: str) -> int:
    try:
        return int(json.loads(line)["step"])
    except (ValueError, KeyError, TypeError):
        return -1  # a torn last line from a kill: dropped with the steps after the checkpoint


RESUMABLE_CHANGES = ("steps", "device", "workers", "log_every", "checkpoint_every", "sample_every")


def train(
    model: str | ModelSpec,
    data: str | None = None,
    out: str | Path = "runs/run",
    options: dict[str, Any] | None = None,
    resume: bool = False,
    data_root: str | Path | None = None,
    skip_bad: bool = False,
    command: str | None = None,
    progress: bool = True,
    init: str | Path | None = None,
    **train_options: Any,
) -> Path:
    """Train a registered model on `data` into the run directory `out`; returns `out` (a model directory).

    `options` are the model's own options; `train_options` are `TrainConfig` fields (steps, batch_size, …),
    over the model's `train_defaults`. With `resume`, continue from ``out/checkpoint.safetensors`` with the
    saved options, data and optimizer state; only steps, device, workers and intervals may change. With `init`
    (a model directory, Hub id or registered name), a new run starts from that model's weights and options.
    """
    from gankit.registry import get_registry

    spec = model if isinstance(model, ModelSpec) else get_registry().model(model)
    out = Path(out)
    ckpt_path = out / checkpoint.CHECKPOINT_NAME
    unknown = sorted(set(train_options) - {f.name for f in dataclasses.fields(TrainConfig)})
    if unknown:
        raise GankitError(f"unknown training option {', '.join(unknown)}")
    state = tensors = start = start_options = None
    if init is not None:
        if resume:
            raise GankitError("--init starts a new run from a model's weights and --resume continues a run; pass one of them")
        start, start_options = initial_weights(init, spec)
        options = {**start_options, **(options or {})}  # --init's options, under the ones given
    if resume:
        if not ckpt_path.is_file():
            raise GankitError(f"nothing to resume: {ckpt_path} does not exist; drop --resume to start a new run")
        tensors, state = checkpoint.load(ckpt_path)
        if state["model"] != spec.name:
            raise GankitError(f"{out} holds a run of model {state['model']!r}, not {spec.name!r}")
        fixed = sorted(k for k in train_options if k not in RESUMABLE_CHANGES and train_options[k] != state["config"].get(k))
        if fixed:
            raise GankitError(f"cannot change {', '.join(fixed)} when resuming; only {', '.join(RESUMABLE_CHANGES)} may change")
        if data is not None and data != state["data"]:
            raise GankitError(f"{out} was trained on --data {state['data']}; resume it without --data or with the same")
        options, data = state["options"], state["data"]
        newer = sorted(set(state["config"]) - {f.name for f in dataclasses.fields(TrainConfig)})
        if newer:
            raise GankitError(f"checkpoint {ckpt_path} has training option(s) {', '.join(newer)} that this gankit does not "
                              "know (written by a newer version?); upgrade gankit, or start again without --resume")
        config = dataclasses.replace(TrainConfig(**state["config"]), **train_options)
    elif ckpt_path.exists():
        raise GankitError(f"{out} already holds a training run; pass --resume to continue it or choose another --out")
    else:
        config = TrainConfig(**{**spec.train_defaults, **train_options})
    config.check()
    pick_device(config.device)  # a device this machine lacks fails before anything is written
    options = resolve_options(spec.options, options or {}, f"model {spec.name!r}")
    data = data or spec.default_dataset
    if not data:
        raise GankitError(f"model {spec.name!r} has no default data set; pass --data")
    if config.augment and not get_registry().task_of(spec).augment:
        raise GankitError(f"--augment applies to image models; {spec.name!r} is a {spec.task} model")
    if config.augment:
        DiffAugment(config.augment)  # an unknown policy fails before anything is written

    device = distributed.setup(config.device)  # joins the process group under torchrun
    try:
        rank, world_size = distributed.world()
        torch.manual_seed(config.seed)
        gan = spec.build(options, copies=5)  # weights, gradients, two Adam moments, EMA
        dataset = load_data(data, gan.options, data_root, skip_bad, get_registry().task_of(spec))
        if state is None:
            gan.prepare(dataset)
        if start is not None:  # after `prepare`, which may size the networks for the data
            from gankit.modelio import load_weights

            load_weights(gan, start, start_from=start_options)
        out.mkdir(parents=True, exist_ok=True)
        with run_lock(out) if rank == 0 else contextlib.nullcontext():
            trainer = Trainer(gan, spec, dataset, dataclasses.replace(config, device=device), out, data, command)
            if rank == 0:
                remove_stale_temporaries(out, out / "samples")
            if state is not None:
                trainer.restore(tensors, state)
                trainer.truncate_log()
                if trainer.step_count >= config.steps:
                    if exported_steps(out) == trainer.step_count:
                        raise GankitError(f"{out} already trained {trainer.step_count} steps; pass a larger --steps to continue")
            if trainer.step_count >= config.steps:  # stopped while exporting: finish the model directory from the checkpoint
                path = trainer.export()
            else:
                if world_size > 1 and state is None:  # same weights everywhere, own latents and augmentations per process
                    distributed.broadcast_module(gan)
                    torch.manual_seed(config.seed + 1000003 * rank)
                path = trainer.run(progress=progress)
        distributed.barrier()
        return path
    finally:
        distributed.shutdown()


def initial_weights(init: str | Path, spec: ModelSpec) -> tuple[Path, dict[str, Any]]:
    """The model directory `init` names, and its options (for a run that starts from it)."""
    from gankit.modelio import read_config
    from gankit.resolve import locate

    folder, _ = locate(init)
    config = read_config(folder)
    if config["model"] != spec.name:
        raise GankitError(f"--init {init} holds a {config['model']!r} model, not {spec.name!r}; start from a {spec.name} model")
    return folder, config.get("options", {})


def exported_steps(out: Path) -> int | None:
    """The step count of the model directory in `out`, if it is complete (its config is written last)."""
    from gankit.modelio import CONFIG_NAME, WEIGHTS_NAME

    try:
        config = json.loads((out / CONFIG_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return config.get("training", {}).get("steps") if (out / WEIGHTS_NAME).is_file() else None


@contextlib.contextmanager
def run_lock(out: Path) -> Iterator[None]:
    """One trainer per run directory: a second one would overwrite the first one's checkpoints."""
    import fcntl

    with open(out / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GankitError(f"another gankit process is training in {out}; wait for it or stop it first") from None
        yield
