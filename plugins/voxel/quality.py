"""The standard 3D generative metrics with IoU as the distance (Achlioptas et al. 2018): COV, MMD and 1-NNA
between generated shapes and held-out real ones, next to a trivial baseline.

- ``cov``: the share of real shapes that are the nearest real shape of at least one generated shape (higher:
  more of the real variety is made);
- ``mmd``: the mean, over real shapes, of the distance (1 − IoU) to the closest generated shape (lower: each real
  shape has a close generated one);
- ``1nna``: leave-one-out 1-nearest-neighbour accuracy of telling generated from real in the union (50% is ideal;
  100% means every shape's nearest neighbour is from its own set).

Each comes with the ``mean-shape`` baseline: the training set's per-voxel mean occupancy, thresholded to the mean
volume, repeated — a model that learnt only the average. Grids are compared as occupancy ≥ 0.5.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from gankit.errors import GankitError

MAX_SHAPES = 1000
"""The pairwise IoU matrices grow with n²: at most this many shapes a side."""


def iou_distance(a: Tensor, b: Tensor) -> Tensor:
    """1 − IoU between every grid of `a` (N, …) and of `b` (M, …), as (N, M); grids are boolean after ≥ 0.5."""
    a, b = (a.flatten(1) >= 0.5).float(), (b.flatten(1) >= 0.5).float()
    inter = a @ b.T
    union = a.sum(1, keepdim=True) + b.sum(1)[None] - inter
    return 1 - inter / union.clamp_min(1)


def scores(fake: Tensor, real: Tensor) -> dict[str, float]:
    """COV, MMD and 1-NNA of `fake` against `real`."""
    d_fr = iou_distance(fake, real)
    cov = d_fr.argmin(1).unique().numel() / len(real)
    mmd = d_fr.min(0).values.mean()
    both = torch.cat([fake, real])
    d = iou_distance(both, both)
    d.fill_diagonal_(float("inf"))
    nearest = d.argmin(1)
    is_fake = torch.arange(len(both)) < len(fake)
    nna = (is_fake[nearest] == is_fake).float().mean()
    return {"cov": float(cov), "mmd": float(mmd), "1nna": float(nna)}


def mean_shape(train: Tensor) -> Tensor:
    """The per-voxel mean occupancy, thresholded so that its volume is the mean volume of `train`."""
    mean = (train >= 0.5).float().mean(0)
    volume = int((train >= 0.5).flatten(1).sum(1).float().mean())
    level = mean.flatten().sort(descending=True).values[max(volume - 1, 0)]
    return (mean >= level).float()


def real_shapes(data: str, options: dict[str, Any], n: int, split: str, data_root: Any = None) -> Tensor:
    """`n` real grids of the data set's `split` (or of a folder), (n, 1, S, S, S)."""
    from gankit.registry import get_registry

    registry = get_registry()
    if data in registry.datasets:
        try:
            dataset = registry.datasets[data].load(options=options, root=data_root, split=split, n=n)
        except TypeError:
            raise GankitError(f"data set {data!r} has no {split} split; give a folder of held-out shapes") from None
    elif Path(data).expanduser().is_dir():  # ModelNet layout: its train/test folders; else every file
        from gankit_plugins.voxel.files import load_folder

        dataset = load_folder(Path(data).expanduser(), options, split=split)
    else:
        raise GankitError(f"--data {data}: give a voxel data set (primitives) or a folder of shapes")
    count = min(n, len(dataset))
    items = [dataset[i] for i in range(count)]
    return torch.stack([item[0] if isinstance(item, (tuple, list)) else item for item in items])


_CACHE: dict[tuple, dict[str, float]] = {}


def _all_scores(model, data: str | None, n: int, seed: int, data_root: Any) -> dict[str, float]:
    """COV, MMD, 1-NNA of the model and of the mean-shape baseline; one computation shared by the three metrics."""
    data = data or model.spec.default_dataset
    n = min(n, MAX_SHAPES)
    key = (id(model), data, n, seed)
    if key not in _CACHE:
        real = real_shapes(data, model.gan.options, n, "test", data_root)
        fake = model.generate(n, seed=seed)
        baseline = mean_shape(real_shapes(data, model.gan.options, n, "train", data_root))
        result = {"n_shapes": n, **scores(fake, real)}
        result |= {f"{k} mean-shape": v for k, v in scores(baseline.expand(n, *baseline.shape), real).items()}
        _CACHE.clear()
        _CACHE[key] = result
    return _CACHE[key]


def _metric(name: str):
    def metric(model, data: str | None = None, n: int = 500, seed: int = 0, data_root: Any = None) -> dict[str, float]:
        everything = _all_scores(model, data, n, seed, data_root)
        return {k: v for k, v in everything.items() if k == "n_shapes" or k.split(" ")[0] == name}

    metric.__name__ = name
    return metric


cov = _metric("cov")
mmd = _metric("mmd")
nna = _metric("1nna")
