"""The FID Inception network (pool3, 2048-d), as pytorch-fid builds it, and its weights file.

It is torchvision's Inception v3 with the TensorFlow-FID quirks patched in (average pools that ignore
padding; max pooling in the last block), so that pytorch-fid's weights file
``pt_inception-2015-12-05-6726825d.pth`` loads unchanged and features agree with pytorch-fid.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.models import inception as tv

from gankit.errors import GankitError
from gankit.io import cache_dir

WEIGHTS_NAME = "pt_inception-2015-12-05-6726825d.pth"
WEIGHTS_URL = f"https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/{WEIGHTS_NAME}"
HASH_PREFIX = "6726825d"  # the file's sha256 starts so (torch.hub's naming: name-<hash prefix>.pth)


def _pool_without_padding(x: Tensor) -> Tensor:
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class _BlockA(tv.InceptionA):
    def _forward(self, x: Tensor) -> list[Tensor]:
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return [self.branch1x1(x), b5, b3, self.branch_pool(_pool_without_padding(x))]


class _BlockC(tv.InceptionC):
    def _forward(self, x: Tensor) -> list[Tensor]:
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d = x
        for layer in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            d = layer(d)
        return [self.branch1x1(x), b7, d, self.branch_pool(_pool_without_padding(x))]


class _BlockE(tv.InceptionE):
    def __init__(self, in_channels: int, max_pool: bool) -> None:
        super().__init__(in_channels)
        self.max_pool = max_pool

    def _forward(self, x: Tensor) -> list[Tensor]:
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        d = torch.cat([self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d)], 1)
        pooled = F.max_pool2d(x, 3, 1, 1) if self.max_pool else _pool_without_padding(x)
        return [self.branch1x1(x), b3, d, self.branch_pool(pooled)]


class FIDInception(nn.Module):
    """Images in [0, 1], (N, 3, 299, 299) → pool3 features (N, 2048)."""

    dims = 2048
    input_size = 299
    channels = 3

    def __init__(self) -> None:
        super().__init__()
        net = tv.inception_v3(weights=None, aux_logits=False, num_classes=1008, init_weights=False)
        net.Mixed_5b, net.Mixed_5c, net.Mixed_5d = _BlockA(192, 32), _BlockA(256, 64), _BlockA(288, 64)
        net.Mixed_6b, net.Mixed_6c = _BlockC(768, 128), _BlockC(768, 160)
        net.Mixed_6d, net.Mixed_6e = _BlockC(768, 160), _BlockC(768, 192)
        net.Mixed_7b, net.Mixed_7c = _BlockE(1280, max_pool=False), _BlockE(2048, max_pool=True)
        self.net = net
        self.layers = [getattr(net, n) for n in ("Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1", "Conv2d_3b_1x1",
                                               "Conv2d_4a_3x3", "maxpool2", "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a",
                                               "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c")]

    def forward(self, images: Tensor) -> Tensor:
        x = 2 * images - 1
        for layer in self.layers:
            x = layer(x)
        return x.mean((2, 3))

    def load_weights(self, path: Path) -> "FIDInception":
        """pytorch-fid's weights file (a plain state dict, read with weights_only=True) or a safetensors copy."""
        try:
            if path.suffix == ".safetensors":
                from safetensors.torch import load_file

                state = load_file(str(path))
            else:
                state = torch.load(path, map_location="cpu", weights_only=True)
            self.net.load_state_dict(state)
        except (RuntimeError, OSError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0]
            raise GankitError(f"{path} is not the FID Inception weights file {WEIGHTS_NAME} ({first})") from None
        return self


def weights_path(explicit: str | Path | None = None) -> Path:
    """``--inception-weights``, else the cached file, else a download from pytorch-fid's release (once)."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise GankitError(f"--inception-weights {path}: no such file")
        return path
    folder = cache_dir("weights")
    target, copy = folder / WEIGHTS_NAME, folder / Path(WEIGHTS_NAME).with_suffix(".safetensors").name
    if target.is_file():
        if _sha256(target).startswith(HASH_PREFIX):
            return target
        warnings.warn(f"{target} fails its sha256 check (a damaged or foreign file); downloading it again")
        target.unlink()
    elif copy.is_file():  # a safetensors copy the user made: no published hash to check
        return copy
    hint = f"download {WEIGHTS_URL} and place it at {target}, or pass --inception-weights PATH"
    if os.environ.get("HF_HUB_OFFLINE") or os.environ.get("GANKIT_OFFLINE"):
        raise GankitError(f"the FID Inception weights are not cached and downloads are off (offline mode); {hint}")
    try:  # writes a temp file, checks its sha256 against HASH_PREFIX, then renames
        torch.hub.download_url_to_file(WEIGHTS_URL, str(target), hash_prefix=HASH_PREFIX, progress=True)
    except Exception as exc:  # noqa: BLE001 — any download failure gets the same advice
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise GankitError(f"could not download the FID Inception weights ({type(exc).__name__}: {first}); {hint}") from None
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_inception(weights: str | Path | None = None) -> FIDInception:
    return FIDInception().load_weights(weights_path(weights)).eval()
