"""StackGAN (Zhang et al. 2017), scaled for CPU: text → conditioning augmentation → Stage-I image → Stage-II image.

G's latent holds z and the two conditioning-augmentation noises, so a seed fixes all of them. Stage I draws a
``stage1_size`` picture from (c₁, z); Stage II encodes it, joins c₂ (its own conditioning augmentation of the same
text), refines it with residual blocks and upsamples it ×2 or ×4. Each D is matching-aware: a real picture with a
mismatched caption counts as fake. Option ``stage`` 0 trains Stage I for the first ``stage1_fraction`` of the steps,
then Stage II with Stage I frozen; 1 or 2 train one stage.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gankit import GankitError
from gankit.losses import bce_discriminator_loss
from gankit.model import GANModel
from gankit.text import encode, words


def upsample(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, cout, 3, 1, 1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(True))


def downsample(cin: int, cout: int, norm: bool = True) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 4, 2, 1, bias=not norm), *([nn.BatchNorm2d(cout)] if norm else []), nn.LeakyReLU(0.2, True)]


class ConditioningAugmentation(nn.Module):
    """Text embedding → (μ, log σ²); c = μ + σ·ε with ε from G's latent, so that it is seeded."""

    def __init__(self, embed_dim: int, ca_dim: int) -> None:
        super().__init__()
        self.fc = nn.Linear(embed_dim, ca_dim * 2)

    def forward(self, embedding: Tensor, eps: Tensor) -> tuple[Tensor, Tensor]:
        mu, logvar = F.leaky_relu(self.fc(unit_scale(embedding)), 0.2).chunk(2, dim=1)
        return mu + eps * torch.exp(0.5 * logvar), kl_divergence(mu, logvar)


def unit_scale(embedding: Tensor) -> Tensor:
    """Unit-length sentence embeddings scaled to entries of order 1: at unit length, a linear layer's initial
    output is ~1/√dims, the text is drowned by the augmentation noise, and G learns to ignore it."""
    return embedding * embedding.shape[1] ** 0.5


def kl_divergence(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) per dimension, averaged over dimensions and batch (as the authors' code does;
    summed over dimensions it outweighs the adversarial loss and c forgets the text)."""
    return 0.5 * (mu.square() + logvar.exp() - 1 - logvar).mean()


def nearest_other_caption(embeddings: Tensor) -> Tensor:
    """For each caption of the batch, the index of the most similar caption that is not the same text (itself when
    every caption of the batch is the same): a mismatch that differs in few words, so that D must read all of them."""
    unit = F.normalize(embeddings.float(), dim=1)
    similarity = unit @ unit.T
    same = similarity > 1 - 1e-5
    nearest = similarity.masked_fill(same, -2.0).argmax(1)
    return torch.where(same.all(1), torch.arange(len(embeddings), device=embeddings.device), nearest)


class ResidualBlock(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(width, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(True),
                                  nn.Conv2d(width, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width))

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x + self.body(x))


class ConditionalUpsample(nn.Module):
    """×2 upsampling whose BatchNorm scale and shift come from the text code c (conditional BN): the text steers
    every resolution, not only the first layer."""

    def __init__(self, cin: int, cout: int, ca_dim: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, cout, 3, 1, 1, bias=False))
        self.norm = nn.BatchNorm2d(cout, affine=False)
        self.affine = nn.Linear(ca_dim, cout * 2)
        nn.init.zeros_(self.affine.weight)
        nn.init.zeros_(self.affine.bias)

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        gain, bias = self.affine(c)[:, :, None, None].chunk(2, dim=1)
        return F.relu(self.norm(self.conv(x)) * (1 + gain) + bias)


class Stage1Generator(nn.Module):
    def __init__(self, ca_dim: int, latent_dim: int, width: int, size: int, conditional_norm: bool) -> None:
        super().__init__()
        self.width = width * 8
        self.fc = nn.Sequential(nn.Linear(ca_dim + latent_dim, self.width * 16, bias=False), nn.BatchNorm1d(self.width * 16), nn.ReLU(True))
        blocks, w = [], self.width
        for _ in range(int(math.log2(size)) - 2):
            blocks.append(ConditionalUpsample(w, max(w // 2, width), ca_dim) if conditional_norm else upsample(w, max(w // 2, width)))
            w = max(w // 2, width)
        self.blocks = nn.ModuleList(blocks)
        self.out = nn.Sequential(nn.Conv2d(w, 3, 3, 1, 1), nn.Tanh())

    def forward(self, c: Tensor, z: Tensor) -> Tensor:
        h = self.fc(torch.cat([c, z], 1)).view(-1, self.width, 4, 4)
        for block in self.blocks:
            h = block(h, c) if isinstance(block, ConditionalUpsample) else block(h)
        return self.out(h)


class Stage2Generator(nn.Module):
    """Stage I's picture, encoded and joined with c₂, through residual blocks and up to the final size; with
    `residual`, what it draws is a correction added to Stage I's picture upscaled (zero at the start, so that
    Stage II begins where Stage I is and only has to sharpen it)."""

    def __init__(self, ca_dim: int, width: int, upscale: int, residual: bool, blocks: int = 2) -> None:
        super().__init__()
        self.residual_output, self.upscale = residual, upscale
        w = width * 4
        self.encode = nn.Sequential(nn.Conv2d(3, width, 3, 1, 1), nn.ReLU(True), *downsample(width, w))
        self.joint = nn.Sequential(nn.Conv2d(w + ca_dim, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(True))
        self.residual = nn.Sequential(*[ResidualBlock(w) for _ in range(blocks)])
        ups, cur = [], w
        for _ in range(int(math.log2(upscale)) + 1):  # undo the encoder's halving, then upscale
            ups.append(upsample(cur, max(cur // 2, width)))
            cur = max(cur // 2, width)
        last = nn.Conv2d(cur, 3, 3, 1, 1)
        if residual:
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)
        self.up = nn.Sequential(*ups, last, nn.Identity() if residual else nn.Tanh())

    def forward(self, low: Tensor, c: Tensor) -> Tensor:
        h = self.encode(low)
        h = self.joint(torch.cat([h, c[:, :, None, None].expand(-1, -1, h.shape[2], h.shape[3])], 1))
        out = self.up(self.residual(h))
        if self.residual_output:
            out = (F.interpolate(low, scale_factor=self.upscale, mode="bilinear", align_corners=False) + out).clamp(-1, 1)
        return out


class MatchingDiscriminator(nn.Module):
    """Image → 4×4 features, joined with the compressed text embedding → one logit; with `projection`, plus the
    inner product of the image features with a projection of the text, place by place (after Miyato & Koyama
    2018), so that both what is drawn and where it is drawn answer the caption."""

    def __init__(self, embed_dim: int, width: int, size: int, projection: bool, text_dim: int = 128) -> None:
        super().__init__()
        layers, w = downsample(3, width, norm=False), width
        for _ in range(int(math.log2(size)) - 3):
            layers += downsample(w, min(w * 2, width * 8))
            w = min(w * 2, width * 8)
        self.image = nn.Sequential(*layers)
        self.text = nn.Sequential(nn.Linear(embed_dim, text_dim), nn.LeakyReLU(0.2, True))
        self.joint = nn.Sequential(nn.Conv2d(w + text_dim, w, 1), nn.BatchNorm2d(w), nn.LeakyReLU(0.2, True), nn.Conv2d(w, 1, 4))
        self.projection = nn.Linear(text_dim, w * 16, bias=False) if projection else None

    def forward(self, x: Tensor, embedding: Tensor) -> Tensor:
        h = self.image(x)
        text = self.text(unit_scale(embedding))
        logit = self.joint(torch.cat([h, text[:, :, None, None].expand(-1, -1, h.shape[2], h.shape[3])], 1)).flatten()
        if self.projection is not None:
            logit = logit + (h.flatten(1) * self.projection(text)).sum(1) / h.shape[2] / h.shape[3]
        return logit


class StackGenerator(nn.Module):
    """Both stages; `forward(latent, embedding)` runs up to `self.stage` and keeps the KL term in `self.kl`."""

    def __init__(self, o: dict[str, Any], embed_dim: int) -> None:
        super().__init__()
        self.latent_dim, self.ca_dim = o["latent_dim"], o["ca_dim"]
        self.ca1, self.ca2 = ConditioningAugmentation(embed_dim, o["ca_dim"]), ConditioningAugmentation(embed_dim, o["ca_dim"])
        self.stage1 = Stage1Generator(o["ca_dim"], o["latent_dim"], o["ngf"], o["stage1_size"], o["text_norm"])
        self.stage2 = Stage2Generator(o["ca_dim"], o["ngf2"], o["image_size"] // o["stage1_size"], o["stage2_residual"])
        self.stage = 2 if o["stage"] != 1 else 1
        self.kl = torch.zeros(())

    def forward(self, latent: Tensor, embedding: Tensor) -> Tensor:
        z, eps1, eps2 = latent.split([self.latent_dim, self.ca_dim, self.ca_dim], dim=1)
        frozen = self.stage == 2 and self.training  # Stage II trains on a fixed Stage I, drawing as it samples:
        self.stage1.train(self.training and not frozen)  # BatchNorm on its running statistics, which stay as they are
        with torch.set_grad_enabled(torch.is_grad_enabled() and not frozen):
            c1, kl1 = self.ca1(embedding, eps1)
            low = self.stage1(c1, z)
        if self.stage == 1:
            self.kl = kl1
            return low
        c2, self.kl = self.ca2(embedding, eps2)
        return self.stage2(low.detach(), c2)


class StageDiscriminator(nn.Module):
    """Stage I's and Stage II's discriminators; a batch goes to the one of its size."""

    def __init__(self, o: dict[str, Any], embed_dim: int) -> None:
        super().__init__()
        self.stage1 = MatchingDiscriminator(embed_dim, o["ndf"], o["stage1_size"], o["projection"])
        self.stage2 = MatchingDiscriminator(embed_dim, o["ndf2"], o["image_size"], o["projection"])
        self.stage1_size = o["stage1_size"]

    def forward(self, x: Tensor, embedding: Tensor) -> Tensor:
        return (self.stage1 if x.shape[-1] == self.stage1_size else self.stage2)(x, embedding)


class StackGAN(GANModel):
    task = "text-to-image"

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        from gankit.registry import get_registry

        size, low = options["image_size"], options["stage1_size"]
        if size // low not in (2, 4) or size % low:
            raise GankitError(f"image_size must be 2 or 4 times stage1_size; got {size} and {low}")
        encoder = get_registry().text_encoder(options["encoder"])
        encoder.check_installed()
        embed_dim = encoder.dims
        self.latent_shape = (options["latent_dim"] + 2 * options["ca_dim"],)
        self.generator = StackGenerator(options, embed_dim)
        self.discriminator = StageDiscriminator(options, embed_dim)

    # -- training --------------------------------------------------------------------------------
    def prepare(self, dataset: Any) -> None:
        captions = getattr(dataset, "captions", None)
        if not captions:
            raise GankitError("StackGAN trains on captioned images: use --data shapes, or a folder with captions")
        self.options["vocabulary"] = " ".join(sorted({w for c in captions for w in words(c)}))
        self.options["preview_prompts"] = "|".join(list(dict.fromkeys(captions))[:8])  # the preview's rows

    def training_phase(self, step: int, steps: int) -> None:
        if self.options["stage"] == 0:
            self.generator.stage = 1 if step < self.options["stage1_fraction"] * steps else 2

    def weights_to_start_from(self, names: set[str], options: dict[str, Any]) -> set[str]:
        """From a Stage-I run (whose Stage II never trained), only Stage I: Stage II starts fresh, in any width."""
        if options.get("stage") != 1:
            return names
        return {n for n in names if n.startswith(("generator.ca1.", "generator.stage1.", "discriminator.stage1."))}

    def split_batch(self, batch: Any) -> tuple[Tensor, Tensor]:
        """(pictures at the size of the stage in training, caption embeddings)."""
        images, embeddings = batch[0], batch[1]
        if embeddings.shape[-1] == 0:
            raise GankitError("the data set has no caption embeddings; StackGAN needs captioned data")
        if self.generator.stage == 1:
            images = F.interpolate(images, size=self.options["stage1_size"], mode="area")
        return images, embeddings

    def discriminator_loss(self, D, real: Tensor, fake: Tensor, condition: Tensor) -> tuple[Tensor, dict]:
        loss, stats = bce_discriminator_loss(D(real, condition), D(fake, condition))
        wrong = [condition.roll(1, 0)]  # a real picture with another picture's caption is fake
        if self.options["hard_negatives"]:
            wrong.append(condition[nearest_other_caption(condition)])
        for caption in wrong:
            loss = loss + F.softplus(D(real, caption).float()).mean() * 0.5 / len(wrong)
        return loss, stats

    def generator_loss(self, D, real: Tensor, fake: Tensor, condition: Tensor) -> tuple[Tensor, dict]:
        adversarial = F.softplus(-D(fake, condition).float()).mean()
        kl = self.generator.kl
        return adversarial + self.options["kl_weight"] * kl, {"KL": kl.detach()}

    # -- sampling --------------------------------------------------------------------------------
    def condition_for(self, seeds: Sequence[int], inputs: dict[str, Any]) -> Tensor:
        if "text" in inputs:
            text = inputs["text"]
            unknown = sorted(set(words(text)) - set(self.options["vocabulary"].split())) if self.options["vocabulary"] else []
            if unknown:
                warnings.warn(f"the model never saw {', '.join(map(repr, unknown))} in training captions; it cannot follow such words")
            texts = [text] * len(seeds)
        else:
            prompts = self.options["preview_prompts"].split("|") if self.options["preview_prompts"] else ["a large red circle"]
            texts = [prompts[(s // 8) % len(prompts)] for s in seeds]  # one prompt per row of an 8-wide grid
        return encode(self.options["encoder"], texts)

    @torch.no_grad()
    def sample(self, seeds: Sequence[int], inputs: dict[str, Any], truncation: float = 1.0) -> Tensor:
        stage = inputs.get("stage", self.generator.stage)  # the phase being trained, or the last stage
        if stage == 2 and self.options["stage"] == 1:
            raise GankitError("this model trained Stage I only; use --stage 1")
        trained, self.generator.stage = self.generator.stage, stage
        try:
            return super().sample(seeds, inputs, truncation)
        finally:
            self.generator.stage = trained
