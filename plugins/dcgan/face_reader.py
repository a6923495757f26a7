"""Two attribute readers for ``faces``, trained by ``scripts/train_face_reader.py`` and shipped.

- ``FaceReader``: a small CNN with one softmax head per attribute. It picks the seeds of attribute arithmetic
  and attribute vectors, judges their results, and its 128-d penultimate layer is the ``faces`` feature space.
- ``DescriptorFaceReader``: another family, so that no single judge is tuned to — hand-made descriptors (histograms
  of oriented gradients per 8×8 cell and the cells' mean colours) read by a small MLP: nothing convolutional, and
  nothing learnt below the descriptors.

Both read (N, 3, H, W) images in [-1, 1] (resized to 64×64) and return one label index per attribute.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import Tensor, nn

from gankit_plugins.dcgan.faces import ATTRIBUTES

WEIGHTS = Path(__file__).parent / "weights" / "face-reader.safetensors"
DESCRIPTOR_WEIGHTS = WEIGHTS.with_name("face-descriptor-reader.safetensors")
SIZES = [len(values) for values in ATTRIBUTES.values()]
CELL, ORIENTATIONS = 8, 9
HAND_FEATURES = (ORIENTATIONS + 3) * (64 // CELL) ** 2


def _resized(x: Tensor, size: int) -> Tensor:
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    if x.shape[-2:] != (size, size):
        x = nn.functional.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return x


class Reader(nn.Module):
    """Shared by both readers: logits (N, sum of value counts) → per-attribute probabilities and labels."""

    attributes = ATTRIBUTES

    def probabilities(self, x: Tensor) -> dict[str, Tensor]:
        logits = self(x).split(SIZES, dim=1)
        return {name: part.softmax(1) for name, part in zip(ATTRIBUTES, logits)}

    @torch.no_grad()
    def read(self, images: Tensor) -> dict[str, Tensor]:
        """Each attribute's label index, (N,) per attribute, read in chunks of 256."""
        chunks = [self.probabilities(chunk.float()) for chunk in images.split(256)]
        return {name: torch.cat([c[name] for c in chunks]).argmax(1) for name in ATTRIBUTES}

    def loss(self, x: Tensor, labels: Tensor) -> Tensor:
        logits = self(x).split(SIZES, dim=1)
        return sum(nn.functional.cross_entropy(part, labels[:, i]) for i, part in enumerate(logits))


class FaceReader(Reader):
    """(N, 3, 64, 64) faces → logits of every attribute; `features` gives the 128-d embedding."""

    def __init__(self) -> None:
        super().__init__()
        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(True), nn.MaxPool2d(2)]

        self.body = nn.Sequential(*block(3, 32), *block(32, 64), *block(64, 96), *block(96, 128),
                                  nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(512, 128), nn.ReLU(True))
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(128, sum(SIZES)))

    def features(self, x: Tensor) -> Tensor:
        return self.body(_resized(x, 64))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))


def hand_features(x: Tensor) -> Tensor:
    """(N, 3, 64, 64) → (N, HAND_FEATURES): per 8×8 cell, the square root of a histogram of unsigned gradient
    orientations (weighted by gradient magnitude, summed over the colour channels, after a 3×3 box blur that quiets
    pixel noise) and the cell's mean colour."""
    x = nn.functional.avg_pool2d(nn.functional.pad(_resized(x, 64), (1, 1, 1, 1), mode="replicate"), 3, 1)
    padded = nn.functional.pad(x, (1, 1, 1, 1), mode="replicate")
    gx = padded[..., 1:-1, 2:] - padded[..., 1:-1, :-2]
    gy = padded[..., 2:, 1:-1] - padded[..., :-2, 1:-1]
    magnitude, angle = (gx**2 + gy**2 + 1e-8).sqrt(), torch.atan2(gy, gx) % torch.pi
    centres = torch.arange(ORIENTATIONS, device=x.device) * torch.pi / ORIENTATIONS
    distance = (angle.unsqueeze(2) - centres.view(1, 1, -1, 1, 1)).abs()
    distance = torch.minimum(distance, torch.pi - distance) * ORIENTATIONS / torch.pi
    votes = (magnitude.unsqueeze(2) * (1 - distance).clamp(min=0)).sum(1)  # (N, bins, 64, 64)
    histograms = nn.functional.avg_pool2d(votes, CELL).sqrt()
    return torch.cat([histograms.flatten(1), nn.functional.avg_pool2d(x, CELL).flatten(1)], 1)


class DescriptorFaceReader(Reader):
    """Faces → logits: `hand_features`, standardised, → an MLP (two hidden layers of 256)."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(HAND_FEATURES))
        self.register_buffer("scale", torch.ones(HAND_FEATURES))
        self.mlp = nn.Sequential(nn.Linear(HAND_FEATURES, 256), nn.ReLU(True), nn.Dropout(0.2),
                                 nn.Linear(256, 256), nn.ReLU(True), nn.Linear(256, sum(SIZES)))

    def descriptors(self, x: Tensor) -> Tensor:
        return (hand_features(x) - self.mean) / self.scale

    def forward(self, x: Tensor) -> Tensor:
        return self.mlp(self.descriptors(x))


READERS = {"cnn": (FaceReader, WEIGHTS), "descriptors": (DescriptorFaceReader, DESCRIPTOR_WEIGHTS)}


def load_reader(kind: str = "cnn", path: str | Path | None = None) -> Reader:
    """The shipped reader of `kind` (``cnn`` or ``descriptors``), or its weights from `path`."""
    build, default = READERS[kind]
    model = build()
    model.load_state_dict({k: v.float() for k, v in load_file(str(path or default)).items()})
    return model.eval()


def feature_extractor(weights: str | None = None):
    """Loader for the ``faces`` feature extractor: the CNN reader's 128-d embedding."""
    from gankit.metrics.features import ClassifierFeatures

    return ClassifierFeatures(load_reader("cnn", weights), dims=128, input_size=64, channels=3).eval()
