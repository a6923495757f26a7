"""What a MODEL argument names: a local model/run directory, a registered model, or a Hub repo id.

Torch-free, so that commands can learn a MODEL's task (and so its options) before loading any weights.
"""

from __future__ import annotations

from pathlib import Path

from gankit import modelio
from gankit.errors import GankitError
from gankit.hub import parse_model_id, pull
from gankit.registry import get_registry, suggest
from gankit.specs import ModelSpec



def locate(model: str | Path) -> tuple[Path, str]:
    """The model directory a MODEL names, and a description of where it came from.

    Tried in order: a local directory, a registered model name, a Hub repo id (``user/repo[@revision]``).
    """
    path = Path(model).expanduser()
    if path.is_dir():
        return path, f"local directory {path}"
    if path.is_file():
        raise GankitError(f"{model} is a file; MODEL is a model directory (the folder holding config.json, e.g. "
                          f"{path.parent}), a registered model name or a Hub repo id")
    registry = get_registry()
    name = str(model)
    hub_id = parse_model_id(name)
    if hub_id and name not in registry.models:
        folder = pull(*hub_id)
        return folder, f"Hub repo {hub_id[0]} at revision {folder.name[:12]}"
    if name in registry.models:
        spec = registry.models[name]
        if spec.default_weights and (Path(spec.default_weights) / modelio.CONFIG_NAME).is_file():
            return Path(spec.default_weights), f"bundled weights of plugin {spec.plugin!r}"
        raise GankitError(f"model {name!r} has no bundled weights; train some: gankit train {name} --out runs/{name}")
    raise GankitError(
        f"no model {name!r}: not a registered model{suggest(name, registry.models)}, a model directory or a Hub repo id "
        "(user/name); `gankit plugins` lists models"
    )


def model_spec(model: str | Path) -> ModelSpec:
    """The registered model behind a MODEL (a registered name needs no weights for this)."""
    registry = get_registry()
    if str(model) in registry.models and not Path(model).is_dir():
        return registry.models[str(model)]
    path, _ = locate(model)
    return modelio.model_spec_for(modelio.read_config(path))
