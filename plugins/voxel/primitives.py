"""The built-in ``primitives`` data set: one solid primitive per grid, random size, aspect and pose, labelled.

Shapes are implicit functions of a point in the shape's own frame (inside where the function is ≤ 0), sampled at
the voxel centres of a grid spanning [-1, 1]³ after a random rotation and shift. Sample ``i`` of a split is the
same on every machine; the ``test`` split draws from another seed stream.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np
import torch
from torch.utils.data import Dataset

from gankit.errors import GankitError

Inside = Callable[[np.ndarray, np.ndarray, np.ndarray, np.random.Generator], np.ndarray]
TRAIN_SIZE = 20000
TEST_SIZE = 1000
SPLIT_SEEDS = {"train": 0, "test": 1}


def _sphere(x, y, z, r):
    a, b, c = r.uniform(0.5, 0.8, 3)
    return (x / a) ** 2 + (y / b) ** 2 + (z / c) ** 2 - 1


def _box(x, y, z, r):
    a, b, c = r.uniform(0.3, 0.6, 3)
    return np.maximum(np.maximum(np.abs(x) / a, np.abs(y) / b), np.abs(z) / c) - 1


def _cylinder(x, y, z, r):
    radius, half = r.uniform(0.3, 0.55), r.uniform(0.4, 0.75)
    return np.maximum(np.hypot(x, y) / radius, np.abs(z) / half) - 1


def _cone(x, y, z, r):
    radius, half = r.uniform(0.4, 0.65), r.uniform(0.45, 0.75)
    taper = radius * (half - z) / (2 * half)  # radius at height z: full at the base, 0 at the tip
    return np.maximum(np.hypot(x, y) - taper, np.abs(z) - half)


def _torus(x, y, z, r):
    ring, tube = r.uniform(0.45, 0.6), r.uniform(0.15, 0.25)
    return np.hypot(np.hypot(x, y) - ring, z) - tube


def _capsule(x, y, z, r):
    radius, half = r.uniform(0.22, 0.35), r.uniform(0.3, 0.5)
    return np.hypot(np.hypot(x, y), np.abs(z) - np.minimum(np.abs(z), half)) - radius


def _pyramid(x, y, z, r):
    base, half = r.uniform(0.4, 0.65), r.uniform(0.45, 0.75)
    taper = base * (half - z) / (2 * half)
    return np.maximum(np.maximum(np.abs(x), np.abs(y)) - taper, np.abs(z) - half)


PRIMITIVES: dict[str, Inside] = {
    "sphere": _sphere, "box": _box, "cylinder": _cylinder, "cone": _cone,
    "torus": _torus, "capsule": _capsule, "pyramid": _pyramid,
}
CLASSES = list(PRIMITIVES)


def random_rotation(r: np.random.Generator) -> np.ndarray:
    """A rotation matrix drawn uniformly (QR of a Gaussian matrix, signs fixed)."""
    q, rr = np.linalg.qr(r.normal(size=(3, 3)))
    q *= np.sign(np.diag(rr))
    return q if np.linalg.det(q) > 0 else -q


def primitive(seed: int, size: int = 32, kind: int | None = None) -> tuple[np.ndarray, int]:
    """(occupancy (size, size, size) uint8 in {0, 1}, class index) for one seeded primitive."""
    r = np.random.default_rng(seed)
    label = int(r.integers(len(CLASSES))) if kind is None else kind
    points = _voxel_centres(size)
    scale, shift = r.uniform(0.7, 1.0), r.uniform(-0.1, 0.1, 3)
    local = (points - shift.astype(np.float32)) @ (random_rotation(r) / scale).astype(np.float32)  # world → shape frame
    inside = PRIMITIVES[CLASSES[label]](local[:, 0], local[:, 1], local[:, 2], r) <= 0
    return inside.reshape(size, size, size).astype(np.uint8), label


@functools.lru_cache(maxsize=4)
def _voxel_centres(size: int) -> np.ndarray:
    """(size³, 3) float32 voxel centres spanning [-1, 1]³, in C order."""
    centres = ((np.arange(size) + 0.5) / size * 2 - 1).astype(np.float32)
    return np.stack(np.meshgrid(centres, centres, centres, indexing="ij"), -1).reshape(-1, 3)


class Primitives(Dataset):
    """Items are (occupancy (1, S, S, S) float32 in {0, 1}, class index); `classes` names the indices."""

    classes = CLASSES

    def __init__(self, n: int, size: int, split: str = "train") -> None:
        if split not in SPLIT_SEEDS:
            raise GankitError(f"split must be one of {', '.join(SPLIT_SEEDS)}, got {split!r}")
        self.n, self.size, self.base = n, size, SPLIT_SEEDS[split] * 1_000_003

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        if not 0 <= index < self.n:
            raise IndexError(index)
        grid, label = primitive(self.base + index, self.size)
        return torch.from_numpy(grid).float()[None], label


def load(options: dict[str, Any], root: Any = None, split: str = "train", n: int | None = None) -> Primitives:
    """The ``primitives`` data set at the model's ``grid_size``."""
    size = int(options.get("grid_size", 32))
    return Primitives(n or (TRAIN_SIZE if split == "train" else TEST_SIZE), size, split)
