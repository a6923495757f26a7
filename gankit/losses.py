"""Adversarial losses on D's logits; each returns (loss, stats) with stats as detached tensors.

Stats stay on the device: the trainer reads them only at logging intervals (no host sync per step).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def bce_discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> tuple[Tensor, dict]:
    """Goodfellow et al.'s D loss: -log D(x) - log(1 - D(G(z))), computed stably from logits."""
    real_logits, fake_logits = real_logits.float(), fake_logits.float()
    stats = {
        "D(x)": torch.sigmoid(real_logits.detach()).mean(),
        "D(G(z))": torch.sigmoid(fake_logits.detach()).mean(),
        "D_accuracy": ((real_logits.detach() > 0).float().mean() + (fake_logits.detach() < 0).float().mean()) / 2,
    }
    loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    return loss, stats


def bce_generator_loss(fake_logits: Tensor) -> tuple[Tensor, dict]:
    """The non-saturating G loss: -log D(G(z))."""
    return F.softplus(-fake_logits.float()).mean(), {}


def r1_penalty(real_logits: Tensor, real: Tensor) -> Tensor:
    """Mescheder et al.'s R1: squared norm of D's gradient at real samples (``real`` must require grad)."""
    (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
    return grad.square().reshape(grad.shape[0], -1).sum(1).mean()
