"""3D-GAN speed: gankit's training step against a plain PyTorch 3D-GAN loop of the same networks, the
channels-last-3d memory format, sampling shapes/s, and marching cubes + render time per shape.

    python benchmarks/voxel.py                      # 32³, the plugin's default widths, batch 32
    python benchmarks/voxel.py --size 64 --rounds 5
    python benchmarks/voxel.py --device cuda --steps 50 --rounds 5   # both sides on the GPU

The plain loop is the paper's step as reimplementations write it: BCE for D on real and fake, D's batch accuracy
read with ``.item()`` and D updated only while it is ≤ 80%, then the non-saturating G step, losses read with
``.item()``. Both sides train on the same in-memory primitives, alternating in rounds so that machine noise hits
both alike; the figure is each side's median step time and their ratio (plain / gankit: above 1 means gankit is
faster). EMA is off on both sides. The plain loop runs twice, contiguous and channels-last-3d, to show whether
that memory format helps 3D convolutions on this machine, and so does gankit (the voxel task turns it on; gankit
uses it on CPU only, so on CUDA both of gankit's lines are contiguous).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from gankit.devices import pick_device
from step_timing import compare_steps, prepare_device, synchronize


class PlainLoop:
    """One 3D-GAN training step written out by hand over the plugin's networks."""

    def __init__(self, gan, config, memory_format: torch.memory_format = torch.contiguous_format) -> None:
        self.G, self.D, self.latent_dim, self.format = gan.generator, gan.discriminator, gan.latent_shape[0], memory_format
        device = pick_device(config.device)
        self.G.to(device, memory_format=memory_format)
        self.D.to(device, memory_format=memory_format)
        self.threshold = config.d_accuracy_threshold
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=config.lr_g, betas=(config.beta1, config.beta2))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=config.lr_d, betas=(config.beta1, config.beta2))

    def step(self, real: torch.Tensor) -> None:
        real = real.contiguous(memory_format=self.format)
        fake = self.G(torch.randn(len(real), self.latent_dim, device=real.device))
        real_logits, fake_logits = self.D(real), self.D(fake.detach())
        d_loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                  + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
        accuracy = ((real_logits > 0).float().mean() + (fake_logits < 0).float().mean()) / 2
        if accuracy.item() <= self.threshold:
            self.opt_d.zero_grad()
            d_loss.backward()
            self.opt_d.step()
        adv_logits = self.D(fake)
        g_loss = F.binary_cross_entropy_with_logits(adv_logits, torch.ones_like(adv_logits))
        self.opt_g.zero_grad()
        g_loss.backward()
        self.opt_g.step()
        d_loss.item(), g_loss.item()


def generator_device(gan) -> torch.device:
    return next(gan.generator.parameters()).device


@torch.no_grad()
def shapes_per_second(gan, batch: int, repeats: int) -> float:
    device = generator_device(gan)
    z = torch.randn(batch, gan.latent_shape[0], device=device)
    gan.generator(z)  # warm-up
    times = []
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        gan.generator(z)
        synchronize(device)
        times.append(time.perf_counter() - start)
    return batch / statistics.median(times)


def mesh_and_render_ms(grids: np.ndarray) -> tuple[float, float]:
    from gankit_plugins.voxel.output import mesh, render

    mesh(grids[0]), render(grids[0])  # warm-up (imports)
    start = time.perf_counter()
    for grid in grids:
        mesh(grid)
    meshing = (time.perf_counter() - start) / len(grids)
    start = time.perf_counter()
    for grid in grids:
        render(grid)
    return meshing * 1000, (time.perf_counter() - start) / len(grids) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per round and side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    args = parser.parse_args()

    from gankit.registry import get_registry
    from gankit.specs import resolve_options
    from gankit.training import TrainConfig
    from gankit_plugins.voxel.primitives import Primitives

    spec = get_registry().model("voxel")
    options = resolve_options(spec.options, {"grid_size": args.size}, "voxel")
    prims = Primitives(4 * args.batch_size, args.size)
    data = torch.stack([prims[i][0] for i in range(len(prims))])
    config = TrainConfig(**{**spec.train_defaults, "batch_size": args.batch_size, "ema": False, "device": args.device})
    where = prepare_device(args.device)
    torch.manual_seed(0)
    plain = PlainLoop(spec.build(options), config)
    gan = spec.build(options)
    p, g = compare_steps(plain.step, data, spec, gan, config, args.steps, args.rounds)
    torch.manual_seed(0)
    last = PlainLoop(spec.build(options), config, torch.channels_last_3d)
    c, g_contiguous = compare_steps(last.step, data, spec, spec.build(options), dataclasses.replace(config, channels_last=False),
                                    args.steps, args.rounds)
    print(f"voxel {args.size}^3, ngf={options['ngf']}, ndf={options['ndf']}, latent {options['latent_dim']}, "
          f"torch {torch.__version__}, {where}")
    print(f"training step, batch {args.batch_size}:")
    print(f"  plain PyTorch loop:                {p * 1000:8.1f} ms/step")
    print(f"  plain loop, channels-last-3d:      {c * 1000:8.1f} ms/step")
    print(f"  gankit Trainer.step:               {g * 1000:8.1f} ms/step")
    print(f"  gankit Trainer.step, contiguous:   {g_contiguous * 1000:8.1f} ms/step")
    print(f"  speed-up (plain / gankit):         {p / g:8.2f}x")
    print(f"  speed-up (plain cl-3d / gankit):   {c / g:8.2f}x")
    print(f"  channels-last-3d, plain (contiguous / cl):  {p / c:5.2f}x")
    print(f"  channels-last-3d, gankit (contiguous / cl): {g_contiguous / g:5.2f}x")
    gan.eval()
    print("sampling (no grad):")
    for batch in (1, 32):
        print(f"  batch {batch:2d}: {shapes_per_second(gan, batch, args.rounds * 3):8.1f} shapes/s")
    grids, which = sample_grids(gan, args.size, 16)
    meshing, rendering = mesh_and_render_ms(grids)
    print(f"per shape ({len(grids)} {which} samples, threshold 0.5):")
    print(f"  marching cubes (scikit-image) + trimesh: {meshing:6.1f} ms")
    print(f"  shaded render 96x96:                     {rendering:6.1f} ms")


def sample_grids(gan, size: int, n: int) -> tuple[np.ndarray, str]:
    """Samples of the bundled weights when they are at this size (meshes of real shapes), else of `gan`."""
    import gankit
    from gankit.errors import GankitError

    try:
        model = gankit.load("voxel", device="cpu")
        if model.gan.options["grid_size"] == size:
            return model.generate(n, seed=0)[:, 0].float().numpy(), "bundled-weight"
    except GankitError:  # no bundled weights in this checkout
        pass
    with torch.no_grad():
        z = torch.randn(n, gan.latent_shape[0], device=generator_device(gan))
        return gan.generator(z)[:, 0].float().cpu().numpy(), "untrained"


if __name__ == "__main__":
    main()
