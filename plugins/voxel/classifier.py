"""Two judges of generated primitives, trained by ``scripts/train_voxel_judges.py`` and shipped with the plugin.

- ``VoxelClassifier``: a small 3D CNN on the occupancy grid; its 128-d penultimate layer is also the ``voxel``
  feature space of FID-style metrics.
- ``DescriptorClassifier``: another family — an MLP on hand-made, rotation-invariant shape descriptors
  (``gankit_plugins.voxel.descriptors``), no convolution over the grid.

Both read the main solid of what a user sees: the grid thresholded at 0.5 and resampled to 32³, its largest
connected piece with inner cavities filled (loose specks and sealed bubbles say nothing about the primitive). Both
learn clean primitives and primitives roughened to look generated (``roughen``), so that they do not read a lumpy
blob as a confident sphere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from scipy import ndimage
from torch import Tensor, nn

from gankit_plugins.voxel.descriptors import DIMS, descriptors
from gankit_plugins.voxel.primitives import CLASSES
from gankit_plugins.voxel.quality import MAX_SHAPES

WEIGHTS = Path(__file__).parent / "weights"
CNN_WEIGHTS = WEIGHTS / "voxel-classifier.safetensors"
DESCRIPTOR_WEIGHTS = WEIGHTS / "descriptor-classifier.safetensors"
SIZE = 32


def binary_grids(x: Tensor) -> Tensor:
    """(N, 1, S, S, S) occupancies → (N, 1, 32, 32, 32) in {0, 1}: thresholded at 0.5, resampled to 32³, and
    reduced to the main solid (``main_solid``)."""
    x = x.float()
    if x.shape[-1] != SIZE:
        x = F.interpolate(x, size=(SIZE,) * 3, mode="trilinear", align_corners=False)
    return main_solid(x >= 0.5)


def main_solid(grids: Tensor) -> Tensor:
    """Boolean (N, 1, S, S, S) → float {0, 1}: per grid, its largest face-connected piece, inner cavities filled."""
    out = np.zeros(grids.shape, dtype=np.float32)
    for i, grid in enumerate(grids[:, 0].cpu().numpy()):
        pieces, count = ndimage.label(grid)
        if count:
            largest = np.bincount(pieces.ravel())[1:].argmax() + 1
            out[i, 0] = ndimage.binary_fill_holes(pieces == largest)
    return torch.from_numpy(out).to(grids.device)


def roughen(grids: Tensor, generator: torch.Generator) -> Tensor:
    """Solid {0, 1} primitives made to look generated, each by its own random amount: rounded (blurred and
    thresholded off-centre: eroded or swollen), surface voxels flipped, loose specks added."""
    n = len(grids)

    def per_grid(low: float, high: float) -> Tensor:
        return (low + (high - low) * torch.rand(n, generator=generator)).view(n, 1, 1, 1, 1)

    blurred = F.avg_pool3d(F.avg_pool3d(grids.float(), 3, 1, 1), 3, 1, 1)
    x = (blurred >= per_grid(0.35, 0.65)).float()
    near = F.avg_pool3d(x, 3, 1, 1)
    surface = (near > 0) & (near < 1)
    x = torch.where(surface & (torch.rand(x.shape, generator=generator) < per_grid(0.0, 0.3)), 1 - x, x)
    return torch.where(torch.rand(x.shape, generator=generator) < per_grid(0.0, 5e-4), torch.ones_like(x), x)


class VoxelClassifier(nn.Module):
    """(N, 1, S, S, S) occupancies → one logit per primitive class; `features` gives the 128-d embedding."""

    def __init__(self) -> None:
        super().__init__()

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv3d(cin, cout, 3, padding=1), nn.BatchNorm3d(cout), nn.ReLU(True), nn.MaxPool3d(2)]

        self.body = nn.Sequential(*block(1, 16), *block(16, 32), *block(32, 64), nn.Flatten(),
                                  nn.Linear(64 * 4 ** 3, 128), nn.ReLU(True))
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(128, len(CLASSES)))

    def features(self, x: Tensor) -> Tensor:
        return self.body(binary_grids(x) * 2 - 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))


class DescriptorClassifier(nn.Module):
    """(N, 1, S, S, S) occupancies → class logits from standardised shape descriptors through an MLP."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(DIMS))
        self.register_buffer("std", torch.ones(DIMS))
        self.mlp = nn.Sequential(nn.Linear(DIMS, 128), nn.ReLU(True), nn.Linear(128, 128), nn.ReLU(True),
                                 nn.Linear(128, len(CLASSES)))

    def forward(self, x: Tensor) -> Tensor:
        return self.mlp((descriptors(binary_grids(x)) - self.mean) / self.std)


JUDGES = ("cnn", "descriptors")


def load_judge(kind: str = "cnn", path: str | Path | None = None) -> nn.Module:
    """The shipped classifier of `kind` (``cnn`` or ``descriptors``), or its weights from `path`."""
    model, default = (VoxelClassifier(), CNN_WEIGHTS) if kind == "cnn" else (DescriptorClassifier(), DESCRIPTOR_WEIGHTS)
    model.load_state_dict({k: v.float() for k, v in load_file(str(path or default)).items()})
    return model.eval()


@torch.no_grad()
def read_shapes(grids: Tensor, judge: nn.Module, threshold: float = 0.9) -> dict:
    """How primitive-like `grids` are to `judge`: the share read with probability ≥ `threshold`, class shares, and
    per class the share read as it with probability ≥ `threshold`."""
    probs = torch.cat([judge(chunk).softmax(1) for chunk in grids.split(128)])
    top, label = probs.max(1)
    shares = torch.bincount(label, minlength=len(CLASSES)).float() / len(label)
    confident = torch.bincount(label[top >= threshold], minlength=len(CLASSES)).float() / len(label)
    return {"confident": float((top >= threshold).float().mean()), "min_class_share": float(shares.min()),
            "class_shares": {name: round(float(s), 4) for name, s in zip(CLASSES, shares)},
            "confident_class_shares": {name: round(float(s), 4) for name, s in zip(CLASSES, confident)}}


def classes(model, data: str | None = None, n: int = 500, seed: int = 0, data_root: Any = None) -> dict[str, float]:
    """The ``classes`` metric: how many of `n` samples each judge reads as a primitive with p ≥ 0.9, and the
    smallest class share (a model that drops a class scores 0 there). `data` is not read: the judges know primitives."""
    grids = model.generate(min(n, MAX_SHAPES), seed=seed)
    result: dict[str, float] = {"n_shapes": len(grids)}
    for kind in JUDGES:
        read = read_shapes(grids, load_judge(kind))
        result[f"classes confident {kind}"] = read["confident"]
        result[f"classes min-share {kind}"] = read["min_class_share"]
    return result


class VoxelFeatures(nn.Module):
    """The ``voxel`` feature extractor: occupancy grids (any size, resampled to 32³) → the CNN's 128-d embedding."""

    dims = 128

    def __init__(self, classifier: VoxelClassifier) -> None:
        super().__init__()
        self.classifier = classifier

    def forward(self, grids: Tensor) -> Tensor:
        return self.classifier.features(grids)


def feature_extractor(weights: str | None = None) -> VoxelFeatures:
    """Loader for the ``voxel`` feature space (the shipped CNN unless `weights` names a file)."""
    return VoxelFeatures(load_judge("cnn", weights)).eval()
