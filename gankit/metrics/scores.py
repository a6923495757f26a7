"""The core's feature metrics: FID from statistics; KID and precision/recall/density/coverage from feature rows.

Each registered metric function takes the real and the generated `FeatureSet` and returns named numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gankit.errors import GankitError
from gankit.metrics.stats import frechet_distance


@dataclass
class FeatureSet:
    """One side's features: mean and covariance, how many samples (None for saved statistics), the rows if kept."""

    mu: np.ndarray
    sigma: np.ndarray
    n: int | None
    features: np.ndarray | None


def fid(real: FeatureSet, fake: FeatureSet) -> dict[str, float]:
    return {"fid": frechet_distance(real.mu, real.sigma, fake.mu, fake.sigma)}


def kid_metric(real: FeatureSet, fake: FeatureSet) -> dict[str, float]:
    mean, std = kid(real.features, fake.features)
    return {"kid": mean, "kid_std": std}


def prdc_metric(real: FeatureSet, fake: FeatureSet, k: int = 3) -> dict[str, float]:
    fewest = min(len(real.features), len(fake.features))
    if fewest <= k:
        raise GankitError(f"precision/recall need more than k = {k} samples per side; got {fewest}: raise --n")
    return prdc(real.features, fake.features, k)


KID_SUBSET_SIZE = 1000


def kid(real: np.ndarray, fake: np.ndarray, subsets: int = 100, subset_size: int = KID_SUBSET_SIZE,
        seed: int = 0) -> tuple[float, float]:
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


def prdc(real: np.ndarray, fake: np.ndarray, k: int = 3) -> dict[str, float]:
    """Precision and recall (Kynkäänniemi et al. 2019), density and coverage (Naeem et al. 2020), k-NN manifolds.

    Each sample's ball reaches its k-th nearest neighbour within its own set. Precision: share of fake samples
    inside some real ball; recall: share of real samples inside some fake ball; density: mean number of real
    balls holding a fake sample, over k; coverage: share of real balls holding at least one fake sample.
    """
    import torch

    real_t, fake_t = torch.from_numpy(real).double(), torch.from_numpy(fake).double()

    def radii(x: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.cdist(chunk, x).kthvalue(k + 1, dim=1).values for chunk in x.split(1024)])

    real_r, fake_r = radii(real_t), radii(fake_t)
    inside_real = torch.cat([torch.cdist(chunk, real_t) <= real_r for chunk in fake_t.split(1024)])  # (fake, real)
    recall_hits = torch.cat([(torch.cdist(chunk, fake_t) <= fake_r).any(1) for chunk in real_t.split(1024)])
    return {
        "precision": float(inside_real.any(1).double().mean()),
        "recall": float(recall_hits.double().mean()),
        "density": float(inside_real.double().sum(1).mean() / k),
        "coverage": float(inside_real.any(0).double().mean()),
    }
