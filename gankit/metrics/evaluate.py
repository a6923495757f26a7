"""`gankit fid / kid / prdc / eval`: registered metrics between two sources, one feature pass per side.

A side is a folder of samples, a ``.npz`` statistics file (pytorch-fid's format), a built-in data set name, or a
MODEL (``n`` seeded samples; a folder holding ``config.json`` is a model directory, hence a MODEL). A folder holds
what the feature space reads: images, or files a task's folder reader takes (voxel grids and meshes, …). Metrics of kind
``features`` share the feature pass; metrics of kind ``samples`` measure the MODEL side against the other side
themselves. Only sides that need features import torch: FID between two ``.npz`` files does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gankit.errors import GankitError
from gankit.metrics.scores import KID_SUBSET_SIZE, FeatureSet
from gankit.metrics.stats import load_stats, save_stats
from gankit.registry import get_registry


@dataclass
class Side:
    """What a side argument names: ``kind`` is npz, folder, dataset or model."""

    label: str
    source: str
    kind: str

    @classmethod
    def parse(cls, label: str, source: str) -> "Side":
        path = Path(source).expanduser()
        if source.endswith(".npz"):
            if not path.is_file():
                raise GankitError(f"{source}: no such statistics file")
            return cls(label, source, "npz")
        if path.is_dir():
            return cls(label, source, "model" if (path / "config.json").is_file() else "folder")
        if not path.exists() and source in get_registry().datasets:
            return cls(label, source, "dataset")
        if path.exists():
            raise GankitError(f"{source}: a side must be a folder of images, a .npz statistics file, a data set or a MODEL")
        return cls(label, source, "model")

    def sample_type(self, wanted: str = "image") -> str:
        """What one sample of this side is; a folder holds `wanted` when a task reads folders of those."""
        if self.kind == "folder":
            return wanted if wanted == "image" or get_registry().folder_reader(wanted) else "image"
        if self.kind == "model":
            from gankit.resolve import model_spec

            return get_registry().task_of(model_spec(self.source)).sample_type
        return get_registry().datasets[self.source].sample_type


def evaluate(a: str, b: str | None, metrics: tuple[str, ...] = ("fid",), features: str = "inception", n: int = 10000,
             seed: int = 0, batch_size: int = 50, workers: int = 2, device: str = "auto", inception_weights: str | None = None,
             save_stats_to: str | Path | None = None, progress: bool = True, notes: list[str] | None = None,
             data_root: str | Path | None = None, **metric_options: Any) -> dict[str, Any]:
    """Compute `metrics` between sources `a` (real) and `b` (generated); only `a`'s statistics when `b` is None.

    `metric_options` go to the metrics that declare them (e.g. ``horizon=8``)."""
    registry = get_registry()
    unknown = sorted(set(metric_options) - set(registry.metric_options()))
    if unknown:
        raise GankitError(f"no metric takes the option {', '.join(unknown)}")
    specs = [registry.metric(m) for m in metrics]
    if n < 2:
        raise GankitError(f"--n must be at least 2, got {n}")
    if batch_size < 1:
        raise GankitError(f"--batch-size must be at least 1, got {batch_size}")
    if workers < 0:
        raise GankitError(f"--workers must be 0 or more, got {workers}")
    sides = [Side.parse("A", a)] + ([Side.parse("B", b)] if b is not None else [])
    result: dict[str, Any] = {"n_a": None, "n_b": None, "features": features, "resize": None}
    feature_metrics = [m for m in specs if m.kind == "features"]
    if feature_metrics or save_stats_to:
        sets = _feature_sets(sides, feature_metrics, features, n, seed, batch_size, workers, device, inception_weights,
                             data_root, progress, result)
        if save_stats_to:
            save_stats(save_stats_to, sets[0].mu, sets[0].sigma)
        if len(sets) == 2:
            _check_dims(sets, notes)
            for metric in feature_metrics:
                result |= metric.compute(*sets)
            if "kid_std" in result and all(s.n is not None and s.n <= KID_SUBSET_SIZE for s in sets) and notes is not None:
                notes.append(f"with at most {KID_SUBSET_SIZE} samples per side every KID subset holds all of the smaller "
                             "side: kid_std understates the uncertainty (0 when both sides have as many); use more samples")
    for metric in (m for m in specs if m.kind == "samples"):
        mine = {k: metric.options[k].coerce(k, v) for k, v in metric_options.items() if k in metric.options}
        result |= _samples_metric(metric, sides, n, seed, device, data_root, mine)
    return result


def _feature_sets(sides: list[Side], metrics: list, features: str, n: int, seed: int, batch_size: int, workers: int,
                  device: str, inception_weights: str | None, data_root, progress: bool, result: dict) -> list[FeatureSet]:
    """One feature pass per side (none for .npz statistics)."""
    spec = get_registry().feature_extractor(features)
    keep = any(m.needs_features for m in metrics)
    for side in sides:
        if side.kind == "npz" and keep:
            needing = [m.name.upper() for m in metrics if m.needs_features]
            verb = "needs" if len(needing) == 1 else "need"
            raise GankitError(f"{side.source} holds only statistics; {', '.join(needing)} {verb} samples (a folder, a data set or a MODEL)")
        if side.kind != "npz" and side.sample_type(spec.sample_type) != spec.sample_type:
            raise GankitError(f"features {features!r} read {spec.sample_type} samples, but {side.source} holds "
                              f"{side.sample_type(spec.sample_type)} samples; choose --features for those (`gankit metrics list`)")
    extractor = None
    sets = []
    for side in sides:
        if side.kind == "npz":
            mu, sigma = load_stats(side.source)
            sets.append(FeatureSet(mu, sigma, None, None))
            continue
        from gankit.metrics import features as passes

        if extractor is None:
            extractor = passes.load_extractor(spec, inception_weights if features == "inception" else None, device)
            if spec.sample_type == "image":
                result["resize"] = f"bilinear to {extractor.input_size}x{extractor.input_size}"
        total, batches = passes.side_batches(side, sides, extractor, n, seed, batch_size, workers, device, data_root)
        stats, kept = passes.feature_pass(batches, total, extractor, keep, f"{side.label}: {side.source}", progress)
        sets.append(FeatureSet(stats.mean, stats.cov, stats.n, kept))
        result[f"n_{side.label.lower()}"] = stats.n
    return sets


def _check_dims(sets: list[FeatureSet], notes: list[str] | None) -> None:
    a, b = sets
    if a.mu.shape != b.mu.shape:
        raise GankitError(f"the sides have {a.mu.shape[0]}-d and {b.mu.shape[0]}-d features; compare statistics of the same --features")
    dims = a.mu.shape[0]
    for side, label in ((a, "A"), (b, "B")):
        if side.n is not None and side.n < dims and notes is not None:
            notes.append(f"side {label} has {side.n} samples, fewer than the {dims} feature dimensions: its covariance is "
                         "singular and FID is biased upwards; use 10,000 or more samples for numbers you report")


def _samples_metric(metric, sides: list[Side], n: int, seed: int, device: str, data_root, options: dict) -> dict[str, float]:
    """A metric that measures a MODEL side against the other side (a data set) itself."""
    models = [s for s in sides if s.kind == "model"]
    others = [s for s in sides if s.kind != "model"]
    if len(models) != 1 or len(others) != 1:
        raise GankitError(f"metric {metric.name!r} compares one MODEL with data: give a data set (or --data) and a MODEL")
    model, data = models[0], others[0]
    if metric.sample_type and model.sample_type() != metric.sample_type:
        raise GankitError(f"metric {metric.name!r} reads {metric.sample_type} samples; {model.source} makes {model.sample_type()} samples")
    from gankit.api import load

    return metric.compute(load(model.source, device=device), data.source, n=n, seed=seed, data_root=data_root, **options)
