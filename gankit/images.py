"""Writing generated images: PNG grids, one PNG per sample, GIF animations, raw arrays (inputs in [-1, 1]); and
reading users' pictures as 8-bit (`as_8bit`).

The ``write_*`` functions and `preview` are the image tasks' writers and preview (see `gankit.builtin`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from gankit.io import atomic_path


BACKGROUND = (255, 255, 255)
"""Transparent pixels of users' pictures are composited onto this colour (white), as viewers show them."""
WIDE_GREYS = {"I", "I;16", "I;16B", "I;16L", "I;16N"}


def as_8bit(image: Image.Image, channels: int = 3) -> Image.Image:
    """A user's picture as 8-bit grey (`channels` 1) or RGB, whatever it was stored as: 16-bit greys are scaled by
    their bit depth (not clipped to white), transparency is composited onto `BACKGROUND` (not dropped)."""
    if image.mode in WIDE_GREYS:
        values = np.asarray(image, dtype=np.float64)
        wide = image.mode != "I" or values.max() > 255  # mode I holding 0…255 is 8-bit data already
        image = Image.fromarray(np.clip(values / 257 if wide else values, 0, 255).round().astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (*BACKGROUND, 255)), rgba)
    return image.convert("L" if channels == 1 else "RGB")


def to_uint8(images: Tensor) -> np.ndarray:
    """(N, C, H, W) in [-1, 1] → (N, H, W, C) uint8."""
    x = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).numpy()


def from_uint8(images: np.ndarray) -> Tensor:
    """(N, H, W, C) uint8 → (N, C, H, W) float in [-1, 1]: the inverse of `to_uint8`."""
    return torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1)


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


def enlarge(image: Image.Image, scale: int) -> Image.Image:
    """`scale` times larger, nearest neighbour (pixels stay crisp)."""
    return image if scale == 1 else image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)


def save_gif(frames: Sequence[Image.Image], path: str | Path, fps: float = 8, boomerang: bool = True) -> Path:
    """An endlessly looping GIF; `boomerang` plays it forwards then backwards."""
    frames = list(frames)
    if boomerang and len(frames) > 2:
        frames = frames + frames[-2:0:-1]
    return save_image(frames[0], path, save_all=True, append_images=frames[1:], duration=int(1000 / fps), loop=0)


# -- the image tasks' writers and preview ------------------------------------------------------------
def write_grid(images: Tensor, path: Path, columns: int | None = None, nrow: int = 0, scale: int = 1) -> str:
    save_image(enlarge(grid(images, nrow=nrow or columns), scale), path)
    return f"a grid of {len(images)} samples"


def write_gif(images: Tensor, path: Path, columns: int | None = None, fps: float = 8, scale: int = 1,
              boomerang: bool = True) -> str:
    save_gif([enlarge(grid(img[None], padding=0), scale) for img in images], path, fps=fps, boomerang=boomerang)
    return f"an animation of {len(images)} frames"


def write_folder(images: Tensor, folder: Path, columns: int | None = None, scale: int = 1) -> str:
    files = [save_image(enlarge(_pil(img), scale), folder / f"{i:04d}.png") for i, img in enumerate(to_uint8(images))]
    return f"{len(files)} samples ({files[0].name} … {files[-1].name})"


def write_npy(images: Tensor, path: Path, columns: int | None = None) -> str:
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, images.detach().float().cpu().numpy())
    return f"{len(images)} samples as an array of shape {tuple(images.shape)}"


def preview(images: Tensor) -> Image.Image:
    """Up to 64 samples in a grid 8 wide."""
    return grid(images[:64].float(), nrow=min(8, len(images)))
