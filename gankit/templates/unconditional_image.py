"""Networks of this plugin: a small DCGAN-style generator and discriminator for unconditional images.

Written by `gankit new-plugin`; change freely. gankit's trainer, sampler and CLI talk to the model only
through `gankit.model.GANModel` (docs/writing-plugins.md): set ``generator`` and ``discriminator``, and
override what differs from an unconditional GAN (batches, conditions, losses).
"""

from torch import nn

from gankit import GankitError
from gankit.model import GANModel

OPTIONS = {  # name: (default, help) — registered in __init__.py, settable with `gankit train NAME -o name=value`
    "image_size": (32, "output size in pixels (32 only in this template)"),
    "channels": (1, "1 (grayscale) or 3 (RGB)"),
    "latent_dim": (64, "size of the normal latent z"),
    "width": (32, "network width"),
}
DATASET = "digits"  # the built-in data set `gankit train NAME` uses without --data
TRAIN_DEFAULTS = {"batch_size": 32, "lr_g": 2e-4, "lr_d": 2e-4}


class Generator(nn.Module):
    """z (N, latent_dim) → images (N, channels, 32, 32) in [-1, 1]."""

    def __init__(self, latent_dim: int, channels: int, width: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(latent_dim, width * 4, 4, 1, 0), nn.BatchNorm2d(width * 4), nn.ReLU(True),  # 4x4
            nn.ConvTranspose2d(width * 4, width * 2, 4, 2, 1), nn.BatchNorm2d(width * 2), nn.ReLU(True),  # 8x8
            nn.ConvTranspose2d(width * 2, width, 4, 2, 1), nn.BatchNorm2d(width), nn.ReLU(True),  # 16x16
            nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh(),  # 32x32
        )

    def forward(self, z):
        return self.net(z[:, :, None, None])


class Model(GANModel):
    """Batches are (images, labels); the labels are not used."""

    def __init__(self, options: dict) -> None:
        super().__init__(options)
        if options["image_size"] != 32:
            raise GankitError("this model draws 32x32 images (-o image_size=32); add layers for other sizes")
        width, channels = options["width"], options["channels"]
        self.latent_shape = (options["latent_dim"],)
        self.generator = Generator(options["latent_dim"], channels, width)
        self.discriminator = nn.Sequential(
            nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True),  # 16x16
            nn.Conv2d(width, width * 2, 4, 2, 1), nn.BatchNorm2d(width * 2), nn.LeakyReLU(0.2, True),  # 8x8
            nn.Conv2d(width * 2, width * 4, 4, 2, 1), nn.BatchNorm2d(width * 4), nn.LeakyReLU(0.2, True),  # 4x4
            nn.Conv2d(width * 4, 1, 4, 1, 0),  # one logit
        )
