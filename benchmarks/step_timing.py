"""What the training-step benchmarks share: time a plain loop and gankit's Trainer on the same data, fairly."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

import torch
from torch.utils.data import TensorDataset


def prepare_device(name: str) -> str:
    """Turn cuDNN autotuning on for CUDA (pytorch/examples and gankit's Trainer do) and say where steps run."""
    cuda = name.startswith("cuda")
    torch.backends.cudnn.benchmark = cuda
    return torch.cuda.get_device_name(name) if cuda else f"{torch.get_num_threads()} threads"


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (CUDA runs asynchronously), so that a timer reads finished work."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(step: Callable, batches: list, steps: int, device: torch.device = torch.device("cpu")) -> float:
    """Mean seconds per call of `step` over `steps` calls, cycling through `batches`."""
    synchronize(device)
    start = time.perf_counter()
    for i in range(steps):
        step(batches[i % len(batches)])
    synchronize(device)
    return (time.perf_counter() - start) / steps


def compare_steps(reference_step: Callable, data: torch.Tensor, spec, gan, config, steps: int, rounds: int) -> tuple[float, float]:
    """Median step time of `reference_step` and of gankit's `Trainer.step` on batches of `data` (on
    ``config.device``, where both sides find their batches), alternating in rounds so that machine noise hits both
    alike (after warm-up steps: cuDNN picks its algorithms in the first ones)."""
    from gankit.training import Trainer, batches

    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(gan, spec, TensorDataset(data), config, Path(tmp), "benchmark", None)
        device = trainer.device
        data = data.to(device)
        ref_batches = list(data.split(config.batch_size))
        stream = batches(TensorDataset(data), config, 0, pin=False)
        ours = [next(stream) for _ in range(8)]
        for i in range(2 if device.type == "cpu" else 10):  # warm-up
            reference_step(ref_batches[i % len(ref_batches)])
            trainer.step(ours[i % len(ours)])
        ref_times, our_times = [], []
        for _ in range(rounds):
            ref_times.append(timed(reference_step, ref_batches, steps, device))
            our_times.append(timed(trainer.step, ours, steps, device))
            trainer.check_finite()  # the per-log-interval sync gankit really does
    return statistics.median(ref_times), statistics.median(our_times)
