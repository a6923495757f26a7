"""``shapes``: one coloured shape on a plain background, captioned by a fixed grammar (no download).

Captions: ``a {size} {colour} {shape} on a {colour} background`` with an optional `` in the {position}``, or the short
form ``{colour} {shape} on {colour}`` (size and position free). The shape's colour differs from the background's.
Six (colour, shape) pairs never appear in training (`UNSEEN`); every colour and shape still does, with other
partners. Rendering is deterministic in (seed, index): 4× supersampled, box-filtered down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw
from torch.utils.data import Dataset

from gankit.io import cached_arrays

SIZES = ("small", "large")
COLOURS = {"red": (220, 30, 30), "green": (30, 165, 50), "blue": (40, 70, 225), "yellow": (240, 220, 40),
           "purple": (140, 50, 175), "orange": (250, 140, 20), "white": (245, 245, 245), "black": (15, 15, 15)}
SHAPES = ("circle", "square", "triangle", "star", "cross", "heart")
POSITIONS = {"top left": (0.3, 0.3), "top right": (0.7, 0.3), "bottom left": (0.3, 0.7), "bottom right": (0.7, 0.7),
             "center": (0.5, 0.5)}
UNSEEN = (("red", "star"), ("blue", "heart"), ("green", "triangle"), ("yellow", "cross"), ("purple", "circle"),
          ("orange", "square"))
ATTRIBUTES = {"colour": tuple(COLOURS), "shape": SHAPES, "background": tuple(COLOURS), "size": SIZES, "position": tuple(POSITIONS)}
VOCABULARY = frozenset({"a", "on", "in", "the", "background", *SIZES, *COLOURS, *SHAPES, *" ".join(POSITIONS).split()})
VERSION = 1
DEFAULT_SIZE = 12000


@dataclass(frozen=True)
class Scene:
    """One picture's attributes; `named` says which of size and position its caption names."""

    colour: str
    shape: str
    background: str
    size: str
    position: str

    def caption(self, form: str = "long") -> str:
        """``long``: size and position named; ``plain``: size named; ``short``: colours and shape only."""
        if form == "short":
            return f"{self.colour} {self.shape} on {self.background}"
        text = f"a {self.size} {self.colour} {self.shape} on a {self.background} background"
        return text + (f" in the {self.position}" if form == "long" else "")

    def labels(self) -> list[int]:
        return [ATTRIBUTES[k].index(getattr(self, k)) for k in ATTRIBUTES]


def random_scene(r: np.random.Generator, seen_only: bool = True) -> Scene:
    while True:
        colour, background = r.choice(list(COLOURS), 2, replace=False)
        shape = SHAPES[r.integers(len(SHAPES))]
        if not (seen_only and (colour, shape) in UNSEEN):
            return Scene(str(colour), shape, str(background), SIZES[r.integers(2)], list(POSITIONS)[r.integers(len(POSITIONS))])


def outline(shape: str, cx: float, cy: float, radius: float) -> list[tuple[float, float]] | None:
    """Polygon points for `shape` (None for a circle, drawn as an ellipse)."""
    def polar(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(cx + radius * rr * math.cos(a), cy + radius * rr * math.sin(a)) for rr, a in points]

    if shape == "circle":
        return None
    if shape == "square":
        s = radius * 0.85
        return [(cx - s, cy - s), (cx + s, cy - s), (cx + s, cy + s), (cx - s, cy + s)]
    if shape == "triangle":
        return polar([(1.0, math.radians(a)) for a in (-90, 30, 150)])
    if shape == "star":
        return polar([(1.0 if i % 2 == 0 else 0.42, math.radians(-90 + 36 * i)) for i in range(10)])
    if shape == "cross":
        a, b = radius, radius * 0.34
        return [(cx - b, cy - a), (cx + b, cy - a), (cx + b, cy - b), (cx + a, cy - b), (cx + a, cy + b), (cx + b, cy + b),
                (cx + b, cy + a), (cx - b, cy + a), (cx - b, cy + b), (cx - a, cy + b), (cx - a, cy - b), (cx - b, cy - b)]
    if shape == "heart":
        t = np.linspace(0, 2 * math.pi, 60)
        x, y = 16 * np.sin(t) ** 3, -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        return [(cx + radius * px / 17, cy + radius * (py + 2) / 17) for px, py in zip(x, y)]
    raise ValueError(f"unknown shape {shape!r}")


def render(scene: Scene, size: int, r: np.random.Generator, supersample: int = 4) -> np.ndarray:
    """(size, size, 3) uint8 picture of `scene`, with a little jitter of place and size."""
    big = size * supersample
    image = Image.new("RGB", (big, big), COLOURS[scene.background])
    px, py = POSITIONS[scene.position]
    radius = (0.13 if scene.size == "small" else 0.25) * r.uniform(0.9, 1.1)
    cx, cy = (px + r.uniform(-0.04, 0.04)) * big, (py + r.uniform(-0.04, 0.04)) * big
    points = outline(scene.shape, cx, cy, radius * big)
    draw = ImageDraw.Draw(image)
    if points is None:
        draw.ellipse((cx - radius * big, cy - radius * big, cx + radius * big, cy + radius * big), fill=COLOURS[scene.colour])
    else:
        draw.polygon(points, fill=COLOURS[scene.colour])
    return np.asarray(image.resize((size, size), Image.Resampling.BOX))


def make_shapes(n: int, size: int, seed: int = 0, seen_only: bool = True) -> tuple[np.ndarray, list[str], np.ndarray]:
    """`n` pictures (uint8, N×size×size×3), their captions and attribute labels (N×5); cached once rendered."""
    def draw() -> dict[str, np.ndarray]:
        r = np.random.default_rng(seed)
        scenes = [random_scene(r, seen_only) for _ in range(n)]
        forms = r.choice(["long", "plain", "short"], n, p=[0.5, 0.3, 0.2])
        return {"images": np.stack([render(s, size, r) for s in scenes]),
                "captions": np.array([s.caption(str(f)) for s, f in zip(scenes, forms)]),
                "labels": np.array([s.labels() for s in scenes], dtype=np.int64)}

    arrays = cached_arrays(f"shapes-v{VERSION}-n{n}-s{size}-seed{seed}-{'seen' if seen_only else 'all'}.npz", draw)
    return arrays["images"], [str(c) for c in arrays["captions"]], arrays["labels"]


class Shapes(Dataset):
    """Items are (image in [-1, 1], caption embedding, attribute labels); `captions[i]` is item i's text."""

    def __init__(self, images: np.ndarray, captions: list[str], labels: np.ndarray, embeddings: torch.Tensor | None) -> None:
        self.images = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()  # uint8: a quarter of the memory
        self.captions, self.labels, self.embeddings = captions, torch.from_numpy(labels), embeddings

    def __len__(self) -> int:
        return len(self.captions)

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        image = self.images[index].float().div(127.5).sub(1)
        embedding = self.embeddings[index] if self.embeddings is not None else torch.zeros(0)
        return image, embedding, self.labels[index]


def load(options: dict[str, Any], root: Any = None, n: int = DEFAULT_SIZE, seed: int = 0) -> Shapes:
    """The data set at the model's final ``image_size``, captions embedded with its ``encoder`` (when it has one)."""
    images, captions, labels = make_shapes(n, options.get("image_size", 64), seed)
    embeddings = None
    if options.get("encoder"):
        from gankit.text import encode

        embeddings = encode(options["encoder"], captions)
    return Shapes(images, captions, labels, embeddings)
