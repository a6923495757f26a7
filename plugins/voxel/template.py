"""Networks of this plugin: a small 3D-GAN (Wu et al. 2016) generator and discriminator of occupancy grids.

Written by `gankit new-plugin --task voxel`; change freely. gankit's trainer, sampler and CLI talk to the
model only through `gankit.model.GANModel` (docs/writing-plugins.md). Samples are occupancy grids
(N, 1, S, S, S) in [0, 1]; the voxel task writes them as arrays, meshes and renders.
"""

from torch import nn

from gankit import GankitError
from gankit.model import GANModel

OPTIONS = {  # name: (default, help) — registered in __init__.py, settable with `gankit train NAME -o name=value`
    "grid_size": (16, "voxels per side (16 only in this template)"),
    "latent_dim": (64, "size of the normal latent z"),
    "width": (16, "network width"),
}
DATASET = "primitives"  # the built-in data set `gankit train NAME` uses without --data
TRAIN_DEFAULTS = {"batch_size": 16, "lr_g": 2.5e-3, "lr_d": 1e-3, "beta1": 0.5, "d_accuracy_threshold": 0.8}


class Generator(nn.Module):
    """z (N, latent_dim) → occupancies (N, 1, 16, 16, 16) in [0, 1]."""

    def __init__(self, latent_dim: int, width: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose3d(latent_dim, width * 4, 4, 1, 0), nn.BatchNorm3d(width * 4), nn.ReLU(True),  # 4^3
            nn.ConvTranspose3d(width * 4, width * 2, 4, 2, 1), nn.BatchNorm3d(width * 2), nn.ReLU(True),  # 8^3
            nn.ConvTranspose3d(width * 2, 1, 4, 2, 1), nn.Sigmoid(),  # 16^3
        )

    def forward(self, z):
        return self.net(z[:, :, None, None, None])


class Model(GANModel):
    """Batches are (grids, labels); the labels are not used."""

    task = "voxel"

    def __init__(self, options: dict) -> None:
        super().__init__(options)
        if options["grid_size"] != 16:
            raise GankitError("this model makes 16^3 grids (-o grid_size=16); add layers for other sizes")
        width = options["width"]
        self.latent_shape = (options["latent_dim"],)
        self.generator = Generator(options["latent_dim"], width)
        self.discriminator = nn.Sequential(
            nn.Conv3d(1, width * 2, 4, 2, 1), nn.LeakyReLU(0.2, True),  # 8^3
            nn.Conv3d(width * 2, width * 4, 4, 2, 1), nn.BatchNorm3d(width * 4), nn.LeakyReLU(0.2, True),  # 4^3
            nn.Conv3d(width * 4, 1, 4, 1, 0),  # one logit
        )
