"""Data-parallel training under ``torchrun``: process group, ranks, gradient averaging.

Each process trains on its own shard of every step's batches; after each backward pass the gradients of
the network being updated are averaged across processes with one all-reduce (what DDP's reducer does),
so every process applies the same update. Only rank 0 writes files. gloo on CPU, NCCL on CUDA.

GANs call D several times before one backward (real batch, fake batch, then again for G), which
`DistributedDataParallel`'s wrapper does not allow without changing BatchNorm's per-batch statistics;
averaging gradients explicitly keeps the single-process semantics.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist
from torch import nn


def world() -> tuple[int, int]:
    """(rank, world size); (0, 1) outside torchrun."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def setup(device_name: str) -> str:
    """Join the process group when launched by torchrun; returns the device this rank should use."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or not dist.is_available():
        return device_name
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = device_name in ("auto", "cuda") and torch.cuda.is_available()
    if not dist.is_initialized():
        dist.init_process_group("nccl" if use_cuda else "gloo")
    if use_cuda:
        torch.cuda.set_device(local_rank)
        return f"cuda:{local_rank}"
    return device_name


def average_gradients(module: nn.Module) -> None:
    """Average `module`'s gradients across processes in one flat all-reduce."""
    rank, size = world()
    if size == 1:
        return
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= size
    offset = 0
    for g in grads:
        g.copy_(flat[offset : offset + g.numel()].view_as(g))
        offset += g.numel()


def average_buffers(module: nn.Module) -> None:
    """Average `module`'s floating-point buffers (BatchNorm running statistics) across processes in one all-reduce,
    so that no process's statistics drift from the others' (DDP broadcasts rank 0's for the same reason)."""
    if world()[1] == 1:
        return
    buffers = [b for b in module.buffers() if b.is_floating_point()]
    if buffers:
        flat = torch.cat([b.reshape(-1) for b in buffers])
        dist.all_reduce(flat)
        flat /= world()[1]
        torch._foreach_copy_(buffers, [part.view_as(b) for part, b in zip(flat.split([b.numel() for b in buffers]), buffers)])


def gather(tensor: torch.Tensor) -> list[torch.Tensor]:
    """Every process's `tensor` (same shape and dtype everywhere), in rank order; ``[tensor]`` outside torchrun."""
    if world()[1] == 1:
        return [tensor]
    parts = [torch.empty_like(tensor) for _ in range(world()[1])]
    dist.all_gather(parts, tensor)
    return parts


def any_process(flags: torch.Tensor) -> torch.Tensor:
    """Element-wise OR of boolean `flags` over all processes, so that every process decides alike."""
    if world()[1] == 1:
        return flags
    merged = flags.to(torch.int32)
    dist.all_reduce(merged, op=dist.ReduceOp.MAX)
    return merged.bool()


def broadcast_module(module: nn.Module) -> None:
    """Make every process hold rank 0's parameters and buffers."""
    if world()[1] > 1:
        for tensor in list(module.parameters()) + list(module.buffers()):
            dist.broadcast(tensor.data, src=0)


def barrier() -> None:
    if world()[1] > 1:
        dist.barrier()


def shutdown() -> None:
    """Leave the process group. A process that exits still in it can abort at interpreter exit (gloo's worker
    threads outlive Python), which torchrun reports as a failed run."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
