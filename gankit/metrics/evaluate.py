"""`gankit fid / kid / pr / eval`: compare two image sources in one feature space, one pass per side.

A side is a folder of images, a ``.npz`` statistics file (pytorch-fid's format; FID only), or a MODEL
(``n`` seeded samples; a folder holding ``config.json`` is a model directory, hence a MODEL).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from gankit.errors import GankitError
from gankit.metrics import scores
from gankit.metrics.stats import frechet_distance, load_stats, save_stats

METRICS = ("fid", "kid", "prdc")


def evaluate(a: str, b: str | None, metrics: tuple[str, ...] = ("fid",), features: str = "inception", n: int = 10000,
             seed: int = 0, batch_size: int = 50, workers: int = 2, device: str = "auto", inception_weights: str | None = None,
             save_stats_to: str | Path | None = None, progress: bool = True, notes: list[str] | None = None) -> dict[str, Any]:
    """Compute `metrics` between sources `a` and `b` (only statistics of `a` when `b` is None and saving)."""
    from gankit.devices import pick_device
    from gankit.metrics.features import feature_pass, folder_batches, model_batches
    from gankit.registry import get_registry

    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise GankitError(f"unknown metric {', '.join(unknown)}; choose from {', '.join(METRICS)}")
    if n < 2:
        raise GankitError(f"--n must be at least 2, got {n}")
    keep = any(m in ("kid", "prdc") for m in metrics)
    spec = get_registry().feature_extractor(features)
    torch_device = pick_device(device)
    extractor = None
    sides = {}
    for label, source in (("A", a), ("B", b)):
        if source is None:
            continue
        if source.endswith(".npz"):
            if not Path(source).is_file():
                raise GankitError(f"{source}: no such statistics file")
            if keep:
                raise GankitError(f"{source} holds only statistics; KID and precision/recall need images (a folder or a MODEL)")
            mu, sigma = load_stats(source)
            sides[label] = {"mu": mu, "sigma": sigma, "n": None, "features": None}
            continue
        if extractor is None:
            extractor = spec.load(inception_weights if features == "inception" else None).to(torch_device)
            extractor = extractor.to(memory_format=torch.channels_last)  # about 1.8x faster convolutions on CPU
        if Path(source).is_dir() and not (Path(source) / "config.json").is_file():  # a model directory is a MODEL
            total, batches = folder_batches(Path(source), extractor, batch_size, workers)
        else:
            total, batches = model_batches(source, n, seed, batch_size, extractor, device)
        stats, kept = feature_pass(batches, total, extractor, torch_device, keep, f"{label}: {source}", progress)
        sides[label] = {"mu": stats.mean, "sigma": stats.cov, "n": stats.n, "features": kept}

    result: dict[str, Any] = {"n_a": sides["A"]["n"], "n_b": sides["B"]["n"] if "B" in sides else None, "features": features,
                              "resize": f"bilinear to {extractor.input_size}x{extractor.input_size}" if extractor else None}
    if save_stats_to:
        save_stats(save_stats_to, sides["A"]["mu"], sides["A"]["sigma"])
    if "B" not in sides:
        return result
    A, B = sides["A"], sides["B"]
    if A["mu"].shape != B["mu"].shape:
        raise GankitError(f"the sides have {A['mu'].shape[0]}-d and {B['mu'].shape[0]}-d features; compare statistics of the same --features")
    dims = A["mu"].shape[0]
    for side, label in ((A, "A"), (B, "B")):
        if side["n"] is not None and side["n"] < dims and notes is not None:
            notes.append(f"side {label} has {side['n']} images, fewer than the {dims} feature dimensions: its covariance is "
                         "singular and FID is biased upwards; use 10,000 or more images for numbers you report")
    if "fid" in metrics:
        result["fid"] = frechet_distance(A["mu"], A["sigma"], B["mu"], B["sigma"])
    if "kid" in metrics:
        result["kid"], result["kid_std"] = scores.kid(A["features"], B["features"])
    if "prdc" in metrics:
        result |= scores.prdc(A["features"], B["features"])
    return result
