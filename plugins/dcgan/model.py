"""DCGAN's networks, as in the paper and pytorch/examples, for any power-of-two image size.

G: latent (N, z, 1, 1) → 4×4 → … → size×size through stride-2 transposed convolutions with BatchNorm and
ReLU, tanh output. D mirrors it with stride-2 convolutions, BatchNorm (not on the first layer) and
LeakyReLU(0.2), ending in one logit (its sigmoid is D's probability that the image is real).
"""

from __future__ import annotations

import math
from typing import Any

from torch import Tensor, nn

from gankit import GankitError
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
    def __init__(self, size: int, channels: int, ndf: int) -> None:
        stages = check_size(size)
        layers: list[nn.Module] = [nn.Conv2d(channels, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        width = ndf
        for _ in range(stages - 1):
            layers += [nn.Conv2d(width, width * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width * 2), nn.LeakyReLU(0.2, True)]
            width *= 2
        layers += [nn.Conv2d(width, 1, 4, 1, 0, bias=False)]
        super().__init__(*layers)


class DCGAN(GANModel):
    task = "unconditional-image"

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        size, channels, nz = options["image_size"], options["channels"], options["latent_dim"]
        self.latent_shape = (nz,)
        self.generator = Generator(size, channels, nz, options["ngf"])
        self.discriminator = Discriminator(size, channels, options["ndf"])
        self.apply(init_weights)
