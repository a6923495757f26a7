"""Train the two primitive classifiers shipped with the voxel plugin (the judges of generated shapes), and check them.

    python scripts/train_voxel_judges.py        # about 10 minutes on 2 CPU cores

Both learn the `primitives` train split at 32³ and are scored on its held-out `test` split (another seed stream);
the bar is 97% each. The CNN's weights are stored in fp16, the descriptor MLP's (with its standardisation) in fp32.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from gankit_plugins.voxel.classifier import (CNN_WEIGHTS, DESCRIPTOR_WEIGHTS, DescriptorClassifier, VoxelClassifier,
                                             binary_grids)
from gankit_plugins.voxel.descriptors import descriptors
from gankit_plugins.voxel.primitives import CLASSES, Primitives


BAR = 0.97


def tensors(n: int, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    data = Primitives(n, 32, split)
    items = [data[i] for i in range(n)]
    return torch.stack([x for x, _ in items]), torch.tensor([y for _, y in items])


@torch.no_grad()
def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    return float((torch.cat([model(c) for c in x.split(256)]).argmax(1) == y).float().mean())


def train_cnn(x: torch.Tensor, y: torch.Tensor, test_x: torch.Tensor, test_y: torch.Tensor, epochs: int = 3,
              batch: int = 64) -> tuple[VoxelClassifier, float]:
    model = VoxelClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=epochs * (len(x) // batch))
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x))
        for i in range(len(x) // batch):
            idx = order[i * batch: (i + 1) * batch]
            flips = [d for d in (2, 3, 4) if torch.rand(()) < 0.5]  # mirror images are the same primitives
            loss = F.cross_entropy(model(x[idx].flip(flips) if flips else x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
        print(f"cnn epoch {epoch + 1}: loss {loss.item():.4f}, held-out accuracy {accuracy(model, test_x, test_y):.2%}", flush=True)
    return model, accuracy(model, test_x, test_y)


def train_descriptor_mlp(x: torch.Tensor, y: torch.Tensor, test_x: torch.Tensor, test_y: torch.Tensor,
                         iterations: int = 3000) -> tuple[DescriptorClassifier, float]:
    model = DescriptorClassifier()
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
    result = accuracy(model, test_x, test_y)
    print(f"descriptor MLP: loss {loss.item():.4f}, held-out accuracy {result:.2%}", flush=True)
    return model, result


def main(train_n: int = 12000, test_n: int = 1000) -> None:
    torch.manual_seed(0)
    start = time.perf_counter()
    x, y = tensors(train_n, "train")
    test_x, test_y = tensors(test_n, "test")
    print(f"{train_n} training and {test_n} held-out primitives ({', '.join(CLASSES)}) in {time.perf_counter() - start:.0f} s")
    cnn, cnn_accuracy = train_cnn(x, y, test_x, test_y)
    mlp, mlp_accuracy = train_descriptor_mlp(x, y, test_x, test_y)
    if min(cnn_accuracy, mlp_accuracy) < BAR:
        raise SystemExit(f"below the {BAR:.0%} bar (CNN {cnn_accuracy:.2%}, descriptors {mlp_accuracy:.2%}); nothing written")
    CNN_WEIGHTS.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.half() if v.is_floating_point() else v for k, v in cnn.state_dict().items()}, str(CNN_WEIGHTS))
    save_file(dict(mlp.state_dict()), str(DESCRIPTOR_WEIGHTS))
    print(f"wrote {CNN_WEIGHTS.name} (held-out {cnn_accuracy:.2%}) and {DESCRIPTOR_WEIGHTS.name} "
          f"(held-out {mlp_accuracy:.2%}) in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
