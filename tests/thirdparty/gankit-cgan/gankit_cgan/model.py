"""A small class-conditional GAN: G(z, label) and a projection discriminator D(x, label)."""

import torch
from torch import nn

from gankit.model import GANModel


class Generator(nn.Module):
    def __init__(self, latent_dim, classes, channels, width):
        super().__init__()
        self.embed = nn.Embedding(classes, latent_dim)
        self.net = nn.Sequential(
            nn.ConvTranspose2d(latent_dim, width * 4, 4, 1, 0), nn.BatchNorm2d(width * 4), nn.ReLU(True),  # 4x4
            nn.ConvTranspose2d(width * 4, width * 2, 4, 2, 1), nn.BatchNorm2d(width * 2), nn.ReLU(True),  # 8x8
            nn.ConvTranspose2d(width * 2, width, 4, 2, 1), nn.BatchNorm2d(width), nn.ReLU(True),  # 16x16
            nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh(),  # 32x32
        )

    def forward(self, z, labels):
        return self.net((z * self.embed(labels))[:, :, None, None])


class Discriminator(nn.Module):
    def __init__(self, classes, channels, width):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(width, width * 2, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(width * 2, width * 4, 4, 2, 1), nn.LeakyReLU(0.2, True), nn.Flatten(),
        )
        self.out = nn.Linear(width * 4 * 16, 1)
        self.project = nn.Embedding(classes, width * 4 * 16)

    def forward(self, x, labels):
        h = self.body(x)
        return self.out(h).squeeze(1) + (self.project(labels) * h).sum(1) / h.shape[1] ** 0.5


class ConditionalGAN(GANModel):
    """Batches are (images, labels); generated samples are conditioned on the real batch's labels."""

    def __init__(self, options):
        super().__init__(options)
        self.latent_shape = (options["latent_dim"],)
        self.generator = Generator(options["latent_dim"], options["classes"], options["channels"], options["width"])
        self.discriminator = Discriminator(options["classes"], options["channels"], options["width"])

    def split_batch(self, batch):
        images, labels = batch
        return images, labels

    def default_condition(self, n):
        return torch.arange(n) % self.options["classes"]
