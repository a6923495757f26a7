"""The interface a model plugin implements: networks, generator inputs, and (optionally) losses.

The core (trainer, sampler, CLI) talks to every GAN only through `GANModel`. A plugin subclasses it,
sets ``self.generator`` and ``self.discriminator`` in ``__init__``, and overrides what differs from an
unconditional GAN: how a data batch splits into (real, condition), how generator inputs are drawn (from
seeds and the task's inputs, e.g. a caption), and its losses. The defaults are DCGAN's: a normal latent,
no condition and the non-saturating BCE loss.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import torch
from torch import Tensor, nn

from gankit import losses
from gankit.devices import to_device

Discriminate = Callable[[Tensor, Any], Tensor]
"""D as the trainer hands it to the losses: ``D(x, condition) -> logits``, augmentation included."""


class GANModel(nn.Module):
    """A generator/discriminator pair and the rules for drawing its inputs."""

    task: str = "unconditional-image"
    latent_shape: tuple[int, ...] | None = None
    """Shape of one latent sample; ``None`` for generators without a latent input."""

    generator: nn.Module
    discriminator: nn.Module

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__()
        self.options = dict(options)

    # -- generator inputs ----------------------------------------------------------------------
    def sample_latent(self, seeds: Sequence[int], truncation: float = 1.0) -> Tensor:
        """One latent per seed, reproducible on any device: seed ``s`` always gives the same latent.

        Truncation ``psi`` in (0, 1] pulls each latent towards the prior's mean (0): ``z * psi``.
        """
        if self.latent_shape is None:
            raise TypeError(f"{type(self).__name__} has no latent input")
        z = torch.stack([torch.randn(self.latent_shape, generator=torch.Generator().manual_seed(int(s))) for s in seeds])
        return z * truncation

    def draw_latent(self, n: int, device: torch.device, condition: Any = None) -> Tensor | None:
        """Latents for one training batch, from the global RNG (restored on resume); `condition` is the batch's (as
        `split_batch` gives it), for models whose latents stand for it."""
        return None if self.latent_shape is None else torch.randn((n, *self.latent_shape), device=device)

    def split_batch(self, batch: Any) -> tuple[Tensor, Any]:
        """(real samples as D sees them, condition) from one data-loader batch, already on the training device; the
        trainer also takes R1's gradient penalty on these. Default: ``(images, labels)`` → no condition."""
        real = batch[0] if isinstance(batch, (tuple, list)) else batch
        return real, None

    def condition_for(self, seeds: Sequence[int], inputs: dict[str, Any]) -> Any:
        """The condition for one sample per seed, from the task's `inputs` (e.g. ``{"label": 3}``).

        Sample ``i`` must depend only on ``seeds[i]`` and `inputs`, never on its position in the batch, so that
        a sample seen in a grid can be made again alone. Inputs the user left out are absent from `inputs`.
        Default: no condition (``None``).
        """
        return None

    def mix_conditions(self, a: Any, b: Any, t: Tensor) -> Any:
        """Conditions along the way from condition `a` to `b` at fractions `t`, for ``gankit interpolate``
        between two inputs (one sample each, one row per fraction) or between two seeds whose conditions differ
        (rows of `a`, `b` and `t` alike, or one `t` for all). Default: a straight line between float tensors."""
        if not (torch.is_tensor(a) and a.is_floating_point()):
            raise NotImplementedError(f"{type(self).__name__} cannot interpolate between its conditions")
        t = t.to(a.dtype).reshape(-1, *([1] * (a.dim() - 1)))
        return a + (b - a) * t

    def default_count(self, inputs: dict[str, Any]) -> int:
        """How many samples ``generate`` makes (per value of a repeated input) when the user gives no ``n``."""
        return 16

    @torch.no_grad()
    def sample(self, seeds: Sequence[int], inputs: dict[str, Any], truncation: float = 1.0) -> Tensor:
        """One generated sample per seed, on the model's device: the latent of each seed and the condition
        the inputs give. Models whose samples are not a single G pass (e.g. video roll-outs) override this."""
        device = next(self.parameters()).device
        latent = self.sample_latent(seeds, truncation).to(device) if self.latent_shape is not None else None
        return self.generate(latent, to_device(self.condition_for(seeds, inputs), device))

    # -- training hooks ------------------------------------------------------------------------
    def prepare(self, dataset: Any) -> None:
        """Called once before a new run trains (and before ``--init`` weights are loaded), with its data set: a
        model may record facts about its training data in its options (saved in config.json), e.g. the words its
        captions use or its class names, and size its networks for them. Default: nothing."""

    def training_phase(self, step: int, steps: int) -> None:
        """Called before every training step (also on the EMA copy): for models whose training has phases,
        e.g. StackGAN's Stage I, then Stage II. Default: nothing."""

    def weights_to_start_from(self, names: set[str], options: dict[str, Any]) -> set[str]:
        """Which tensors (``generator.…``/``discriminator.…``) a new run takes from the `--init` model, whose
        options are `options`; the others keep their fresh initialisation and may have other shapes. Default: all."""
        return names

    # -- networks ------------------------------------------------------------------------------
    def generate(self, latent: Tensor, condition: Any = None) -> Tensor:
        """Generated samples in [-1, 1]."""
        return self.generator(latent) if condition is None else self.generator(latent, condition)

    def discriminate(self, x: Tensor, condition: Any = None) -> Tensor:
        """D's logits (probability of "real" is their sigmoid), one per sample."""
        out = self.discriminator(x) if condition is None else self.discriminator(x, condition)
        return out.reshape(out.shape[0], -1).mean(1)

    def discriminator_features(self, x: Tensor, condition: Any = None) -> Tensor:
        """D's hidden representation of `x`, one row per sample (for linear probes).

        Default: the output of every layer but the last, when D is an `nn.Sequential`.
        """
        if not isinstance(self.discriminator, nn.Sequential) or condition is not None:
            raise NotImplementedError(f"{type(self).__name__} does not expose discriminator features")
        for layer in list(self.discriminator)[:-1]:
            x = layer(x)
        return x.flatten(1)

    # -- losses --------------------------------------------------------------------------------
    def discriminator_loss(self, D: Discriminate, real: Tensor, fake: Tensor, condition: Any) -> tuple[Tensor, dict]:
        """D's loss on a real and a (detached) fake batch, and stats for the progress bar."""
        return losses.bce_discriminator_loss(D(real, condition), D(fake, condition))

    def generator_loss(self, D: Discriminate, real: Tensor, fake: Tensor, condition: Any) -> tuple[Tensor, dict]:
        """G's loss on a fake batch (gradients flow through D into G)."""
        return losses.bce_generator_loss(D(fake, condition))

    # -- description ---------------------------------------------------------------------------
    def parameter_counts(self) -> dict[str, int]:
        return {
            "generator": sum(p.numel() for p in self.generator.parameters()),
            "discriminator": sum(p.numel() for p in self.discriminator.parameters()),
        }
