"""The Python API: `load` a model from anywhere a MODEL is accepted, sample it, write what it makes, `train` one.

MODEL means a registered model name (its bundled default weights), a local model/run directory, or a
Hugging Face Hub repo id ``user/name`` (optionally ``@revision``), pulled into the HF cache on first use.
What a model takes when sampling (``text=``, ``label=`` …) and how its samples are written are its task's.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import torch
from torch import Tensor

from gankit import modelio
from gankit.attributes import Attributes
from gankit.devices import pick_device
from gankit.errors import GankitError
from gankit.memory import require
from gankit.model import GANModel
from gankit.registry import get_registry
from gankit.resolve import locate
from gankit.sampling import slerp
from gankit.specs import PER_GROUP, VECTOR_SAMPLES, ModelSpec

MAX_SEED = 2**63 - 1


class Model:
    """A loaded GAN, ready to sample. Samples are tensors on the CPU, one sample per row, images in [-1, 1]."""

    def __init__(self, gan: GANModel, config: dict[str, Any], spec: ModelSpec, source: str, path: Path) -> None:
        self.gan, self.config, self.spec, self.source, self.path = gan, config, spec, source, path
        self.task_spec = get_registry().task_of(spec)
        self._attributes: Attributes | None = None

    @property
    def device(self) -> torch.device:
        return next(self.gan.parameters()).device

    @property
    def task(self) -> str:
        return self.spec.task

    def __repr__(self) -> str:
        return f"<gankit.Model {self.spec.name} ({self.task}) from {self.source}>"

    # -- sampling ------------------------------------------------------------------------------
    def generate(self, n: int | None = None, seed: int = 0, truncation: float = 1.0, batch_size: int = 64,
                 progress: bool = False, **inputs: Any) -> Tensor:
        """`n` samples; sample ``i`` comes from seed ``seed + i`` and the task's `inputs` (e.g. ``text=``,
        ``label=``), so the same seed and inputs give the same pixels, alone or in any batch. An input given as a
        list of values (where the task allows several) gives `n` samples per value, value after value. `n` left
        out is the model's choice: 16 for latent models, one per context for a video predictor. `progress` shows a
        bar (rate, ETA) when sampling takes more than one batch."""
        if n is None:
            n = self.gan.default_count({k: v for k, v in inputs.items() if v is not None})
        if n < 1:
            raise GankitError(f"--n must be at least 1, got {n}")
        check_seed(seed, n)
        check_truncation(truncation)
        inputs = self.check_inputs(inputs)
        seeds = range(seed, seed + n)
        several = [k for k, v in inputs.items() if isinstance(v, list)]
        if len(several) > 1:
            raise GankitError(f"give several values for one input at a time, not for {' and '.join(several)}")
        if several:
            key = several[0]
            if not self.task_spec.inputs[key].multiple:
                raise GankitError(f"--{key.replace('_', '-')} takes one value; got {len(inputs[key])}")
            return torch.cat([self._sample(seeds, {**inputs, key: v}, truncation, batch_size, progress) for v in inputs[key]])
        return self._sample(seeds, inputs, truncation, batch_size, progress)

    def interpolate(self, seed_a: int = 0, seed_b: int = 1, steps: int = 16, truncation: float = 1.0, **inputs: Any) -> Tensor:
        """`steps` samples along the spherical path from seed_a's latent to seed_b's, with the given inputs.

        Given two values of an input the task lets you interpolate (e.g. ``label=(3, 7)``), walk instead from
        the condition of the first to that of the second, at seed_a's latent.
        """
        if steps < 2:
            raise GankitError(f"--steps must be at least 2, got {steps}")
        check_seed(seed_a)
        check_seed(seed_b)
        check_truncation(truncation)
        self._require_latent("interpolate")
        require(steps * math.prod(self.gan.latent_shape) * 8 * 3, f"interpolating in {steps:,} steps", "use fewer --steps")
        inputs = self.check_inputs(inputs)
        t = torch.linspace(0, 1, steps)
        between = [k for k, v in inputs.items() if isinstance(v, list)]
        if not between:
            a, b = self.gan.sample_latent([seed_a, seed_b], truncation)
            return self.from_latents(slerp(a, b, t), self.walk_condition([seed_a] * steps, [seed_b] * steps, t, inputs))
        key = between[0]
        values = inputs[key]
        if len(between) > 1 or len(values) != 2 or not self.task_spec.inputs[key].interpolate:
            walkable = [k for k, i in self.task_spec.inputs.items() if i.interpolate]
            raise GankitError(f"interpolate between exactly two values of one of: {', '.join(walkable) or 'no inputs of this task'}")
        ends = [self.gan.condition_for([seed_a], {**inputs, key: v}) for v in values]
        try:
            condition = self.gan.mix_conditions(*ends, t)
        except NotImplementedError as exc:
            raise GankitError(str(exc)) from None
        return self.from_latents(self.gan.sample_latent([seed_a] * steps, truncation), condition)

    def arithmetic(self, a: Sequence[int], b: Sequence[int], c: Sequence[int], truncation: float = 1.0,
                   variations: int = 4, spread: float = 0.25, **inputs: Any) -> tuple[Tensor, Tensor]:
        """Latent arithmetic on averaged groups: mean(A) − mean(B) + mean(C) (DCGAN paper, §6.3).

        Returns the samples of the three group means and the result, shape (4, …), and `variations` samples
        around the result (small seeded perturbations), as the paper shows. Inputs hold for all of them.
        """
        check_truncation(truncation)
        self._require_latent("arithmetic")
        for seed in [*a, *b, *c]:
            check_seed(seed)
        inputs = self.check_inputs(inputs)
        means = [self.gan.sample_latent(list(group), truncation).mean(0) for group in (a, b, c)]
        result = means[0] - means[1] + means[2]
        noise = self.gan.sample_latent(range(variations)) * spread
        first = [a[0]]
        return (self.from_latents(torch.stack([*means, result]), self.gan.condition_for(first * 4, inputs)),
                self.from_latents(result + noise, self.gan.condition_for(first * variations, inputs)))

    # -- attributes (models whose spec names an attribute reader) ---------------------------------
    @property
    def attributes(self) -> Attributes:
        """The model's attribute reader, bound to it (`gankit.attributes`); a one-line error if it has none."""
        if self._attributes is None:
            self._attributes = Attributes(self)
        return self._attributes

    def seeds_with(self, attributes: str | Sequence[str], count: int = PER_GROUP, start: int = 0, truncation: float = 1.0,
                   **inputs: Any) -> list[int]:
        """The first `count` seeds from `start` on whose samples the attribute reader finds with exactly the binary
        `attributes` (``"glasses,beard"``, a list of names, or ``"none"``) and none of the others: arithmetic groups."""
        check_seed(start)
        check_truncation(truncation)
        names = self.attributes.parse(attributes)
        return self.attributes.find_seeds(names, count, start, truncation, **self.check_inputs(inputs))

    def add_attribute(self, name: str, seed: int = 0, strengths: Sequence[float] = (0, 0.5, 1, 1.5, 2),
                      samples: int = VECTOR_SAMPLES, truncation: float = 1.0, keep_others: bool = True, **inputs: Any) -> Tensor:
        """Seed's sample moved along `name`'s attribute vector (`Attributes.vector`, estimated from `samples` seeded
        samples; with `keep_others`, orthogonal to the other attributes' vectors) by each of `strengths` (negative
        removes it): one sample per strength."""
        check_seed(seed)
        check_truncation(truncation)
        if samples < 2:
            raise GankitError(f"--samples must be at least 2, got {samples}")
        inputs = self.check_inputs(inputs)
        vector = self.attributes.vector(name, samples, truncation, keep_others, **inputs)
        base = self.gan.sample_latent([seed], truncation)[0]
        latents = torch.stack([base + float(s) * vector for s in strengths])
        return self.from_latents(latents, self.gan.condition_for([seed] * len(latents), inputs))

    def check_inputs(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """The task's inputs, type-checked (see `gankit.specs.Input`)."""
        return self.task_spec.check_inputs(inputs, f"model {self.spec.name!r}")

    def walk_condition(self, seeds_a: list[int], seeds_b: list[int], t: Tensor, inputs: dict[str, Any]) -> Any:
        """The condition of samples `t` of the way from seeds_a's towards seeds_b's (one row each): seeds_a's
        where it does not depend on the seed, else mixed towards seeds_b's (a class drawn per seed, say), so that
        a walk ends at the other seed's sample."""
        a, b = (self.gan.condition_for(seeds, inputs) for seeds in (seeds_a, seeds_b))
        if not torch.is_tensor(a) or torch.equal(a, b):
            return a
        try:
            return self.gan.mix_conditions(a, b, t)
        except NotImplementedError:
            return a

    @torch.no_grad()
    def _sample(self, seeds: list[int], inputs: dict[str, Any], truncation: float, batch_size: int,
                progress: bool = False) -> Tensor:
        from tqdm.auto import tqdm

        chunks = []
        with tqdm(total=len(seeds), unit="sample", desc="sampling", dynamic_ncols=True,
                  disable=not progress or len(seeds) <= batch_size) as bar:
            for i in range(0, len(seeds), batch_size):
                chunks.append(self.gan.sample(list(seeds[i : i + batch_size]), inputs, truncation).float().cpu())
                if i == 0:
                    _require_room(chunks[0], len(seeds), "--n")
                bar.update(len(chunks[-1]))
        return torch.cat(chunks)

    @torch.no_grad()
    def from_latents(self, latents: Tensor, condition: Any = None, batch_size: int = 64) -> Tensor:
        """One sample per latent, with `condition` (one row per latent, or None for unconditional models)."""
        from gankit.devices import to_device

        out = []
        for i in range(0, latents.shape[0], batch_size):
            cond = None if condition is None else to_device(condition[i : i + batch_size], self.device)
            out.append(self.gan.generate(latents[i : i + batch_size].to(self.device), cond).float().cpu())
            if i == 0:
                _require_room(out[0], latents.shape[0], "--steps")
        return torch.cat(out)

    def _require_latent(self, what: str) -> None:
        if self.gan.latent_shape is None:
            raise GankitError(f"{what} needs a model with a latent input; {self.spec.name!r} has none")

    # -- writing -------------------------------------------------------------------------------
    def write(self, samples: Tensor, path: str | Path, columns: int | None = None, **options: Any) -> str:
        """Write `samples` to `path` with the task's writer for its suffix (or folder); returns what was written.

        `options` are writer options (``scale=2``, ``fps=12`` …; ``gankit run MODEL --help`` lists them).
        """
        writer = self.task_spec.writer_for(path)
        declared = self.task_spec.writer_options()
        unknown = sorted(set(options) - set(declared))
        if unknown:
            raise GankitError(f"task {self.task!r} has no writer option {', '.join(unknown)}; it has {', '.join(declared) or 'none'}")
        checked = {k: declared[k].coerce(k, v) for k, v in options.items()}
        return writer.write(samples, path, columns=columns, **checked)

    def preview(self, samples: Tensor | None = None):
        """The task's one-picture preview (a PIL image) of `samples`, by default of 64 seeded samples."""
        return self.task_spec.make_preview(self.generate(64, seed=0) if samples is None else samples)

    # -- saving and sharing --------------------------------------------------------------------
    def save_pretrained(self, folder: str | Path) -> Path:
        """Write this model as a model directory (config, safetensors weights, model card, preview)."""
        return modelio.save_model(folder, self.gan, self.spec, self.config.get("training"), samples=self.preview())

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
            **self.spec.describe(), "source": self.source, "path": str(self.path), "options": self.gan.options,
            "inputs": {k: i.help for k, i in self.task_spec.inputs.items()}, "writes": self.task_spec.formats(),
            "parameters": self.gan.parameter_counts(), "training": self.config.get("training") or {},
            **({"attributes": self.attributes.names} if self.spec.attribute_reader else {}),
        }


def check_truncation(psi: float) -> None:
    """A one-line error unless 0 < `psi` <= 1."""
    if not 0 < psi <= 1:
        raise GankitError(f"--truncation must be in (0, 1], got {psi}")


def _require_room(first: Tensor, count: int, option: str) -> None:
    """Refuse `count` samples the size of `first`'s when they cannot fit in memory."""
    require(count * first[0].numel() * first.element_size(), f"making {count:,} samples", f"ask for fewer ({option}) or make them in parts")


def check_seed(seed: int, n: int = 1) -> None:
    """A one-line error unless seeds `seed` … `seed + n - 1` are all valid."""
    if not (0 <= seed and seed + n - 1 <= MAX_SEED):
        raise GankitError(f"seeds must be in 0…{MAX_SEED}, got {seed}" + (f" (with --n {n})" if n > 1 else ""))


def load(model: str | Path, device: str = "auto") -> Model:
    """Load a MODEL (registered name → bundled weights, a model/run directory, or a Hub repo id) for sampling."""
    path, source = locate(model)
    gan, config, spec = modelio.load_model(path, pick_device(device))
    return Model(gan, config, spec, source, path)


def train(model: str, data: str | None = None, out: str | Path = "runs/run", **kwargs: Any) -> Model:
    """Train `model` on `data` into `out` (see `gankit.training.train` for the options); returns the result loaded."""
    from gankit.training import train as run_training

    return load(run_training(model, data, out, **kwargs), device=kwargs.get("device", "auto"))
