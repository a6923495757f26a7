"""Train the shapes attribute reader shipped with the StackGAN plugin (the judge of text-match), and check it.

    python scripts/train_shapes_reader.py        # about 4 minutes on 2 CPU cores

It reads every (colour, shape) pair, the six that StackGAN never trains on included: a judge must read them too.
Held-out pictures are rendered with another seed; the script prints each attribute's accuracy (the bar is 98%).
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from gankit_plugins.stackgan.reader import WEIGHTS, ShapesReader, read
from gankit_plugins.stackgan.shapes import ATTRIBUTES, make_shapes


def tensors(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    images, _, labels = make_shapes(n, 64, seed=seed, seen_only=False)
    return torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1), torch.from_numpy(labels)


def main(train_n: int = 24000, test_n: int = 3000, epochs: int = 4, batch: int = 128) -> None:
    torch.manual_seed(0)
    start = time.perf_counter()
    x, y = tensors(train_n, seed=101)
    test_x, test_y = tensors(test_n, seed=202)
    model = ShapesReader()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    steps = epochs * (train_n // batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(train_n)
        for i in range(train_n // batch):
            idx = order[i * batch : (i + 1) * batch]
            images = x[idx]
            images = images + 0.05 * torch.randn_like(images)  # generated pictures are never quite clean
            logits = model(images)
            loss = sum(F.cross_entropy(logits[k], y[idx, j]) for j, k in enumerate(ATTRIBUTES))
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
        model.eval()
        got = read(test_x, model)
        accuracy = {k: float((got[k] == test_y[:, j]).float().mean()) for j, k in enumerate(ATTRIBUTES)}
        print(f"epoch {epoch + 1}: loss {float(loss):.4f}, held-out accuracy "
              + ", ".join(f"{k} {v:.2%}" for k, v in accuracy.items()), flush=True)
    save_file({k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}, str(WEIGHTS))
    print(f"wrote {WEIGHTS} in {time.perf_counter() - start:.0f} s")
    assert min(accuracy.values()) >= 0.98, accuracy


if __name__ == "__main__":
    main()
