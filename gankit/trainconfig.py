"""Every knob of the training loop, with DCGAN's published defaults (plain data, no torch).

The CLI builds its `gankit train` options from these fields; plugins override defaults per model in
`ModelSpec.train_defaults`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

from gankit.errors import GankitError


def knob(default: Any, help: str, cli: bool = True) -> Any:
    return field(default=default, metadata={"help": help, "cli": cli})


@dataclass
class TrainConfig:
    steps: int = knob(5000, "Total training steps (d_steps D updates and one G update each).")
    batch_size: int = knob(64, "Samples per batch.")
    lr_g: float = knob(2e-4, "Generator learning rate (Adam).")
    lr_d: float = knob(2e-4, "Discriminator learning rate (Adam).")
    beta1: float = knob(0.5, "Adam beta1.")
    beta2: float = knob(0.999, "Adam beta2.")
    lr_schedule: str = knob("constant", "Learning-rate schedule over the run: constant, linear (to 0 at --steps) or cosine.")
    d_steps: int = knob(1, "D updates per G update, each on its own batch (WGAN-GP's critic uses 5).")
    ema: bool = knob(True, "Keep an exponential moving average of G, used for samples and export (its BatchNorm "
                           "statistics measured afresh on its own samples).")
    ema_decay: float = knob(0.999, "EMA decay per step (warmed up over the first steps).")
    augment: str = knob("", "DiffAugment policy for D: comma-separated translation, cutout, color.")
    r1_gamma: float = knob(0.0, "R1 gradient penalty weight for D (0: off).")
    spectral_norm: bool = knob(False, "Spectral normalisation of D's convolutions and linear layers (Miyato et al. 2018).")
    d_accuracy_threshold: float = knob(1.0, "Skip D's update while its batch accuracy exceeds this (3D-GAN: 0.8).")
    seed: int = knob(0, "Seed for initialisation, latents and data order.")
    device: str = knob("auto", "cpu, cuda, cuda:N or auto.")
    checkpoint_every: int = knob(500, "Steps between checkpoints.")
    sample_every: int = knob(500, "Steps between sample grids.")
    log_every: int = knob(10, "Steps between progress-bar and metrics updates.")
    workers: int = knob(0, "Data-loader worker processes (on a GPU, 4 or more for data made on the fly, such as "
                           "primitives).")
    amp: bool = knob(False, "Bfloat16 autocast on CUDA (off: gankit's own networks trained faster in fp32 on an "
                            "H200, where cuDNN runs fp32 convolutions in TF32; docs/benchmarks.md).")
    channels_last: bool = knob(True, "Channels-last memory format (channels-last-3d for volumes) on CPU, where the task "
                                     "allows it (on CUDA it measured slower for gankit's networks).", cli=False)

    def check(self) -> None:
        """Raise a one-line error for an impossible setting."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise GankitError(f"--{f.name.replace('_', '-')} must be a finite number, got {value}")
        for name in ("steps", "batch_size", "checkpoint_every", "sample_every", "log_every", "d_steps"):
            if getattr(self, name) < 1:
                raise GankitError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if self.workers < 0:
            raise GankitError(f"--workers must be 0 or more, got {self.workers}")
        for name in ("lr_g", "lr_d"):
            if not getattr(self, name) > 0:
                raise GankitError(f"--{name.replace('_', '-')} must be positive, got {getattr(self, name)}")
        for name in ("beta1", "beta2", "ema_decay"):
            if not 0 <= getattr(self, name) < 1:
                raise GankitError(f"--{name.replace('_', '-')} must be in [0, 1), got {getattr(self, name)}")
        if self.r1_gamma < 0:
            raise GankitError(f"--r1-gamma must be 0 (off) or positive, got {self.r1_gamma}")
        if not 0 < self.d_accuracy_threshold <= 1:
            raise GankitError(f"--d-accuracy-threshold must be in (0, 1], got {self.d_accuracy_threshold}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise GankitError(f"--lr-schedule must be one of {', '.join(LR_SCHEDULES)}, got {self.lr_schedule!r}")

    def lr_factor(self, step: int) -> float:
        """The learning rates' multiplier at `step` (0-based) under `lr_schedule`."""
        progress = min(step / self.steps, 1.0)
        if self.lr_schedule == "linear":
            return 1.0 - progress
        if self.lr_schedule == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * progress))
        return 1.0


LR_SCHEDULES = ("constant", "linear", "cosine")


def cli_knobs() -> list:
    """The fields `gankit train` exposes as options."""
    return [f for f in fields(TrainConfig) if f.metadata.get("cli")]
