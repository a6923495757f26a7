"""Time gankit's DCGAN training step against a plain PyTorch loop written from the pytorch/examples DCGAN recipe.

    python benchmarks/train_step.py                       # 64x64 RGB, batch 64, ngf=ndf=64 (the published setting)
    python benchmarks/train_step.py --size 32 --channels 1 --rounds 5 --steps 20
    python benchmarks/train_step.py --device cuda --steps 50 --rounds 5   # also gankit with --amp

On CUDA the reference runs as pytorch/examples does with --cuda (fp32, cuDNN autotuning on); gankit runs as it
trains there by default (fp32, contiguous) and once more with bf16 autocast (`--amp`).

Both run in this process on the same in-memory batches, alternating in rounds so that machine noise hits
both alike; the reported figure is the median step time of each and their ratio (reference / gankit:
above 1 means gankit is faster). Also times `gankit --help` in a fresh process.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import subprocess
import sys
import time

import torch
from torch import nn

from step_timing import compare_steps, prepare_device


# -- the reference: pytorch/examples dcgan/main.py, same architecture, written out plainly --------------------
class RefGenerator(nn.Module):
    def __init__(self, nz: int, ngf: int, nc: int, size: int) -> None:
        super().__init__()
        stages = size.bit_length() - 3  # 64 → 4 stride-2 stages after the 4x4 projection
        width = ngf * 2 ** (stages - 1)
        layers = [nn.ConvTranspose2d(nz, width, 4, 1, 0, bias=False), nn.BatchNorm2d(width), nn.ReLU(True)]
        for _ in range(stages - 1):
            layers += [nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width // 2), nn.ReLU(True)]
            width //= 2
        layers += [nn.ConvTranspose2d(width, nc, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return self.main(x)


class RefDiscriminator(nn.Module):
    def __init__(self, ndf: int, nc: int, size: int) -> None:
        super().__init__()
        stages = size.bit_length() - 3
        layers = [nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
        width = ndf
        for _ in range(stages - 1):
            layers += [nn.Conv2d(width, width * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width * 2), nn.LeakyReLU(0.2, inplace=True)]
            width *= 2
        layers += [nn.Conv2d(width, 1, 4, 1, 0, bias=False), nn.Sigmoid()]
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return self.main(x).view(-1, 1).squeeze(1)


class Reference:
    """One step exactly as pytorch/examples does it: BCELoss on sigmoid outputs, .item() stats every step."""

    def __init__(self, nz: int, ngf: int, ndf: int, nc: int, size: int, device: str = "cpu") -> None:
        self.nz = nz
        self.netG, self.netD = RefGenerator(nz, ngf, nc, size).to(device), RefDiscriminator(ndf, nc, size).to(device)
        self.criterion = nn.BCELoss()
        self.optD = torch.optim.Adam(self.netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.optG = torch.optim.Adam(self.netG.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def step(self, real: torch.Tensor) -> None:
        b = real.size(0)
        self.netD.zero_grad()
        label = torch.full((b,), 1.0, device=real.device)
        output = self.netD(real)
        errD_real = self.criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()
        noise = torch.randn(b, self.nz, 1, 1, device=real.device)
        fake = self.netG(noise)
        label.fill_(0.0)
        output = self.netD(fake.detach())
        errD_fake = self.criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        self.optD.step()
        self.netG.zero_grad()
        label.fill_(1.0)
        output = self.netD(fake)
        errG = self.criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        self.optG.step()
        del D_x, D_G_z1, D_G_z2, errG


# -- the measurement -----------------------------------------------------------------------------------------
def help_time(repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "gankit", "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--width", type=int, default=64, help="ngf = ndf")
    parser.add_argument("--steps", type=int, default=10, help="timed steps per round and side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    args = parser.parse_args()

    from gankit.registry import get_registry
    from gankit.training import TrainConfig

    torch.manual_seed(0)
    data = torch.rand(8 * args.batch_size, args.channels, args.size, args.size) * 2 - 1
    cuda = args.device.startswith("cuda")
    where = prepare_device(args.device)
    ref = Reference(100, args.width, args.width, args.channels, args.size, args.device)
    spec = get_registry().model("dcgan")
    options = {"image_size": args.size, "channels": args.channels, "ngf": args.width, "ndf": args.width}
    config = TrainConfig(batch_size=args.batch_size, ema=False, device=args.device)
    r, g = compare_steps(ref.step, data, spec, spec.build(options), config, args.steps, args.rounds)
    print(f"DCGAN {args.size}x{args.size}x{args.channels}, batch {args.batch_size}, ngf=ndf={args.width}, "
          f"torch {torch.__version__}, {where}")
    print(f"reference (pytorch/examples recipe): {r * 1000:8.2f} ms/step")
    print(f"gankit Trainer.step:                 {g * 1000:8.2f} ms/step")
    print(f"speed-up (reference / gankit):       {r / g:8.2f}x")
    if cuda:
        amp = dataclasses.replace(config, amp=True)
        r_amp, g_amp = compare_steps(ref.step, data, spec, spec.build(options), amp, args.steps, args.rounds)
        print(f"reference, again:                    {r_amp * 1000:8.2f} ms/step")
        print(f"gankit Trainer.step, --amp (bf16):   {g_amp * 1000:8.2f} ms/step")
        print(f"speed-up (reference / gankit --amp): {r_amp / g_amp:8.2f}x")
    print(f"gankit --help:                       {help_time() * 1000:8.0f} ms (median of 5, fresh processes)")


if __name__ == "__main__":
    main()
