"""Hand-made descriptors of a one-shape picture, for the second shapes judge (a non-convolutional family).

Per picture (resized to 64×64, values in [0, 1]):

- background colour: the median of the outer two-pixel ring;
- a soft mask of the shape: each pixel's colour distance from the background, scaled to [0, 1] above a noise
  floor (so that a mottled background adds no mass);
- shape colour (mask-weighted mean), area and log area, centroid, scale-free second moments, fill of the
  bounding box;
- radial profile: the mask's histogram of distance from the centroid over √area (10 bins);
- angular profile: the mask's Fourier moments r·e^{ikθ} around the centroid for k = 1…6 (cos and sin, over the
  first moment of r), which tell 3-, 4- and 5-fold shapes and their orientation apart.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

SIZE = 64
BINS = 10
HARMONICS = 6
DIMS = 3 + 3 + 2 + 2 + 3 + 1 + BINS + 2 * HARMONICS
MASK_DISTANCE = 0.3  # colour distance (RGB in [0, 1]) at which a pixel counts fully as shape
MASK_FLOOR = 0.1  # below this distance a pixel is background noise (generated backgrounds are never flat)


def descriptors(images: Tensor) -> Tensor:
    """(N, 3, H, W) pictures in [-1, 1] → (N, DIMS) descriptors."""
    x = (images.float().clamp(-1, 1) + 1) / 2
    if x.shape[-1] != SIZE:
        x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", antialias=True, align_corners=False)
    n = len(x)
    ring = torch.ones(SIZE, SIZE, dtype=torch.bool)
    ring[2:-2, 2:-2] = False
    background = x[:, :, ring].median(dim=2).values  # (N, 3)
    distance = (x - background[:, :, None, None]).norm(dim=1)
    mask = ((distance - MASK_FLOOR) / (MASK_DISTANCE - MASK_FLOOR)).clamp(0, 1).flatten(1)  # (N, P)
    mass = mask.sum(1).clamp_min(1.0)
    w = mask / mass[:, None]
    colour = (x.flatten(2) * (mask * mask)[:, None]).sum(2) / (mask * mask).sum(1).clamp_min(1e-6)[:, None]
    axis = (torch.arange(SIZE, dtype=torch.float32) + 0.5) / SIZE
    gy, gx = torch.meshgrid(axis, axis, indexing="ij")
    gx, gy = gx.flatten(), gy.flatten()
    cx, cy = w @ gx, w @ gy
    dx, dy = gx[None] - cx[:, None], gy[None] - cy[:, None]
    area = mass / SIZE**2
    scale = area.sqrt().clamp_min(1e-3)
    moments = torch.stack([(w * dx * dx).sum(1), (w * dy * dy).sum(1), (w * dx * dy).sum(1)], 1) / (scale * scale)[:, None]
    inside = mask > 0.5
    xs, ys = gx[None].expand(n, -1), gy[None].expand(n, -1)
    width = (xs.masked_fill(~inside, -1).amax(1) - xs.masked_fill(~inside, 2).amin(1)).clamp_min(1 / SIZE)
    height = (ys.masked_fill(~inside, -1).amax(1) - ys.masked_fill(~inside, 2).amin(1)).clamp_min(1 / SIZE)
    fill = (inside.float().sum(1) / SIZE**2 / (width * height)).clamp(0, 1)
    r = (dx * dx + dy * dy).sqrt() / scale[:, None]
    index = (r / 1.5 * BINS).long().clamp(0, BINS - 1)
    radial = torch.zeros(n, BINS).scatter_add_(1, index, w)
    theta = torch.atan2(dy, dx)
    first = (w * r).sum(1).clamp_min(1e-6)
    angular = [torch.stack([(w * r * torch.cos(k * theta)).sum(1), (w * r * torch.sin(k * theta)).sum(1)], 1) / first[:, None]
               for k in range(1, HARMONICS + 1)]
    return torch.cat([background, colour, torch.stack([area, area.clamp_min(1e-4).log()], 1), torch.stack([cx, cy], 1),
                      moments, fill[:, None], radial, *angular], 1)
