"""Choosing a device and moving batches (tensors, tuples, dicts) onto it."""

from __future__ import annotations

from typing import Any

import torch

from gankit.errors import GankitError


def pick_device(name: str) -> torch.device:
    """``auto`` → CUDA when present, else CPU; anything else must be available."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise GankitError(f"--device {name!r} is not a device name; use cpu, cuda, cuda:1 or auto") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise GankitError(f"--device {name}: CUDA is not available on this machine; use --device cpu")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise GankitError(f"--device {name}: this machine has {torch.cuda.device_count()} CUDA device(s); use cuda:0 …")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise GankitError(f"--device {name}: Apple's MPS is not available on this machine; use --device cpu")
    if device.type not in ("cpu", "cuda", "mps"):
        raise GankitError(f"--device {name}: gankit runs on cpu, cuda or mps devices; use --device cpu")
    return device


CHANNELS_LAST = {4: torch.channels_last, 5: torch.channels_last_3d}
"""The channels-last memory format by tensor rank: images (N, C, H, W), volumes (N, C, D, H, W)."""


def to_channels_last(module: torch.nn.Module) -> torch.nn.Module:
    """Convolution weights (and other 4D/5D parameters and buffers) of `module` channels-last, in place."""
    for tensor in (*module.parameters(), *module.buffers()):
        if tensor.dim() in CHANNELS_LAST:
            tensor.data = tensor.data.contiguous(memory_format=CHANNELS_LAST[tensor.dim()])
    return module


def to_device(x: Any, device: torch.device, channels_last: bool = False) -> Any:
    if torch.is_tensor(x):
        x = x.to(device, non_blocking=True)
        fmt = CHANNELS_LAST.get(x.dim()) if channels_last and x.is_floating_point() else None
        return x.contiguous(memory_format=fmt) if fmt else x
    if isinstance(x, (tuple, list)):
        return type(x)(to_device(v, device, channels_last) for v in x)
    if isinstance(x, dict):
        return {k: to_device(v, device, channels_last) for k, v in x.items()}
    return x
