"""Rotation-invariant shape descriptors of occupancy grids, for the descriptor judge (a non-convolutional family).

Per grid, in the frame of its principal axes (eigenvectors of the occupied voxels' covariance, each axis signed so
that the shape's third moment along it is ≥ 0):

- size and form: √ of the three eigenvalues, their two ratios, log volume fraction, fill of the principal box;
- profiles: occupied-voxel histograms along each axis (10 bins) and of the distance to the centroid (10 bins);
- skewness and kurtosis along each axis; the four-fold angular moment in each principal plane (square vs round
  sections);
- the Euler characteristic of the solid (1 for a ball, 0 for a solid torus).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

BINS = 10
DIMS = 3 + 2 + 1 + 1 + 3 * BINS + BINS + 3 + 3 + 3 + 1


def euler_characteristic(grids: Tensor) -> Tensor:
    """χ = V − E + F − C of the union of the occupied closed unit cubes, per grid of (N, 1, S, S, S) in {0, 1}."""
    g = F.pad(grids, (1, 1, 1, 1, 1, 1))

    def count(kernel: tuple[int, int, int]) -> Tensor:
        return F.max_pool3d(g, kernel, stride=1).flatten(1).sum(1)

    edges = count((2, 2, 1)) + count((2, 1, 2)) + count((1, 2, 2))
    faces = count((2, 1, 1)) + count((1, 2, 1)) + count((1, 1, 2))
    return count((2, 2, 2)) - edges + faces - grids.flatten(1).sum(1)


def _histogram(values: Tensor, weights: Tensor, low: float, high: float) -> Tensor:
    """Weighted histograms of (N, V) values in BINS bins over [low, high] (clamped), one row per grid."""
    index = ((values - low) / (high - low) * BINS).long().clamp(0, BINS - 1)
    return torch.zeros(len(values), BINS, dtype=values.dtype).scatter_add_(1, index, weights)


def descriptors(grids: Tensor) -> Tensor:
    """(N, 1, S, S, S) grids in {0, 1} → (N, DIMS) descriptors (all zeros for an empty grid)."""
    size = grids.shape[-1]
    occ = grids.flatten(1).float()
    mass = occ.sum(1, keepdim=True)
    w = occ / mass.clamp_min(1)
    axis = (torch.arange(size, dtype=torch.float32) + 0.5) / size * 2 - 1
    points = torch.stack(torch.meshgrid(axis, axis, axis, indexing="ij"), -1).reshape(-1, 3)
    centred = points[None] - (w @ points)[:, None]  # (N, V, 3)
    cov = (centred * w[..., None]).transpose(1, 2) @ centred
    eigenvalues, vectors = torch.linalg.eigh(cov)  # ascending
    eigenvalues, vectors = eigenvalues.flip(1).clamp_min(1e-9), vectors.flip(2)
    u = centred @ vectors  # coordinates along the principal axes, largest first
    sd = eigenvalues.sqrt()
    z = u / sd[:, None]
    skew = (w[..., None] * z ** 3).sum(1)
    sign = torch.where(skew < 0, -1.0, 1.0).to(z.dtype)
    z, skew = z * sign[:, None], skew.abs()
    kurtosis = (w[..., None] * z ** 4).sum(1)
    inside = occ[..., None] > 0
    extent = (u.masked_fill(~inside, -9).amax(1) - u.masked_fill(~inside, 9).amin(1)).clamp_min(2 / size)
    fill = mass[:, 0] * (2 / size) ** 3 / extent.prod(1)
    radius = centred.norm(dim=2) / eigenvalues.sum(1).sqrt()[:, None]
    angular = []
    for a, b in ((0, 1), (0, 2), (1, 2)):  # r⁴·cos 4θ = a⁴ − 6a²b² + b⁴, r⁴·sin 4θ = 4ab(a² − b²)
        x, y = z[..., a], z[..., b]
        x2, y2 = x * x, y * y
        cos4, sin4 = (w * (x2 * x2 - 6 * x2 * y2 + y2 * y2)).sum(1), (w * 4 * x * y * (x2 - y2)).sum(1)
        angular.append(torch.hypot(cos4, sin4) / (w * (x2 + y2) ** 2).sum(1).clamp_min(1e-9))
    out = torch.cat([
        sd, (eigenvalues[:, 1:] / eigenvalues[:, :1]), (mass / size ** 3).clamp_min(1e-6).log(), fill[:, None],
        *[_histogram(z[..., k], w, -3.0, 3.0) for k in range(3)], _histogram(radius, w, 0.0, 2.5),
        skew, kurtosis, torch.stack(angular, 1), euler_characteristic(grids.float())[:, None],
    ], 1)
    return torch.where(mass > 0, out, torch.zeros_like(out))
