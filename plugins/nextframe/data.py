"""Video data for next-frame prediction: built-in ``bouncing`` balls and ``moving-digits``, and folders of clips.

Every data set yields whole sequences, (L, C, H, W) tensors in [-1, 1], so that training can cut windows of
context + target from them and metrics can compare predictions with the true future. The built-in sets are
procedural and deterministic: sequence ``i`` of a split is the same on every machine. ``split="test"`` draws
from another seed stream: sequences never used in training.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from gankit.errors import GankitError

TRAIN_SIZE = 20000
TEST_SIZE = 512
SEQUENCE_LENGTH = 16
SPLIT_SEEDS = {"train": 0, "test": 1}
FUTURE = 8
"""Frames after the context that a training window of a folder of clips holds (the horizon metrics use)."""


class Sequences(Dataset):
    """Procedural sequences: item ``i`` is ``make(seed)`` for a seed derived from the split and ``i``."""

    def __init__(self, make, n: int, split: str) -> None:
        if split not in SPLIT_SEEDS:
            raise GankitError(f"split must be one of {', '.join(SPLIT_SEEDS)}, got {split!r}")
        self.make, self.n, self.base = make, n, SPLIT_SEEDS[split] * 1_000_003

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> torch.Tensor:
        if not 0 <= index < self.n:
            raise IndexError(index)
        return torch.from_numpy(self.make(self.base + index)).unsqueeze(1).float() * 2 - 1


# -- bouncing balls -----------------------------------------------------------------------------
def bouncing(seed: int, size: int = 32, length: int = SEQUENCE_LENGTH) -> np.ndarray:
    """(length, size, size) frames in [0, 1]: 1–3 balls of random size and speed, elastic collisions with the
    walls and with each other (momentum and energy kept, mass ∝ area)."""
    r = np.random.default_rng(seed)
    n = int(r.integers(1, 4))
    radius = r.uniform(0.08, 0.15, n) * size
    pos = np.zeros((n, 2))
    for i in range(n):  # non-overlapping start positions
        for _ in range(100):
            pos[i] = r.uniform(radius[i], size - radius[i], 2)
            if all(math.dist(pos[i], pos[j]) > radius[i] + radius[j] for j in range(i)):
                break
    angle = r.uniform(0, 2 * np.pi, n)
    vel = np.stack([np.cos(angle), np.sin(angle)], 1) * r.uniform(0.03, 0.07, (n, 1)) * size
    track = _simulate(pos.tolist(), vel.tolist(), radius.tolist(), size, length)  # (length, n, 2)
    centres = np.arange(size, dtype=np.float32) + 0.5
    track = track.astype(np.float32)
    dy2 = np.square(centres - track[..., 0, None])[..., :, None]  # (length, n, size, 1)
    dx2 = np.square(centres - track[..., 1, None])[..., None, :]  # (length, n, 1, size)
    dist = np.sqrt(dy2 + dx2)
    return np.clip(radius.astype(np.float32)[:, None, None] + 0.5 - dist, 0, 1).max(1)


def _simulate(pos: list, vel: list, radius: list, size: float, length: int) -> np.ndarray:
    """Ball centres per frame; plain floats, as a handful of balls is faster without numpy."""
    n = len(pos)
    mass = [rad * rad for rad in radius]
    track = np.empty((length, n, 2))
    for t in range(length):
        track[t] = pos
        for i in range(n):
            for axis in range(2):  # walls
                pos[i][axis] += vel[i][axis]
                if pos[i][axis] < radius[i]:
                    pos[i][axis], vel[i][axis] = 2 * radius[i] - pos[i][axis], -vel[i][axis]
                elif pos[i][axis] > size - radius[i]:
                    pos[i][axis], vel[i][axis] = 2 * (size - radius[i]) - pos[i][axis], -vel[i][axis]
        for i in range(n):  # balls
            for j in range(i + 1, n):
                dy, dx = pos[j][0] - pos[i][0], pos[j][1] - pos[i][1]
                d = math.hypot(dy, dx)
                closing = (vel[j][0] - vel[i][0]) * dy + (vel[j][1] - vel[i][1]) * dx < 0
                if 0 < d < radius[i] + radius[j] and closing:
                    ny, nx = dy / d, dx / d
                    impulse = 2 * ((vel[i][0] - vel[j][0]) * ny + (vel[i][1] - vel[j][1]) * nx) / (mass[i] + mass[j])
                    vel[i][0] -= impulse * mass[j] * ny
                    vel[i][1] -= impulse * mass[j] * nx
                    vel[j][0] += impulse * mass[i] * ny
                    vel[j][1] += impulse * mass[i] * nx
    return track


def load_bouncing(options: dict[str, Any], root: Any = None, split: str = "train", n: int | None = None,
                  length: int = SEQUENCE_LENGTH) -> Sequences:
    """The ``bouncing`` data set at the model's ``image_size`` (grayscale)."""
    _grayscale("bouncing", options)
    size = int(options.get("image_size", 32))
    return Sequences(lambda seed: bouncing(seed, size, length), n or (TRAIN_SIZE if split == "train" else TEST_SIZE), split)


# -- moving digits ------------------------------------------------------------------------------
def load_moving_digits(options: dict[str, Any], root: Any = None, split: str = "train", n: int | None = None,
                       length: int = SEQUENCE_LENGTH) -> Sequences:
    """Moving-MNIST-like: two built-in digits (the ``digits`` data set) moving and bouncing off the walls."""
    from gankit.registry import get_registry

    _grayscale("moving-digits", options)
    size = int(options.get("image_size", 64))
    glyph = max(8, round(size * 28 / 64))
    digits = get_registry().dataset("digits").load(options={"image_size": glyph, "channels": 1})
    glyphs = ((digits.tensors[0][:, 0] + 1) / 2).numpy()

    def make(seed: int) -> np.ndarray:
        r = np.random.default_rng(seed)
        frames = np.zeros((length, size, size), np.float32)
        span = size - glyph
        for index in r.integers(len(glyphs), size=2):
            pos = r.uniform(0, span, 2)
            angle = r.uniform(0, 2 * np.pi)
            vel = np.array([np.cos(angle), np.sin(angle)]) * r.uniform(0.02, 0.05) * size
            for t in range(length):
                y, x = np.round(pos).astype(int)
                frames[t, y : y + glyph, x : x + glyph] = np.maximum(frames[t, y : y + glyph, x : x + glyph], glyphs[index])
                pos += vel
                for axis in range(2):
                    if not 0 <= pos[axis] <= span:
                        pos[axis] = np.clip(pos[axis], 0, span) * 2 - pos[axis]
                        vel[axis] *= -1
        return frames

    return Sequences(make, n or (TRAIN_SIZE if split == "train" else TEST_SIZE), split)


def _grayscale(name: str, options: dict[str, Any]) -> None:
    if int(options.get("channels", 1)) != 1:
        raise GankitError(f"--data {name} is grayscale; train with -o channels=1 (or give a folder of RGB clips)")


# -- folders of clips ------------------------------------------------------------------------------
class ClipFolder(Dataset):
    """Every clip under a folder (video files, and folders of frames as in UCF-101's extracted-frames layout),
    cut into non-overlapping windows of ``window`` frames at the model's size; held in memory as uint8."""

    def __init__(self, folder: Path, size: int, channels: int, window: int, skip_bad: bool = False) -> None:
        from gankit_plugins.nextframe.video import is_clip, read_clip

        clips = sorted({p for p in folder.rglob("*") if is_clip(p)} | ({folder} if is_clip(folder) else set()))
        if not clips:
            raise GankitError(f"{folder}: no clips found (video files .gif/.mp4/.avi, or folders of frames)")
        windows, self.skipped = [], []
        for path in clips:
            try:
                clip, _ = read_clip(path, size, channels)
                if len(clip) < window:
                    raise GankitError(f"clip {path} has {len(clip)} frames; training needs at least {window} "
                                      "(context + predicted frames)")
            except GankitError as exc:
                if not skip_bad:
                    raise GankitError(f"{exc}; fix or remove it, or pass --skip-bad") from None
                self.skipped.append(path)
                continue
            for start in range(0, len(clip) - window + 1, window):
                windows.append(((clip[start : start + window] + 1) * 127.5).round().to(torch.uint8))
        if not windows:
            raise GankitError(f"{folder}: no clip could be used ({len(self.skipped)} skipped as unreadable or too short)")
        if self.skipped:
            import warnings

            warnings.warn(f"skipped {len(self.skipped)} unreadable or too-short clip(s) of {len(clips)} in {folder}")
        self.windows = torch.stack(windows)

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.windows[index].float() / 127.5 - 1


def load_folder(folder: Path, options: dict[str, Any], skip_bad: bool = False) -> ClipFolder:
    """``--data FOLDER`` for next-frame models: windows of context + ``future`` frames."""
    window = int(options.get("context", 4)) + FUTURE
    return ClipFolder(folder, int(options["image_size"]), int(options["channels"]), window, skip_bad)
