"""Train the two shapes attribute readers shipped with the StackGAN plugin (the judges of text-match), and check them.

    python scripts/train_shapes_reader.py                      # both: about 8 minutes on 2 CPU cores
    python scripts/train_shapes_reader.py --judge descriptors  # only the descriptor MLP

``cnn`` is a convolutional network on the pixels; ``descriptors`` an MLP on hand-made descriptors (another
family, so that a generator cannot please one judge's quirks). They read every (colour, shape) pair, the six
that StackGAN never trains on included: a judge must read them too. Held-out pictures are rendered with another
seed; the script prints each attribute's accuracy on them, clean and roughened to look generated (blur, 32×32
passes, colour shifts, mottle, noise), and writes nothing below the 98% bar.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from gankit.images import from_uint8
from gankit_plugins.stackgan.descriptors import descriptors
from gankit_plugins.stackgan.reader import DESCRIPTOR_WEIGHTS, WEIGHTS, DescriptorReader, ShapesReader, read, roughen
from gankit_plugins.stackgan.shapes import ATTRIBUTES, make_shapes


def tensors(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    images, _, labels = make_shapes(n, 64, seed=seed, seen_only=False)
    return from_uint8(images), torch.from_numpy(labels)


def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    got = read(x, model.eval())
    return {k: float((got[k] == y[:, j]).float().mean()) for j, k in enumerate(ATTRIBUTES)}


def save(model: torch.nn.Module, path, result: dict[str, float], start: float, half: bool, rough: dict[str, float]) -> None:
    print("held-out accuracy " + ", ".join(f"{k} {v:.2%}" for k, v in result.items()), flush=True)
    print("held-out, roughened " + ", ".join(f"{k} {v:.2%}" for k, v in rough.items()), flush=True)
    if min(*result.values(), *rough.values()) < 0.98:
        raise SystemExit(f"below the 98% bar: {result}, roughened {rough}; nothing written")
    save_file({k: v.half() if half and v.is_floating_point() else v for k, v in model.state_dict().items()}, str(path))
    print(f"wrote {path} in {time.perf_counter() - start:.0f} s", flush=True)


def update(opt: torch.optim.Optimizer, schedule: torch.optim.lr_scheduler.LRScheduler, loss: torch.Tensor) -> None:
    opt.zero_grad()
    loss.backward()
    opt.step()
    schedule.step()


def train_descriptor_reader(x: torch.Tensor, y: torch.Tensor, iterations: int = 6000, batch: int = 512) -> DescriptorReader:
    """The MLP on descriptors of the training pictures, each also roughened (generated pictures are never clean)."""
    model = DescriptorReader()
    rough = torch.cat([roughen(c, torch.Generator().manual_seed(i)) for i, c in enumerate(x.split(512))])
    features = torch.cat([descriptors(c) for c in torch.cat([x, rough]).split(512)])
    labels = torch.cat([y, y])
    model.mean.copy_(features.mean(0))
    model.std.copy_(features.std(0) + 1e-6)
    standard = (features - model.mean) / model.std
    parameters = [*model.body.parameters(), *model.heads.parameters()]
    opt = torch.optim.Adam(parameters, lr=3e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, iterations)
    model.train()
    for _ in range(iterations):
        idx = torch.randint(len(standard), (batch,))
        h = model.body(standard[idx])
        loss = sum(F.cross_entropy(head(h), labels[idx, j]) for j, head in enumerate(model.heads.values()))
        update(opt, schedule, loss)
    print(f"descriptor reader: loss {loss.item():.4f}", flush=True)
    return model


def train_cnn_reader(x: torch.Tensor, y: torch.Tensor, epochs: int = 4, batch: int = 128) -> ShapesReader:
    train_n = len(x)
    model = ShapesReader()
    generator = torch.Generator().manual_seed(1)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    steps = epochs * (train_n // batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(train_n)
        for i in range(train_n // batch):
            idx = order[i * batch : (i + 1) * batch]
            images = x[idx]
            half = len(idx) // 2  # generated pictures are never clean: half of each batch is roughened
            images = torch.cat([images[:half] + 0.05 * torch.randn_like(images[:half]), roughen(images[half:], generator)])
            logits = model(images)
            loss = sum(F.cross_entropy(logits[k], y[idx, j]) for j, k in enumerate(ATTRIBUTES))
            update(opt, schedule, loss)
        print(f"cnn reader, epoch {epoch + 1}: loss {loss.item():.4f}", flush=True)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--judge", choices=("cnn", "descriptors", "both"), default="both")
    args = parser.parse_args()
    torch.manual_seed(0)
    x, y = tensors(24000, seed=101)
    test_x, test_y = tensors(3000, seed=202)
    rough_x = roughen(test_x, torch.Generator().manual_seed(303))
    if args.judge in ("cnn", "both"):
        start = time.perf_counter()
        model = train_cnn_reader(x, y)
        save(model, WEIGHTS, accuracy(model, test_x, test_y), start, half=True, rough=accuracy(model, rough_x, test_y))
    if args.judge in ("descriptors", "both"):  # fp32: the standardisation's small spreads matter
        start = time.perf_counter()
        model = train_descriptor_reader(x, y)
        save(model, DESCRIPTOR_WEIGHTS, accuracy(model, test_x, test_y), start, half=False,
             rough=accuracy(model, rough_x, test_y))


if __name__ == "__main__":
    main()
