"""Atomic file writing: a file is either its old self or completely new, never half-written."""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success fsync it, rename it over `path` and fsync the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}{TMP_SUFFIX}"
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # writers that replace the file (safetensors) may leave it 0600
        os.replace(tmp, path)
        _fsync_folder(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


TMP_SUFFIX = ".tmp"
TMP_NAME = re.compile(r"\..+\.[0-9a-f]{12}\.tmp")


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable: fsync the folder that holds it (where the OS allows opening folders)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temporaries(*folders: Path) -> int:
    """Delete the temporaries of `atomic_path` (``.NAME.<12 hex>.tmp``) that killed writes left in `folders` (not
    below); call it only while no other process writes there (a trainer holding the run lock). Returns how many."""
    removed = 0
    for folder in folders:
        for tmp in folder.glob(f".*{TMP_SUFFIX}"):
            if TMP_NAME.fullmatch(tmp.name):
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                    removed += 1
    return removed


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def cache_dir(*parts: str) -> Path:
    """gankit's cache folder (``$GANKIT_CACHE``, default ``~/.cache/gankit``), created on demand."""
    path = Path(os.environ.get("GANKIT_CACHE") or Path.home() / ".cache" / "gankit").joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def cached_arrays(name: str, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The numpy arrays cached as ``datasets/NAME`` (.npz) in `cache_dir`: made by `make()` and written atomically
    the first time (rendered data sets: deterministic, so the file stands for the call)."""
    import numpy as np

    path = cache_dir("datasets") / name
    if path.is_file():
        with np.load(path, allow_pickle=False) as saved:
            return {key: saved[key] for key in saved.files}
    arrays = make()
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    return arrays


def _umask() -> int:
    """The process umask, read without changing it (``os.umask`` can only set it, racing other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            return next(int(line.split()[1], 8) for line in fh if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError, IndexError):
        return 0o022
