"""Voxel data from files: ``.npy``/``.npz`` arrays, ``.binvox`` grids and meshes (``.off``, ``.obj``, ``.stl``)
voxelized on load; a folder of them is a data set, labelled by class folder as in ModelNet10/40
(``<class>/train/*.off``, ``<class>/test/*.off``).

Every grid becomes (1, S, S, S) float32 occupancy in [0, 1] at the model's ``grid_size``: arrays and binvox grids
of another size are resampled (trilinear, as occupancies), meshes are centred, scaled so that their longest side
spans S - 2 voxels, voxelized by trimesh and filled. A file that cannot be used raises a one-line error naming it.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from gankit.errors import GankitError

ARRAY_SUFFIXES = (".npy", ".npz")
MESH_SUFFIXES = (".off", ".obj", ".stl")
SUFFIXES = (*ARRAY_SUFFIXES, ".binvox", *MESH_SUFFIXES)
SPLITS = ("train", "test")


def read_grids(path: Path, size: int) -> np.ndarray:
    """Every grid in one file as (K, S, S, S) float32 in [0, 1]; a one-line error naming the file otherwise."""
    suffix = path.suffix.lower()
    if suffix in ARRAY_SUFFIXES:
        grids = np.concatenate([resample(g, size) for g in _array_grids(path)])  # arrays may differ in size
    elif suffix == ".binvox":
        from gankit_plugins.voxel.binvox import read_binvox

        grids = read_binvox(path)[0][None]
        _check_cubic(path, grids)
    elif suffix in MESH_SUFFIXES:
        grids = voxelize(path, size)[None]
    else:
        raise GankitError(f"{path}: not a voxel file (read: {', '.join(SUFFIXES)})")
    grids = resample(grids.astype(np.float32), size)
    empty = [i for i, g in enumerate(grids) if not (g >= 0.5).any()]
    if empty:
        which = "" if len(grids) == 1 else f" (grid {empty[0]} of {len(grids)})"
        raise GankitError(f"{path}: empty grid{which}: no voxel is occupied at {size}^3")
    return grids


def _array_grids(path: Path) -> list[np.ndarray]:
    try:
        loaded = np.load(path, allow_pickle=False)
        if hasattr(loaded, "files"):  # .npz: every array in it
            with loaded:
                arrays = [loaded[k] for k in loaded.files]
        else:
            arrays = [loaded]
    except (OSError, ValueError, EOFError) as exc:
        raise GankitError(f"{path}: cannot read the array ({exc})") from None
    if not arrays:
        raise GankitError(f"{path}: the archive holds no arrays")
    grids = []
    for array in arrays:
        if array.dtype.kind not in "biuf":
            raise GankitError(f"{path}: grids must be numbers or booleans, got dtype {array.dtype}")
        if array.size == 0:
            raise GankitError(f"{path}: an empty array {tuple(array.shape)} holds no grid")
        if array.ndim == 5 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim == 3:
            array = array[None]
        _check_cubic(path, array)
        grids.append(array.astype(np.float32))
    for array in grids:
        if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
            raise GankitError(f"{path}: occupancies must lie in [0, 1] (found {np.nanmin(array):.3g} to "
                              f"{np.nanmax(array):.3g}, or NaN); save 0/1 or probabilities")
    return grids


def _check_cubic(path: Path, grids: np.ndarray) -> None:
    if grids.ndim != 4 or not grids.shape[1] == grids.shape[2] == grids.shape[3] or grids.shape[1] < 2:
        raise GankitError(f"{path}: expected cubic grids shaped (S, S, S), (N, S, S, S) or (N, 1, S, S, S); "
                          f"got {tuple(grids.shape if grids.ndim != 4 or len(grids) > 1 else grids.shape[1:])}")


def resample(grids: np.ndarray, size: int) -> np.ndarray:
    """(K, S, S, S) → (K, size, size, size), trilinear (occupancies stay in [0, 1])."""
    if grids.shape[-1] == size:
        return grids
    x = F.interpolate(torch.from_numpy(grids)[:, None], size=(size,) * 3, mode="trilinear", align_corners=False)
    return x[:, 0].numpy()


def voxelize(path: Path, size: int) -> np.ndarray:
    """A mesh file as a filled (size, size, size) bool grid, centred, its longest side spanning size - 2 voxels."""
    import trimesh

    try:
        mesh = trimesh.load(path, force="mesh", process=False)
    except Exception as exc:  # trimesh raises many kinds (ValueError, KeyError, IndexError, …) on bad files
        raise GankitError(f"{path}: unreadable mesh ({type(exc).__name__}: {exc})") from None
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise GankitError(f"{path}: the mesh has no triangles")
    extent = float(mesh.extents.max())
    if not np.isfinite(extent) or extent <= 0:
        raise GankitError(f"{path}: the mesh is degenerate (zero or non-finite extent)")
    mesh.apply_scale((size - 3) / extent)
    mesh.apply_translation(-mesh.bounds[0])  # voxel centres at 0 … size - 3: size - 2 voxels on the longest side
    matrix = mesh.voxelized(pitch=1.0).fill().matrix
    grid = np.zeros((size,) * 3, dtype=bool)
    part = matrix[tuple(slice(0, size) for _ in range(3))]
    offset = [(size - n) // 2 for n in part.shape]
    grid[tuple(slice(o, o + n) for o, n in zip(offset, part.shape))] = part
    return grid


class VoxelFolder(Dataset):
    """Every voxel file under a folder, held in memory as uint8 occupancy; items (grid (1, S, S, S), class index).

    Classes are the first-level folder names (ModelNet: ``<class>/train|test/…``); ``split`` keeps only the files
    under a ``train`` or ``test`` folder when the folder has that layout. Files with several grids give several
    items, all of the file's class. A mesh beside a grid file of the same name (``gankit run voxel --out DIR``
    writes ``0000.npy`` and ``0000.obj``) is the same shape: only the grid is read.
    """

    def __init__(self, folder: Path, size: int, split: str = "train", skip_bad: bool = False) -> None:
        files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
        grid_files = {p.with_suffix("") for p in files if p.suffix.lower() not in MESH_SUFFIXES}
        files = [p for p in files if p.suffix.lower() not in MESH_SUFFIXES or p.with_suffix("") not in grid_files]
        if not files:
            raise GankitError(f"{folder}: no voxel files found (looked for {', '.join(SUFFIXES)}, recursively)")
        if any(split_of(p, folder) for p in files):
            files = [p for p in files if split_of(p, folder) == split]
            if not files:
                raise GankitError(f"{folder}: no files under a {split!r} folder (ModelNet layout <class>/{split}/…)")
        self.classes = sorted({_class_of(p, folder) for p in files} - {""})
        grids, labels, self.skipped = [], [], []
        for path in files:
            try:
                found = read_grids(path, size)
            except GankitError as exc:
                if not skip_bad:
                    raise GankitError(f"{exc}; fix or remove it, or pass --skip-bad") from None
                self.skipped.append(path)
                continue
            grids.append((found * 255).round().astype(np.uint8))
            label = _class_of(path, folder)
            labels += [self.classes.index(label) if label else 0] * len(found)
        if not grids:
            raise GankitError(f"{folder}: no file could be used ({len(self.skipped)} skipped as unreadable, empty or misshaped)")
        if self.skipped:
            warnings.warn(f"skipped {len(self.skipped)} unreadable, empty or misshaped file(s) of {len(files)} in {folder}")
        self.grids = torch.from_numpy(np.concatenate(grids))
        self.labels = labels

    def __len__(self) -> int:
        return len(self.grids)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.grids[index][None].float() / 255, self.labels[index]


def split_of(path: Path, folder: Path) -> str:
    """``train`` or ``test`` if the file lies under a folder of that name below `folder`, else ``""``."""
    parts = path.relative_to(folder).parts[:-1]
    return next((p for p in parts if p in SPLITS), "")


def _class_of(path: Path, folder: Path) -> str:
    parts = path.relative_to(folder).parts[:-1]
    return parts[0] if parts and parts[0] not in SPLITS else ""


def load_folder(folder: Path, options: dict[str, Any], skip_bad: bool = False, split: str = "train") -> VoxelFolder:
    """``--data FOLDER`` for voxel models, at the model's ``grid_size``."""
    return VoxelFolder(folder, int(options.get("grid_size", 32)), split, skip_bad)
