"""The ``.binvox`` voxel format (Patrick Min's binvox, used by ShapeNet's voxelizations): reader and writer.

A text header, then run-length-encoded occupancy (see ``docs/voxels.md``)::

    #binvox 1
    dim D D D
    translate tx ty tz
    scale s
    data
    <value byte><count byte> …          # runs of 0/1, count 1..255, covering D³ voxels

Voxels run with x slowest, then z, then y fastest. `read_binvox` returns the grid indexed ``[x, y, z]`` in the
mesh's coordinates, as gankit's grids are (renders put z up); `write_binvox` takes the same. Only numpy: no torch, no third-party reader.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gankit.errors import GankitError
from gankit.io import atomic_path


def read_binvox(path: str | Path) -> tuple[np.ndarray, tuple[float, float, float], float]:
    """(occupancy bool [x, y, z], translate, scale) of a ``.binvox`` file; a one-line error if it is not one."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        dims, translate, scale, start = _header(raw)
    except (ValueError, IndexError, KeyError, UnicodeDecodeError) as exc:
        raise GankitError(f"{path}: not a binvox file ({exc})") from None
    runs = np.frombuffer(raw[start:], dtype=np.uint8)
    if len(runs) % 2:
        raise GankitError(f"{path}: truncated binvox data (odd number of run bytes)")
    values, counts = runs[0::2], runs[1::2]
    if values.max(initial=0) > 1:
        raise GankitError(f"{path}: binvox runs must hold 0 or 1, found {int(values.max())}")
    total = int(np.prod(dims))
    if int(counts.sum(dtype=np.int64)) != total:
        raise GankitError(f"{path}: binvox data covers {int(counts.sum(dtype=np.int64))} voxels, the header says {total}")
    flat = np.repeat(values.astype(bool), counts)
    grid = flat.reshape(dims[0], dims[2], dims[1]).transpose(0, 2, 1)  # stored x, z, y → x, y, z
    return np.ascontiguousarray(grid), translate, scale


def _header(raw: bytes) -> tuple[tuple[int, int, int], tuple[float, float, float], float, int]:
    end = raw.index(b"data\n") + len(b"data\n")
    lines = raw[:end].decode("ascii").split("\n")
    if not lines[0].startswith("#binvox"):
        raise ValueError("no '#binvox' first line")
    fields = {line.split()[0]: line.split()[1:] for line in lines[1:] if line.strip() and line.strip() != "data"}
    d, h, w = (int(v) for v in fields["dim"])
    translate = tuple(float(v) for v in fields.get("translate", ("0", "0", "0")))
    scale = float(fields.get("scale", ("1",))[0])
    if min(d, h, w) < 1:
        raise ValueError(f"dimensions {d} {h} {w}")
    return (d, h, w), translate, scale, end  # type: ignore[return-value]


def write_binvox(path: str | Path, grid: np.ndarray, translate: tuple[float, float, float] = (0.0, 0.0, 0.0),
                 scale: float = 1.0) -> None:
    """Write a boolean [x, y, z] grid as ``.binvox`` (atomically)."""
    grid = np.asarray(grid, dtype=bool)
    if grid.ndim != 3:
        raise GankitError(f"binvox holds one 3D grid; got an array of shape {tuple(grid.shape)}")
    flat = grid.transpose(0, 2, 1).reshape(-1).astype(np.uint8)  # x, y, z → stored x, z, y
    change = np.flatnonzero(np.diff(flat)) + 1
    starts = np.concatenate([[0], change])
    lengths = np.diff(np.concatenate([starts, [len(flat)]]))
    values, counts = [], []
    for value, length in zip(flat[starts], lengths):
        full, rest = divmod(int(length), 255)
        values += [value] * (full + (rest > 0))
        counts += [255] * full + ([rest] if rest else [])
    data = np.empty(2 * len(values), dtype=np.uint8)
    data[0::2], data[1::2] = values, counts
    header = (f"#binvox 1\ndim {grid.shape[0]} {grid.shape[1]} {grid.shape[2]}\n"
              f"translate {translate[0]} {translate[1]} {translate[2]}\nscale {scale}\ndata\n").encode("ascii")
    with atomic_path(Path(path)) as tmp:
        tmp.write_bytes(header + data.tobytes())
