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
    return device


def to_device(x: Any, device: torch.device, channels_last: bool = False) -> Any:
    if torch.is_tensor(x):
        x = x.to(device, non_blocking=True)
        return x.contiguous(memory_format=torch.channels_last) if channels_last and x.dim() == 4 and x.is_floating_point() else x
    if isinstance(x, (tuple, list)):
        return type(x)(to_device(v, device, channels_last) for v in x)
    if isinstance(x, dict):
        return {k: to_device(v, device, channels_last) for k, v in x.items()}
    return x
