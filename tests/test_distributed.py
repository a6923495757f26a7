"""Data-parallel training under torchrun (gloo on CPU): gradients averaged, one writer, resumable."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import torch
import torch.multiprocessing as mp

from tests.conftest import TINY, run_gankit


def _average_worker(rank: int, port: int, results) -> None:
    import torch.distributed as dist

    from gankit import distributed

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    layer = torch.nn.Linear(3, 2)
    for p in layer.parameters():
        p.grad = torch.full_like(p, float(rank + 1))  # rank 0: 1, rank 1: 2
    distributed.average_gradients(layer)
    norm = torch.nn.BatchNorm1d(2)
    norm.running_mean.fill_(rank + 1)
    distributed.average_buffers(norm)
    streams = distributed.gather(torch.full((3,), rank, dtype=torch.uint8))
    results[rank] = [float(p.grad.unique()) for p in layer.parameters()] + [float(norm.running_mean.unique())] + [
        int(t.unique()) for t in streams]
    dist.destroy_process_group()


def test_gradients_and_batchnorm_statistics_are_averaged_across_processes():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    results = mp.Manager().dict()
    mp.spawn(_average_worker, args=(port, results), nprocs=2, join=True)
    assert results[0] == results[1] == [1.5, 1.5, 1.5, 0, 1]  # grads, running mean, gathered per-rank values


def torchrun(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           "-m", "gankit", *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})


def test_torchrun_trains_writes_once_and_resumes_every_process_exactly(tmp_path):
    """Rank 0 alone writes; each process's random stream is saved and restored: 4 steps + resume to 6 equals 6
    steps straight."""
    from safetensors.torch import load_file

    common = ["--log-every", 2, "--checkpoint-every", 2, "--quiet", "--no-ema", *TINY]
    straight = torchrun("train", "dcgan", "--out", tmp_path / "a", "--steps", 6, *common)
    assert straight.returncode == 0, straight.stderr[-2000:]
    first = torchrun("train", "dcgan", "--out", tmp_path / "b", "--steps", 4, *common)
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.stdout.count("trained model written") == 1
    steps = [json.loads(line)["step"] for line in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert steps == [2, 4]  # rank 0 alone logs
    resumed = torchrun("train", "dcgan", "--out", tmp_path / "b", "--resume", "--steps", 6, "--quiet")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert json.loads((tmp_path / "b" / "config.json").read_text())["training"]["steps"] == 6
    assert run_gankit("run", tmp_path / "b", "--n", 4, "--out", tmp_path / "grid.png").returncode == 0
    a, b = (load_file(str(tmp_path / run / "checkpoint.safetensors")) for run in "ab")
    assert a.keys() == b.keys() and "rng.cpu.rank1" in a
    different = [k for k in a if k.startswith(("G.", "D.")) and not torch.equal(a[k], b[k])]
    assert not different, different[:5]
