"""Two digit judges, trained on rendered digits by ``scripts/train_digit_classifier.py`` and shipped.

- ``DigitClassifier``: a small CNN; it judges generated digits (how many are read confidently, how evenly
  the classes are covered) and its 128-d penultimate layer is the ``digits`` feature space of FID-style metrics.
- ``KernelDigitClassifier``: another family, so that no single judge is tuned to — PCA of the pixels, an RBF
  kernel (random Fourier features) and a softmax on top: a kernel machine with no convolution.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import Tensor, nn

WEIGHTS = Path(__file__).parent / "weights" / "digit-classifier.safetensors"
KERNEL_WEIGHTS = WEIGHTS.with_name("digit-kernel-classifier.safetensors")
PCA_DIMS, KERNEL_FEATURES = 64, 2048


class DigitClassifier(nn.Module):
    """(N, 1, 32, 32) digits in [-1, 1] → 10 logits; `features` gives the 128-d embedding."""

    def __init__(self) -> None:
        super().__init__()
        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(True), nn.MaxPool2d(2)]

        self.body = nn.Sequential(*block(1, 32), *block(32, 64), *block(64, 128), nn.Flatten(),
                                  nn.Linear(128 * 4 * 4, 128), nn.ReLU(True))
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(128, 10))

    def features(self, x: Tensor) -> Tensor:
        return self.body(_to_digit_input(x))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))


def _to_digit_input(x: Tensor) -> Tensor:
    """Accept RGB or other sizes: average the channels, resize to 32×32."""
    if x.shape[1] != 1:
        x = x.mean(1, keepdim=True)
    if x.shape[-1] != 32 or x.shape[-2] != 32:
        x = nn.functional.interpolate(x, size=(32, 32), mode="bilinear", antialias=True, align_corners=False)
    return x


class KernelDigitClassifier(nn.Module):
    """(N, 1, 32, 32) digits in [-1, 1] → 10 logits: pixels → PCA (64) → RBF random Fourier features (2048) → linear."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(32 * 32))
        self.register_buffer("components", torch.zeros(32 * 32, PCA_DIMS))
        self.register_buffer("frequencies", torch.zeros(PCA_DIMS, KERNEL_FEATURES))
        self.register_buffer("phases", torch.zeros(KERNEL_FEATURES))
        self.head = nn.Linear(KERNEL_FEATURES, 10)

    def kernel_features(self, x: Tensor) -> Tensor:
        projected = (_to_digit_input(x).flatten(1) - self.mean) @ self.components
        return torch.cos(projected @ self.frequencies + self.phases) * (2 / KERNEL_FEATURES) ** 0.5

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.kernel_features(x))


JUDGES = {"cnn": (DigitClassifier, WEIGHTS), "kernel": (KernelDigitClassifier, KERNEL_WEIGHTS)}


def load_classifier(path: str | Path | None = None, kind: str = "cnn") -> nn.Module:
    """The shipped judge of `kind` (``cnn`` or ``kernel``), or its weights from `path`."""
    build, default = JUDGES[kind]
    model = build()
    model.load_state_dict({k: v.float() for k, v in load_file(str(path or default)).items()})
    return model.eval()


@torch.no_grad()
def digit_quality(images: Tensor, classifier: nn.Module | None = None, threshold: float = 0.9) -> dict:
    """How digit-like generated images are: the share read with probability ≥ `threshold`, and class shares."""
    classifier = classifier or load_classifier()
    probs = torch.cat([classifier(chunk).softmax(1) for chunk in images.float().split(256)])
    top, label = probs.max(1)
    shares = torch.bincount(label, minlength=10).float() / len(label)
    return {
        "n": len(label),
        "confident": float((top >= threshold).float().mean()),
        "class_shares": [round(float(s), 4) for s in shares],
        "min_class_share": float(shares.min()),
    }


def digit_classes(model, data: str | None = None, n: int = 1000, seed: int = 0, data_root=None) -> dict[str, float]:
    """The ``digit-classes`` metric: per judge, the share of `n` samples read with p ≥ 0.9 and the smallest class
    share. `data` is not read: the judges know digits."""
    samples = model.generate(n, seed=seed).mean(1, keepdim=True)
    result: dict[str, float] = {}
    for kind in JUDGES:
        quality = digit_quality(samples, load_classifier(kind=kind))
        result[f"digits confident {kind}"] = quality["confident"]
        result[f"digits min-share {kind}"] = quality["min_class_share"]
    return result


def feature_extractor(weights: str | None = None):
    """Loader for the ``digits`` feature extractor: the 128-d embedding (bundled weights unless `weights` names a file)."""
    from gankit.metrics.features import ClassifierFeatures

    return ClassifierFeatures(load_classifier(weights or WEIGHTS), dims=128, input_size=32, channels=1).eval()
