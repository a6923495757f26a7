"""How good are predicted frames? PSNR, SSIM and sharpness per horizon on held-out sequences (Mathieu et al. §4).

Each metric rolls the model out from the first k frames of held-out sequences and compares prediction h with the
true frame h, for h = 1 … horizon, next to two baselines that need no training: **copy-last** (the last context
frame, forever) and **linear** extrapolation of the last two context frames. Keys: ``psnr@3`` (the model),
``psnr@3 copy-last``, ``psnr@3 linear``. Frames are compared in [0, 1].
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from gankit.errors import GankitError

BASELINES = ("copy-last", "linear")


def held_out(data: str, options: dict[str, Any], n: int, length: int, data_root: Any = None) -> Tensor:
    """`n` sequences (n, length, C, H, W) never trained on: a built-in set's test split, or the clips of a folder."""
    from gankit.registry import get_registry

    registry = get_registry()
    path = Path(data).expanduser()
    if path.is_dir():
        from gankit_plugins.nextframe.data import ClipFolder

        dataset = ClipFolder(path, int(options["image_size"]), int(options["channels"]), length)
    elif data in registry.datasets:
        try:
            dataset = registry.datasets[data].load(options=options, root=data_root, split="test", n=n, length=length)
        except TypeError:
            raise GankitError(f"data set {data!r} has no held-out split of sequences; give a folder of held-out clips") from None
    else:
        raise GankitError(f"--data {data}: give a video data set ({', '.join(_video_sets(registry))}) or a folder of clips")
    count = min(n, len(dataset))
    seqs = torch.stack([dataset[i] for i in range(count)])
    if seqs.shape[1] < length:
        raise GankitError(f"--data {data}: sequences of {seqs.shape[1]} frames; --horizon needs {length} (context + horizon)")
    return seqs[:, :length]


def _video_sets(registry) -> list[str]:
    return sorted(name for name, spec in registry.datasets.items() if spec.sample_type == "video")


def predictions(model, data: str, n: int, horizon: int, data_root: Any = None, batch_size: int = 64) -> tuple[dict[str, Tensor], Tensor]:
    """({"model" | baseline: predicted frames (n, horizon, C, H, W)}, true future), all in [0, 1]."""
    gan = model.gan
    k = gan.context
    seqs = held_out(data, gan.options, n, k + horizon, data_root)
    context, future = seqs[:, :k], seqs[:, k:]
    with torch.no_grad():
        rolled = torch.cat([gan.rollout(c.to(model.device), horizon).float().cpu() for c in context.split(batch_size)])
    last = context[:, -1:]
    before = context[:, -2:-1] if k > 1 else last
    steps = torch.arange(1, horizon + 1, dtype=torch.float32).view(1, -1, 1, 1, 1)
    preds = {"model": rolled, "copy-last": last.expand_as(future), "linear": (last + steps * (last - before)).clamp(-1, 1)}
    return {name: (p + 1) / 2 for name, p in preds.items()}, (future + 1) / 2


def psnr_frames(pred: Tensor, true: Tensor) -> Tensor:
    """PSNR (dB) per frame, (n, T)."""
    mse = (pred - true).square().flatten(2).mean(2)
    return 10 * torch.log10(1 / mse.clamp_min(1e-10))


def ssim_frames(pred: Tensor, true: Tensor, window: int = 11, sigma: float = 1.5) -> Tensor:
    """SSIM (Wang et al. 2004; Gaussian window 11, σ 1.5, K = 0.01, 0.03) per frame, (n, T)."""
    n, t, c, h, w = pred.shape
    window = min(window, h, w) | 1
    coords = torch.arange(window, dtype=torch.float32) - window // 2
    g = torch.exp(-coords.square() / (2 * sigma**2))
    kernel = (g[:, None] * g[None, :] / g.sum() ** 2).expand(c, 1, window, window)

    def blur(x: Tensor) -> Tensor:
        return F.conv2d(x, kernel, groups=c)

    x, y = pred.reshape(n * t, c, h, w), true.reshape(n * t, c, h, w)
    mx, my = blur(x), blur(y)
    vx, vy, cov = blur(x * x) - mx.square(), blur(y * y) - my.square(), blur(x * y) - mx * my
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx.square() + my.square() + c1) * (vx + vy + c2))
    return s.flatten(1).mean(1).view(n, t)


def sharpness_frames(pred: Tensor, true: Tensor) -> Tensor:
    """The paper's sharpness difference (dB) per frame, (n, T): 10 log10(1 / mean |(∇y + ∇x)Y − (∇y + ∇x)Ŷ|),
    with ∇ the absolute difference to the pixel above / to the left. Higher: edges as crisp as the truth's."""
    def grads(x: Tensor) -> Tensor:
        return (x[..., 1:, 1:] - x[..., :-1, 1:]).abs() + (x[..., 1:, 1:] - x[..., 1:, :-1]).abs()

    err = (grads(true) - grads(pred)).abs().flatten(2).mean(2)
    return 10 * torch.log10(1 / err.clamp_min(1e-10))


def _per_horizon(name: str, score: Callable[[Tensor, Tensor], Tensor]):
    def metric(model, data: str | None = None, n: int = 256, seed: int = 0, data_root: Any = None, horizon: int = 8) -> dict[str, float]:
        preds, true = _cached_predictions(model, data or model.spec.default_dataset, n, horizon, data_root)
        result: dict[str, float] = {}
        for method, pred in preds.items():
            per_h = score(pred, true).mean(0)
            suffix = "" if method == "model" else f" {method}"
            result |= {f"{name}@{h + 1}{suffix}": round(float(v), 4) for h, v in enumerate(per_h)}
        return result

    metric.__name__ = name
    metric.__doc__ = f"{name} per horizon 1…H of the model's roll-out and of the {' and '.join(BASELINES)} baselines."
    return metric


_CACHE: dict[tuple, tuple[dict[str, Tensor], Tensor]] = {}


def _cached_predictions(model, data: str, n: int, horizon: int, data_root: Any):
    """One roll-out shared by psnr, ssim and sharpness in the same ``gankit eval``."""
    key = (id(model), data, n, horizon)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = predictions(model, data, n, horizon, data_root)
    return _CACHE[key]


psnr = _per_horizon("psnr", psnr_frames)
ssim = _per_horizon("ssim", ssim_frames)
sharpness = _per_horizon("sharpness", sharpness_frames)
