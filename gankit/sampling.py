"""Latent-space operations: seeded latents, spherical interpolation, latent arithmetic, seed lists.

Seed ``s`` always maps to the same latent (see `GANModel.sample_latent`), so a sample seen in a grid
can be named by its seed in `interpolate` and `arithmetic`.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gankit.errors import GankitError


def slerp(a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """Spherical interpolation between latents `a` and `b` (same shape) at fractions `t` (1-D).

    Follows the great circle between the two directions and interpolates the norms linearly, so every
    point has a norm typical of the prior (a straight line would pass through unlikely low-norm latents).
    """
    a_flat, b_flat = a.reshape(-1).double(), b.reshape(-1).double()
    na, nb = a_flat.norm(), b_flat.norm()
    cos = torch.dot(a_flat / na, b_flat / nb).clamp(-1, 1)
    omega = torch.arccos(cos)
    t = t.double().reshape(-1, 1)
    if omega.abs() < 1e-6:  # (anti)parallel: fall back to a straight line
        directions = (1 - t) * (a_flat / na) + t * (b_flat / nb)
    else:
        directions = (torch.sin((1 - t) * omega) * (a_flat / na) + torch.sin(t * omega) * (b_flat / nb)) / torch.sin(omega)
    out = directions / directions.norm(dim=1, keepdim=True) * ((1 - t) * na + t * nb)
    return out.to(a.dtype).reshape(-1, *a.shape)


MAX_GROUP = 100_000
"""The most seeds one list may name (a group's latents are averaged; more adds nothing but memory)."""


def parse_seeds(text: str) -> list[int]:
    """``"1,2,5-8"`` → ``[1, 2, 5, 6, 7, 8]`` (non-negative integers and inclusive ranges)."""
    seeds: list[int] = []
    for part in str(text).replace(" ", "").split(","):
        if not part:
            continue
        try:
            lo, dash, hi = part.partition("-")
            first, last = int(lo), int(hi) if dash else int(lo)
            if first < 0 or last < first:
                raise ValueError
        except ValueError:
            raise GankitError(f"cannot read seeds {text!r}: use comma-separated integers and ranges, e.g. 1,2,5-8") from None
        if len(seeds) + last - first + 1 > MAX_GROUP:
            raise GankitError(f"seeds {text!r} name more than {MAX_GROUP:,} seeds; name fewer")
        seeds.extend(range(first, last + 1))
    if not seeds:
        raise GankitError(f"no seeds in {text!r}: use comma-separated integers and ranges, e.g. 1,2,5-8")
    return seeds
