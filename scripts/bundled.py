"""What the bundled-weights scripts share: train (or continue) a run, export it in fp16 with its measured figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import torch

import gankit
from gankit.modelio import save_model
from gankit.training import train


def train_run(model: str, data: str, run: Path, steps: int, options: dict[str, Any], command: str, init: Path | None = None,
              **knobs: Any) -> None:
    """Train `model` into `run` up to `steps` (starting from the weights of `init`, if given; with the training
    `knobs`, e.g. ``r1_gamma=1.0``), continuing (exactly, with the saved knobs) from its checkpoint when there is one."""
    resume = (run / "checkpoint.safetensors").exists()
    trained = json.loads((run / "config.json").read_text())["training"]["steps"] if (run / "config.json").exists() else 0
    if trained < steps:
        train(model, data, run, options=None if resume else options, resume=resume, steps=steps, command=command,
              init=None if resume else init, **({} if resume else knobs))


def export(run: Path, target: Path, ref: str, command: str, script: str,
           measure: Callable[[gankit.api.Model], dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """Write `run` to `target` in fp16, measure the exported weights, and write them again with the figures in the card."""
    model = gankit.load(run, device="cpu")
    training = {**model.config["training"], "command": command, "script": script, **extra}
    save_model(target, model.gan, model.spec, training, samples=model.preview(), dtype=torch.float16, ref=ref)
    exported = gankit.load(target, device="cpu")
    training["metrics"] = measure(exported)
    save_model(target, exported.gan, exported.spec, training, samples=exported.preview(), dtype=torch.float16, ref=ref)
    print(json.dumps(training["metrics"], indent=2))
    print(f"exported to {target}")
    return training["metrics"]


def remeasure(target: Path, ref: str, measure: Callable[[gankit.api.Model], dict[str, Any]], **extra: Any) -> None:
    """Measure the exported weights in `target` again and rewrite them with the new figures (and `extra`) in the card."""
    model = gankit.load(target, device="cpu")
    training = {**model.config["training"], **extra, "metrics": measure(model)}
    save_model(target, model.gan, model.spec, training, samples=model.preview(), dtype=torch.float16, ref=ref)
    print(json.dumps(training["metrics"], indent=2))
