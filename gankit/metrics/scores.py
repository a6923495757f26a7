"""KID and precision/recall from feature matrices (these need the features themselves, not only statistics)."""

from __future__ import annotations

import numpy as np
import torch


def kid(real: np.ndarray, fake: np.ndarray, subsets: int = 100, subset_size: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Kernel Inception Distance (Bińkowski et al. 2018): unbiased MMD² with the kernel (x·y/d + 1)³.

    Averaged over random subsets; returns (mean, std over subsets).
    """
    rng = np.random.default_rng(seed)
    m = min(subset_size, len(real), len(fake))
    d = real.shape[1]
    values = []
    for _ in range(subsets):
        x = real[rng.choice(len(real), m, replace=False)].astype(np.float64)
        y = fake[rng.choice(len(fake), m, replace=False)].astype(np.float64)
        kxx, kyy, kxy = (x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3
        values.append((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.mean())
    return float(np.mean(values)), float(np.std(values))


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) with k-NN manifolds.

    Precision: the share of fake samples inside the real manifold (some real sample's k-NN ball);
    recall: the share of real samples inside the fake manifold.
    """
    real_t, fake_t = torch.from_numpy(real).double(), torch.from_numpy(fake).double()

    def radii(x: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.cdist(chunk, x).kthvalue(k + 1, dim=1).values for chunk in x.split(1024)])

    def inside(points: torch.Tensor, manifold: torch.Tensor, r: torch.Tensor) -> float:
        hits = [(torch.cdist(chunk, manifold) <= r).any(1) for chunk in points.split(1024)]
        return float(torch.cat(hits).double().mean())

    return inside(fake_t, real_t, radii(real_t)), inside(real_t, fake_t, radii(fake_t))
