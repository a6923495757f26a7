"""Train the bundled digit judges on rendered digits and report held-out accuracy.

    python scripts/train_digit_classifier.py                 # the CNN: plugins/dcgan/weights/digit-classifier.safetensors
    python scripts/train_digit_classifier.py --judge kernel  # PCA + RBF features + softmax: digit-kernel-classifier.safetensors

Training data: 20,000 digits rendered with seed 1; held-out test: 5,000 with seed 2 (the GAN trains on seed 0).
"""

from __future__ import annotations

import argparse
import time

import torch
from safetensors.torch import save_file

from gankit_plugins.dcgan.classifier import JUDGES, PCA_DIMS, DigitClassifier, KernelDigitClassifier
from gankit_plugins.dcgan.digits import make_digits


def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float(torch.cat([model(c).argmax(1) for c in x.split(500)]).eq(y).float().mean())


def fit_kernel(x: torch.Tensor, y: torch.Tensor, epochs: int) -> KernelDigitClassifier:
    """PCA of the (noised) pixels, RBF frequencies at the median-distance bandwidth, then the softmax head by Adam."""
    model = KernelDigitClassifier()
    noisy = (x + 0.1 * torch.randn_like(x)).flatten(1)
    model.mean.copy_(noisy.mean(0))
    _, _, v = torch.linalg.svd(noisy - model.mean, full_matrices=False)
    model.components.copy_(v[:PCA_DIMS].T)
    projected = (noisy[:2000] - model.mean) @ model.components
    bandwidth = torch.cdist(projected, projected).median()
    model.frequencies.copy_(torch.randn_like(model.frequencies) / bandwidth)
    model.phases.uniform_(0, 2 * torch.pi)
    opt = torch.optim.Adam(model.head.parameters(), lr=1e-2)
    for _ in range(epochs * 5):
        for idx in torch.randperm(len(x)).split(256):
            batch = x[idx] + 0.1 * torch.randn_like(x[idx])
            loss = torch.nn.functional.cross_entropy(model(batch), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return model.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--judge", choices=sorted(JUDGES), default="cnn")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--out", help="default: the shipped file of --judge")
    args = parser.parse_args()
    out = args.out or str(JUDGES[args.judge][1])

    torch.manual_seed(0)
    x, y = make_digits(20000, seed=1)
    x_test, y_test = make_digits(5000, seed=2)
    if args.judge == "kernel":
        start = time.perf_counter()
        model = fit_kernel(x, y, args.epochs)
        acc = accuracy(model, x_test, y_test)
        print(f"held-out accuracy {acc:.4f} ({time.perf_counter() - start:.0f} s)")
        save(model, out, acc)
        return
    model = DigitClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=args.epochs * (len(x) // 128))
    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        for idx in torch.randperm(len(x)).split(128)[: len(x) // 128]:
            batch = x[idx] + 0.1 * torch.randn_like(x[idx])  # a little noise: robust to GAN artefacts
            loss = torch.nn.functional.cross_entropy(model(batch), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        acc = accuracy(model.eval(), x_test, y_test)
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}, held-out accuracy {acc:.4f} ({time.perf_counter() - start:.0f} s)")
    save(model, out, acc)


def save(model: torch.nn.Module, out: str, acc: float) -> None:
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, out, metadata={"heldout_accuracy": f"{acc:.4f}"})
    print(f"wrote {out}: held-out accuracy {acc:.4f}")


if __name__ == "__main__":
    main()
