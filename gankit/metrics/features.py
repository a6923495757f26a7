"""One pass of a feature extractor over an image source: a folder, or a MODEL's samples.

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
from gankit.errors import GankitError
from gankit.metrics.stats import RunningStats


def resize(images: Tensor, size: int) -> Tensor:
    if images.shape[-1] == size and images.shape[-2] == size:
        return images
    return F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)


class ImageFiles(Dataset):
    """Every image under a folder (recursively), as [0, 1] tensors at the extractor's size."""

    def __init__(self, folder: Path, size: int, channels: int) -> None:
        self.files = image_files(folder)
        self.size, self.mode = size, "RGB" if channels == 3 else "L"

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> Tensor:
        try:
            with Image.open(self.files[index]) as im:
                array = np.asarray(im.convert(self.mode), dtype=np.uint8)
        except (OSError, UnidentifiedImageError, SyntaxError) as exc:
            raise GankitError(f"cannot read image {self.files[index]}: {exc}") from None
        x = torch.from_numpy(array.copy()).float().div_(255)
        x = x.unsqueeze(0) if x.dim() == 2 else x.permute(2, 0, 1)
        return resize(x[None], self.size)[0]


def folder_batches(folder: Path, extractor, batch_size: int, workers: int) -> tuple[int, Iterator[Tensor]]:
    files = ImageFiles(folder, extractor.input_size, extractor.channels)
    loader = DataLoader(files, batch_size=batch_size, num_workers=workers, shuffle=False)
    return len(files), iter(loader)


def model_batches(model: str, n: int, seed: int, batch_size: int, extractor, device: str) -> tuple[int, Iterator[Tensor]]:
    """`n` samples of seeds seed…seed+n−1, quantised to 8 bits as if saved as PNG, then resized."""
    from gankit.api import load

    loaded = load(model, device=device)

    def generate() -> Iterator[Tensor]:
        for start in range(seed, seed + n, batch_size):
            images = loaded.generate(min(batch_size, seed + n - start), seed=start)
            images = ((images.clamp(-1, 1) + 1) * 127.5).round() / 255
            if images.shape[1] != extractor.channels:
                images = images.mean(1, keepdim=True) if extractor.channels == 1 else images.expand(-1, 3, -1, -1)
            yield resize(images, extractor.input_size)

    return n, generate()


@torch.inference_mode()
def feature_pass(batches: Iterator[Tensor], total: int, extractor, device: torch.device, keep: bool, label: str,
                 progress: bool = True) -> tuple[RunningStats, np.ndarray | None]:
    """Streaming statistics (and, if `keep`, the feature matrix) of every batch."""
    from tqdm.auto import tqdm

    stats = RunningStats(extractor.dims)
    kept = []
    with tqdm(total=total, unit="img", desc=label, disable=not progress, dynamic_ncols=True) as bar:
        for batch in batches:
            x = batch.to(device).contiguous(memory_format=torch.channels_last)
            features = extractor(x).double().cpu().numpy()
            stats.update(features)
            if keep:
                kept.append(features.astype(np.float32))
            bar.update(len(batch))
    return stats, (np.concatenate(kept) if keep else None)
