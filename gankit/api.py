"""The Python API: `load` a model from anywhere a MODEL is accepted, sample it, `train` one.

MODEL means a registered model name (its bundled default weights), a local model/run directory, or a
Hugging Face Hub repo id ``user/name`` (optionally ``@revision``), pulled into the HF cache on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import torch
from torch import Tensor

from gankit import modelio
from gankit.errors import GankitError
from gankit.hub import parse_model_id, pull
from gankit.model import GANModel
from gankit.registry import get_registry, suggest
from gankit.sampling import slerp
from gankit.specs import ModelSpec
from gankit.devices import pick_device, to_device


def locate(model: str | Path) -> tuple[Path, str]:
    """The model directory a MODEL names, and a description of where it came from.

    Tried in order: a local directory, a registered model name, a Hub repo id (``user/repo[@revision]``).
    """
    path = Path(model).expanduser()
    if path.is_dir():
        return path, f"local directory {path}"
    registry = get_registry()
    registry.collect()
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
    if path.exists():
        raise GankitError(f"{model} is a file; MODEL must be a model directory or a registered model name")
    raise GankitError(
        f"no model {name!r}: not a registered model{suggest(name, registry.models)}, a model directory or a Hub repo id "
        "(user/name); `gankit plugins` lists models"
    )


class Model:
    """A loaded GAN, ready to sample. Images are (N, C, H, W) tensors in [-1, 1] on the CPU."""

    def __init__(self, gan: GANModel, config: dict[str, Any], spec: ModelSpec, source: str, path: Path) -> None:
        self.gan, self.config, self.spec, self.source, self.path = gan, config, spec, source, path

    @property
    def device(self) -> torch.device:
        return next(self.gan.parameters()).device

    @property
    def task(self) -> str:
        return self.spec.task

    def __repr__(self) -> str:
        return f"<gankit.Model {self.spec.name} ({self.task}) from {self.source}>"

    def _require_latent(self, what: str) -> None:
        if self.gan.latent_shape is None:
            raise GankitError(f"{what} needs a model with a latent input; {self.spec.name!r} has none")

    @torch.no_grad()
    def from_latents(self, latents: Tensor, condition: Any = None, batch_size: int = 64) -> Tensor:
        """Generate one sample per latent (with `condition`, or the model's default)."""
        out = []
        for start in range(0, latents.shape[0], batch_size):
            z = latents[start : start + batch_size].to(self.device)
            cond = condition if condition is not None else self.gan.default_condition(z.shape[0])
            out.append(self.gan.generate(z, to_device(cond, self.device)).float().cpu())
        return torch.cat(out)

    def generate(self, n: int = 16, seed: int = 0, truncation: float = 1.0, batch_size: int = 64) -> Tensor:
        """`n` samples; sample ``i`` comes from seed ``seed + i``, so the same seed gives the same pixels."""
        if n < 1:
            raise GankitError(f"--n must be at least 1, got {n}")
        _check_truncation(truncation)
        self._require_latent("generate")
        return self.from_latents(self.gan.sample_latent(range(seed, seed + n), truncation), batch_size=batch_size)

    def interpolate(self, seed_a: int = 0, seed_b: int = 1, steps: int = 16, truncation: float = 1.0) -> Tensor:
        """`steps` samples along the spherical path from seed_a's latent to seed_b's."""
        if steps < 2:
            raise GankitError(f"--steps must be at least 2, got {steps}")
        _check_truncation(truncation)
        self._require_latent("interpolate")
        a, b = self.gan.sample_latent([seed_a, seed_b], truncation)
        return self.from_latents(slerp(a, b, torch.linspace(0, 1, steps)))

    def arithmetic(self, a: Sequence[int], b: Sequence[int], c: Sequence[int], truncation: float = 1.0,
                   variations: int = 4, spread: float = 0.25) -> tuple[Tensor, Tensor]:
        """Latent arithmetic on averaged groups: mean(A) − mean(B) + mean(C) (DCGAN paper, §6.3).

        Returns the images of the three group means and the result, shape (4, C, H, W), and
        `variations` samples around the result (small seeded perturbations), as the paper shows.
        """
        _check_truncation(truncation)
        self._require_latent("arithmetic")
        means = [self.gan.sample_latent(list(group), truncation).mean(0) for group in (a, b, c)]
        result = means[0] - means[1] + means[2]
        noise = self.gan.sample_latent(range(variations)) * spread
        return self.from_latents(torch.stack([*means, result])), self.from_latents(result + noise)

    def save_pretrained(self, folder: str | Path) -> Path:
        """Write this model as a model directory (config, safetensors weights, model card, samples)."""
        from gankit.images import grid

        samples = grid(self.generate(64, seed=0), nrow=8) if self.gan.latent_shape else None
        return modelio.save_model(folder, self.gan, self.spec, self.config.get("training"), samples=samples)

    def push_to_hub(self, repo_id: str, private: bool = False, branch: str | None = None, message: str | None = None,
                    include_discriminator: bool = True, token: str | None = None) -> str:
        """Upload this model to the Hub as one commit (via a temporary model directory); returns the commit URL."""
        import tempfile

        from gankit.hub import push

        with tempfile.TemporaryDirectory() as tmp:
            self.save_pretrained(tmp)
            return push(tmp, repo_id, private=private, branch=branch, message=message,
                        include_discriminator=include_discriminator, token=token)

    def info(self) -> dict[str, Any]:
        return {
            "model": self.spec.name, "plugin": self.spec.plugin, "task": self.task, "source": self.source,
            "path": str(self.path), "options": self.gan.options, "parameters": self.gan.parameter_counts(),
            "training": self.config.get("training") or {},
        }


def _check_truncation(psi: float) -> None:
    if not 0 < psi <= 1:
        raise GankitError(f"--truncation must be in (0, 1], got {psi}")


def load(model: str | Path, device: str = "auto") -> Model:
    """Load a MODEL (registered name → bundled weights, or a model/run directory) for sampling."""
    path, source = locate(model)
    gan, config, spec = modelio.load_model(path, pick_device(device))
    return Model(gan, config, spec, source, path)


def train(model: str, data: str | None = None, out: str | Path = "runs/run", **kwargs: Any) -> Model:
    """Train `model` on `data` into `out` (see `gankit.training.train` for the options); returns the result loaded."""
    from gankit.training import train as run_training

    return load(run_training(model, data, out, **kwargs), device=kwargs.get("device", "auto"))
