"""3D-GAN (Wu, Zhang, Xue, Freeman & Tenenbaum 2016): a latent → 3D transposed convolutions → occupancy grid.

G: z (``latent_dim``, normal or uniform) → 4³ → … → ``grid_size``³, kernel 4, stride 2, BatchNorm + ReLU, sigmoid
occupancy in [0, 1]. D mirrors it with LeakyReLU 0.2 and returns a logit; the trainer updates D only while its
batch accuracy is ≤ ``d_accuracy_threshold`` (the paper's 80%, the plugin's training default).

The paper trains one GAN per object class; ``conditional`` folds them into one network that learns the data
set's labels: G takes the class as a one-hot vector beside z, D scores it by projection (Miyato & Koyama 2018),
and with ``class_loss`` also classifies it (AC-GAN, `gankit.acgan`).
Its condition is that one-hot vector (float, so that ``interpolate`` can walk from one class to another).
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import Tensor, nn

from gankit.acgan import AuxiliaryClassifier
from gankit.errors import GankitError
from gankit.model import GANModel


CLASS_STREAM = 0x9E3779B9
"""Offset of the seeds that draw a conditional model's classes, apart from those that draw its latents."""


def stages(size: int) -> int:
    """Stride-2 stages between 4³ and size³."""
    return size.bit_length() - 3


def upsampling(cin: int, cout: int, mode: str, bias: bool = False) -> list[nn.Module]:
    """One doubling of resolution: a transposed convolution (kernel 4, stride 2: the paper's), or a nearest-neighbour
    resize followed by a kernel-3 convolution (``resize``: no checkerboard overlap, Odena et al. 2016)."""
    if mode == "transposed":
        return [nn.ConvTranspose3d(cin, cout, 4, 2, 1, bias=bias)]
    return [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv3d(cin, cout, 3, 1, 1, bias=bias)]


def blur(grids: Tensor, sigma: float) -> Tensor:
    """`grids` (N, 1, S, S, S) smoothed by a Gaussian of `sigma` voxels, one axis at a time (edges replicated)."""
    radius = max(1, round(3 * sigma))
    taps = torch.arange(-radius, radius + 1, dtype=grids.dtype, device=grids.device)
    kernel = torch.exp(-taps**2 / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    grids = nn.functional.pad(grids, [radius] * 6, mode="replicate")
    for axis in range(3):  # each pass takes the padding off one axis
        shape = [1, 1, 1, 1, 1]
        shape[2 + axis] = kernel.numel()
        grids = nn.functional.conv3d(grids, kernel.view(shape))
    return grids


def rotations(q: Tensor) -> Tensor:
    """(N, 3, 3) rotation matrices of the quaternions `q` (N, 4), normalised first."""
    w, x, y, z = (q / q.norm(dim=1, keepdim=True).clamp_min(1e-8)).unbind(1)
    return torch.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
                        2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
                        2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], 1).view(-1, 3, 3)


def turn(grids: Tensor, rotation: Tensor) -> Tensor:
    """Occupancy `grids` (N, 1, S, S, S) turned about their centre by `rotation` (N, 3, 3), trilinear, empty outside."""
    size = grids.shape[-1]
    centres = (torch.arange(size, dtype=grids.dtype, device=grids.device) * 2 + 1) / size - 1
    depth, height, width = torch.meshgrid(centres, centres, centres, indexing="ij")
    points = torch.stack([width, height, depth], -1).view(1, -1, 3)  # grid_sample's (x, y, z) of every voxel
    field = (points @ rotation.to(grids.dtype).transpose(1, 2)).view(-1, size, size, size, 3)  # where each looks
    turned = nn.functional.grid_sample(grids, field, mode="bilinear", padding_mode="zeros", align_corners=False)
    return turned.clamp(0, 1)  # trilinear weights may sum a rounding error over 1


class VoxelGenerator(nn.Module):
    def __init__(self, latent_dim: int, ngf: int, size: int, upsample: str = "transposed", classes: int = 0,
                 turned: bool = False) -> None:
        super().__init__()
        self.turned = turned
        width = ngf * 2 ** (stages(size) - 1)
        layers: list[nn.Module] = [nn.ConvTranspose3d(latent_dim + classes, width, 4, 1, 0, bias=False),
                                   nn.BatchNorm3d(width), nn.ReLU(True)]
        for _ in range(stages(size) - 1):
            layers += [*upsampling(width, width // 2, upsample), nn.BatchNorm3d(width // 2), nn.ReLU(True)]
            width //= 2
        layers += [*upsampling(width, 1, upsample, bias=True), nn.Sigmoid()]
        self.main = nn.Sequential(*layers)

    def forward(self, z: Tensor, classes: Tensor | None = None) -> Tensor:
        if classes is not None:
            z = torch.cat([z, classes.to(z.dtype)], 1)
        grids = self.main(z.view(*z.shape, 1, 1, 1))
        return turn(grids, rotations(z[:, :4].float())) if self.turned else grids


class VoxelDiscriminator(nn.Module):
    """3D-GAN's D; with `classes`, a projection of its features on the class's vector, and with `classify` also
    the class logits from its last features (AC-GAN's auxiliary classifier)."""

    def __init__(self, ndf: int, size: int, classes: int = 0, classify: bool = False) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv3d(1, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        width = ndf
        for _ in range(stages(size) - 1):
            layers += [nn.Conv3d(width, width * 2, 4, 2, 1, bias=False), nn.BatchNorm3d(width * 2), nn.LeakyReLU(0.2, True)]
            width *= 2
        layers += [nn.Conv3d(width, 1, 4, 1, 0)]
        self.main = nn.Sequential(*layers)
        if classes:
            self.embed = nn.Linear(classes, width, bias=False)  # one vector per class, projected on D's features
        self.classify = nn.Linear(width * 4**3, classes) if classes and classify else None

    def features(self, x: Tensor) -> Tensor:
        """Activations before the last convolution, (N, C, 4, 4, 4)."""
        for layer in list(self.main)[:-1]:
            x = layer(x)
        return x

    def forward(self, x: Tensor, classes: Tensor | None = None) -> Tensor:
        features = self.features(x)
        logits = self.main[-1](features).flatten(1)
        if classes is None:
            return logits
        pooled = features.sum((2, 3, 4))
        logits = logits + (self.embed(classes.to(pooled.dtype)) * pooled).sum(1, keepdim=True)
        return logits if self.classify is None else torch.cat([logits, self.classify(features.flatten(1))], 1)


class VoxelGAN(AuxiliaryClassifier, GANModel):
    """The ``voxel`` model: occupancy grids (N, 1, S, S, S) in [0, 1], optionally of a chosen class."""

    task = "voxel"

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self.latent_shape = (options["latent_dim"],)
        self.build_networks()

    def build_networks(self) -> None:
        """G and D, fresh, for the options (and classes) the model has now."""
        options, classes = self.options, len(self.class_names)
        if options["pose"] == "turned" and options["latent_dim"] < 4:
            raise GankitError("-o pose=turned reads a rotation from z's first four numbers: give -o latent_dim=4 or more")
        self.generator = VoxelGenerator(options["latent_dim"], options["ngf"], options["grid_size"],
                                        options["upsample"], classes, options["pose"] == "turned")
        self.discriminator = VoxelDiscriminator(options["ndf"], options["grid_size"], classes, options["class_loss"] > 0)

    @property
    def class_names(self) -> list[str]:
        """The conditional model's classes (empty for an unconditional one)."""
        return self.options["class_names"].split("|") if self.options["class_names"] else []

    def prepare(self, dataset: Any) -> None:
        if not self.options["conditional"]:
            if self.options["class_loss"] > 0:
                raise GankitError("option class_loss applies to conditional models: add -o conditional=true")
            if self.class_names:
                raise GankitError("option class_names is filled from the data when training starts: give "
                                  "-o conditional=true instead")
            return
        names = getattr(dataset, "classes", None)
        if not names or len(names) < 2:
            raise GankitError("-o conditional=true needs labelled data with at least two classes: primitives, or "
                              "a folder with one sub-folder per class (ModelNet layout)")
        self.options["class_names"] = "|".join(names)
        self.build_networks()  # sized for the classes

    def split_batch(self, batch: Any) -> tuple[Tensor, Any]:
        real, condition = super().split_batch(batch) if not self.class_names else (batch[0], self.one_hot(batch[1]))
        sigma = self.options["target_blur"]
        return (blur(real, sigma) if sigma > 0 else real), condition

    def one_hot(self, labels: Tensor) -> Tensor:
        return nn.functional.one_hot(labels.long(), len(self.class_names)).float()

    def condition_for(self, seeds: Sequence[int], inputs: dict[str, Any]) -> Tensor | None:
        """The class of each sample: ``label`` (a name or number) for all, else one drawn from each seed."""
        names, label = self.class_names, str(inputs.get("label", "")).strip()  # "": none (an empty playground box)
        if not names:
            if label:
                raise GankitError("this voxel model is unconditional: --label needs one trained with -o conditional=true")
            return None
        if label:
            labels = torch.full((len(seeds),), self.class_index(label))
        else:  # its own stream per seed, independent of the latent's
            labels = torch.cat([torch.randint(len(names), (1,), generator=torch.Generator().manual_seed(int(s) + CLASS_STREAM))
                                for s in seeds])
        return self.one_hot(labels)

    def class_index(self, label: str) -> int:
        """The index of class `label`, given by name or number."""
        names = self.class_names
        if label in names:
            return names.index(label)
        if label.isdigit() and int(label) < len(names):
            return int(label)
        raise GankitError(f"--label {label}: not a class of this model; give one of {', '.join(names)} (or 0-{len(names) - 1})")

    def sample_latent(self, seeds: Sequence[int], truncation: float = 1.0) -> Tensor:
        if self.options["latent"] == "normal":
            return super().sample_latent(seeds, truncation)
        z = torch.stack([torch.rand(self.latent_shape, generator=torch.Generator().manual_seed(int(s))) for s in seeds])
        return (z * 2 - 1) * truncation  # uniform in [-1, 1], as the paper; truncation shrinks towards 0

    def draw_latent(self, n: int, device: torch.device, condition: Any = None) -> Tensor:
        if self.options["latent"] == "normal":
            return super().draw_latent(n, device)
        return torch.rand((n, *self.latent_shape), device=device) * 2 - 1

    @property
    def aux_weight(self) -> float:
        return self.options["class_loss"]

    def aux_loss(self, logits: Tensor, condition: Tensor) -> Tensor:
        return nn.functional.cross_entropy(logits, condition.argmax(1))

    def discriminator_features(self, x: Tensor, condition: Any = None) -> Tensor:
        """D's activations before its last convolution, one row per grid (for `gankit probe`)."""
        return self.discriminator.features(x).flatten(1)
