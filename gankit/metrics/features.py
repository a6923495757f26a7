"""One pass of a feature extractor over a metric side: a folder of images, a data set, or a MODEL's samples.

Images are decoded in data-loader workers and resized there, one by one, to the extractor's input size
(bilinear, as pytorch-fid resizes inside its network), so the main process only runs the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

from gankit.data import image_files
from gankit.devices import pick_device, to_channels_last, to_device
from gankit.errors import GankitError
from gankit.images import as_8bit
from gankit.metrics.stats import RunningStats


class ClassifierFeatures(torch.nn.Module):
    """A classifier's embedding as a metrics feature space, for plugins that train one on their built-in data.

    `classifier.features` maps samples in [-1, 1] to (N, dims); the extractor takes images in [0, 1] shaped
    (N, channels, input_size, input_size), as every feature extractor does.
    """

    def __init__(self, classifier: torch.nn.Module, dims: int, input_size: int, channels: int) -> None:
        super().__init__()
        self.classifier, self.dims, self.input_size, self.channels = classifier, dims, input_size, channels

    def forward(self, images: Tensor) -> Tensor:
        return self.classifier.features(images * 2 - 1)


def resize(images: Tensor, size: int) -> Tensor:
    if images.shape[-1] == size and images.shape[-2] == size:
        return images
    return F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)


class ImageFiles(Dataset):
    """Every image under a folder (recursively), as [0, 1] tensors at the extractor's size."""

    def __init__(self, folder: Path, size: int, channels: int) -> None:
        self.files = image_files(folder)
        self.size, self.channels = size, channels

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> Tensor:
        try:
            with Image.open(self.files[index]) as im:
                array = np.asarray(as_8bit(im, self.channels), dtype=np.uint8)
        except (OSError, UnidentifiedImageError, SyntaxError) as exc:
            raise GankitError(f"cannot read image {self.files[index]}: {exc}") from None
        x = torch.from_numpy(array.copy()).float().div_(255)
        x = x.unsqueeze(0) if x.dim() == 2 else x.permute(2, 0, 1)
        return resize(x[None], self.size)[0]


def folder_batches(folder: Path, extractor, batch_size: int, workers: int) -> tuple[int, Iterator[Tensor]]:
    files = ImageFiles(folder, extractor.input_size, extractor.channels)
    loader = DataLoader(files, batch_size=batch_size, num_workers=workers, shuffle=False)
    return len(files), iter(loader)


def load_extractor(spec, weights: str | None, device: str):
    """The registered feature extractor on its device; image extractors channels-last (about 1.8x faster on CPU)."""
    extractor = spec.load(weights).to(pick_device(device))
    extractor.sample_type = spec.sample_type
    return (to_channels_last(extractor) if _reads_images(extractor) else extractor).eval()


def _reads_images(extractor) -> bool:
    """`load_extractor` records the spec's sample type; an extractor built directly reads images, the default."""
    return getattr(extractor, "sample_type", "image") == "image"


def side_batches(side, sides: list, extractor, n: int, seed: int, batch_size: int, workers: int, device: str,
                 data_root) -> tuple[int, Iterator[Tensor]]:
    """Batches of one side (`gankit.metrics.evaluate.Side`), ready for the extractor."""
    if side.kind == "folder" and not _reads_images(extractor):
        return sample_folder_batches(Path(side.source), extractor.sample_type, _model_options(sides), n, batch_size)
    if side.kind == "folder":
        return folder_batches(Path(side.source), extractor, batch_size, workers)
    if side.kind == "dataset":
        return dataset_batches(side.source, _model_options(sides), n, batch_size, extractor, data_root)
    from gankit.api import load

    model = load(side.source, device=device)
    return n, _prepared((model.generate(min(batch_size, seed + n - s), seed=s) for s in range(seed, seed + n, batch_size)), extractor)


def _model_options(sides: list) -> dict:
    """A MODEL side's options (image size, channels), so that a data-set side is rendered to match it."""
    from gankit.modelio import read_config
    from gankit.resolve import locate

    models = [s for s in sides if s.kind == "model"]
    return read_config(locate(models[0].source)[0]).get("options", {}) if models else {}


def dataset_batches(name: str, options: dict, n: int, batch_size: int, extractor, data_root) -> tuple[int, Iterator[Tensor]]:
    """The first `n` samples of a data set, at the other side's model options (else the data set's defaults)."""
    from gankit.data import load_data
    from gankit.registry import get_registry

    spec = get_registry().datasets[name]
    total, samples = _first_samples(load_data(name, {**spec.defaults, **options}, data_root), n, batch_size)
    return total, _prepared(samples, extractor)


def sample_folder_batches(folder: Path, sample_type: str, options: dict, n: int, batch_size: int) -> tuple[int, Iterator[Tensor]]:
    """The first `n` samples of a folder of non-image samples, read by the task that reads such folders."""
    from gankit.registry import get_registry
    from gankit.specs import import_object

    return _first_samples(import_object(get_registry().folder_reader(sample_type))(folder, options, False), n, batch_size)


def _first_samples(dataset, n: int, batch_size: int) -> tuple[int, Iterator[Tensor]]:
    """How many of `dataset`'s first `n` items there are, and their samples in stacked batches."""
    total = min(n, len(dataset))
    return total, (torch.stack([dataset[i][0] for i in range(start, min(start + batch_size, total))])
                   for start in range(0, total, batch_size))


def _prepared(batches: Iterator[Tensor], extractor) -> Iterator[Tensor]:
    """Images in [-1, 1] → quantised to 8 bits as if saved as PNG, channels matched, resized, in [0, 1]; other
    samples (voxels, …) as they are."""
    if not _reads_images(extractor):
        yield from batches
        return
    for images in batches:
        images = ((images.float().clamp(-1, 1) + 1) * 127.5).round() / 255
        if images.shape[1] != extractor.channels:
            images = images.mean(1, keepdim=True) if extractor.channels == 1 else images.expand(-1, 3, -1, -1)
        yield resize(images, extractor.input_size)


@torch.inference_mode()
def feature_pass(batches: Iterator[Tensor], total: int, extractor, keep: bool, label: str,
                 progress: bool = True) -> tuple[RunningStats, np.ndarray | None]:
    """Streaming statistics (and, if `keep`, the feature matrix) of every batch."""
    from tqdm.auto import tqdm

    device = next(extractor.parameters()).device
    stats = RunningStats(extractor.dims)
    kept = []
    unit = "img" if _reads_images(extractor) else "sample"
    with tqdm(total=total, unit=unit, desc=label, disable=not progress, dynamic_ncols=True) as bar:
        for batch in batches:
            x = to_device(batch, device, channels_last=_reads_images(extractor))
            features = extractor(x).double().cpu().numpy()
            stats.update(features)
            if keep:
                kept.append(features.astype(np.float32))
            bar.update(len(batch))
    return stats, (np.concatenate(kept) if keep else None)
