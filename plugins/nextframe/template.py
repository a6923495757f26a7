"""Networks of this plugin: a small next-frame predictor — k context frames in, the next frame out — trained
adversarially with an ℓ1 term (one scale of Mathieu et al. 2016's multi-scale model).

Written by `gankit new-plugin --task next-frame-video`; change freely. gankit's trainer, sampler and CLI talk to
the model only through `gankit.model.GANModel` (docs/writing-plugins.md). There is no latent: a sample is a
clip rolled out from a context (``--image``, ``--video``, or a stored training example).
"""

import torch
import torch.nn.functional as F
from torch import nn

from gankit import GankitError
from gankit.losses import bce_generator_loss
from gankit.model import GANModel

OPTIONS = {  # name: (default, help) — registered in __init__.py, settable with `gankit train NAME -o name=value`
    "image_size": (32, "frame size in pixels"),
    "channels": (1, "1 (grayscale) or 3 (RGB)"),
    "context": (4, "context frames the prediction reads"),
    "width": (32, "network width"),
    "l1_weight": (1.0, "weight of the l1 distance to the true frame in G's loss"),
}
DATASET = "bouncing"  # the built-in data set `gankit train NAME` uses without --data (16-frame sequences)
TRAIN_DEFAULTS = {"batch_size": 16, "lr_g": 2e-4, "lr_d": 2e-4}
EXAMPLES = 8  # training contexts kept for previews and for `gankit run` without --image/--video


def conv_net(cin: int, cout: int, width: int) -> nn.Sequential:
    """Same-size convolutions: (N, cin, H, W) → (N, cout, H, W)."""
    return nn.Sequential(nn.Conv2d(cin, width, 3, padding=1), nn.LeakyReLU(0.2, True),
                         nn.Conv2d(width, width, 3, padding=1), nn.LeakyReLU(0.2, True), nn.Conv2d(width, cout, 3, padding=1))


class Model(GANModel):
    """Batches are whole sequences (N, L, C, H, W); training cuts k context frames and the next one from them."""

    task = "next-frame-video"
    latent_shape = None

    def __init__(self, options: dict) -> None:
        super().__init__(options)
        k, c, size = options["context"], options["channels"], options["image_size"]
        if k < 1:
            raise GankitError(f"-o context must be at least 1, got {k}")
        self.generator = nn.Sequential(conv_net(k * c, c, options["width"]), nn.Tanh())
        self.discriminator = nn.Sequential(nn.Conv2d((k + 1) * c, options["width"], 4, 2, 1), nn.LeakyReLU(0.2, True),
                                           conv_net(options["width"], 1, options["width"]))
        self.generator.register_buffer("examples", torch.zeros(EXAMPLES, k, c, size, size))

    def split_batch(self, batch):
        seq = batch[0] if isinstance(batch, (tuple, list)) else batch
        k = self.options["context"]
        start = int(torch.randint(seq.shape[1] - k, ()))
        return seq[:, start + k], seq[:, start : start + k]

    def prepare(self, dataset) -> None:
        k = self.options["context"]
        items = [dataset[i * max(1, len(dataset) // EXAMPLES) % len(dataset)] for i in range(EXAMPLES)]
        self.generator.examples.copy_(torch.stack([(s[0] if isinstance(s, (tuple, list)) else s)[:k] for s in items]))

    def generate(self, latent, condition):
        """The next frame from context frames (N, k, C, H, W); clamped to [-1, 1] outside training."""
        frame = self.generator(condition.flatten(1, 2))
        return frame if self.training else frame.clamp(-1, 1)

    def discriminate(self, x, condition):
        return self.discriminator(torch.cat([condition.flatten(1, 2), x], 1)).flatten(1).mean(1)

    def generator_loss(self, D, real, fake, condition):
        loss, stats = bce_generator_loss(D(fake, condition))
        l1 = F.l1_loss(fake, real)
        return loss + self.options["l1_weight"] * l1, {**stats, "l1": l1.detach()}

    # -- sampling: contexts from the task's inputs, then a roll-out --------------------------------------------
    def default_count(self, inputs) -> int:
        return 1 if "image" in inputs or "video" in inputs else EXAMPLES

    def condition_for(self, seeds, inputs):
        from gankit_plugins.nextframe.video import read_clip, read_still

        k, size, c = self.options["context"], self.options["image_size"], self.options["channels"]
        if "image" in inputs:
            still = read_still(inputs["image"], size, c)[0]
            context = still.expand(k, *still.shape)
        elif "video" in inputs:
            clip = read_clip(inputs["video"], size, c)[0]
            if len(clip) < k:
                raise GankitError(f"--video {inputs['video']}: {len(clip)} frame(s); this model needs at least {k}")
            context = clip[-k:]
        else:
            return self.generator.examples[[s % EXAMPLES for s in seeds]].clone()
        return context.expand(len(seeds), *context.shape).clone()

    @torch.no_grad()
    def sample(self, seeds, inputs, truncation=1.0):
        """Clips (N, k + frames, C, H, W): the context, then ``--frames`` predicted frames (default 16)."""
        start = context = self.condition_for(seeds, inputs).to(self.generator.examples.device)
        frames = []
        for _ in range(int(inputs.get("frames", 16))):
            frames.append(self.generate(None, context))
            context = torch.cat([context[:, 1:], frames[-1][:, None]], 1)
        return torch.cat([start, torch.stack(frames, 1)], 1)
