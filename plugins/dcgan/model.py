"""DCGAN's networks, as in the paper and pytorch/examples, for any power-of-two image size.

G: latent (N, z, 1, 1) → 4×4 → … → size×size through stride-2 transposed convolutions with BatchNorm and
ReLU, tanh output. D mirrors it with stride-2 convolutions, BatchNorm (not on the first layer) and
LeakyReLU(0.2), ending in one logit (its sigmoid is D's probability that the image is real).

Attribute codes (option ``attribute_codes``): while training, latent dimension i stands for attribute i of
labelled data — it is drawn from the slice of the normal that stands for the real image's value, the values in
order from low to high, each slice holding the value's share in the data — and D also classifies the attributes
of real images, G being pushed to have its samples classified as their codes say (AC-GAN, Odena et al. 2017).
G stays a plain DCGAN of z: sampling draws z ~ N(0, I), and latent arithmetic and attribute vectors find the
attributes along straight lines (semi-supervised latent codes, as in Spurr et al. 2017's ss-InfoGAN).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn
from torch.special import ndtri

from gankit import GankitError
from gankit.acgan import AuxiliaryClassifier
from gankit.model import GANModel


def check_size(size: int) -> int:
    """Number of stride-2 stages between 4×4 and `size`×`size`."""
    if size < 8 or size > 1024 or size & (size - 1):
        raise GankitError(f"image_size must be a power of two from 8 to 1024, got {size}")
    return int(math.log2(size)) - 2


def init_weights(module: nn.Module) -> None:
    """The paper's initialisation: N(0, 0.02) convolutions, N(1, 0.02) BatchNorm scales."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class Generator(nn.Sequential):
    def __init__(self, size: int, channels: int, latent_dim: int, ngf: int) -> None:
        stages = check_size(size)
        width = ngf * 2 ** (stages - 1)
        layers: list[nn.Module] = [nn.ConvTranspose2d(latent_dim, width, 4, 1, 0, bias=False), nn.BatchNorm2d(width), nn.ReLU(True)]
        for _ in range(stages - 1):
            layers += [nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width // 2), nn.ReLU(True)]
            width //= 2
        layers += [nn.ConvTranspose2d(width, channels, 4, 2, 1, bias=False), nn.Tanh()]
        super().__init__(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return super().forward(z.reshape(z.shape[0], -1, 1, 1))


class Discriminator(nn.Sequential):
    """DCGAN's D; with `codes` outputs, also an auxiliary classifier of the coded attributes on its last features."""

    def __init__(self, size: int, channels: int, ndf: int, codes: int = 0) -> None:
        stages = check_size(size)
        layers: list[nn.Module] = [nn.Conv2d(channels, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        width = ndf
        for _ in range(stages - 1):
            layers += [nn.Conv2d(width, width * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width * 2), nn.LeakyReLU(0.2, True)]
            width *= 2
        layers += [nn.Conv2d(width, 1, 4, 1, 0, bias=False)]
        super().__init__(*layers)
        if codes:  # parameters, not a module: Sequential runs (and probes list) only the layers
            self.code_weight = nn.Parameter(torch.zeros(codes, width * 16))  # on the last 4×4 map, flattened
            self.code_bias = nn.Parameter(torch.zeros(codes))

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        """D's logit, (N, 1, 1, 1); given the batch's labels, (N, 1 + codes): the logit, then each code's logit."""
        if labels is None:
            return super().forward(x)
        *body, last = self
        for layer in body:
            x = layer(x)
        return torch.cat([last(x).flatten(1), x.flatten(1) @ self.code_weight.T + self.code_bias], 1)


class DCGAN(AuxiliaryClassifier, GANModel):
    task = "unconditional-image"

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        size, channels, nz = options["image_size"], options["channels"], options["latent_dim"]
        self.latent_shape = (nz,)
        if len(self.code_names) > nz:
            raise GankitError(f"option attribute_codes names {len(self.code_names)} attributes; latent_dim {nz} has room for fewer")
        self.generator = Generator(size, channels, nz, options["ngf"])
        self.discriminator = Discriminator(size, channels, options["ndf"], self.code_outputs())
        self.apply(init_weights)

    @property
    def aux_weight(self) -> float:
        return self.options["code_loss"]

    def code_outputs(self) -> int:
        """How many logits D's auxiliary classifier has: one per value of each coded attribute (0 before `prepare`)."""
        return sum(len(s) for s in self.code_shares) if self.options["code_shares"] else 0

    @property
    def code_names(self) -> list[str]:
        """The attributes the first latent dimensions stand for (option ``attribute_codes``)."""
        return [n.strip() for n in self.options["attribute_codes"].split(",") if n.strip()]

    @property
    def code_shares(self) -> list[list[float]]:
        """Each coded attribute's value shares in the training data (filled by `prepare`)."""
        text = self.options["code_shares"]
        try:
            shares = [[float(v) for v in part.split("/")] for part in text.split(",")]
        except ValueError:
            shares = []
        if len(shares) != len(self.code_names) or any(len(s) < 2 or min(s) < 0 for s in shares):
            raise GankitError(f"option code_shares {text!r} does not fit attribute_codes {self.options['attribute_codes']!r}; "
                              "it is filled from the data when training starts: leave it out")
        return shares

    def prepare(self, dataset: Any) -> None:
        """Find the coded attributes' label columns and value shares in the data (kept in the options)."""
        if not self.code_names:
            return
        names, labels = getattr(dataset, "attribute_names", None), getattr(dataset, "attributes", None)
        if not names or labels is None:
            raise GankitError("option attribute_codes needs data with named attribute labels: faces, or an image folder "
                              "with CelebA's list_attr_celeba.txt; give -o attribute_codes= to train without")
        missing = [n for n in self.code_names if n not in names]
        if missing:
            raise GankitError(f"option attribute_codes: the data has no attribute {missing[0]!r}; it has {', '.join(names)}")
        columns = [list(names).index(n) for n in self.code_names]
        shares = []
        for name, column in zip(self.code_names, columns):
            values = torch.as_tensor(labels)[:, column].long()
            if int(values.min()) < 0 or int(values.max()) < 1:
                raise GankitError(f"option attribute_codes: attribute {name!r} needs labels 0, 1, … with at least two values")
            shares.append("/".join(f"{float(s):.4f}" for s in values.bincount().float() / len(values)))
        self.options["code_columns"] = ",".join(map(str, columns))
        self.options["code_shares"] = ",".join(shares)
        self.discriminator = Discriminator(self.options["image_size"], self.options["channels"], self.options["ndf"],
                                           self.code_outputs())
        self.discriminator.apply(init_weights)

    def split_batch(self, batch: Any) -> tuple[Tensor, Any]:
        if not self.code_names:
            return super().split_batch(batch)
        images, labels = batch
        columns = [int(c) for c in self.options["code_columns"].split(",")]
        return images, labels[:, columns].long()

    def draw_latent(self, n: int, device: torch.device, condition: Any = None) -> Tensor:
        """z ~ N(0, I), coded dimension i drawn from the slice of the normal that stands for attribute i's value:
        the values in order from low to high, each slice holding the value's share in the data."""
        z = super().draw_latent(n, device)
        if condition is None or not self.code_names:
            return z
        for i, shares in enumerate(self.code_shares):
            edges = torch.tensor([0.0, *shares], device=device).cumsum(0)
            low, high = edges[condition[:, i]], edges[condition[:, i] + 1]
            z[:, i] = ndtri((low + torch.rand(n, device=device) * (high - low)).clamp(1e-6, 1 - 1e-6))
        return z

    def coded_values(self, z: Tensor) -> Tensor:
        """The value each coded attribute has in latents `z` (N, len(code_names)): the slice z_i falls in."""
        return torch.stack([torch.bucketize(z[:, i].contiguous(), ndtri(torch.tensor(shares[:-1]).cumsum(0)))
                            for i, shares in enumerate(self.code_shares)], 1)

    def generate(self, latent: Tensor, condition: Any = None) -> Tensor:
        """G(z): the labels a coded model trains with are already in z."""
        return self.generator(latent)

    def aux_loss(self, logits: Tensor, condition: Tensor) -> Tensor:
        """Cross-entropy of D's reading of each coded attribute, averaged over the attributes."""
        parts = logits.split([len(s) for s in self.code_shares], 1)
        return torch.stack([nn.functional.cross_entropy(p, condition[:, i]) for i, p in enumerate(parts)]).mean()
