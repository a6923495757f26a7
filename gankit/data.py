"""Training data from ``--data``: a built-in data set name, a torchvision data set, or a folder of images.

Every image data set yields ``(image, label)`` with images (C, H, W) in [-1, 1], sized to the model's
``image_size`` and ``channels`` options. For text-conditioned models (whose options name an ``encoder``), a folder's
captions are read too (sidecar ``.txt`` files, ``captions.jsonl``, or the ``text_c10/`` layout of StackGAN's
CUB-200 and Oxford-102 data) and items are ``(image, caption embedding, 0)``, one per caption.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset

from gankit.errors import GankitError
from gankit.images import as_8bit
from gankit.io import cache_dir
from gankit.registry import get_registry
from gankit.specs import TaskSpec, import_object

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
TORCHVISION = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "cifar10": "CIFAR10", "celeba": "CelebA"}


def load_data(data: str, options: dict[str, Any], root: str | Path | None = None, skip_bad: bool = False,
              task: TaskSpec | None = None) -> Dataset:
    """Resolve ``--data`` for a model with the given options; a folder is read by `task`'s reader (or as images)."""
    registry = get_registry()
    if data in registry.datasets:
        return registry.datasets[data].load(options=options, root=root)
    if data.lower() in TORCHVISION:
        return torchvision_dataset(data.lower(), options, Path(root) if root else cache_dir("datasets"))
    path = Path(data).expanduser()
    if path.is_dir() and task is not None and task.folder_data:
        return import_object(task.folder_data)(path, options, skip_bad)
    if path.is_dir():
        folder = ImageFolder(path, options["image_size"], options["channels"], skip_bad=skip_bad)
        return CaptionedImages(folder, options["encoder"]) if options.get("encoder") else folder
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
    """PIL image → tensor in [-1, 1]: 8-bit (`as_8bit`), the shorter side resized to `size`, centre-cropped."""
    from torchvision.transforms import v2

    return v2.Compose([
        v2.Lambda(lambda im: as_8bit(im, channels)),
        v2.PILToTensor(),
        v2.Resize(size, antialias=True),
        v2.CenterCrop(size),
        v2.ToDtype(torch.float32, scale=True),
        v2.Normalize([0.5] * channels, [0.5] * channels),
    ])


class ImageFolder(Dataset):
    """Every image under a folder, recursively. Labels are 0, or, where CelebA's ``list_attr_celeba.txt`` lies in
    the folder, beside it or in ``Anno/`` beside it, each picture's 40 attributes as a 0/1 tensor (`attribute_names`)."""

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
        self.root, self.skip_bad = folder, skip_bad
        self.files, self.transform = good, image_transform(size, channels)
        self.attribute_names, self.attributes = celeba_attributes(folder, good)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int):
        path = self.files[index]
        try:
            with Image.open(path) as im:
                return self.transform(im), 0 if self.attributes is None else self.attributes[index]
        except OSError as exc:
            raise GankitError(f"cannot read image {path}: {exc}") from None


CELEBA_ATTRIBUTES = "list_attr_celeba.txt"


def celeba_attributes(folder: Path, files: list[Path]) -> tuple[list[str], torch.Tensor | None]:
    """CelebA's attribute file for `folder` (see `ImageFolder`): its names and one 0/1 row per file, or ([], None)."""
    candidates = [folder / CELEBA_ATTRIBUTES, folder.parent / CELEBA_ATTRIBUTES, folder.parent / "Anno" / CELEBA_ATTRIBUTES]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        return [], None
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    try:
        names = lines[1].split()
        rows = {parts[0]: [int(v) > 0 for v in parts[1:]] for parts in map(str.split, lines[2:]) if parts}
        if any(len(row) != len(names) for row in rows.values()):
            raise ValueError
    except (IndexError, ValueError):
        raise GankitError(f"{path}: not CelebA's attribute list (a count, the attribute names, then 'file.jpg 1 -1 …' "
                          "lines); fix or move it") from None
    missing = [f.name for f in files if f.name not in rows]
    if missing:
        raise GankitError(f"{path} has no attributes for {missing[0]} ({len(missing)} pictures lack them); "
                          "use the attribute file of these pictures, or move it away")
    return names, torch.tensor([rows[f.name] for f in files], dtype=torch.long)


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


class CaptionedImages(Dataset):
    """An image folder's pictures with their captions, one item per (picture, caption) pair; `captions[i]` is item i's.

    Captions come from, in this order: ``captions.jsonl`` (``{"file": "relative/path.png", "text": "…" or ["…", …]}``
    per line), ``text_c10/<class>/<name>.txt`` beside ``images/<class>/<name>.jpg`` (CUB-200, Oxford-102), or a
    ``.txt`` beside each picture; a caption file holds one caption per line.
    """

    def __init__(self, images: ImageFolder, encoder: str) -> None:
        from gankit.text import encode

        root = images.root
        jsonl = _jsonl_captions(root / "captions.jsonl") if (root / "captions.jsonl").is_file() else None
        self.images, self.index, self.captions = images, [], []
        missing = []
        for i, path in enumerate(images.files):
            texts = jsonl.get(path.relative_to(root).as_posix(), []) if jsonl is not None else _caption_file(root, path)
            if not texts:
                missing.append(path)
            self.index += [i] * len(texts)
            self.captions += texts
        if missing and not images.skip_bad:
            raise GankitError(f"{missing[0]} has no caption ({len(missing)} pictures lack one); add captions "
                              "(a .txt beside it, captions.jsonl or text_c10/), or pass --skip-bad to leave them out")
        if not self.captions:
            raise GankitError(f"--data {root}: no captions found (sidecar .txt files, captions.jsonl or text_c10/)")
        self.embeddings = encode(encoder, self.captions)

    def __len__(self) -> int:
        return len(self.captions)

    def __getitem__(self, index: int):
        image, _ = self.images[self.index[index]]
        return image, self.embeddings[index], 0


def _caption_file(root: Path, image: Path) -> list[str]:
    relative = image.relative_to(root)
    candidates = [image.with_suffix(".txt")]
    if relative.parts[0] == "images":
        candidates.append(root.joinpath("text_c10", *relative.parts[1:]).with_suffix(".txt"))
    for path in candidates:
        if path.is_file():
            return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return []


def _jsonl_captions(path: Path) -> dict[str, list[str]]:
    import json

    out: dict[str, list[str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            texts = [entry["text"]] if isinstance(entry["text"], str) else list(entry["text"])
            out.setdefault(str(entry["file"]), []).extend(t.strip() for t in texts if t.strip())
        except (json.JSONDecodeError, KeyError, TypeError):
            raise GankitError(f"{path}:{number}: expected {{\"file\": \"picture.png\", \"text\": \"a caption\"}}") from None
    return out
