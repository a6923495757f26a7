"""G: latent → 1-D transposed convolutions → waveform in [-1, 1]. D mirrors it with strided convolutions."""

import math

from torch import nn

from gankit import GankitError
from gankit.model import GANModel


class SignalGAN(GANModel):
    def __init__(self, options):
        super().__init__(options)
        length, nz, w = options["length"], options["latent_dim"], options["width"]
        if length & (length - 1):
            raise GankitError(f"length must be a power of two, got {length}")
        stages = int(math.log2(length)) - 4  # from 16 samples up
        self.latent_shape = (nz,)
        layers = [nn.Linear(nz, w * 16), nn.Unflatten(1, (w, 16)), nn.ReLU(True)]
        for _ in range(stages):
            layers += [nn.ConvTranspose1d(w, w, 4, 2, 1), nn.BatchNorm1d(w), nn.ReLU(True)]
        self.generator = nn.Sequential(*layers, nn.Conv1d(w, 1, 5, padding=2), nn.Tanh())
        layers = [nn.Conv1d(1, w, 5, padding=2), nn.LeakyReLU(0.2, True)]
        for _ in range(stages):
            layers += [nn.Conv1d(w, w, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        self.discriminator = nn.Sequential(*layers, nn.Flatten(), nn.Linear(w * 16, 1))
