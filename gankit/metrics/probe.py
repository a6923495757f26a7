"""Linear probe of D's features (DCGAN paper §5.1): how useful are the discriminator's hidden units?

A multinomial logistic regression is trained on D's penultimate-layer features of labelled real samples,
and, for comparison, on their raw values (pixels, voxels); both are scored on held-out samples.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import Dataset

from gankit.errors import GankitError


def collect(dataset: Dataset, indices: list[int]) -> tuple[Tensor, Tensor]:
    items = [dataset[i] for i in indices]
    images = torch.stack([x for x, _ in items])
    labels = torch.as_tensor([int(y) for _, y in items])
    return images, labels


def fit_linear(train_x: Tensor, train_y: Tensor, test_x: Tensor, test_y: Tensor, weight_decay: float = 1e-3) -> float:
    """Standardise, fit logistic regression with L-BFGS (full batch), return held-out accuracy."""
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    xtr, xte = (train_x - mean) / std, (test_x - mean) / std
    classes = int(train_y.max()) + 1
    layer = torch.nn.Linear(xtr.shape[1], classes)
    opt = torch.optim.LBFGS(layer.parameters(), lr=1, max_iter=200, history_size=20, line_search_fn="strong_wolfe")

    def closure() -> Tensor:
        opt.zero_grad()
        loss = F.cross_entropy(layer(xtr), train_y) + weight_decay * layer.weight.square().sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return float((layer(xte).argmax(1) == test_y).float().mean())


@torch.no_grad()
def features_of(model, images: Tensor, batch_size: int = 256) -> Tensor:
    return torch.cat([model.gan.discriminator_features(chunk.to(model.device)).float().cpu() for chunk in images.split(batch_size)])


def probe(model, data: str | None = None, train: int = 5000, test: int = 2000, data_root=None) -> dict:
    """Held-out accuracy of linear classifiers on D's features and on the raw samples (pixels, voxels …);
    `data` defaults to the model's own data set."""
    from gankit.data import load_data

    data = data or model.spec.default_dataset
    if train < 2 or test < 1:
        raise GankitError(f"the probe needs at least 2 training and 1 held-out samples; got --train {train} --test {test}")

    dataset = load_data(data, model.gan.options, data_root, task=model.task_spec)
    if len(dataset) < train + test:
        raise GankitError(f"the data set has {len(dataset)} labelled samples; the probe needs {train + test} (--train + --test)")
    order = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(0)).tolist()  # folders come sorted by class
    train_x, train_y = collect(dataset, order[:train])
    test_x, test_y = collect(dataset, order[train : train + test])
    if len(train_y.unique()) < 2:
        raise GankitError(f"--data {data} has a single label; the probe needs labelled data (e.g. digits, mnist)")
    d_train, d_test = features_of(model, train_x), features_of(model, test_x)
    return {
        "data": data, "train": train, "test": test,
        "discriminator_accuracy": fit_linear(d_train, train_y, d_test, test_y), "discriminator_dims": d_train.shape[1],
        "raw_accuracy": fit_linear(train_x.flatten(1), train_y, test_x.flatten(1), test_y), "raw_dims": train_x[0].numel(),
    }
