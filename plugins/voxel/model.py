"""3D-GAN (Wu, Zhang, Xue, Freeman & Tenenbaum 2016): a latent → 3D transposed convolutions → occupancy grid.

G: z (``latent_dim``, normal or uniform) → 4³ → … → ``grid_size``³, kernel 4, stride 2, BatchNorm + ReLU, sigmoid
occupancy in [0, 1]. D mirrors it with LeakyReLU 0.2 and returns a logit; the trainer updates D only while its
batch accuracy is ≤ ``d_accuracy_threshold`` (the paper's 80%, the plugin's training default).
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import Tensor, nn

from gankit.model import GANModel


def stages(size: int) -> int:
    """Stride-2 stages between 4³ and size³."""
    return size.bit_length() - 3


class VoxelGenerator(nn.Module):
    def __init__(self, latent_dim: int, ngf: int, size: int) -> None:
        super().__init__()
        width = ngf * 2 ** (stages(size) - 1)
        layers: list[nn.Module] = [nn.ConvTranspose3d(latent_dim, width, 4, 1, 0, bias=False), nn.BatchNorm3d(width), nn.ReLU(True)]
        for _ in range(stages(size) - 1):
            layers += [nn.ConvTranspose3d(width, width // 2, 4, 2, 1, bias=False), nn.BatchNorm3d(width // 2), nn.ReLU(True)]
            width //= 2
        layers += [nn.ConvTranspose3d(width, 1, 4, 2, 1), nn.Sigmoid()]
        self.main = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.main(z.view(*z.shape, 1, 1, 1))


class VoxelDiscriminator(nn.Module):
    def __init__(self, ndf: int, size: int) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv3d(1, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        width = ndf
        for _ in range(stages(size) - 1):
            layers += [nn.Conv3d(width, width * 2, 4, 2, 1, bias=False), nn.BatchNorm3d(width * 2), nn.LeakyReLU(0.2, True)]
            width *= 2
        layers += [nn.Conv3d(width, 1, 4, 1, 0)]
        self.main = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.main(x).flatten(1)


class VoxelGAN(GANModel):
    """The ``voxel`` model: unconditional occupancy grids (N, 1, S, S, S) in [0, 1]."""

    task = "voxel"

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self.latent_shape = (options["latent_dim"],)
        self.generator = VoxelGenerator(options["latent_dim"], options["ngf"], options["grid_size"])
        self.discriminator = VoxelDiscriminator(options["ndf"], options["grid_size"])

    def sample_latent(self, seeds: Sequence[int], truncation: float = 1.0) -> Tensor:
        if self.options["latent"] == "normal":
            return super().sample_latent(seeds, truncation)
        z = torch.stack([torch.rand(self.latent_shape, generator=torch.Generator().manual_seed(int(s))) for s in seeds])
        return (z * 2 - 1) * truncation  # uniform in [-1, 1], as the paper; truncation shrinks towards 0

    def draw_latent(self, n: int, device: torch.device) -> Tensor:
        if self.options["latent"] == "normal":
            return super().draw_latent(n, device)
        return torch.rand((n, *self.latent_shape), device=device) * 2 - 1

    def discriminator_features(self, x: Tensor, condition: Any = None) -> Tensor:
        """D's activations before its last convolution, one row per grid (for `gankit probe`)."""
        for layer in list(self.discriminator.main)[:-1]:
            x = layer(x)
        return x.flatten(1)
