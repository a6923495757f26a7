"""Writing generated images: PNG grids, one PNG per sample, GIF animations. Inputs are in [-1, 1]."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from gankit.io import atomic_path


def to_uint8(images: Tensor) -> np.ndarray:
    """(N, C, H, W) in [-1, 1] → (N, H, W, C) uint8."""
    x = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).numpy()


def grid(images: Tensor, nrow: int | None = None, padding: int = 2) -> Image.Image:
    """Tile a batch into one picture, `nrow` images per row (default: as square as possible)."""
    arr = to_uint8(images)
    n, h, w, c = arr.shape
    nrow = nrow or max(1, math.ceil(math.sqrt(n)))
    rows = math.ceil(n / nrow)
    canvas = np.zeros((rows * (h + padding) + padding, nrow * (w + padding) + padding, c), np.uint8)
    for i, img in enumerate(arr):
        r, col = divmod(i, nrow)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        canvas[y : y + h, x : x + w] = img
    return _pil(canvas)


def _pil(arr: np.ndarray) -> Image.Image:
    return Image.fromarray(arr[..., 0] if arr.shape[-1] == 1 else arr)


def save_image(image: Image.Image, path: str | Path, **kwargs) -> Path:
    """Save atomically (never a half-written file); the format follows the suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        image.save(tmp, format=Image.registered_extensions().get(path.suffix.lower(), "PNG"), **kwargs)
    return path


def save_each(images: Tensor, folder: str | Path) -> list[Path]:
    """One PNG per sample: ``0000.png``, ``0001.png``, …"""
    return [save_image(_pil(img), Path(folder) / f"{i:04d}.png") for i, img in enumerate(to_uint8(images))]


def save_gif(frames: Sequence[Image.Image], path: str | Path, fps: float = 8, boomerang: bool = True) -> Path:
    """An endlessly looping GIF; `boomerang` plays it forwards then backwards."""
    frames = list(frames)
    if boomerang and len(frames) > 2:
        frames = frames + frames[-2:0:-1]
    return save_image(frames[0], path, save_all=True, append_images=frames[1:], duration=int(1000 / fps), loop=0)
