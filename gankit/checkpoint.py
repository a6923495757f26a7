"""Resumable training checkpoints: one safetensors file holding every tensor, with the JSON state in its header.

One file means one atomic rename: a checkpoint is complete or absent, even if the process is killed
mid-write. Nothing is pickled: optimizer states are flattened into named tensors plus JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import Tensor

from gankit.errors import GankitError
from gankit.io import atomic_path

CHECKPOINT_NAME = "checkpoint.safetensors"


def save(path: str | Path, tensors: dict[str, Tensor], state: dict[str, Any]) -> None:
    """Write `tensors` and the JSON-serialisable `state` atomically."""
    tensors = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata={"gankit_checkpoint": "1", "state": json.dumps(state)})


def load(path: str | Path) -> tuple[dict[str, Tensor], dict[str, Any]]:
    """Read a checkpoint written by `save`."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as fh:
            meta = fh.metadata() or {}
        tensors = load_file(str(path))
        state = json.loads(meta["state"])
    except (SafetensorError, KeyError, OSError, json.JSONDecodeError) as exc:
        raise GankitError(f"checkpoint {path} is unreadable ({exc}); start again without --resume") from None
    missing = sorted(STATE_KEYS - set(state)) if isinstance(state, dict) else sorted(STATE_KEYS)
    if missing:
        raise GankitError(f"checkpoint {path} lacks {', '.join(missing)} in its state; it is damaged or not gankit's: "
                          "start again without --resume")
    return tensors, state


STATE_KEYS = {"step", "elapsed", "model", "options", "data", "config", "opt_G", "opt_D"}
"""What `Trainer.save_checkpoint` writes into a checkpoint's JSON state."""


def optimizer_tensors(prefix: str, state_dict: dict) -> tuple[dict[str, Tensor], dict]:
    """Split an optimizer state dict into named tensors and a JSON-able remainder."""
    tensors, rest = {}, {"param_groups": state_dict["param_groups"], "state": {}}
    for idx, entry in state_dict["state"].items():
        rest["state"][str(idx)] = {}
        for key, value in entry.items():
            if torch.is_tensor(value):
                tensors[f"{prefix}.{idx}.{key}"] = value
            else:
                rest["state"][str(idx)][key] = value
    return tensors, rest


def optimizer_state(prefix: str, tensors: dict[str, Tensor], rest: dict) -> dict:
    """Inverse of `optimizer_tensors`."""
    state: dict[int, dict] = {int(i): dict(v) for i, v in rest["state"].items()}
    for name, value in tensors.items():
        if name.startswith(prefix + "."):
            idx, key = name[len(prefix) + 1 :].split(".", 1)
            state.setdefault(int(idx), {})[key] = value
    groups = [{**g, "betas": tuple(g["betas"])} if "betas" in g else g for g in rest["param_groups"]]
    return {"state": state, "param_groups": groups}
