"""Networks of this plugin: a small text-conditioned GAN (one stage of StackGAN, without its extras).

Written by `gankit new-plugin --task text-to-image`; change freely. gankit's trainer, sampler and CLI talk
to the model only through `gankit.model.GANModel` (docs/writing-plugins.md). Captions reach the model as
embeddings of a registered text encoder (``encoder`` option): the data set embeds its captions, and
`condition_for` embeds the ``--text`` a user gives.
"""

import torch
from torch import nn

from gankit import GankitError
from gankit.model import GANModel
from gankit.registry import get_registry
from gankit.text import encode

OPTIONS = {  # name: (default, help) — registered in __init__.py, settable with `gankit train NAME -o name=value`
    "image_size": (32, "output size in pixels (32 only in this template)"),
    "channels": (3, "3 (RGB)"),
    "encoder": ("hashed", "registered text encoder of the captions"),
    "latent_dim": (64, "size of the normal latent z"),
    "width": (32, "network width"),
}
DATASET = "shapes"  # the built-in data set `gankit train NAME` uses without --data (captioned shapes)
TRAIN_DEFAULTS = {"batch_size": 32, "lr_g": 2e-4, "lr_d": 2e-4}
DEFAULT_TEXT = "a large red circle on a blue background"


class Generator(nn.Module):
    """(z, caption embedding) → images (N, 3, 32, 32) in [-1, 1]."""

    def __init__(self, latent_dim: int, text_dim: int, width: int) -> None:
        super().__init__()
        self.text = nn.Linear(text_dim, latent_dim)
        self.net = nn.Sequential(
            nn.ConvTranspose2d(2 * latent_dim, width * 4, 4, 1, 0), nn.BatchNorm2d(width * 4), nn.ReLU(True),  # 4x4
            nn.ConvTranspose2d(width * 4, width * 2, 4, 2, 1), nn.BatchNorm2d(width * 2), nn.ReLU(True),  # 8x8
            nn.ConvTranspose2d(width * 2, width, 4, 2, 1), nn.BatchNorm2d(width), nn.ReLU(True),  # 16x16
            nn.ConvTranspose2d(width, 3, 4, 2, 1), nn.Tanh(),  # 32x32
        )

    def forward(self, z, embedding):
        return self.net(torch.cat([z, self.text(embedding)], 1)[:, :, None, None])


class Discriminator(nn.Module):
    """(image, caption embedding) → one logit: image features, plus their match with the caption (projection)."""

    def __init__(self, text_dim: int, width: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, width, 4, 2, 1), nn.LeakyReLU(0.2, True),  # 16x16
            nn.Conv2d(width, width * 2, 4, 2, 1), nn.BatchNorm2d(width * 2), nn.LeakyReLU(0.2, True),  # 8x8
            nn.Conv2d(width * 2, width * 4, 4, 2, 1), nn.BatchNorm2d(width * 4), nn.LeakyReLU(0.2, True),  # 4x4
            nn.Flatten(),
        )
        self.out = nn.Linear(width * 4 * 16, 1)
        self.text = nn.Linear(text_dim, width * 4 * 16, bias=False)

    def forward(self, x, embedding):
        h = self.body(x)
        return self.out(h).squeeze(1) + (self.text(embedding) * h).sum(1) / h.shape[1] ** 0.5


class Model(GANModel):
    """Batches are (images, caption embeddings, labels); samples follow ``--text`` (default: one caption)."""

    task = "text-to-image"

    def __init__(self, options: dict) -> None:
        super().__init__(options)
        if options["image_size"] != 32 or options["channels"] != 3:
            raise GankitError("this model draws 32x32 RGB images (-o image_size=32 -o channels=3); add layers for others")
        encoder = get_registry().text_encoder(options["encoder"])
        encoder.check_installed()
        self.latent_shape = (options["latent_dim"],)
        self.generator = Generator(options["latent_dim"], encoder.dims, options["width"])
        self.discriminator = Discriminator(encoder.dims, options["width"])

    def split_batch(self, batch):
        return batch[0], batch[1]  # images at image_size, caption embeddings

    def condition_for(self, seeds, inputs):
        return encode(self.options["encoder"], [inputs.get("text", DEFAULT_TEXT)] * len(seeds))
