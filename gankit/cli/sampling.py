"""`gankit run` and `serve`: sample a MODEL with its task's inputs, write with its writers; and what the latent
commands share with them (the options of a MODEL's task)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from gankit.cli.base import cli, click_option, device_option, load_model, model_command, truncation_option
from gankit.errors import GankitError


def task_params(interpolating: bool = False):
    """Options from MODEL's task: its inputs (``--text``, ``--label`` …) and its writers' options."""
    def params(model: str | None) -> list[click.Parameter]:
        from gankit.registry import get_registry
        from gankit.resolve import model_spec
        from gankit.specs import INPUT_TYPES

        if model is None:
            return []
        task = get_registry().task_of(model_spec(model))
        out: list[click.Parameter] = []
        for name, spec in task.inputs.items():
            kind = click.Path(exists=True, path_type=Path) if spec.type == "path" else INPUT_TYPES[spec.type]
            several = spec.multiple or (interpolating and spec.interpolate)
            note = " Give it twice to walk from the first value to the second." if interpolating and spec.interpolate else (
                " Repeatable: --n samples per value, one row each" + ("; @FILE reads one value per line." if spec.type == "str" else ".")
                if spec.multiple else "")
            out.append(click.Option(["--" + name.replace("_", "-"), name], type=kind, multiple=several, help=spec.help + note))
        out += [click_option(name, option) for name, option in task.writer_options().items()]
        return out

    return params


def inputs_and_writer_options(model, extra: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    task = model.task_spec
    inputs = {k: list(v) if isinstance(v, tuple) else v for k, v in extra.items() if k in task.inputs and v not in (None, ())}
    for name, values in inputs.items():
        if isinstance(values, list) and task.inputs[name].type == "str":
            inputs[name] = [line for v in values for line in _values_file(name, v)]
    options = {k: v for k, v in extra.items() if k in task.writer_options()}
    return inputs, options


def _values(inputs: dict[str, Any]) -> int:
    """How many values the repeated input holds (1 when none is repeated)."""
    return max([len(v) for v in inputs.values() if isinstance(v, list)] or [1])


def _values_file(name: str, value: str) -> list[str]:
    """``@prompts.txt`` → its non-empty lines; anything else is itself."""
    if not value.startswith("@"):
        return [value]
    path = Path(value[1:]).expanduser()
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise GankitError(f"--{name} {value}: cannot read {path} ({exc.__class__.__name__}); give a text file, one value per line") from None
    if not lines:
        raise GankitError(f"--{name} {value}: {path} holds no values; write one per line")
    return lines


TASK_HELP = "`gankit COMMAND MODEL --help` adds the options of MODEL's task: its inputs and its output formats' options."


@model_command(extra_params=task_params(), epilog=TASK_HELP)
@click.option("--n", "n", type=int, help="Number of samples (per value of a repeated input) [default: 64; for models "
              "without a latent, the model's choice, e.g. one clip per context].")
@click.option("--seed", type=int, default=0, show_default=True, help="Sample i uses seed SEED+i: same seed, same pixels.")
@truncation_option
@click.option("--out", type=click.Path(path_type=Path), help="Where to write: the suffix picks the format (a folder for one "
              "file per sample); `gankit info MODEL` lists them [default: the task's, e.g. samples.png].")
@device_option
def run(model: str, n: int | None, seed: int, truncation: float, out: Path | None, device: str, **extra: Any) -> None:
    """Generate samples from MODEL and write them with its task's writer for --out."""
    m = load_model(model, device)
    out = out or Path(m.task_spec.default_out)
    m.task_spec.writer_for(out)  # a format the task cannot write fails before any work
    inputs, options = inputs_and_writer_options(m, extra)
    if n is None and m.gan.latent_shape is not None:
        n = 64
    samples = m.generate(n, seed=seed, truncation=truncation, progress=True, **inputs)
    rows = any(isinstance(v, list) for v in inputs.values())
    click.echo(f"wrote {m.write(samples, out, columns=samples.shape[0] // _values(inputs) if rows else None, **options)} to {out}")


@cli.command()
@click.argument("models", nargs=-1)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every network; a warning says so).")
@click.option("--port", type=int, default=7860, show_default=True)
@click.option("--share", is_flag=True, help="Also open a public gradio.live link (off unless asked for).")
@device_option
def serve(models: tuple[str, ...], host: str, port: int, share: bool, device: str) -> None:
    """A web playground for MODELS (default: every model with bundled weights): seeds, truncation, a latent walk,
    the task's inputs (text, uploads), and the results to look at and download, shown batch by batch as they are
    made. Needs `gankit[serve]`."""
    from gankit.registry import get_registry
    from gankit.resolve import locate
    from gankit.serve import build_app, exposed, require_gradio

    if not 0 < port < 65536:
        raise GankitError(f"--port must be in 1…65535, got {port}")
    registry = get_registry()
    models = models or tuple(n for n, s in registry.models.items() if s.default_weights and Path(s.default_weights).is_dir())
    for ref in models:  # a MODEL that does not exist fails before the web stack loads
        locate(ref)
    require_gradio()
    if exposed(host):
        click.echo(f"warning: listening on {host}: anyone who can reach this machine can use the playground", err=True)
    app = build_app(list(models), device=device)
    click.echo(f"gankit playground for {', '.join(models)}: http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}", err=True)
    app.queue(default_concurrency_limit=1).launch(server_name=host, server_port=port, share=share, quiet=True,
                                                  show_error=True)
