"""The shapes attribute readers, trained by ``scripts/train_shapes_reader.py``, and the ``text-match`` metric.

A reader reads a picture's shape colour, shape, background colour, size and position. Two judges of different
families: ``cnn``, a convolutional network on the pixels (its 256-d penultimate layer is also the ``shapes``
feature space for FID-style metrics), and ``descriptors``, an MLP on hand-made descriptors of the picture
(`descriptors.py`). Both judge text→image models: does the picture show what the caption names? Both learn
rendered shapes, clean and `roughen`-ed to look generated.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gankit_plugins.stackgan.descriptors import DIMS, descriptors
from gankit_plugins.stackgan.shapes import ATTRIBUTES, COLOURS, POSITIONS, SHAPES, SIZES, UNSEEN, Scene

WEIGHTS = Path(__file__).parent / "weights" / "shapes-reader.safetensors"
DESCRIPTOR_WEIGHTS = WEIGHTS.with_name("shapes-descriptor-reader.safetensors")


class ShapesReader(nn.Module):
    """(N, 3, 64, 64) pictures in [-1, 1] → one set of logits per attribute; `features` gives the 256-d embedding."""

    def __init__(self) -> None:
        super().__init__()
        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(True), nn.MaxPool2d(2)]

        self.body = nn.Sequential(*block(3, 32), *block(32, 64), *block(64, 96), *block(96, 128), nn.Flatten(),
                                  nn.Linear(128 * 4 * 4, 256), nn.ReLU(True))
        self.heads = nn.ModuleDict({name: nn.Linear(256, len(values)) for name, values in ATTRIBUTES.items()})

    def features(self, x: Tensor) -> Tensor:
        if x.shape[-1] != 64:
            x = F.interpolate(x, size=(64, 64), mode="bilinear", antialias=True, align_corners=False)
        return self.body(x)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        h = self.features(x)
        return {name: head(h) for name, head in self.heads.items()}


class DescriptorReader(nn.Module):
    """(N, 3, H, W) pictures in [-1, 1] → one set of logits per attribute, from standardised descriptors by an MLP."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(DIMS))
        self.register_buffer("std", torch.ones(DIMS))
        self.body = nn.Sequential(nn.Linear(DIMS, 256), nn.ReLU(True), nn.Linear(256, 256), nn.ReLU(True))
        self.heads = nn.ModuleDict({name: nn.Linear(256, len(values)) for name, values in ATTRIBUTES.items()})

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        h = self.body((descriptors(x) - self.mean) / self.std)
        return {name: head(h) for name, head in self.heads.items()}


def roughen(x: Tensor, generator: torch.Generator) -> Tensor:
    """Rendered pictures made to look generated, each in its own way: blurred or passed through 32×32, colours
    shifted, a mottled background and pixel noise. Only ever applied to renders: a judge never sees a GAN's output
    in training."""
    n = len(x)

    def uniform(low: float, high: float, *shape: int) -> Tensor:
        return low + (high - low) * torch.rand(n, *shape, generator=generator)

    coarse = F.interpolate(F.interpolate(x, size=32, mode="area"), size=x.shape[-1], mode="bilinear", align_corners=False)
    x = torch.where(uniform(0, 1, 1, 1, 1) < 0.5, coarse, x)
    kernel = torch.tensor([1.0, 2.0, 1.0]) / 4
    blurred = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), (kernel[:, None] * kernel[None]).expand(3, 1, 3, 3), groups=3)
    x = torch.lerp(x, blurred, uniform(0, 1, 1, 1, 1))
    mottle = F.interpolate(torch.randn(n, 3, 8, 8, generator=generator), size=x.shape[-1], mode="bilinear", align_corners=False)
    noise = torch.randn(x.shape, generator=generator)
    x = x + uniform(-0.1, 0.1, 3, 1, 1) + uniform(0, 0.08, 1, 1, 1) * mottle + uniform(0, 0.08, 1, 1, 1) * noise
    return x.clamp(-1, 1)


READERS = {"cnn": (ShapesReader, WEIGHTS), "descriptors": (DescriptorReader, DESCRIPTOR_WEIGHTS)}


def load_reader(kind: str = "cnn", path: str | Path | None = None) -> nn.Module:
    """The shipped reader of `kind` (``cnn`` or ``descriptors``), or its weights from `path`."""
    from safetensors.torch import load_file

    cls, default = READERS[kind]
    model = cls()
    model.load_state_dict({k: v.float() for k, v in load_file(str(path or default)).items()})
    return model.eval()


@torch.no_grad()
def read(images: Tensor, reader: nn.Module | None = None) -> dict[str, Tensor]:
    """The attribute index each picture shows, per attribute."""
    reader = reader or load_reader()
    out: dict[str, list[Tensor]] = {name: [] for name in ATTRIBUTES}
    for chunk in images.float().split(256):
        for name, logits in reader(chunk).items():
            out[name].append(logits.argmax(1))
    return {name: torch.cat(v) for name, v in out.items()}


def feature_extractor(weights: str | None = None):
    """Loader for the ``shapes`` feature extractor: the reader's 256-d embedding of pictures in [0, 1]."""
    from gankit.metrics.features import ClassifierFeatures

    return ClassifierFeatures(load_reader("cnn", weights), dims=256, input_size=64, channels=3).eval()


def prompt_scenes(seed: int = 0) -> tuple[list[Scene], list[Scene]]:
    """The scenes text-match asks for: every seen (colour, shape) pair twice, every unseen pair four times, with
    random size, background and position; all named in the canonical long caption."""
    r = np.random.default_rng(seed)

    def scene(colour: str, shape: str) -> Scene:
        background = str(r.choice([c for c in COLOURS if c != colour]))
        return Scene(colour, shape, background, SIZES[r.integers(2)], list(POSITIONS)[r.integers(len(POSITIONS))])

    seen = [scene(c, s) for c in COLOURS for s in SHAPES if (c, s) not in UNSEEN for _ in range(2)]
    unseen = [scene(c, s) for c, s in UNSEEN for _ in range(4)]
    return seen, unseen


def text_match(model, data: str | None = None, n: int = 432, seed: int = 0, data_root=None, stage: int | None = None) -> dict[str, float]:
    """How often the picture shows every attribute its caption names (registered as the ``text-match`` metric).

    ``text_match``: seen (colour, shape) pairs; ``text_match_unseen``: the six pairs never trained on;
    ``text_match_mismatched``: pictures judged against a random other caption (how high the metric is by chance);
    one rate per attribute on the seen prompts. Read by the ``cnn`` reader; the same figures read by the
    ``descriptors`` reader (another family) end in ``_descriptors``.
    """
    readers = {"": load_reader("cnn"), "_descriptors": load_reader("descriptors")}
    seen, unseen = prompt_scenes()
    per_prompt = max(1, n // (len(seen) + len(unseen)))
    inputs = {} if stage is None else {"stage": stage}
    result: dict[str, float] = {"samples_per_prompt": per_prompt}
    for label, scenes in (("", seen), ("_unseen", unseen)):
        images = model.generate(per_prompt, seed=seed, text=[s.caption("long") for s in scenes], **inputs)
        want = {k: torch.tensor([v for s in scenes for v in [s.labels()[i]] * per_prompt]) for i, k in enumerate(ATTRIBUTES)}
        shuffled = torch.randperm(len(scenes), generator=torch.Generator().manual_seed(seed))
        other = {k: v.view(len(scenes), per_prompt)[shuffled].flatten() for k, v in want.items()}  # a random other caption
        for judge, reader in readers.items():
            got = read(images, reader)
            right = torch.stack([got[k] == want[k] for k in ATTRIBUTES])
            result[f"text_match{label}{judge}"] = float(right.all(0).float().mean())
            if not label:
                result |= {f"{k}_accuracy{judge}": float(right[i].float().mean()) for i, k in enumerate(ATTRIBUTES)}
                mismatched = torch.stack([got[k] == other[k] for k in ATTRIBUTES]).all(0)
                result[f"text_match_mismatched{judge}"] = float(mismatched.float().mean())
    return result
