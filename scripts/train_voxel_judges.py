"""Train the two primitive classifiers shipped with the voxel plugin (the judges of generated shapes), and check them.

    python scripts/train_voxel_judges.py                  # both: about 35 minutes on 2 CPU cores
    python scripts/train_voxel_judges.py --only cnn       # one of them (cnn, descriptors; the descriptor MLP
                                                          # alone draws other random numbers than in a full run)

Both learn the `primitives` train split at 32³, half of each batch roughened to look generated
(`classifier.roughen`), and are scored on its held-out `test` split (another seed stream), clean and roughened;
the bar is 97% each on clean shapes, 85% on roughened ones. Each also reports its ceiling as a judge of samples:
the share of clean held-out shapes it reads with p ≥ 0.9 (no model's samples can be read more surely than real
ones). The CNN's weights are stored in fp16, the descriptor MLP's (with its standardisation) in fp32.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from gankit_plugins.voxel.classifier import (CNN_WEIGHTS, DESCRIPTOR_WEIGHTS, DescriptorClassifier, VoxelClassifier,
                                             binary_grids, roughen)
from gankit_plugins.voxel.descriptors import descriptors
from gankit_plugins.voxel.primitives import CLASSES, Primitives


BAR, ROUGH_BAR = 0.97, 0.85
ROUGH = torch.Generator().manual_seed(1)


def tensors(n: int, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    data = Primitives(n, 32, split)
    items = [data[i] for i in range(n)]
    return torch.stack([x for x, _ in items]), torch.tensor([y for _, y in items])


@torch.no_grad()
def held_out(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, threshold: float = 0.9) -> tuple[float, float]:
    """(accuracy on `x`, the share of `x` read with probability ≥ `threshold`, right or wrong), in one pass."""
    model.eval()
    top, label = torch.cat([model(c).softmax(1) for c in x.split(256)]).max(1)
    return float((label == y).float().mean()), float((top >= threshold).float().mean())


def train_cnn(x: torch.Tensor, y: torch.Tensor, test_x: torch.Tensor, test_y: torch.Tensor, epochs: int = 9,
              batch: int = 64) -> VoxelClassifier:
    model = VoxelClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=epochs * (len(x) // batch))
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x))
        for i in range(len(x) // batch):
            idx = order[i * batch: (i + 1) * batch]
            grids = torch.cat([x[idx[: batch // 2]], roughen(x[idx[batch // 2:]], ROUGH)])
            flips = [d for d in (2, 3, 4) if torch.rand(()) < 0.5]  # mirror images are the same primitives
            loss = F.cross_entropy(model(grids.flip(flips) if flips else grids), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
        right, sure = held_out(model, test_x, test_y)
        print(f"cnn epoch {epoch + 1}: loss {loss.item():.4f}, held-out accuracy {right:.2%}, read with p >= 0.9 {sure:.1%}",
              flush=True)
    return model


def train_descriptor_mlp(x: torch.Tensor, y: torch.Tensor, test_x: torch.Tensor, test_y: torch.Tensor,
                         iterations: int = 3000) -> DescriptorClassifier:
    model = DescriptorClassifier()
    x, y = torch.cat([x, roughen(x, ROUGH)]), torch.cat([y, y])
    features = torch.cat([descriptors(binary_grids(c)) for c in x.split(128)])
    model.mean.copy_(features.mean(0))
    model.std.copy_(features.std(0) + 1e-6)
    standard = (features - model.mean) / model.std
    opt = torch.optim.Adam(model.mlp.parameters(), lr=3e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, iterations)
    model.train()
    for i in range(iterations):
        idx = torch.randint(len(x), (512,))
        loss = F.cross_entropy(model.mlp(standard[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
    right, sure = held_out(model, test_x, test_y)
    print(f"descriptor MLP: loss {loss.item():.4f}, held-out accuracy {right:.2%}, read with p >= 0.9 {sure:.1%}", flush=True)
    return model


def main(only: list[str], train_n: int = 12000, test_n: int = 1000) -> None:
    torch.manual_seed(0)
    start = time.perf_counter()
    x, y = tensors(train_n, "train")
    test_x, test_y = tensors(test_n, "test")
    print(f"{train_n} training and {test_n} held-out primitives ({', '.join(CLASSES)}) in {time.perf_counter() - start:.0f} s")
    rough_x = roughen(test_x, torch.Generator().manual_seed(2))
    trainers = {"cnn": train_cnn, "descriptors": train_descriptor_mlp}
    judges = {name: trainers[name](x, y, test_x, test_y) for name in only}
    scores = {name: (*held_out(m, test_x, test_y), held_out(m, rough_x, test_y)[0]) for name, m in judges.items()}
    report = "; ".join(f"{name} {clean:.2%} clean, {rough:.2%} roughened, reads {sure:.1%} of clean shapes with p >= 0.9"
                       for name, (clean, sure, rough) in scores.items())
    if any(clean < BAR or rough < ROUGH_BAR for clean, _, rough in scores.values()):
        raise SystemExit(f"below the bars ({BAR:.0%} clean, {ROUGH_BAR:.0%} roughened): {report}; nothing written")
    CNN_WEIGHTS.parent.mkdir(parents=True, exist_ok=True)
    if "cnn" in judges:
        save_file({k: v.half() if v.is_floating_point() else v for k, v in judges["cnn"].state_dict().items()}, str(CNN_WEIGHTS))
    if "descriptors" in judges:
        save_file(dict(judges["descriptors"].state_dict()), str(DESCRIPTOR_WEIGHTS))
    print(f"wrote the {' and '.join(judges)} judge, held-out: {report} ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", type=lambda s: s.split(","), default=["cnn", "descriptors"], metavar="JUDGE,JUDGE",
                        help="train only these judges (cnn, descriptors); the others' shipped weights stay")
    args = parser.parse_args()
    unknown = set(args.only) - {"cnn", "descriptors"}
    if unknown:
        parser.error(f"--only: unknown judges {', '.join(sorted(unknown))}; give cnn and/or descriptors")
    main(args.only)
