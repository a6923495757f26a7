"""Refusing work that cannot fit: an estimate of the bytes needed, checked before the allocation against the
memory this machine has free (a one-line error with both figures, instead of a crash or the OOM killer)."""

from __future__ import annotations

import os

from gankit.errors import GankitError


def free_bytes() -> int:
    """Memory available to a new allocation: ``MemAvailable`` on Linux, else all physical memory."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def readable(nbytes: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if nbytes < 1024 or unit == "TiB":
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    raise AssertionError  # unreachable


def require(nbytes: float, what: str, hint: str) -> None:
    """Raise a one-line error when `what` needs more than the free memory; `hint` says what to do instead."""
    free = free_bytes()
    if nbytes > free:
        raise GankitError(f"{what} takes about {readable(nbytes)}, more than the {readable(free)} of memory free; {hint}")
