"""gankit: train, sample, share and evaluate GANs, with models contributed by pluggy plugins.

Importing this package is cheap (no torch); the heavy API (`load`, `train`) is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

from gankit.errors import GankitError

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("gankit")
"""Decorator for plugin hook implementations (see `gankit.hookspecs`)."""

if TYPE_CHECKING:
    from gankit.api import load, train
    from gankit.model import GANModel

__all__ = ["GANModel", "GankitError", "__version__", "hookimpl", "load", "train"]


def __getattr__(name: str) -> Any:
    if name in ("load", "train"):
        from gankit import api

        return getattr(api, name)
    if name == "GANModel":
        from gankit.model import GANModel

        return GANModel
    raise AttributeError(f"module 'gankit' has no attribute {name!r}")
