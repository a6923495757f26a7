"""Training data from ``--data``: a built-in data set name, a torchvision data set, or a folder of images.

Every image data set yields ``(image, label)`` with images (C, H, W) in [-1, 1], sized to the model's
``image_size`` and ``channels`` options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset

from gankit.errors import GankitError
from gankit.io import cache_dir
from gankit.registry import get_registry

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
TORCHVISION = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "cifar10": "CIFAR10", "celeba": "CelebA"}


def load_data(data: str, options: dict[str, Any], root: str | Path | None = None, skip_bad: bool = False) -> Dataset:
    """Resolve ``--data`` for a model with the given options."""
    registry = get_registry()
    if data in registry.datasets:
        return registry.datasets[data].load(options=options, root=root)
    if data.lower() in TORCHVISION:
        return torchvision_dataset(data.lower(), options, Path(root) if root else cache_dir("datasets"))
    path = Path(data).expanduser()
    if path.is_dir():
        return ImageFolder(path, options["image_size"], options["channels"], skip_bad=skip_bad)
    if path.exists():
        raise GankitError(f"--data {data}: expected a folder of images, got a file")
    names = sorted(registry.datasets) + sorted(TORCHVISION)
    raise GankitError(f"--data {data}: no such folder, and not a data set name ({', '.join(names)})")


def image_files(folder: Path) -> list[Path]:
    """Every image file under `folder`, recursively, sorted; an error if there are none."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not files:
        raise GankitError(f"{folder}: no images found (looked for {', '.join(sorted(IMAGE_SUFFIXES))}, recursively)")
    return files


def image_transform(size: int, channels: int):
    """PIL image → tensor in [-1, 1]: resize the shorter side to `size`, centre-crop, convert colours."""
    from torchvision.transforms import v2

    return v2.Compose([
        v2.Lambda(lambda im: im.convert("L" if channels == 1 else "RGB")),
        v2.PILToTensor(),
        v2.Resize(size, antialias=True),
        v2.CenterCrop(size),
        v2.ToDtype(torch.float32, scale=True),
        v2.Normalize([0.5] * channels, [0.5] * channels),
    ])


class ImageFolder(Dataset):
    """Every image under a folder, recursively; labels are 0 (unconditional)."""

    def __init__(self, folder: Path, size: int, channels: int, skip_bad: bool = False) -> None:
        files = image_files(folder)
        good = []
        for path in files:
            try:
                with Image.open(path) as im:
                    im.verify()
                good.append(path)
            except (OSError, UnidentifiedImageError, SyntaxError) as exc:
                if not skip_bad:
                    raise GankitError(f"cannot read image {path}: {exc}; fix or remove it, or pass --skip-bad") from None
        self.skipped = len(files) - len(good)
        if not good:
            raise GankitError(f"--data {folder}: none of the {len(files)} image files could be read")
        self.files, self.transform = good, image_transform(size, channels)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int):
        path = self.files[index]
        try:
            with Image.open(path) as im:
                return self.transform(im), 0
        except OSError as exc:
            raise GankitError(f"cannot read image {path}: {exc}") from None


def torchvision_dataset(name: str, options: dict[str, Any], root: Path) -> Dataset:
    """A torchvision data set through its own download code (downloaded into `root` once)."""
    import torchvision.datasets as tvd

    cls = getattr(tvd, TORCHVISION[name])
    transform = image_transform(options["image_size"], options["channels"])
    kwargs = {"split": "train"} if name == "celeba" else {"train": True}
    try:
        return cls(str(root), download=True, transform=transform, **kwargs)
    except (OSError, RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GankitError(
            f"could not get the {TORCHVISION[name]} data set into {root} ({first}); check the network, or place its files "
            "there as torchvision expects and pass --data-root"
        ) from None
