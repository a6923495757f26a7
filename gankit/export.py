"""`gankit export MODEL --format onnx|torchscript`: the generator, with its condition input, for use outside gankit.

The exported graph maps ``latent`` (N, *latent_shape), drawn as gankit draws it (see the model card's "Use
outside gankit"), and/or ``condition`` (N, …: a caption embedding, context frames …, as the model's
`condition_for` makes it) to ``samples`` — what `Model.generate` returns for the same inputs. The batch size
is free. Files are written atomically.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from gankit.errors import GankitError
from gankit.io import atomic_path

FORMATS = {"onnx": ".onnx", "torchscript": ".pt"}


class Generator(nn.Module):
    """The model's generator as a plain function of tensors: ``latent`` and/or ``condition`` → samples."""

    def __init__(self, gan) -> None:
        super().__init__()
        self.gan = gan

    def forward(self, latent: Tensor | None = None, condition: Tensor | None = None) -> Tensor:
        return self.gan.generate(latent, condition)


def example_inputs(model, seeds: list[int], **inputs: Any) -> dict[str, Tensor]:
    """The exported graph's inputs, by name, for `seeds` and the task's `inputs` (as `Model.generate` takes them)."""
    gan = model.gan
    given = model.check_inputs(inputs)
    named = {"latent": gan.sample_latent(seeds)} if gan.latent_shape is not None else {}
    condition = gan.condition_for(seeds, given)
    if condition is not None:
        if not torch.is_tensor(condition):
            raise GankitError(f"model {model.spec.name!r} takes a {type(condition).__name__} condition; only tensors export")
        named["condition"] = condition.float()
    return named


def export(model, out: str | Path, fmt: str = "onnx") -> dict[str, list[int]]:
    """Write `model`'s generator to `out` as ONNX or TorchScript; returns the inputs' example shapes by name."""
    if fmt not in FORMATS:
        raise GankitError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    out = Path(out)
    if out.is_dir():
        raise GankitError(f"--out {out} is a folder; give a file name, e.g. {out / ('generator' + FORMATS[fmt])}")
    gan = model.gan.float().eval().cpu().requires_grad_(False)
    named = example_inputs(model, [0, 1])
    wrapper = Generator(gan).eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad(), warnings.catch_warnings(), atomic_path(out) as tmp:
        warnings.simplefilter("ignore")
        if fmt == "torchscript":
            _torchscript(wrapper, named, tmp)
        else:
            _onnx(wrapper, named, tmp)
    return {name: list(t.shape) for name, t in named.items()}


def _torchscript(wrapper: nn.Module, named: dict[str, Tensor], path: Path) -> None:
    try:
        traced = torch.jit.trace(wrapper, example_kwarg_inputs=named, check_trace=False)
    except Exception as exc:  # noqa: BLE001 — any tracing failure is the model's, said in one line
        raise GankitError(f"cannot export to TorchScript: {_first_line(exc)}") from None
    traced.save(str(path))


def _onnx(wrapper: nn.Module, named: dict[str, Tensor], path: Path) -> None:
    if importlib.util.find_spec("onnxscript") is None:  # torch's ONNX exporter needs it
        raise GankitError("exporting to ONNX needs the onnx extra: pip install 'gankit[onnx]'")
    try:
        _onnx_export(wrapper, named, path)
    except Exception as exc:  # noqa: BLE001 — an op ONNX lacks, a shape it cannot follow: one line, naming the layer
        layer = _culprit(wrapper, named)
        raise GankitError(f"cannot export to ONNX{layer}: {_first_line(exc)}") from None


def _onnx_export(module: nn.Module, named: dict[str, Tensor], path: Path | str) -> None:
    """`module` called with the keyword inputs `named`, exported with a free batch size."""
    batch = torch.export.Dim("batch")
    with contextlib.redirect_stdout(io.StringIO()):
        torch.onnx.export(module, (), str(path), kwargs=named, input_names=list(named), output_names=["samples"],
                          dynamic_shapes={name: {0: batch} for name in named}, external_data=False, report=False)


def _culprit(wrapper: nn.Module, named: dict[str, Tensor]) -> str:
    """`` in layer NAME (Type)``: the innermost module that fails to export alone on the input it sees, or ``""``."""
    import tempfile

    seen: dict[str, tuple[nn.Module, Tensor]] = {}

    def recorder(name: str):
        def hook(module: nn.Module, inputs: tuple) -> None:
            if len(inputs) == 1 and torch.is_tensor(inputs[0]):
                seen.setdefault(name, (module, inputs[0]))
        return hook

    handles = [module.register_forward_pre_hook(recorder(name)) for name, module in wrapper.gan.generator.named_modules() if name]
    try:
        wrapper(**named)
    finally:
        for handle in handles:
            handle.remove()
    for name, (module, x) in sorted(seen.items(), key=lambda item: -item[0].count(".")):
        probe = _Single(module)
        with tempfile.TemporaryDirectory() as tmp:
            try:
                _onnx_export(probe, {"x": x}, Path(tmp) / "layer.onnx")
            except Exception:  # noqa: BLE001 — this is the layer we are looking for
                return f" in layer generator.{name} ({type(module).__name__})"
    return ""


class _Single(nn.Module):
    """One module as a function of the keyword input ``x`` (what `_onnx_export` calls)."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, x: Tensor) -> Tensor:
        return self.module(x)


def _first_line(exc: Exception) -> str:
    """The line of an exporter's error that says what went wrong (its exception summary when it has one)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    if "## Exception summary" in text:
        text = text.split("## Exception summary", 1)[1]
    lines = [re.sub(r"^<class '[\w.]+'>: ", "", line.strip()) for line in text.splitlines() if line.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]
