"""``faces``: cartoon faces with independent, labelled attributes, drawn procedurally (no download).

Every face draws each attribute independently — glasses, beard, smile, hair colour, hair length, skin tone,
background — plus unlabelled jitter: head position, size, roll and turn, eye spacing, shirt colour. Shapes are
polygons in the face's own frame, mapped by one similarity transform and drawn at 4× resolution, then
box-filtered down. Deterministic in (seed, index); ``make_faces`` caches the rendered set.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw
from torch.utils.data import TensorDataset

from gankit.images import from_uint8
from gankit.io import cached_arrays

ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "glasses": ("no", "yes"),
    "beard": ("no", "yes"),
    "smile": ("no", "yes"),
    "long_hair": ("no", "yes"),
    "hair_colour": ("black", "brown", "blond", "red", "grey"),
    "skin_tone": ("light", "fair", "tan", "dark"),
    "background": ("blue", "green", "pink", "lavender", "teal"),
}
"""Each attribute's values; a label is the value's index. Two-valued attributes are the binary ones."""
BINARY = tuple(name for name, values in ATTRIBUTES.items() if values == ("no", "yes"))

HAIR = [(35, 28, 26), (112, 70, 38), (226, 190, 105), (184, 68, 30), (168, 168, 174)]
SKIN = [(255, 226, 200), (236, 192, 150), (186, 134, 92), (112, 74, 50)]
BACKGROUND = [(120, 170, 230), (140, 205, 135), (236, 150, 170), (180, 160, 228), (70, 150, 150)]
DEFAULT_SIZE = 20000
VERSION = 1  # bump when drawing changes, to invalidate caches


def ellipse(cx: float, cy: float, rx: float, ry: float, start: float = 0, end: float = 360, k: int = 40) -> np.ndarray:
    """Points on an ellipse (angles in degrees, 0° = right, 90° = down)."""
    t = np.radians(np.linspace(start, end, k))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)


class Canvas:
    """A supersampled RGB picture that takes polygons in face coordinates (head centre at 0, head height ~1)."""

    def __init__(self, size: int, background: tuple[int, int, int], transform: np.ndarray, origin: np.ndarray) -> None:
        self.scale = 4 * size
        self.image = Image.new("RGB", (self.scale, self.scale), background)
        self.draw = ImageDraw.Draw(self.image)
        self.transform, self.origin = transform, origin

    def points(self, pts: np.ndarray) -> list[tuple[float, float]]:
        return [tuple(p) for p in (pts @ self.transform.T + self.origin) * self.scale]

    def fill(self, pts: np.ndarray, colour: tuple[int, int, int]) -> None:
        self.draw.polygon(self.points(pts), fill=colour)

    def line(self, pts: np.ndarray, colour: tuple[int, int, int], width: float) -> None:
        w = max(1, round(width * self.scale * np.sqrt(abs(np.linalg.det(self.transform)))))
        self.draw.line(self.points(pts), fill=colour, width=w, joint="curve")

    def finish(self, size: int) -> np.ndarray:
        return np.asarray(self.image.resize((size, size), Image.Resampling.BOX))


def shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return tuple(int(min(255, max(0, c * factor))) for c in colour)  # type: ignore[return-value]


def draw_face(labels: dict[str, int], r: np.random.Generator, size: int = 64) -> np.ndarray:
    """One (size, size, 3) uint8 face with the given attribute labels and random, unlabelled jitter."""
    angle = np.radians(r.uniform(-10, 10))
    scale = r.uniform(0.42, 0.52)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) * scale
    origin = np.array([0.5 + r.uniform(-0.05, 0.05), 0.47 + r.uniform(-0.04, 0.04)])
    c = Canvas(size, BACKGROUND[labels["background"]], rotation, origin)
    hair, skin = HAIR[labels["hair_colour"]], SKIN[labels["skin_tone"]]
    turn = r.uniform(-0.07, 0.07)  # features shift sideways: the head turns a little
    width, height = r.uniform(0.36, 0.44), 0.5

    if labels["long_hair"]:
        c.fill(np.concatenate([ellipse(0, -0.02, width + 0.1, height + 0.06, 180, 360),
                               [[width + 0.12, 0.62], [-width - 0.12, 0.62]]]), hair)
    shirt = tuple(int(v) for v in r.integers(40, 220, 3))
    c.fill(np.concatenate([ellipse(0, 1.0, 0.75, 0.42, 180, 360), [[0.75, 1.2], [-0.75, 1.2]]]), shirt)
    c.fill(np.array([[-0.13, 0.3], [0.13, 0.3], [0.15, 0.7], [-0.15, 0.7]]), shade(skin, 0.9))  # neck
    for side in (-1, 1):
        c.fill(ellipse(side * width, 0.03, 0.07, 0.11), shade(skin, 0.95))  # ears
    c.fill(ellipse(0, 0, width, height), skin)

    if labels["beard"]:
        c.fill(np.concatenate([ellipse(turn, 0.02, width * 0.98, height * 0.98, 0, 180),
                               ellipse(turn, 0.2, width * 0.55, 0.1, 180, 0)]), shade(hair, 0.85))
    cap = ellipse(0, -0.02, width + 0.04, height + 0.04, 180, 360)
    fringe = ellipse(turn * 0.5, -0.18, width + 0.02, r.uniform(0.06, 0.12), 0, 180)[::-1]
    c.fill(np.concatenate([cap, fringe]), hair)

    eye_y, gap = r.uniform(-0.06, 0.0), r.uniform(0.14, 0.18)
    lens = (0.115, 0.09)
    for side in (-1, 1):
        x = turn + side * gap
        if labels["glasses"]:
            c.fill(ellipse(x, eye_y, *lens), (214, 234, 246))
        c.fill(ellipse(x, eye_y, 0.07, 0.045), (250, 250, 250))
        c.fill(ellipse(x + turn * 0.3, eye_y, 0.032, 0.038), (40, 30, 30))
        c.line(np.array([[x - 0.07, eye_y - 0.1], [x + 0.07, eye_y - 0.11 + side * 0.01]]), shade(hair, 0.7), 0.03)
    c.line(np.array([[turn * 1.3, eye_y + 0.04], [turn * 1.3 - 0.03, 0.13], [turn * 1.3 + 0.02, 0.15]]),
           shade(skin, 0.7), 0.02)

    mouth_y = r.uniform(0.24, 0.28)
    lips = (150, 40, 50)
    if labels["smile"]:
        c.fill(np.concatenate([[[turn - 0.14, mouth_y - 0.02], [turn + 0.14, mouth_y - 0.02]],
                               ellipse(turn, mouth_y - 0.02, 0.14, 0.1, 0, 180)]), lips)
        c.fill(np.array([[turn - 0.11, mouth_y - 0.015], [turn + 0.11, mouth_y - 0.015],
                         [turn + 0.09, mouth_y + 0.02], [turn - 0.09, mouth_y + 0.02]]), (250, 250, 250))
    else:
        c.line(np.array([[turn - 0.1, mouth_y + 0.02], [turn, mouth_y + 0.005], [turn + 0.1, mouth_y + 0.02]]), lips, 0.035)

    if labels["glasses"]:
        frame = tuple(int(v) for v in r.integers(0, 70, 3))
        for side in (-1, 1):
            c.line(ellipse(turn + side * gap, eye_y, *lens, 0, 360, 32), frame, 0.04)
            c.line(np.array([[turn + side * (gap + lens[0]), eye_y], [side * width, eye_y - 0.02]]), frame, 0.03)
        c.line(np.array([[turn - gap + lens[0], eye_y], [turn + gap - lens[0], eye_y]]), frame, 0.04)
    return c.finish(size)


def random_labels(r: np.random.Generator) -> dict[str, int]:
    """Each attribute drawn independently and uniformly."""
    return {name: int(r.integers(len(values))) for name, values in ATTRIBUTES.items()}


def make_faces(n: int, size: int = 64, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """`n` faces in [-1, 1], (n, 3, size, size), and their labels (n, len(ATTRIBUTES)); deterministic in `seed`.

    Drawn once (about 1 ms a face) and cached in gankit's cache folder.
    """
    def draw() -> dict[str, np.ndarray]:
        r = np.random.default_rng(seed)
        rows = [random_labels(r) for _ in range(n)]
        images = np.stack([draw_face(row, r, size) for row in rows])
        return {"images": images, "labels": np.array([[row[a] for a in ATTRIBUTES] for row in rows], dtype=np.int64)}

    arrays = cached_arrays(f"faces-v{VERSION}-n{n}-s{size}-seed{seed}.npz", draw)
    images, labels = arrays["images"], arrays["labels"]
    return from_uint8(images), torch.from_numpy(labels)


def load(options: dict[str, Any], root: Any = None, n: int = DEFAULT_SIZE, seed: int = 0) -> TensorDataset:
    """The data set at the model's ``image_size`` (greyscale when ``channels`` is 1): items are (image, labels);
    `attribute_names` names the label columns and `attributes` holds them all."""
    images, labels = make_faces(n, options.get("image_size", 64), seed)
    if options.get("channels", 3) == 1:
        images = images.mean(1, keepdim=True)
    dataset = TensorDataset(images, labels)
    dataset.attribute_names, dataset.attributes = list(ATTRIBUTES), labels
    return dataset
