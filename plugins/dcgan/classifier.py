"""A small digit classifier, trained on rendered digits by ``scripts/train_digit_classifier.py``.

It judges generated digits (how many are read confidently, how evenly the classes are covered) and
its 128-d penultimate layer serves as the ``digits`` feature space for FID-style metrics.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import Tensor, nn

WEIGHTS = Path(__file__).parent / "weights" / "digit-classifier.safetensors"


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


def load_classifier(path: str | Path = WEIGHTS) -> DigitClassifier:
    model = DigitClassifier()
    model.load_state_dict({k: v.float() for k, v in load_file(str(path)).items()})
    return model.eval()


@torch.no_grad()
def digit_quality(images: Tensor, classifier: DigitClassifier | None = None, threshold: float = 0.9) -> dict:
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


def feature_extractor(weights: str | None = None):
    """Loader for the ``digits`` feature extractor: the 128-d embedding (bundled weights unless `weights` names a file)."""
    from gankit.metrics.features import ClassifierFeatures

    return ClassifierFeatures(load_classifier(weights or WEIGHTS), dims=128, input_size=32, channels=1).eval()
