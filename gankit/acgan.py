"""AC-GAN's auxiliary classifier (Odena, Olah & Shlens 2017) for any model plugin.

D also reads the condition (class, attribute labels) of the real samples; G is pushed to have its samples read
as the condition they were made for. Models mix `AuxiliaryClassifier` in before `GANModel`; their D, given a
condition, returns (N, 1 + K): its logit, then K logits of the condition.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from gankit import losses
from gankit.model import Discriminate


class AuxiliaryClassifier:
    """Adds ``aux_weight`` × `aux_loss` to D's loss (on real samples) and to G's (on its samples)."""

    aux_weight: float = 1.0
    aux_logits: Tensor
    """D's reading of the condition in its last call (set by `discriminate`, read by the losses)."""

    def aux_loss(self, logits: Tensor, condition: Any) -> Tensor:
        """How far D's condition `logits` (N, K) are from `condition`."""
        raise NotImplementedError

    def discriminate(self, x: Tensor, condition: Any = None) -> Tensor:
        out = self.discriminator(x) if condition is None else self.discriminator(x, condition)
        out = out.reshape(out.shape[0], -1)
        if condition is None or out.shape[1] == 1:
            return out.mean(1)
        self.aux_logits = out[:, 1:]
        return out[:, 0]

    def discriminator_loss(self, D: Discriminate, real: Tensor, fake: Tensor, condition: Any) -> tuple[Tensor, dict]:
        real_logits = D(real, condition)  # D's reading of the real samples, before D(fake) replaces aux_logits
        aux = self.aux_loss(self.aux_logits.float(), condition) if self.aux_weight and condition is not None else None
        loss, stats = losses.bce_discriminator_loss(real_logits, D(fake, condition))
        return (loss, stats) if aux is None else (loss + self.aux_weight * aux, {**stats, "aux_D": aux.detach()})

    def generator_loss(self, D: Discriminate, real: Tensor, fake: Tensor, condition: Any) -> tuple[Tensor, dict]:
        loss, stats = losses.bce_generator_loss(D(fake, condition))
        if not self.aux_weight or condition is None:
            return loss, stats
        aux = self.aux_loss(self.aux_logits.float(), condition)
        return loss + self.aux_weight * aux, {**stats, "aux_G": aux.detach()}
