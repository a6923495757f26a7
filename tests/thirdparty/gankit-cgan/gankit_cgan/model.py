"""A small class-conditional GAN: G(z, class) and a projection discriminator D(x, class).

The condition is a one-hot class vector (a float tensor), so that `gankit interpolate --label 3 --label 7`
can walk between two classes: G and D embed it with a matrix product, which mixes the classes' embeddings.
"""

import torch
import torch.nn.functional as F
from torch import nn

from gankit import GankitError
from gankit.model import GANModel


class Generator(nn.Module):
    def __init__(self, latent_dim, classes, channels, width):
        super().__init__()
        self.embed = nn.Linear(classes, latent_dim, bias=False)
        self.net = nn.Sequential(
            nn.ConvTranspose2d(latent_dim, width * 4, 4, 1, 0), nn.BatchNorm2d(width * 4), nn.ReLU(True),  # 4x4
            nn.ConvTranspose2d(width * 4, width * 2, 4, 2, 1), nn.BatchNorm2d(width * 2), nn.ReLU(True),  # 8x8
            nn.ConvTranspose2d(width * 2, width, 4, 2, 1), nn.BatchNorm2d(width), nn.ReLU(True),  # 16x16
            nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh(),  # 32x32
        )

    def forward(self, z, one_hot):
        return self.net((z * self.embed(one_hot))[:, :, None, None])


class Discriminator(nn.Module):
    def __init__(self, classes, channels, width):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(width, width * 2, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(width * 2, width * 4, 4, 2, 1), nn.LeakyReLU(0.2, True), nn.Flatten(),
        )
        self.out = nn.Linear(width * 4 * 16, 1)
        self.project = nn.Linear(classes, width * 4 * 16, bias=False)

    def forward(self, x, one_hot):
        h = self.body(x)
        return self.out(h).squeeze(1) + (self.project(one_hot) * h).sum(1) / h.shape[1] ** 0.5


class ConditionalGAN(GANModel):
    """Batches are (images, labels); generated samples are conditioned on the real batch's labels."""

    def __init__(self, options):
        super().__init__(options)
        self.latent_shape = (options["latent_dim"],)
        self.generator = Generator(options["latent_dim"], options["classes"], options["channels"], options["width"])
        self.discriminator = Discriminator(options["classes"], options["channels"], options["width"])

    def one_hot(self, labels):
        return F.one_hot(torch.as_tensor(labels).long(), self.options["classes"]).float()

    def split_batch(self, batch):
        images, labels = batch
        return images, self.one_hot(labels)

    def condition_for(self, seeds, inputs):
        """Every sample of class --label, or else sample i of class seed_i mod classes (seed-stable either way)."""
        classes = self.options["classes"]
        if "label" in inputs:
            if inputs["label"] >= classes:
                raise GankitError(f"--label must be below {classes} (this model has classes 0..{classes - 1}); got {inputs['label']}")
            return self.one_hot([inputs["label"]] * len(seeds))
        return self.one_hot([s % classes for s in seeds])
