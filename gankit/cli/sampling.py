"""`gankit run`, `interpolate` and `arithmetic`: sample a MODEL with its task's inputs, write with its writers."""

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


def _inputs_and_writer_options(model, extra: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
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
    inputs, options = _inputs_and_writer_options(m, extra)
    if n is None and m.gan.latent_shape is not None:
        n = 64
    samples = m.generate(n, seed=seed, truncation=truncation, progress=True, **inputs)
    rows = any(isinstance(v, list) for v in inputs.values())
    click.echo(f"wrote {m.write(samples, out, columns=samples.shape[0] // _values(inputs) if rows else None, **options)} to {out}")


@model_command(extra_params=task_params(interpolating=True), epilog=TASK_HELP)
@click.option("--from", "seed_a", type=int, default=0, show_default=True, help="Seed of the first latent.")
@click.option("--to", "seed_b", type=int, default=1, show_default=True, help="Seed of the last latent.")
@click.option("--steps", type=int, default=16, show_default=True, help="Number of frames, ends included.")
@truncation_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("walk.gif"), show_default=True,
              help="A .gif animation (played forth and back), a .png strip, or any format of the task.")
@device_option
def interpolate(model: str, seed_a: int, seed_b: int, steps: int, truncation: float, out: Path, device: str, **extra: Any) -> None:
    """Walk from one seeded sample to another (spherical interpolation of latents), or between two values of an input.

    Give an input twice where the task allows it (e.g. --label 3 --label 7) to walk between the two at seed --from.
    """
    m = load_model(model, device)
    m.task_spec.writer_for(out)
    inputs, options = _inputs_and_writer_options(m, extra)
    frames = m.interpolate(seed_a, seed_b, steps, truncation, **inputs)
    between = next((f"{k} {v[0]!r} to {v[1]!r}" for k, v in inputs.items() if isinstance(v, list)), f"seed {seed_a} to seed {seed_b}")
    click.echo(f"wrote {m.write(frames, out, columns=steps, **options)} from {between} to {out}")


@model_command(extra_params=task_params(), epilog=TASK_HELP)
@click.option("--a", "a", required=True, help="Seeds of group A, e.g. 1,4,9 or 10-14.")
@click.option("--b", "b", required=True, help="Seeds of group B (subtracted).")
@click.option("--c", "c", required=True, help="Seeds of group C (added).")
@truncation_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("arithmetic.png"), show_default=True)
@device_option
def arithmetic(model: str, a: str, b: str, c: str, truncation: float, out: Path, device: str, **extra: Any) -> None:
    """Latent arithmetic on group means: mean(A) - mean(B) + mean(C).

    The picture's first row shows mean A, mean B, mean C and the result; the second row shows
    variations around the result. Find seeds with `gankit run MODEL --seed S` (sample i is seed S+i).
    """
    import torch

    from gankit.sampling import parse_seeds

    groups = []
    for flag, text in (("--a", a), ("--b", b), ("--c", c)):
        try:
            groups.append(parse_seeds(text))
        except GankitError as exc:
            raise GankitError(f"{flag}: {exc}") from None
    m = load_model(model, device)
    m.task_spec.writer_for(out)
    inputs, options = _inputs_and_writer_options(m, extra)
    means, variations = m.arithmetic(*groups, truncation=truncation, **inputs)
    m.write(torch.cat([means, variations]), out, columns=4, **options)
    click.echo(f"wrote A - B + C (row 1: A, B, C, result; row 2: variations) to {out}")


@cli.command()
@click.argument("models", nargs=-1)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every network; a warning says so).")
@click.option("--port", type=int, default=7860, show_default=True)
@click.option("--share", is_flag=True, help="Also open a public gradio.live link (off unless asked for).")
@device_option
def serve(models: tuple[str, ...], host: str, port: int, share: bool, device: str) -> None:
    """A web playground for MODELS (default: every model with bundled weights): seeds, truncation, a latent walk,
    the task's inputs (text, uploads), and the results to look at and download. Needs `gankit[serve]`."""
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
