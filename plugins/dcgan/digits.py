"""``digits``: handwritten-like digits 0–9 rendered procedurally from pen strokes, with labels.

Each digit is a few strokes (lines, arcs, Bézier curves) in a unit box. Every sample draws its own
style: stroke variants, slant, rotation, width, position, pen thickness and a smooth elastic wobble.
Strokes are drawn with a round pen at 4× resolution and box-filtered down, white on black like MNIST.
Rendering is deterministic in (seed, index) and needs no download or font.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
from PIL import Image, ImageDraw
from torch.utils.data import TensorDataset

from gankit.io import cached_arrays

Stroke = np.ndarray  # (k, 2) points, x right, y down, in the unit box
DEFAULT_SIZE = 20000
VERSION = 1  # bump when rendering changes, to invalidate caches


def line(*points: tuple[float, float]) -> Stroke:
    pts = np.asarray(points, dtype=np.float64)
    out = [np.linspace(a, b, 6, endpoint=False) for a, b in zip(pts[:-1], pts[1:])]
    return np.concatenate([*out, pts[-1:]])


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> Stroke:
    """Elliptic arc; angles in degrees, 0° = right, 90° = down."""
    t = np.radians(np.linspace(start, end, max(8, int(abs(end - start) / 12))))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)


def bezier(*points: tuple[float, float]) -> Stroke:
    """Quadratic (3 points) or cubic (4 points) Bézier curve."""
    p = np.asarray(points, dtype=np.float64)
    t = np.linspace(0, 1, 16)[:, None]
    if len(p) == 3:
        return (1 - t) ** 2 * p[0] + 2 * (1 - t) * t * p[1] + t**2 * p[2]
    return (1 - t) ** 3 * p[0] + 3 * (1 - t) ** 2 * t * p[1] + 3 * (1 - t) * t**2 * p[2] + t**3 * p[3]


def _zero(r: np.random.Generator) -> list[Stroke]:
    w = r.uniform(0.22, 0.32)
    return [arc(0.5, 0.5, w, 0.42, -90, 270 + r.uniform(-5, 15))]


def _one(r: np.random.Generator) -> list[Stroke]:
    strokes = [line((0.5, 0.08), (0.5, 0.92))]
    if r.random() < 0.55:
        strokes.append(line((0.32, 0.26), (0.5, 0.08)))
    if r.random() < 0.25:
        strokes.append(line((0.32, 0.92), (0.68, 0.92)))
    return strokes


def _two(r: np.random.Generator) -> list[Stroke]:
    end = (0.2, 0.92)
    top = arc(0.5, 0.32, 0.27, 0.24, 190, 380)
    if r.random() < 0.5:
        return [top, line(tuple(top[-1]), end, (0.82, 0.92))]
    return [top, bezier(tuple(top[-1]), (0.5, 0.62), end), bezier(end, (0.45, 0.84), (0.84, 0.93))]


def _three(r: np.random.Generator) -> list[Stroke]:
    mid = r.uniform(0.44, 0.52)
    return [arc(0.5, mid / 2 + 0.05, 0.24, mid / 2 - 0.05, 200, 450), arc(0.5, (mid + 0.92) / 2, 0.28, (0.92 - mid) / 2, 270, 520)]


def _four(r: np.random.Generator) -> list[Stroke]:
    bar = r.uniform(0.58, 0.68)
    if r.random() < 0.6:
        return [line((0.66, 0.92), (0.66, 0.08), (0.16, bar), (0.86, bar))]
    return [line((0.3, 0.08), (0.2, bar), (0.86, bar)), line((0.66, 0.3), (0.66, 0.92))]


def _five(r: np.random.Generator) -> list[Stroke]:
    return [line((0.78, 0.08), (0.3, 0.08), (0.27, 0.46)), arc(0.48, 0.65, 0.28, 0.26, 220, 500)]


def _six(r: np.random.Generator) -> list[Stroke]:
    return [bezier((0.72, 0.08), (0.28, 0.22), (0.25, 0.68)), arc(0.5, 0.68, 0.25, 0.24, 180, 540)]


def _seven(r: np.random.Generator) -> list[Stroke]:
    strokes = [line((0.18, 0.1), (0.82, 0.1)), bezier((0.82, 0.1), (0.6, 0.45), (0.42, 0.92))]
    if r.random() < 0.25:
        strokes.append(line((0.38, 0.5), (0.76, 0.5)))
    return strokes


def _eight(r: np.random.Generator) -> list[Stroke]:
    mid = r.uniform(0.45, 0.52)
    return [arc(0.5, mid / 2 + 0.04, 0.2, mid / 2 - 0.04, 0, 360), arc(0.5, (mid + 0.92) / 2, 0.26, (0.92 - mid) / 2, 0, 360)]


def _nine(r: np.random.Generator) -> list[Stroke]:
    loop = arc(0.48, 0.31, 0.24, 0.23, 0, 360)
    if r.random() < 0.5:
        return [loop, line((0.72, 0.31), (0.66, 0.92))]
    return [loop, bezier((0.72, 0.31), (0.74, 0.72), (0.45, 0.92))]


DIGITS: list[Callable[[np.random.Generator], list[Stroke]]] = [
    _zero, _one, _two, _three, _four, _five, _six, _seven, _eight, _nine,
]


def style(strokes: list[Stroke], r: np.random.Generator) -> list[Stroke]:
    """Random handwriting: elastic wobble, slant, rotation, width, height and position."""
    freq = r.uniform(0.5, 1.5, (2, 2))
    phase = r.uniform(0, 2 * np.pi, 2)
    amp = r.uniform(0.0, 0.045, 2)
    angle = np.radians(r.uniform(-12, 12))
    shear = r.uniform(-0.3, 0.3)
    sx, sy = r.uniform(0.75, 1.1), r.uniform(0.85, 1.05)
    shift = r.uniform(-0.05, 0.05, 2)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    affine = rot @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([sx, sy])
    out = []
    for s in strokes:
        wobble = amp * np.sin(2 * np.pi * s @ freq + phase)
        out.append(((s + wobble) - 0.5) @ affine.T + shift)  # centred at the origin
    return out


def render(strokes: list[Stroke], thickness: float, size: int, supersample: int = 4) -> np.ndarray:
    """Rasterise centred strokes into a (size, size) uint8 image, anti-aliased by supersampling."""
    big = size * supersample
    scale = 0.72 * big  # the digit's box spans ~72% of the image, like MNIST's 20 of 28 pixels
    canvas = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(canvas)
    width = max(1, round(thickness * scale))
    for s in strokes:
        pts = [tuple(p) for p in (s * scale + big / 2)]
        draw.line(pts, fill=255, width=width)
        for x, y in pts:  # a round pen: fill the joints and ends
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    return np.asarray(canvas.resize((size, size), Image.Resampling.BOX))


def make_digits(n: int, size: int = 32, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """`n` digits (balanced classes, shuffled) in [-1, 1] and their labels; deterministic in `seed`.

    Rendered once (about 0.4 ms a digit) and cached in gankit's cache folder.
    """
    def draw() -> dict[str, np.ndarray]:
        r = np.random.default_rng(seed)
        labels = r.permutation(np.arange(n) % 10)
        return {"images": np.stack([render(style(DIGITS[d](r), r), r.uniform(0.07, 0.13), size) for d in labels]),
                "labels": labels}

    arrays = cached_arrays(f"digits-v{VERSION}-n{n}-s{size}-seed{seed}.npz", draw)
    images, labels = arrays["images"], arrays["labels"]
    x = torch.from_numpy(images).float().div_(127.5).sub_(1).unsqueeze(1)
    return x, torch.from_numpy(labels).long()


def load(options: dict[str, Any], root: Any = None, n: int = DEFAULT_SIZE, seed: int = 0) -> TensorDataset:
    """The data set at the model's ``image_size`` and ``channels`` (grey digits repeated for RGB)."""
    images, labels = make_digits(n, options.get("image_size", 32), seed)
    if options.get("channels", 1) == 3:
        images = images.repeat(1, 3, 1, 1)
    return TensorDataset(images, labels)
