"""Train the bundled face attribute readers on ``faces`` and report held-out accuracy per attribute.

    python scripts/train_face_reader.py                  # the CNN: plugins/dcgan/weights/face-reader.safetensors
    python scripts/train_face_reader.py --reader descriptors  # gradient histograms and colours per cell → an MLP

Training data: 20,000 faces drawn with seed 1; held-out test: 5,000 with seed 2 (the GAN trains on seed 0).
"""

from __future__ import annotations

import argparse
import time

import torch
from safetensors.torch import save_file

from gankit_plugins.dcgan.face_reader import READERS, SIZES, DescriptorFaceReader, FaceReader, Reader, hand_features
from gankit_plugins.dcgan.faces import ATTRIBUTES, make_faces

NOISE = 0.1  # pixel noise's largest standard deviation is 1.5 × this


def augment(x: torch.Tensor) -> torch.Tensor:
    """What generated faces get wrong, so that the readers read them as faces: blur (half the batch), a colour cast
    and noise, each of random strength."""
    from torchvision.transforms.v2.functional import gaussian_blur

    n = len(x)
    blurred = gaussian_blur(x, [5, 5], [float(torch.empty(1).uniform_(0.4, 1.3))])
    x = torch.where(torch.rand(n, 1, 1, 1) < 0.5, blurred, x)
    x = x + torch.empty(n, 3, 1, 1).uniform_(-0.06, 0.06)
    return x + torch.rand(n, 1, 1, 1) * 1.5 * NOISE * torch.randn_like(x)


def accuracies(model: Reader, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    read = model.eval().read(x)
    return {name: float(read[name].eq(y[:, i]).float().mean()) for i, name in enumerate(ATTRIBUTES)}


def fit(model: Reader, x: torch.Tensor, y: torch.Tensor, epochs: int, lr: float, batch: int = 128) -> None:
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr * 3, total_steps=epochs * (len(x) // batch))
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(x)).split(batch)[: len(x) // batch]:
            loss = model.loss(augment(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()


def fit_descriptors(model: DescriptorFaceReader, x: torch.Tensor, y: torch.Tensor, epochs: int, copies: int = 2) -> None:
    """The MLP on the descriptors of `copies` augmented versions of every face (computed once: they are fixed)."""
    with torch.no_grad():
        features = torch.cat([hand_features(augment(c)) for _ in range(copies) for c in x.split(500)])
    model.mean.copy_(features.mean(0))
    model.scale.copy_(features.std(0) + 1e-2)
    features, labels = (features - model.mean) / model.scale, y.repeat(copies, 1)
    opt = torch.optim.Adam(model.mlp.parameters(), lr=1e-3, weight_decay=1e-4)
    model.train()
    for _ in range(epochs):
        for idx in torch.randperm(len(features)).split(128):
            logits = model.mlp(features[idx]).split(SIZES, dim=1)
            loss = sum(torch.nn.functional.cross_entropy(part, labels[idx, i]) for i, part in enumerate(logits))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reader", choices=sorted(READERS), default="cnn")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", help="default: the shipped file of --reader")
    args = parser.parse_args()
    out = args.out or str(READERS[args.reader][1])

    torch.manual_seed(0)
    x, y = make_faces(20000, seed=1)
    x_test, y_test = make_faces(5000, seed=2)
    start = time.perf_counter()
    if args.reader == "descriptors":
        model: Reader = DescriptorFaceReader()
        fit_descriptors(model, x, y, args.epochs * 4)
    else:
        model = FaceReader()
        fit(model, x, y, args.epochs, lr=1e-3)
    acc = accuracies(model, x_test, y_test)
    print(f"held-out accuracy ({time.perf_counter() - start:.0f} s): "
          + ", ".join(f"{name} {value:.4f}" for name, value in acc.items()))
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items() if "num_batches" not in k}
    save_file(state, out, metadata={"held_out_accuracy": ",".join(f"{n}={a:.4f}" for n, a in acc.items()),
                                    "command": f"python scripts/train_face_reader.py --reader {args.reader}"})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
