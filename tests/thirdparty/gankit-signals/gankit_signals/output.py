"""Writing signals: WAV files (16-bit mono, with the standard library's `wave`), arrays, and line-plot previews."""

import math
import wave
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from gankit.images import save_image
from gankit.io import atomic_path


def _pcm(signals) -> np.ndarray:
    return (signals.detach().float().cpu().clamp(-1, 1).numpy() * 32767).round().astype("<i2")


def _save_wav(pcm: np.ndarray, path: Path, rate: int) -> None:
    with atomic_path(path) as tmp:
        with wave.open(str(tmp), "wb") as fh:
            fh.setnchannels(1)
            fh.setsampwidth(2)
            fh.setframerate(rate)
            fh.writeframes(pcm.tobytes())


def write_wav(signals, path: Path, columns=None, rate: int = 8000, gap: float = 0.1) -> str:
    silence = np.zeros(int(rate * gap), "<i2")
    parts = [p for s in _pcm(signals) for p in (s.reshape(-1), silence)][:-1]
    _save_wav(np.concatenate(parts), path, rate)
    return f"{len(signals)} signals, one after another at {rate} Hz"


def write_wavs(signals, folder: Path, columns=None, rate: int = 8000) -> str:
    for i, pcm in enumerate(_pcm(signals)):
        _save_wav(pcm.reshape(-1), folder / f"{i:04d}.wav", rate)
    return f"{len(signals)} WAV files"


def write_npy(signals, path: Path, columns=None) -> str:
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, signals.detach().float().cpu().numpy())
    return f"{len(signals)} signals as an array"


def plot(signals, columns=None, width: int = 256, height: int = 64) -> Image.Image:
    """Each signal as a dark line on white, in a grid."""
    values = signals.detach().float().cpu().reshape(len(signals), -1).clamp(-1, 1).numpy()
    cols = columns or min(4, len(values))
    rows = math.ceil(len(values) / cols)
    image = Image.new("RGB", (cols * (width + 4) + 4, rows * (height + 4) + 4), "lightgray")
    draw = ImageDraw.Draw(image)
    for i, v in enumerate(values):
        x0, y0 = 4 + (i % cols) * (width + 4), 4 + (i // cols) * (height + 4)
        draw.rectangle([x0, y0, x0 + width - 1, y0 + height - 1], fill="white")
        xs = x0 + np.linspace(0, width - 1, len(v))
        ys = y0 + (1 - v) / 2 * (height - 1)
        draw.line(list(zip(xs.tolist(), ys.tolist())), fill=(20, 40, 120), width=1)
    return image


def write_plot(signals, path: Path, columns=None) -> str:
    save_image(plot(signals, columns), path)
    return f"plots of {len(signals)} signals"


def preview(signals) -> Image.Image:
    return plot(signals[:16])
