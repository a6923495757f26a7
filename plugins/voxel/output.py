"""The ``voxel`` task's outputs: meshes (marching cubes), shaded renders, render grids, GIFs, raw arrays.

A sample is an occupancy grid (1, S, S, S) in [0, 1]; ``threshold`` picks the surface. Meshes come from
scikit-image's marching cubes on the grid padded with empty voxels (so closed shapes give closed meshes) and are
written by trimesh (.obj, .stl, .ply); coordinates are in voxels. Renders ray-march the grid (orthographic view,
Lambert shading by the occupancy gradient), no OpenGL needed.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image
from torch import Tensor

from gankit.errors import GankitError
from gankit.images import enlarge, save_gif, save_image
from gankit.io import atomic_path

MESH_SUFFIXES = (".obj", ".stl", ".ply")


def _grids(samples: Tensor) -> np.ndarray:
    arr = samples.detach().float().cpu().numpy()
    if arr.ndim == 4:
        arr = arr[None]
    if arr.ndim != 5 or arr.shape[1] != 1:
        raise GankitError(f"voxel writers take grids shaped (N, 1, S, S, S); got {tuple(arr.shape)}")
    return arr[:, 0]


# -- meshes ----------------------------------------------------------------------------------------
def mesh(grid: np.ndarray, threshold: float = 0.5):
    """The surface of `grid` at `threshold` as a trimesh.Trimesh (empty grids: an error)."""
    import trimesh
    from skimage.measure import marching_cubes

    if not (grid >= threshold).any():
        raise GankitError(f"the grid is empty at --threshold {threshold} (max occupancy {grid.max():.2f}); lower the threshold")
    padded = np.pad(grid, 1)
    verts, faces, normals, _ = marching_cubes(padded, level=threshold)
    return trimesh.Trimesh(verts - 1, faces[:, ::-1], vertex_normals=normals, process=True)


def write_mesh(samples: Tensor, path: Path, columns: int | None = None, threshold: float = 0.5) -> str:
    """All samples in one mesh file, side by side along x."""
    import trimesh

    grids = _grids(samples)
    parts = []
    for i, grid in enumerate(grids):
        part = mesh(grid, threshold)
        part.apply_translation([i * (grid.shape[0] + 4), 0, 0])
        parts.append(part)
    combined = trimesh.util.concatenate(parts)
    _export(combined, path)
    return f"a mesh of {len(grids)} shape(s), {len(combined.faces)} triangles"


def _export(m, path: Path) -> None:
    with atomic_path(path) as tmp:
        m.export(tmp, file_type=path.suffix.lstrip(".").lower())


# -- renders ---------------------------------------------------------------------------------------
def render(grid: np.ndarray, threshold: float = 0.5, size: int = 96, azimuth: float = 35.0, elevation: float = 25.0) -> np.ndarray:
    """A shaded picture (size, size) uint8 of the surface of `grid`, seen from (azimuth, elevation) in degrees."""
    from scipy.ndimage import map_coordinates

    s = grid.shape[0]
    a, e = math.radians(azimuth), math.radians(elevation)
    forward = np.array([-math.cos(e) * math.cos(a), -math.cos(e) * math.sin(a), -math.sin(e)])  # camera looks along it
    right = np.array([-math.sin(a), math.cos(a), 0.0])
    up = np.cross(right, forward)
    half = s * 0.62  # primitives stay within ~0.5 s of the centre; the corners of the grid are cut
    u = np.linspace(-half, half, size)
    steps = np.arange(-s * 0.9, s * 0.9, 0.75)
    pu, pv = np.meshgrid(u, -u)  # image rows go down
    origin = (s - 1) / 2 + pu[..., None] * right + pv[..., None] * up  # (size, size, 3)
    points = origin[:, :, None, :] + steps[None, None, :, None] * forward  # (size, size, depth, 3)
    occ = map_coordinates(grid.astype(np.float32), points.reshape(-1, 3).T, order=1, mode="constant").reshape(size, size, -1)
    inside = occ >= threshold
    hit = inside.any(2)
    first = inside.argmax(2)
    where = np.take_along_axis(points, first[..., None, None].repeat(3, -1), 2)[:, :, 0]  # (size, size, 3)
    gradient = [map_coordinates(g, where.reshape(-1, 3).T, order=1, mode="nearest").reshape(size, size)
                for g in np.gradient(grid.astype(np.float32))]
    normal = -np.stack(gradient, -1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True) + 1e-8
    light = -forward + up * 0.6 + right * 0.3
    light /= np.linalg.norm(light)
    shade = 0.25 + 0.75 * np.clip((normal * light).sum(-1), 0, 1)
    depth = 1 - first / len(steps)
    picture = np.where(hit, 255 * shade * (0.75 + 0.25 * depth), 245)
    return picture.clip(0, 255).astype(np.uint8)


def render_grid(grids: np.ndarray, threshold: float, columns: int | None = None, size: int = 96, azimuth: float = 35.0) -> Image.Image:
    n = len(grids)
    columns = columns or max(1, math.ceil(math.sqrt(n)))
    rows = math.ceil(n / columns)
    canvas = np.full((rows * size, columns * size), 255, np.uint8)
    for i, grid in enumerate(grids):
        r, c = divmod(i, columns)
        canvas[r * size : (r + 1) * size, c * size : (c + 1) * size] = render(grid, threshold, size, azimuth)
    return Image.fromarray(canvas)


# -- the task's writers and preview --------------------------------------------------------------------
def write_renders(samples: Tensor, path: Path, columns: int | None = None, threshold: float = 0.5, scale: int = 1) -> str:
    grids = _grids(samples)
    save_image(enlarge(render_grid(grids, threshold, columns), scale), path)
    return f"renders of {len(grids)} shape(s)"


def write_gif(samples: Tensor, path: Path, columns: int | None = None, threshold: float = 0.5, fps: float = 8,
              turn: float = 0.0, scale: int = 1) -> str:
    """One frame per sample (an interpolation morphing), turning `turn` degrees a frame."""
    grids = _grids(samples)
    frames = [enlarge(Image.fromarray(render(g, threshold, azimuth=35 + i * turn)), scale) for i, g in enumerate(grids)]
    save_gif(frames, path, fps=fps, boomerang=turn == 0)
    return f"an animation of {len(frames)} frames"


def write_folder(samples: Tensor, folder: Path, columns: int | None = None, threshold: float = 0.5, mesh_format: str = "obj") -> str:
    """Per sample: NNNN.npy (occupancy), NNNN.<mesh_format> (surface), NNNN.png (render)."""
    grids = _grids(samples)
    folder.mkdir(parents=True, exist_ok=True)
    empty = 0
    for i, grid in enumerate(grids):
        with atomic_path(folder / f"{i:04d}.npy") as tmp, open(tmp, "wb") as fh:
            np.save(fh, grid[None])
        save_image(Image.fromarray(render(grid, threshold)), folder / f"{i:04d}.png")
        if (grid >= threshold).any():
            _export(mesh(grid, threshold), folder / f"{i:04d}.{mesh_format}")
        else:
            empty += 1
    note = f"; {empty} empty at this threshold (no mesh)" if empty else ""
    return f"{len(grids)} shapes as .npy, .{mesh_format} and .png ({folder.name}/0000.*…){note}"


def write_binvox(samples: Tensor, path: Path, columns: int | None = None, threshold: float = 0.5) -> str:
    """One shape: PATH.binvox; several: PATH-0000.binvox, PATH-0001.binvox, … (occupied at `threshold`)."""
    from gankit_plugins.voxel.binvox import write_binvox as write

    grids = _grids(samples) >= threshold
    paths = [path] if len(grids) == 1 else [path.with_name(f"{path.stem}-{i:04d}.binvox") for i in range(len(grids))]
    for grid, target in zip(grids, paths):
        write(target, grid)
    return f"{len(grids)} shape(s) as binvox ({paths[0].name}{'…' if len(paths) > 1 else ''})"


def preview(samples: Tensor) -> Image.Image:
    """Renders of up to 16 shapes, 8 a row."""
    return render_grid(_grids(samples[:16]), 0.5, columns=8, size=64)
