"""What plugins register: tasks, models, data sets, feature extractors, metrics. Plain data, no torch.

Everything heavy (networks, writers, metric functions) is named by an import string
(``"package.module:attribute"``) and imported only when used, so listing plugins stays fast.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from gankit.errors import GankitError

PER_GROUP = 8
"""Seeds averaged per group named by attributes: the paper took 3, but the sum of three means of 8 keeps the
attributes it should have far more often (dcgan-faces before its code_loss phase, glasses,beard − beard + smile,
all right in 50 runs by its CNN reader: 60% with 3 seeds a group, 68% with 5, 84% with 8)."""
VECTOR_SAMPLES = 8000
"""Samples an attribute vector is measured on: with 2,000, the other attributes' directions (17 for dcgan-faces) are
too noisy to take out; with 8,000, dcgan-faces' glasses vector keeps every other attribute in over 70% of faces."""
BINARY = ("no", "yes")
"""The value names of a binary attribute, as attribute readers give them."""


def check_per_group(count: int) -> None:
    """Groups named by attributes need at least one seed each."""
    if count < 1:
        raise GankitError(f"--per-group must be at least 1, got {count}")


@dataclass(frozen=True)
class Option:
    """One typed, documented model option with its default."""

    default: Any
    help: str = ""
    choices: tuple | None = None
    minimum: float | None = None
    maximum: float | None = None

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
        if kind is float and not math.isfinite(value):
            raise GankitError(f"option {name!r} must be a finite number, got {value!r}")
        if self.choices is not None and value not in self.choices:
            raise GankitError(f"option {name!r} must be one of {', '.join(map(str, self.choices))}; got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise GankitError(f"option {name!r} must be at least {self.minimum}; got {value!r}")
        if self.maximum is not None and value > self.maximum:
            raise GankitError(f"option {name!r} must be at most {self.maximum}; got {value!r}")
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
    for this model; `default_weights` is a model directory bundled with the plugin; `attribute_reader` names
    ``loader() -> reader`` for models whose samples carry attributes (see `gankit.attributes`), which lets
    arithmetic take groups by attribute name and ``gankit attribute`` add one.
    """

    name: str
    task: str
    builder: str
    options: dict[str, Option] = field(default_factory=dict)
    description: str = ""
    default_dataset: str | None = None
    default_weights: str | None = None
    train_defaults: dict[str, Any] = field(default_factory=dict)
    attribute_reader: str | None = None
    plugin: str = ""

    def describe(self) -> dict[str, Any]:
        """Everything a user needs before training: options with defaults and help, trainer overrides, data."""
        return {
            "model": self.name, "plugin": self.plugin, "task": self.task, "description": self.description,
            "options": {k: {"default": o.default, "type": o.type.__name__, "help": o.help} for k, o in self.options.items()},
            "train_defaults": dict(self.train_defaults), "default_dataset": self.default_dataset,
            "bundled_weights": self.default_weights,
        }

    def build(self, options: dict[str, Any], source: str = "", copies: int = 1):
        """Construct the model (imports the plugin's torch code); `source` names where the options came from.

        It is first built without memory (on torch's meta device) to refuse sizes that cannot be allocated: its
        parameters and buffers times `copies` (training keeps gradients, optimizer moments and an EMA too)."""
        import torch

        from gankit.memory import require

        builder: Callable = import_object(self.builder)
        resolved = resolve_options(self.options, options, f"model {self.name!r}{source}")
        try:
            with torch.device("meta"):
                shell = builder(resolved)
            tensors = [*shell.parameters(), *shell.buffers()]
        except Exception:  # noqa: BLE001 — a builder that cannot run on meta is built for real, unchecked
            tensors = []
        nbytes = sum(t.numel() * t.element_size() for t in tensors) * copies
        what = f"model {self.name!r} with these options{source}" + (" (weights and training state)" if copies > 1 else "")
        require(nbytes, what, f"choose smaller sizes (`gankit train {self.name} --help` lists the options)")
        return builder(resolved)


@dataclass(frozen=True)
class DatasetSpec:
    """A built-in data set: `loader` names ``loader(options: dict, root: str | None) -> torch Dataset``.

    `options` are the model's options (the loaders of image data read ``image_size`` and ``channels``);
    `defaults` are the options used when no model gives them, e.g. when the data set is a metric's side.
    Items are ``(sample, label)`` pairs with samples in [-1, 1] (images: (channels, size, size)).
    """

    name: str
    loader: str
    description: str = ""
    sample_type: str = "image"
    defaults: dict[str, Any] = field(default_factory=lambda: {"image_size": 32, "channels": 1})
    plugin: str = ""

    def load(self, **kwargs: Any):
        return import_object(self.loader)(**kwargs)


@dataclass(frozen=True)
class FeatureExtractorSpec:
    """A feature space for metrics: `loader` names ``loader(weights: str | None) -> nn.Module``.

    `sample_type` is the kind of sample it reads (``"image"``: any task whose samples are images). An image
    extractor maps images in [0, 1], shaped (N, channels, input_size, input_size), to (N, dims) features, and
    has the attributes ``dims``, ``input_size`` and ``channels``; an extractor of other samples (e.g. ``"voxels"``)
    takes batches as its task's models make them and has ``dims``.
    """

    name: str
    loader: str
    description: str = ""
    sample_type: str = "image"
    plugin: str = ""

    def load(self, weights: str | None = None):
        return import_object(self.loader)(weights)


INPUT_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "path": Path}


@dataclass(frozen=True)
class Input:
    """One typed input a task's models take when sampling: ``gankit run MODEL --NAME VALUE``, ``generate(NAME=...)``.

    `type` is ``str``, ``int``, ``float`` or ``path`` (an existing file or folder). A `multiple` input may be
    given several times: ``run`` then makes ``--n`` samples per value, one grid row each. An `interpolate` input
    may be given twice to ``gankit interpolate``, which then walks from the first value to the second.
    """

    type: str
    help: str = ""
    multiple: bool = False
    interpolate: bool = False
    minimum: float | None = None
    choices: tuple | None = None

    def __post_init__(self) -> None:
        if self.type not in INPUT_TYPES:
            raise ValueError(f"input type {self.type!r} is not one of {', '.join(INPUT_TYPES)}")

    def coerce(self, name: str, value: Any) -> Any:
        """`value` as this input's type, or a one-line error naming ``--NAME``."""
        kind = INPUT_TYPES[self.type]
        flag = f"--{name.replace('_', '-')}"
        try:
            if kind is Path:
                value = Path(value).expanduser()
            elif kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            elif isinstance(value, str) and kind is not str:
                value = kind(value)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError
        except (TypeError, ValueError):
            raise GankitError(f"{flag} must be of type {self.type}, got {value!r}") from None
        if kind is Path and not value.exists():
            raise GankitError(f"{flag} {value}: no such file or folder")
        if self.choices is not None and value not in self.choices:
            raise GankitError(f"{flag} must be one of {', '.join(map(str, self.choices))}; got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise GankitError(f"{flag} must be at least {self.minimum}; got {value!r}")
        return value


FOLDER = "/"
"""The `Writer` suffix that stands for a folder: ``--out`` without a file suffix."""


@dataclass(frozen=True)
class Writer:
    """One way a task writes samples to ``--out``: by file suffix (``.png``, ``.wav``), or a folder (`FOLDER`).

    `function` names ``function(samples, path, *, columns=None, **options) -> str``: it writes `samples` (a
    tensor, one sample per row) to `path` atomically and returns what it wrote, in a few words for the user.
    `columns` is a layout hint from the command (samples per grid row); `options` are the ones declared here,
    which become options of ``gankit run`` (``--scale``, ``--fps`` …).
    """

    suffixes: tuple[str, ...]
    function: str
    description: str = ""
    options: dict[str, Option] = field(default_factory=dict)

    def write(self, samples: Any, path: str | Path, columns: int | None = None, **options: Any) -> str:
        mine = {k: v for k, v in options.items() if k in self.options}
        return import_object(self.function)(samples, Path(path), columns=columns, **mine)


@dataclass(frozen=True)
class TaskSpec:
    """A kind of GAN output: what sampling takes, how results are written, what a preview shows.

    `inputs` are what ``gankit run`` and ``Model.generate`` accept besides seeds; `writers` map ``--out`` to a
    format; `preview` names ``preview(samples) -> PIL.Image`` (the trainer's ``samples/step-N.png``, a model
    directory's ``samples.png``, model cards); `sample_type` says what one sample is (``"image"``: (C, H, W) in
    [-1, 1]), so that feature extractors and metrics can say what they read; `augment` and `channels_last` say
    whether the trainer's image augmentation and channels-last memory format apply to its samples; `example` holds
    inputs for the usage lines of model cards (e.g. ``{"text": "a red circle"}``); `folder_data` names
    ``reader(folder: Path, options: dict, skip_bad: bool) -> Dataset`` for ``--data FOLDER`` when the task's
    training data is not a folder of images (e.g. videos); by default folders are read as images. `template`
    names a module whose source is a complete ``model.py`` for a new plugin of this task (``gankit new-plugin
    --task``; see `gankit.scaffold`). `playground` lists the suffixes ``gankit serve`` writes and shows
    (pictures, animations, meshes …), each with a download.
    """

    name: str
    writers: tuple[Writer, ...]
    preview: str
    description: str = ""
    sample_type: str = "image"
    inputs: dict[str, Input] = field(default_factory=dict)
    pipeline_tag: str = ""
    example: dict[str, Any] = field(default_factory=dict)
    default_out: str = "samples.png"
    folder_data: str = ""
    augment: bool = False
    channels_last: bool = False
    template: str = ""
    playground: tuple[str, ...] = (".png",)
    plugin: str = ""

    def formats(self) -> str:
        """What ``--out`` can be, in words."""
        names = [s for w in self.writers for s in w.suffixes if s != FOLDER]
        return ", ".join(names) + (" or a folder" if any(FOLDER in w.suffixes for w in self.writers) else "")

    def writer_for(self, path: str | Path) -> Writer:
        """The writer for ``--out PATH``: by suffix, or the folder writer for a path without one."""
        path = Path(path)
        blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            raise GankitError(f"--out {path}: {blocking} is a file, not a folder; choose another --out")
        suffix = path.suffix.lower() if path.suffix and not path.is_dir() else FOLDER
        for writer in self.writers:
            if suffix in writer.suffixes:
                return writer
        what = "a folder" if suffix == FOLDER else f"{suffix} files"
        raise GankitError(f"--out {path}: task {self.name!r} cannot write {what}; it writes {self.formats()}")

    def writer_options(self) -> dict[str, Option]:
        """Every writer option of this task (writers that share a name share its declaration)."""
        merged: dict[str, Option] = {}
        for writer in self.writers:
            for name, option in writer.options.items():
                merged.setdefault(name, option)
        return merged

    def check_inputs(self, inputs: dict[str, Any], owner: str) -> dict[str, Any]:
        """Coerce given inputs (a `multiple` input as a list of values); unknown names are an error."""
        unknown = sorted(set(inputs) - set(self.inputs))
        if unknown:
            takes = ", ".join(self.inputs) or "no inputs"
            raise GankitError(f"{owner} ({self.name}) takes {takes}; not {', '.join(unknown)}")
        checked: dict[str, Any] = {}
        for name, value in inputs.items():
            spec = self.inputs[name]
            if isinstance(value, (list, tuple)):
                if not value:
                    continue
                values = [spec.coerce(name, v) for v in value]
                checked[name] = values if len(values) > 1 else values[0]
            else:
                checked[name] = spec.coerce(name, value)
        return checked

    def make_preview(self, samples: Any):
        return import_object(self.preview)(samples)


@dataclass(frozen=True)
class MetricSpec:
    """A metric ``gankit eval --metrics NAME`` computes, as stylegan2-ada names metrics in a registry.

    `kind` ``"features"``: `function` is ``function(real: FeatureSet, fake: FeatureSet) -> dict[str, float]``,
    computed in the feature space of ``--features`` from one shared feature pass per side; `needs_features` says
    it needs the feature rows, not only their mean and covariance (then a ``.npz`` side cannot serve).
    `kind` ``"samples"``: `function` is ``function(model, data, n, seed, data_root) -> dict[str, float]`` and
    measures a loaded MODEL against a data set itself; `sample_type` names the samples it reads; `options` are
    its own knobs, passed to `function` as keywords and offered by ``gankit eval`` as flags (``--horizon 8``;
    metrics that share a name share its declaration).
    """

    name: str
    function: str
    description: str = ""
    kind: str = "features"
    needs_features: bool = False
    sample_type: str | None = None
    options: dict[str, Option] = field(default_factory=dict)
    plugin: str = ""

    def __post_init__(self) -> None:
        if self.options and self.kind != "samples":
            raise ValueError(f"metric {self.name!r}: only metrics of kind 'samples' take options")
        if self.kind not in ("features", "samples"):
            raise ValueError(f"metric {self.name!r}: kind must be 'features' or 'samples', not {self.kind!r}")

    def compute(self, *args: Any, **kwargs: Any) -> dict[str, float]:
        return import_object(self.function)(*args, **kwargs)


@dataclass(frozen=True)
class TextEncoderSpec:
    """A text encoder for text-conditioned models: `loader` names ``loader() -> encoder``, an object with
    ``max_words`` and ``encode(texts: list[str]) -> Tensor (N, dims)``; `dims` is declared here so that a model
    can be built without loading its encoder.

    `requires` names the module the loader imports, and `install` how to get it (e.g. ``pip install "gankit[text]"``).
    """

    name: str
    loader: str
    dims: int
    description: str = ""
    requires: str = ""
    install: str = ""
    plugin: str = ""

    def check_installed(self) -> None:
        """A one-line error saying what to install when the module the encoder `requires` is missing."""
        if self.requires and importlib.util.find_spec(self.requires) is None:
            raise GankitError(f"text encoder {self.name!r} is not installed: {self.install or 'install ' + self.requires}")

    def load(self):
        self.check_installed()
        return import_object(self.loader)()
