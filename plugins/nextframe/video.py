"""Reading clips and stills, writing predicted videos: the ``next-frame-video`` task's readers, writers, preview.

A sample of this task is a clip (T, C, H, W) in [-1, 1]; a batch is (N, T, C, H, W). GIF, MP4 and folder
outputs show the N clips side by side in every frame; a PNG shows one clip per row, frame after frame.
MP4 (and reading .mp4/.avi/.mov/.webm) needs the ``video`` extra: imageio with its own ffmpeg.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageSequence, UnidentifiedImageError
from torch import Tensor

from gankit.errors import GankitError
from gankit.data import IMAGE_SUFFIXES
from gankit.images import as_8bit, enlarge, grid, save_gif, save_image
from gankit.io import atomic_path

FFMPEG_SUFFIXES = {".mp4", ".avi", ".mov", ".webm", ".mkv"}
VIDEO_SUFFIXES = {".gif", *FFMPEG_SUFFIXES}
FRAME_SUFFIXES = IMAGE_SUFFIXES - VIDEO_SUFFIXES
"""What a folder of frames holds (a .gif inside a folder is a clip of its own)."""
VIDEO_EXTRA = 'pip install "gankit[video]"'


# -- reading ---------------------------------------------------------------------------------------
def is_clip(path: Path) -> bool:
    """A video file, or a folder of frames (images directly inside it)."""
    if path.is_dir():
        return any(p.suffix.lower() in FRAME_SUFFIXES for p in path.iterdir())
    return path.suffix.lower() in VIDEO_SUFFIXES


def read_frames(path: Path) -> np.ndarray:
    """Every frame of a clip as (T, H, W, 3) uint8: a .gif, a video file, or a folder of frames sorted by name."""
    try:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in FRAME_SUFFIXES)
            if not files:
                raise GankitError(f"{path}: no frames in this folder (looked for {', '.join(sorted(FRAME_SUFFIXES))})")
            frames = [np.asarray(as_8bit(Image.open(f))) for f in files]
            if len({f.shape for f in frames}) > 1:
                raise GankitError(f"{path}: its frames differ in size; give frames of one size")
            return np.stack(frames)
        suffix = path.suffix.lower()
        if suffix == ".gif":
            with Image.open(path) as im:
                return np.stack([np.asarray(as_8bit(frame)) for frame in ImageSequence.Iterator(im)])
        if suffix in FFMPEG_SUFFIXES:
            return _read_ffmpeg(path)
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise GankitError(f"cannot read video {path}: {exc}") from None
    raise GankitError(f"{path}: not a video; give a {', '.join(sorted(VIDEO_SUFFIXES))} file or a folder of frames")


def _read_ffmpeg(path: Path) -> np.ndarray:
    try:
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401  (the ffmpeg binary imageio uses)
    except ImportError:
        raise GankitError(f"reading {path.suffix} files needs the video extra: {VIDEO_EXTRA}") from None
    try:
        with imageio.get_reader(path, format="FFMPEG") as reader:
            frames = [np.asarray(frame)[..., :3] for frame in reader]
    except (OSError, RuntimeError, IndexError, StopIteration) as exc:
        raise GankitError(f"cannot read video {path}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    if not frames:
        raise GankitError(f"cannot read video {path}: it holds no frames")
    return np.stack(frames)


def to_clip(frames: np.ndarray, size: int, channels: int) -> Tensor:
    """(T, H, W, 3) uint8 → (T, channels, size, size) in [-1, 1]: shorter side resized, centre-cropped."""
    from torchvision.transforms.v2 import functional as TF

    x = torch.from_numpy(np.array(frames, copy=True)).permute(0, 3, 1, 2).float() / 255
    if channels == 1:
        x = (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    if x.shape[-2:] != (size, size):
        x = TF.center_crop(TF.resize(x, size, antialias=True), [size, size])
    return (x * 2 - 1).clamp(-1, 1)


def read_clip(path: Path, size: int, channels: int) -> tuple[Tensor, list[str]]:
    """A clip at the model's size and channels, and notes on what was converted."""
    frames = read_frames(path)
    return to_clip(frames, size, channels), _conversion_notes(path, frames.shape[1:3], frames, size, channels)


def read_still(path: Path, size: int, channels: int) -> tuple[Tensor, list[str]]:
    """One picture as (channels, size, size) in [-1, 1], and notes on what was converted."""
    try:
        with Image.open(path) as im:
            mode = im.mode
            frame = np.asarray(as_8bit(im))[None]
    except (OSError, UnidentifiedImageError, SyntaxError) as exc:
        raise GankitError(f"cannot read image {path}: {exc}") from None
    gray = mode in ("L", "1", "LA", "I", "I;16", "F")
    return to_clip(frame, size, channels)[0], _conversion_notes(path, frame.shape[1:3], None if gray else frame, size, channels)


def _conversion_notes(path: Path, hw: tuple, rgb: np.ndarray | None, size: int, channels: int) -> list[str]:
    notes = []
    if tuple(hw) != (size, size):
        notes.append(f"{path.name}: resized from {hw[1]}x{hw[0]} to {size}x{size} (shorter side, centre crop)")
    coloured = rgb is not None and not (np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]))
    if channels == 1 and coloured:
        notes.append(f"{path.name}: converted from colour to grayscale")
    return notes


# -- writing -----------------------------------------------------------------------------------------
def _frames(clips: Tensor, scale: int) -> list[Image.Image]:
    """One picture per time step: the N clips side by side."""
    clips = _batch(clips)
    return [enlarge(grid(clips[:, t], nrow=len(clips), padding=0 if len(clips) == 1 else 2), scale)
            for t in range(clips.shape[1])]


def _clips(clips: Tensor) -> str:
    n = len(_batch(clips))
    return f"{n} clip" + ("s" if n > 1 else "")


def _batch(clips: Tensor) -> Tensor:
    if clips.dim() == 4:
        clips = clips[None]
    if clips.dim() != 5:
        raise GankitError(f"a video writer takes clips shaped (N, T, C, H, W); got {tuple(clips.shape)}")
    return clips


def write_gif(clips: Tensor, path: Path, columns: int | None = None, fps: float = 8, scale: int = 2) -> str:
    frames = _frames(clips, scale)
    save_gif(frames, path, fps=fps, boomerang=False)
    return f"a GIF of {len(frames)} frames ({_clips(clips)} side by side)"


def write_mp4(clips: Tensor, path: Path, columns: int | None = None, fps: float = 8, scale: int = 2) -> str:
    try:
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        raise GankitError(f"writing .mp4 needs the video extra: {VIDEO_EXTRA}; or write a .gif") from None
    frames = [np.asarray(f.convert("RGB")) for f in _frames(clips, scale)]
    h, w = (-(-d // 16) * 16 for d in frames[0].shape[:2])  # H.264 wants sizes divisible by 16 (macro blocks)
    frames = [np.pad(f, ((0, h - f.shape[0]), (0, w - f.shape[1]), (0, 0))) for f in frames]
    with atomic_path(path) as tmp:
        encoded = tmp.with_name(tmp.name + ".mp4")  # ffmpeg picks the container by suffix
        try:
            with imageio.get_writer(encoded, format="FFMPEG", mode="I", fps=fps, codec="libx264", pixelformat="yuv420p",
                                    macro_block_size=16) as writer:
                for frame in frames:
                    writer.append_data(frame)
            os.replace(encoded, tmp)
        finally:
            encoded.unlink(missing_ok=True)
    return f"an MP4 of {len(frames)} frames ({_clips(clips)} side by side)"


def write_frames(clips: Tensor, folder: Path, columns: int | None = None, scale: int = 2) -> str:
    files = [save_image(frame, folder / f"{t:04d}.png") for t, frame in enumerate(_frames(clips, scale))]
    return f"{len(files)} frames ({files[0].name} … {files[-1].name})"


def write_strip(clips: Tensor, path: Path, columns: int | None = None, scale: int = 2) -> str:
    clips = _batch(clips)
    save_image(enlarge(strip(clips), scale), path)
    return f"{_clips(clips)} of {clips.shape[1]} frames, one per row"


def strip(clips: Tensor) -> Image.Image:
    """One row per clip, its frames left to right."""
    n, t = clips.shape[:2]
    return grid(clips.reshape(n * t, *clips.shape[2:]), nrow=t)


def preview(clips: Tensor) -> Image.Image:
    """Up to 8 clips, one per row: the context frames, then the predicted ones."""
    return strip(_batch(clips)[:8].float())

