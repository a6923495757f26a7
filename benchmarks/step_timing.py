"""What the training-step benchmarks share: time a plain loop and gankit's Trainer on the same data, fairly."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

import torch
from torch.utils.data import TensorDataset


def timed(step: Callable, batches: list, steps: int) -> float:
    """Mean seconds per call of `step` over `steps` calls, cycling through `batches`."""
    start = time.perf_counter()
    for i in range(steps):
        step(batches[i % len(batches)])
    return (time.perf_counter() - start) / steps


def compare_steps(reference_step: Callable, data: torch.Tensor, spec, gan, config, steps: int, rounds: int) -> tuple[float, float]:
    """Median step time of `reference_step` and of gankit's `Trainer.step` on batches of `data`, alternating in
    rounds so that machine noise hits both alike (after two warm-up steps each)."""
    from gankit.training import Trainer, batches

    ref_batches = list(data.split(config.batch_size))
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(gan, spec, TensorDataset(data), config, Path(tmp), "benchmark", None)
        stream = batches(trainer.dataset, config, 0, pin=False)
        ours = [next(stream) for _ in range(8)]
        for _ in range(2):  # warm-up
            reference_step(ref_batches[0])
            trainer.step(ours[0])
        ref_times, our_times = [], []
        for _ in range(rounds):
            ref_times.append(timed(reference_step, ref_batches, steps))
            our_times.append(timed(trainer.step, ours, steps))
            trainer.check_finite()  # the per-log-interval sync gankit really does
    return statistics.median(ref_times), statistics.median(our_times)
