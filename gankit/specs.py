"""What plugins register: model, data-set and option declarations. Plain data, no torch."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

from gankit.errors import GankitError

TASKS = ("unconditional-image", "text-to-image", "next-frame", "voxel")
"""A task fixes what `gankit run` accepts and how results are written (see docs/architecture.md)."""


@dataclass(frozen=True)
class Option:
    """One typed, documented model option with its default."""

    default: Any
    help: str = ""
    choices: tuple | None = None
    minimum: float | None = None

    @property
    def type(self) -> type:
        return type(self.default)

    def coerce(self, name: str, value: Any) -> Any:
        """Return `value` as this option's type, or raise a one-line error naming the option."""
        kind = self.type
        try:
            if isinstance(value, str) and kind is not str:
                if kind is bool:
                    if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError
                    value = value.lower() in ("true", "1", "yes")
                else:
                    value = kind(value)
            elif kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise ValueError
        except ValueError:
            raise GankitError(f"option {name!r} must be of type {kind.__name__}, got {value!r}") from None
        if self.choices is not None and value not in self.choices:
            raise GankitError(f"option {name!r} must be one of {', '.join(map(str, self.choices))}; got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise GankitError(f"option {name!r} must be at least {self.minimum}; got {value!r}")
        return value


def resolve_options(declared: dict[str, Option], given: dict[str, Any], owner: str) -> dict[str, Any]:
    """Fill defaults and validate `given` against `declared`; unknown names are an error."""
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise GankitError(
            f"{owner} has no option {', '.join(map(repr, unknown))}; its options are: {', '.join(sorted(declared)) or 'none'}"
        )
    return {name: opt.coerce(name, given[name]) if name in given else opt.default for name, opt in declared.items()}


def import_object(path: str) -> Any:
    """Import ``"package.module:attribute"``."""
    module_name, _, attribute = path.partition(":")
    obj = importlib.import_module(module_name)
    for part in attribute.split(".") if attribute else ():
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class ModelSpec:
    """A GAN a plugin brings.

    `builder` names a callable ``builder(options: dict) -> GANModel``; `options` declares every model
    option with its default; `train_defaults` overrides the trainer's defaults (`gankit.training.TrainConfig`)
    for this model; `default_weights` is a model directory bundled with the plugin.
    """

    name: str
    task: str
    builder: str
    options: dict[str, Option] = field(default_factory=dict)
    description: str = ""
    default_dataset: str | None = None
    default_weights: str | None = None
    train_defaults: dict[str, Any] = field(default_factory=dict)
    plugin: str = ""

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"model {self.name!r}: unknown task {self.task!r}; tasks are {', '.join(TASKS)}")

    def build(self, options: dict[str, Any], source: str = ""):
        """Construct the model (imports the plugin's torch code); `source` names where the options came from."""
        builder: Callable = import_object(self.builder)
        return builder(resolve_options(self.options, options, f"model {self.name!r}{source}"))


@dataclass(frozen=True)
class DatasetSpec:
    """A built-in data set: `loader` names ``loader(image_size, channels, root) -> torch Dataset``.

    Items are ``(image, label)`` pairs with images in [-1, 1], shaped (channels, size, size).
    """

    name: str
    loader: str
    description: str = ""
    task: str = "unconditional-image"
    plugin: str = ""

    def load(self, **kwargs: Any):
        return import_object(self.loader)(**kwargs)


@dataclass(frozen=True)
class FeatureExtractorSpec:
    """A feature space for metrics: `loader` names ``loader(weights: str | None) -> nn.Module``.

    The module maps images in [0, 1], shaped (N, channels, input_size, input_size), to (N, dims) features,
    and has the attributes ``dims``, ``input_size`` and ``channels``.
    """

    name: str
    loader: str
    description: str = ""
    plugin: str = ""

    def load(self, weights: str | None = None):
        return import_object(self.loader)(weights)
