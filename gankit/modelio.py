"""The model directory: ``config.json`` + ``model.safetensors`` + ``README.md`` (model card) + ``samples.png``.

This is the unit gankit saves, loads, bundles and (later) shares on the Hub. Weights are safetensors only;
``config.json`` may only name a registered model and its declared options. See docs/hub-format.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gankit
from gankit.errors import GankitError
from gankit.io import atomic_path, write_json, write_text
from gankit.modelcard import render_card
from gankit.registry import get_registry
from gankit.specs import ModelSpec

if TYPE_CHECKING:  # reading a config needs no torch; saving and loading weights import it
    import torch

    from gankit.model import GANModel

FORMAT_VERSION = 1
CONFIG_NAME, WEIGHTS_NAME, CARD_NAME, SAMPLES_NAME = "config.json", "model.safetensors", "README.md", "samples.png"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")
CONFIG_KEYS = {"format_version", "gankit_version", "model", "plugin", "plugin_package", "plugin_version", "task", "options", "training"}


def save_model(
    folder: str | Path,
    model: GANModel,
    spec: ModelSpec,
    training: dict[str, Any] | None = None,
    samples=None,
    dtype: "torch.dtype | None" = None,
    include_discriminator: bool = True,
    discriminator_state: "dict[str, torch.Tensor] | None" = None,
    ref: str | None = None,
) -> Path:
    """Write a complete model directory; each file is replaced atomically.

    `discriminator_state` replaces D's own state dict (the trainer passes spectral-normalised weights baked in);
    `ref` is how the model card tells users to name
    the model (default: the folder). `samples` is the task's preview picture.
    """
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    info = get_registry().plugins.get(spec.plugin)
    config = {
        "format_version": FORMAT_VERSION,
        "gankit_version": gankit.__version__,
        "model": spec.name,
        "plugin": spec.plugin,
        "plugin_package": info.package if info else "?",
        "plugin_version": info.version if info else "?",
        "task": spec.task,
        "options": model.options,
        "training": training or {},
    }
    tensors = {f"generator.{k}": v for k, v in model.generator.state_dict().items()}
    if include_discriminator:
        tensors |= {f"discriminator.{k}": v for k, v in (discriminator_state or model.discriminator.state_dict()).items()}
    tensors = {k: (v.to(dtype) if dtype and v.is_floating_point() else v).detach().contiguous().cpu() for k, v in tensors.items()}
    with atomic_path(folder / WEIGHTS_NAME) as tmp:
        save_file(tensors, str(tmp), metadata={"format": "pt", "gankit_format_version": str(FORMAT_VERSION)})
    if samples is not None:
        from gankit.images import save_image

        save_image(samples, folder / SAMPLES_NAME)
    write_text(folder / CARD_NAME, render_card(config, model.parameter_counts(), has_samples=(folder / SAMPLES_NAME).exists(), ref=ref or str(folder)))
    write_json(folder / CONFIG_NAME, config)  # last: a directory whose config.json is current is complete
    return folder


def read_config(folder: str | Path) -> dict[str, Any]:
    """Read and check ``config.json`` of a model directory."""
    folder = Path(folder)
    path = folder / CONFIG_NAME
    if not path.is_file():
        raise GankitError(f"{folder} is not a gankit model directory: {CONFIG_NAME} is missing")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GankitError(f"{path} is not valid JSON ({exc}); restore or re-download the model") from None
    if not isinstance(config, dict) or not isinstance(config.get("model"), str):
        raise GankitError(f"{path} does not name a model; it is not a gankit config")
    unknown = sorted(set(config) - CONFIG_KEYS)
    if unknown:
        raise GankitError(f"{path} has unknown keys {', '.join(unknown)}")
    version = config.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise GankitError(f"{path} has format version {version!r}; this gankit reads up to {FORMAT_VERSION}: upgrade gankit")
    if not isinstance(config.get("options", {}), dict):
        raise GankitError(f"{path}: 'options' must be an object")
    return config


def model_spec_for(config: dict[str, Any]) -> ModelSpec:
    """The registered model a config names, or an error saying which plugin to install."""
    registry = get_registry()
    name = config["model"]
    if name not in registry.models:
        plugin = config.get("plugin")
        if plugin in registry.plugins:  # installed, but without this model (renamed, or a newer version's)
            theirs = sorted(m.name for m in registry.models.values() if m.plugin == plugin)
            raise GankitError(f"no model {name!r}: the installed plugin {plugin!r} has {', '.join(theirs) or 'no models'}; "
                              f"upgrade {registry.plugins[plugin].package} if the model is newer")
        package = config.get("plugin_package") or plugin or name
        raise GankitError(f"this model needs the gankit plugin {config.get('plugin', name)!r} (model {name!r}); install it: pip install {package}")
    return registry.models[name]


def load_model(folder: str | Path, device: "str | torch.device" = "cpu") -> "tuple[GANModel, dict[str, Any], ModelSpec]":
    """Build the model a directory describes and load its weights (generator, and discriminator if saved)."""
    folder = Path(folder)
    config = read_config(folder)
    spec = model_spec_for(config)
    model = spec.build(config.get("options", {}), source=f" (in {folder / CONFIG_NAME})")
    load_weights(model, folder)
    return model.to(device).eval(), config, spec


def refuse_pickled(where: str, names: list[str]) -> None:
    """Explain, and stop, when `where` offers weights only as pickles (which can run code when loaded)."""
    pickled = sorted(n for n in names if n.endswith(PICKLE_SUFFIXES))
    if pickled:
        raise GankitError(
            f"{where} offers only pickled weights ({', '.join(pickled)}); gankit never unpickles files, since they can run "
            f"code. Convert them once in a trusted environment with safetensors.torch.save_file into {WEIGHTS_NAME}"
        )


def load_weights(model: "GANModel", folder: Path, start_from: dict[str, Any] | None = None) -> None:
    """Load `folder`'s weights into `model`, checking every name and shape; with `start_from` (the options of the
    model in `folder`, for a new run's `--init`), only the tensors `model.weights_to_start_from` picks."""
    import torch
    from safetensors import SafetensorError, safe_open

    path = folder / WEIGHTS_NAME
    if not path.is_file():
        refuse_pickled(str(folder), [p.name for p in folder.iterdir()] if folder.is_dir() else [])
        raise GankitError(f"{folder} has no {WEIGHTS_NAME}; the model directory is incomplete")
    try:
        with safe_open(str(path), framework="pt") as fh:
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise GankitError(f"{path} is corrupt or truncated ({exc}); download or export it again") from None
    foreign = sorted(k for k in tensors if not k.startswith(("generator.", "discriminator.")))
    if foreign:
        raise GankitError(f"{path}: unexpected tensor {foreign[0]} (every name starts with generator. or discriminator.); "
                          "is this a gankit model file?")
    broken = next((k for k, v in tensors.items() if v.is_floating_point() and not torch.isfinite(v).all()), None)
    if broken:
        raise GankitError(f"{path}: tensor {broken} holds NaN or inf values; these weights cannot sample — retrain, or "
                          "resume from an earlier checkpoint with lower learning rates")
    parts = {"generator": model.generator, "discriminator": model.discriminator}
    if not any(k.startswith("discriminator.") for k in tensors):
        parts.pop("discriminator")
    taken = None if start_from is None else model.weights_to_start_from(set(tensors), start_from)
    if taken is not None:
        tensors = {k: v for k, v in tensors.items() if k in taken}
    for prefix, net in parts.items():
        expected = {k: v for k, v in net.state_dict().items() if taken is None or f"{prefix}.{k}" in taken}
        given = {k[len(prefix) + 1 :]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
        for name, want in expected.items():
            if name not in given:
                raise GankitError(f"{path}: tensor {prefix}.{name} is missing (expected shape {tuple(want.shape)}); do the weights match the config?")
            if given[name].shape != want.shape:
                raise GankitError(
                    f"{path}: tensor {prefix}.{name} has shape {tuple(given[name].shape)}, expected {tuple(want.shape)}; "
                    "do the weights match the config?"
                )
        extra = sorted(set(given) - set(expected))
        if extra:
            raise GankitError(f"{path}: unexpected tensor {prefix}.{extra[0]}; do the weights match the config?")
        net.load_state_dict(given, strict=taken is None)
