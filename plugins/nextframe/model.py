"""Next-frame prediction (Mathieu, Couprie & LeCun 2016): multi-scale G and D, adversarial + ℓp + GDL losses.

G predicts the next frame from k context frames, coarse to fine over four scales (1/8, 1/4, 1/2, 1): each scale
sees the context at its size and the upsampled prediction of the coarser scale, and adds a correction to it.
D judges context + frame at every scale. There is no latent: the condition is the context, and videos are rolled
out autoregressively (each prediction joins the context). From a single still, the context is the still
repeated k times.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gankit.errors import GankitError
from gankit.losses import bce_discriminator_loss
from gankit.model import GANModel

SCALES = 4
EXAMPLES = 8
DEFAULT_FRAMES = 16
MAX_OUTPUT_BYTES = 4 * 2**30


def pyramid(x: Tensor, scales: int = SCALES) -> list[Tensor]:
    """`x` (…, C, H, W) at sizes H/2^(scales-1) … H, coarsest first (average pooling)."""
    shape = x.shape
    flat = x.reshape(-1, *shape[-3:])
    levels = [flat]
    for _ in range(scales - 1):
        levels.append(F.avg_pool2d(levels[-1], 2))
    return [level.reshape(*shape[:-2], *level.shape[-2:]) for level in reversed(levels)]


def gradient_difference_loss(pred: Tensor, target: Tensor) -> Tensor:
    """GDL with α = 1: how much the image gradients' magnitudes differ, along x and along y."""
    def grads(x: Tensor) -> tuple[Tensor, Tensor]:
        return (x[..., 1:, :] - x[..., :-1, :]).abs(), (x[..., :, 1:] - x[..., :, :-1]).abs()

    (py, px), (ty, tx) = grads(pred), grads(target)
    return (py - ty).abs().mean() + (px - tx).abs().mean()


class ScaleGenerator(nn.Module):
    """One scale of G: context (+ the upsampled coarser prediction) → a correction in [-1, 1]."""

    def __init__(self, in_channels: int, out_channels: int, width: int, kernel: int) -> None:
        super().__init__()
        pad = kernel // 2
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, width, kernel, padding=pad), nn.ReLU(inplace=True),
            nn.Conv2d(width, width * 2, kernel, padding=pad), nn.ReLU(inplace=True),
            nn.Conv2d(width * 2, width, kernel, padding=pad), nn.ReLU(inplace=True),
            nn.Conv2d(width, out_channels, kernel, padding=pad), nn.Tanh(),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class MultiScaleGenerator(nn.Module):
    """k context frames (N, k, C, H, W) → the next frame at every scale, coarsest first."""

    def __init__(self, channels: int, context: int, width: int, size: int) -> None:
        super().__init__()
        kernels = (3, 3, 3, 3)  # the paper grows them to 5 and 7 at finer scales; 3x3 keeps CPU training quick
        self.scales = nn.ModuleList(
            ScaleGenerator(context * channels + (channels if i else 0), channels, width, kernels[i]) for i in range(SCALES))
        self.register_buffer("examples", torch.zeros(EXAMPLES, context, channels, size, size))  # contexts for previews

    def forward(self, context: Tensor) -> list[Tensor]:
        n = context.shape[0]
        preds: list[Tensor] = []
        for net, level in zip(self.scales, pyramid(context)):
            x = level.reshape(n, -1, *level.shape[-2:])
            if preds:
                up = F.interpolate(preds[-1], scale_factor=2, mode="bilinear", align_corners=False)
                preds.append(up + net(torch.cat([x, up], 1)))
            else:
                preds.append(net(x))
        return preds


class ScaleDiscriminator(nn.Module):
    """One scale of D: context + frame → a logit; strided convolutions down to 4x4, then a linear layer."""

    def __init__(self, in_channels: int, width: int, size: int) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(in_channels, width, 3, padding=1), nn.LeakyReLU(0.2, inplace=True)]
        channels = width
        while size > 4:
            layers += [nn.Conv2d(channels, min(channels * 2, width * 4), 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]
            channels, size = min(channels * 2, width * 4), size // 2
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(channels * size * size, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x).flatten(1))


class MultiScaleDiscriminator(nn.Module):
    """(frame (N, C, H, W), context (N, k, C, H, W)) → one logit per scale, (N, scales)."""

    def __init__(self, channels: int, context: int, width: int, size: int) -> None:
        super().__init__()
        self.scales = nn.ModuleList(
            ScaleDiscriminator((context + 1) * channels, width, size >> (SCALES - 1 - i)) for i in range(SCALES))

    def forward(self, frame: Tensor, context: Tensor) -> Tensor:
        n = frame.shape[0]
        logits = [net(torch.cat([c.reshape(n, -1, *c.shape[-2:]), f], 1))
                  for net, f, c in zip(self.scales, pyramid(frame), pyramid(context))]
        return torch.cat(logits, 1)


class NextFrame(GANModel):
    """The ``nextframe`` model: a batch is whole sequences; training cuts context + next frame from them."""

    task = "next-frame-video"
    latent_shape = None

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        size, channels, self.context = options["image_size"], options["channels"], options["context"]
        self.generator = MultiScaleGenerator(channels, self.context, options["ngf"], size)
        self.discriminator = MultiScaleDiscriminator(channels, self.context, options["ndf"], size)
        self._pyramid: list[Tensor] | None = None  # G's predictions at every scale, from the last training pass

    # -- data and inputs -------------------------------------------------------------------------------
    def split_batch(self, batch: Any) -> tuple[Tensor, Tensor]:
        """Whole sequences (N, L, C, H, W) → (next frame, its k context frames) at a random offset per batch."""
        seq = batch[0] if isinstance(batch, (tuple, list)) else batch
        start = int(torch.randint(seq.shape[1] - self.context, ()))
        return seq[:, start + self.context], seq[:, start : start + self.context]

    def prepare(self, dataset: Any) -> None:
        """Keep the first frames of a few training sequences: the contexts of previews and of ``run`` without input."""
        step = max(1, len(dataset) // EXAMPLES)
        seqs = [dataset[min(i * step, len(dataset) - 1)] for i in range(EXAMPLES)]
        seqs = [s[0] if isinstance(s, (tuple, list)) else s for s in seqs]
        self.generator.examples.copy_(torch.stack([s[: self.context] for s in seqs]))

    def default_count(self, inputs: dict[str, Any]) -> int:
        given = [v for k, v in inputs.items() if k in ("image", "video")]
        return 1 if given else EXAMPLES

    def condition_for(self, seeds: Sequence[int], inputs: dict[str, Any]) -> Tensor:
        """The context frames (N, k, C, H, W) that one prediction step reads (see `contexts`)."""
        return self.contexts(seeds, inputs)[0]

    def contexts(self, seeds: Sequence[int], inputs: dict[str, Any]) -> tuple[Tensor, int]:
        """(one context per seed (N, k, C, H, W), how many of its frames to show): from ``image`` (a still,
        repeated k times; shown once), ``video`` (its last k frames), or else the stored example ``seed % 8``."""
        from gankit_plugins.nextframe.video import read_clip, read_still

        size, channels, k = self.options["image_size"], self.options["channels"], self.context
        if "image" in inputs and "video" in inputs:
            raise GankitError("give --image or --video, not both")
        notes: list[str] = []
        if "image" in inputs:
            still, notes = read_still(inputs["image"], size, channels)
            context, shown = still.expand(k, *still.shape), 1
        elif "video" in inputs:
            clip, notes = read_clip(inputs["video"], size, channels)
            if len(clip) < k:
                raise GankitError(f"--video {inputs['video']}: {len(clip)} frame(s); this model needs at least {k} "
                                  "context frames (or give one still with --image)")
            context, shown = clip[-k:], k
        else:
            examples = self.generator.examples
            return examples[torch.tensor([s % len(examples) for s in seeds])].float(), k
        if notes:
            import warnings

            warnings.warn("; ".join(notes))
        return context.expand(len(seeds), *context.shape), shown

    @torch.no_grad()
    def sample(self, seeds: Sequence[int], inputs: dict[str, Any], truncation: float = 1.0) -> Tensor:
        """Clips (N, shown + frames, C, H, W): the context frames shown, then ``frames`` predicted ones."""
        frames = int(inputs.get("frames", DEFAULT_FRAMES))
        if frames < 1:
            raise GankitError(f"--frames must be at least 1, got {frames}")
        context, shown = self.contexts(seeds, inputs)
        needed = context[:, 0].numel() * (shown + frames) * 4
        if needed > MAX_OUTPUT_BYTES:
            raise GankitError(f"--frames {frames} for {len(seeds)} clip(s) needs about {needed / 2**30:.1f} GiB; "
                              f"ask for fewer frames (at most {MAX_OUTPUT_BYTES // 2**30} GiB of output at once)")
        context = context.to(next(self.parameters()).device)
        return torch.cat([context[:, self.context - shown :], self.rollout(context, frames)], 1)

    def rollout(self, context: Tensor, frames: int) -> Tensor:
        """`frames` predicted frames (N, frames, C, H, W), each prediction joining the context of the next."""
        out = []
        for _ in range(frames):
            nxt = self.generate(None, context)
            out.append(nxt)
            context = torch.cat([context[:, 1:], nxt[:, None]], 1)
        return torch.stack(out, 1)

    # -- networks and losses ---------------------------------------------------------------------------
    def generate(self, latent: Tensor | None, condition: Tensor) -> Tensor:
        """The next frame; outside training clamped to [-1, 1], so that it can join the context of the next."""
        preds = self.generator(condition)
        self._pyramid = preds if torch.is_grad_enabled() else None
        return preds[-1] if self.training else preds[-1].clamp(-1, 1)

    def discriminate(self, x: Tensor, condition: Tensor) -> Tensor:
        return self.discriminator(x, condition)  # (N, scales): each scale's logit

    def discriminator_loss(self, D, real: Tensor, fake: Tensor, condition: Tensor) -> tuple[Tensor, dict]:
        return bce_discriminator_loss(D(real, condition), D(fake, condition))

    def generator_loss(self, D, real: Tensor, fake: Tensor, condition: Tensor) -> tuple[Tensor, dict]:
        """λ_adv · adversarial + mean over scales of (λ_p · ℓp + λ_gdl · GDL), each scale against the true frame."""
        o = self.options
        preds = self._pyramid if self._pyramid is not None and self._pyramid[-1] is fake else pyramid(fake)
        targets = pyramid(real)
        lp = sum((p - t).abs().pow(o["p"]).mean() for p, t in zip(preds, targets)) / SCALES
        gdl = sum(gradient_difference_loss(p, t) for p, t in zip(preds, targets)) / SCALES
        loss = o["lp_weight"] * lp + o["gdl_weight"] * gdl
        if o["adv_weight"] > 0:
            loss = loss + o["adv_weight"] * F.softplus(-D(fake, condition).float()).mean()
        return loss, {f"l{o['p']}": lp.detach(), "gdl": gdl.detach()}

    def discriminator_features(self, x: Tensor, condition: Any = None) -> Tensor:
        raise NotImplementedError("nextframe's discriminator judges a frame with its context; it has no probe features")
