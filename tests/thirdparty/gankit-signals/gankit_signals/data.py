"""``sines``: sums of one to three sine waves at 8 pitches, deterministic in their index; and the spectrum metric."""

import math

import torch
from torch.utils.data import TensorDataset

PERIODS = (4, 6, 8, 11, 16, 22, 32, 45)  # in samples
SIZE = 4096


def make_sines(count: int, length: int, seed: int = 0) -> torch.Tensor:
    """(count, 1, length) signals in [-1, 1]."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(length, dtype=torch.float32)
    out = torch.zeros(count, 1, length)
    for i in range(count):
        parts = int(torch.randint(1, 4, (1,), generator=g))
        for _ in range(parts):
            period = PERIODS[int(torch.randint(len(PERIODS), (1,), generator=g))]
            phase = float(torch.rand(1, generator=g)) * 2 * math.pi
            out[i, 0] += torch.sin(2 * math.pi * t / period + phase) / parts
        out[i] *= 0.5 + 0.5 * float(torch.rand(1, generator=g))
    return out.clamp(-1, 1)


def load(options: dict, root=None) -> TensorDataset:
    signals = make_sines(SIZE, options["length"])
    return TensorDataset(signals, torch.zeros(SIZE, dtype=torch.long))


def mean_spectrum(signals: torch.Tensor) -> torch.Tensor:
    spectrum = torch.fft.rfft(signals.float().flatten(1)).abs().mean(0)
    return spectrum / spectrum.sum()


def spectrum_distance(model, data: str, n: int, seed: int, data_root=None) -> dict:
    """How far the samples' mean magnitude spectrum is from the data's (0: the same; 2: disjoint)."""
    from gankit.data import load_data

    length = model.gan.options["length"]
    real = load_data(data, {"length": length}, data_root).tensors[0][:n]
    fake = model.generate(min(n, len(real)), seed=seed)
    return {"spectrum_l1": float((mean_spectrum(real) - mean_spectrum(fake)).abs().sum())}
