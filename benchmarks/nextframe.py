"""Next-frame GAN speed: roll-out frames/s (batch 1 and 32), and gankit's training step against a plain PyTorch
loop of the same networks and losses.

    python benchmarks/nextframe.py                     # 32x32 grayscale, k = 4, the plugin's default widths
    python benchmarks/nextframe.py --size 64 --rounds 5

The plain loop builds the same multi-scale G and D, computes the same losses (per-scale BCE for D; 0.05 ×
adversarial + ℓ1 + GDL at every scale for G) with the usual hand-written steps, and reads its losses with
``.item()`` every step, as such loops do. Both train on the same in-memory sequences, alternating in rounds so
that machine noise hits both alike; the figure is each side's median step time and their ratio (plain / gankit:
above 1 means gankit is faster). EMA is off on both sides.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from step_timing import compare_steps


class PlainLoop:
    """One training step written out by hand over the plugin's networks."""

    def __init__(self, gan) -> None:
        from gankit_plugins.nextframe.model import gradient_difference_loss, pyramid

        self.G, self.D, self.k = gan.generator, gan.discriminator, gan.context
        self.pyramid, self.gdl = pyramid, gradient_difference_loss
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=5e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def step(self, seq: torch.Tensor) -> None:
        start = int(torch.randint(seq.shape[1] - self.k, ()))
        context, target = seq[:, start : start + self.k], seq[:, start + self.k]
        preds = self.G(context)
        fake = preds[-1]
        real_logits, fake_logits = self.D(target, context), self.D(fake.detach(), context)
        d_loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                  + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
        self.opt_d.zero_grad()
        d_loss.backward()
        self.opt_d.step()
        targets = self.pyramid(target)
        lp = sum((p - t).abs().mean() for p, t in zip(preds, targets)) / len(preds)
        gdl = sum(self.gdl(p, t) for p, t in zip(preds, targets)) / len(preds)
        adv_logits = self.D(fake, context)
        g_loss = 0.05 * F.binary_cross_entropy_with_logits(adv_logits, torch.ones_like(adv_logits)) + lp + gdl
        self.opt_g.zero_grad()
        g_loss.backward()
        self.opt_g.step()
        d_loss.item(), g_loss.item()


@torch.no_grad()
def rollout_fps(gan, batch: int, frames: int, size: int, repeats: int) -> float:
    context = torch.rand(batch, gan.context, 1, size, size) * 2 - 1
    gan.rollout(context, 2)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        gan.rollout(context, frames)
        times.append(time.perf_counter() - start)
    return batch * frames / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per round and side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--frames", type=int, default=16, help="frames per roll-out")
    args = parser.parse_args()

    from gankit.registry import get_registry
    from gankit.specs import resolve_options
    from gankit.training import TrainConfig

    spec = get_registry().model("nextframe")
    options = resolve_options(spec.options, {"image_size": args.size}, "nextframe")
    torch.manual_seed(0)
    data = torch.rand(8 * args.batch_size, 16, 1, args.size, args.size) * 2 - 1
    plain = PlainLoop(spec.build(options))
    gan = spec.build(options)
    config = TrainConfig(**{**spec.train_defaults, "batch_size": args.batch_size, "ema": False})
    p, g = compare_steps(plain.step, data, spec, gan, config, args.steps, args.rounds)
    gan.eval()
    print(f"nextframe {args.size}x{args.size}x1, k={gan.context}, ngf={options['ngf']}, ndf={options['ndf']}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"training step, batch {args.batch_size}:")
    print(f"  plain PyTorch loop:        {p * 1000:8.1f} ms/step")
    print(f"  gankit Trainer.step:       {g * 1000:8.1f} ms/step")
    print(f"  speed-up (plain / gankit): {p / g:8.2f}x")
    print(f"roll-out of {args.frames} frames (no grad):")
    for batch in (1, 32):
        print(f"  batch {batch:2d}: {rollout_fps(gan, batch, args.frames, args.size, args.rounds):8.0f} frames/s")


if __name__ == "__main__":
    main()
