"""Feature statistics in one streaming pass, and the Fréchet distance between two Gaussians.

Statistics are accumulated in float64 with Chan et al.'s pairwise update (mean and centred scatter per
batch, then merged), so memory is O(d²) whatever the number of images and no feature matrix is kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.linalg
from scipy.linalg.blas import dtrmm

from gankit.errors import GankitError


class RunningStats:
    """Mean and covariance (ddof=1, as ``np.cov``) of feature rows fed batch by batch."""

    def __init__(self, dims: int) -> None:
        self.n = 0
        self.mean = np.zeros(dims)
        self.scatter = np.zeros((dims, dims))

    def update(self, features: np.ndarray) -> None:
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.mean.shape[0]:
            raise GankitError(f"features of shape {x.shape} do not match the {self.mean.shape[0]}-d statistics")
        m = x.shape[0]
        if m == 0:
            return
        batch_mean = x.mean(0)
        centred = x - batch_mean
        delta = batch_mean - self.mean
        total = self.n + m
        self.scatter += centred.T @ centred + np.outer(delta, delta) * (self.n * m / total)
        self.mean += delta * (m / total)
        self.n = total

    @property
    def cov(self) -> np.ndarray:
        if self.n < 2:
            raise GankitError(f"need at least 2 images for statistics, got {self.n}")
        return self.scatter / (self.n - 1)


def save_stats(path: str | Path, mu: np.ndarray, sigma: np.ndarray) -> None:
    """pytorch-fid's .npz format: arrays ``mu`` and ``sigma``."""
    from gankit.io import atomic_path

    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, mu=mu, sigma=sigma)


def load_stats(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            mu, sigma = data["mu"].astype(np.float64), data["sigma"].astype(np.float64)
    except (OSError, ValueError, KeyError) as exc:
        raise GankitError(f"{path} is not a statistics file with arrays mu and sigma ({exc})") from None
    if mu.ndim != 1 or sigma.shape != (mu.shape[0], mu.shape[0]):
        raise GankitError(f"{path}: mu has shape {mu.shape} and sigma {sigma.shape}; expected (d,) and (d, d)")
    if not (np.isfinite(mu).all() and np.isfinite(sigma).all()):
        raise GankitError(f"{path}: mu or sigma holds NaN or inf values; compute the statistics again")
    return mu, sigma


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """‖μ1−μ2‖² + tr Σ1 + tr Σ2 − 2 tr √(Σ1Σ2), exactly and without complex numbers.

    tr √(Σ1Σ2) is the sum of square roots of the eigenvalues of Σ1Σ2, which are those of the symmetric
    Lᵀ Σ2 L for Σ1 = L Lᵀ (Cholesky). When Σ1 is singular (fewer samples than dimensions), √Σ1 from a
    symmetric eigen-decomposition takes L's place; tiny negative eigenvalues from rounding are clipped to 0.
    """
    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    sigma1, sigma2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise GankitError(f"the two sides have different feature sizes ({mu1.shape[0]} and {mu2.shape[0]}); use the same --features")
    if not (np.isfinite(sigma1).all() and np.isfinite(sigma2).all()):
        raise GankitError("the covariance matrices contain NaN or inf; the features are broken")
    try:
        factor = np.asfortranarray(scipy.linalg.cholesky(sigma1, lower=True, check_finite=False))
        # Lᵀ Σ2 L with two triangular products (half the work of general matrix products)
        middle = dtrmm(1.0, factor, np.asfortranarray(sigma2), side=1, lower=1)
        middle = dtrmm(1.0, factor, middle, side=0, lower=1, trans_a=1, overwrite_b=1)
    except np.linalg.LinAlgError:
        w, v = scipy.linalg.eigh(sigma1, check_finite=False)
        root = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
        middle = root @ sigma2 @ root
    eig = scipy.linalg.eigvalsh(middle, lower=True, driver="evd", check_finite=False, overwrite_a=True)
    trace_sqrt = np.sqrt(np.clip(eig, 0, None)).sum()
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt)
