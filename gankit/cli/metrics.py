"""`gankit fid / kid / prdc / eval / probe / metrics list`: registered metrics between two sides."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from gankit.cli.base import ModelCommand, cli, click_option, device_option, load_model, model_command
from gankit.errors import GankitError

SIDES = "Each side is a folder of images (or of the samples the --features space reads, e.g. voxel files), a .npz statistics file (pytorch-fid's format), a built-in data set name or a MODEL."


def metric_options(command):
    """Options shared by fid, kid, prdc and eval."""
    for decorator in reversed([
        click.argument("a"),
        click.argument("b", required=False),
        click.option("--features", default="inception", show_default=True, help="Feature space (`gankit metrics list`)."),
        click.option("--n", "n", type=int, default=10000, show_default=True, help="Samples to generate (or take from a data set) per side."),
        click.option("--seed", type=int, default=0, show_default=True, help="First seed of a MODEL's samples."),
        click.option("--batch-size", type=int, default=50, show_default=True),
        click.option("--workers", type=int, default=2, show_default=True, help="Image-decoding worker processes."),
        device_option,
        click.option("--inception-weights", type=click.Path(path_type=Path), help="Path to pt_inception-2015-12-05-6726825d.pth (or a safetensors copy)."),
        click.option("--data-root", type=click.Path(path_type=Path), help="Where torchvision data sets are downloaded."),
        click.option("--json", "as_json", is_flag=True, help="Print the result as JSON."),
        click.option("--quiet", is_flag=True, help="No progress bars."),
    ]):
        command = decorator(command)
    return command


UPPER = {"fid", "kid", "psnr", "ssim", "mmd", "cov", "1nna"}


def _evaluate(metrics: tuple[str, ...], a: str, b: str | None, save_stats: Path | None = None, **kwargs: Any) -> dict:
    from gankit.metrics.evaluate import evaluate

    if b is None and save_stats is None:
        raise GankitError("give two sides to compare (A B), or one side with --save-stats")
    as_json, quiet = kwargs.pop("as_json"), kwargs.pop("quiet")
    notes: list[str] = []
    result = evaluate(a, b, metrics, save_stats_to=save_stats, progress=not quiet, notes=notes, **kwargs)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    if save_stats:
        click.echo(f"wrote statistics of {a} ({result['n_a']} samples) to {save_stats}", err=as_json)
    if as_json:
        click.echo(json.dumps(result))
    elif b is not None:
        table: dict[str, dict[int, float]] = {}
        for key, value in result.items():
            if key in ("n_a", "n_b", "features", "resize") or key.endswith("_std"):
                continue
            stepped = STEPPED.match(key)
            if stepped:  # psnr@3 copy-last → row "psnr copy-last", column 3
                name, step, rest = stepped.groups()
                table.setdefault(_label(name) + (rest or ""), {})[int(step)] = value
                continue
            spread = f" ± {result[key + '_std']:.6f}" if key + "_std" in result else ""
            shown = f"{value:.6f}" if isinstance(value, float) else value
            click.echo(f"{_label(key)}: {shown}{spread}")
        _echo_table(table)
    return result


STEPPED = re.compile(r"^([\w-]+)@(\d+)( .+)?$")
"""A result per step (``psnr@3``: at horizon 3), shown as a table, one column per step."""


def _label(name: str) -> str:
    return name.upper() if name in UPPER else name


def _echo_table(table: dict[str, dict[int, float]]) -> None:
    if not table:
        return
    steps = sorted({step for row in table.values() for step in row})
    width = max(map(len, table)) + 2
    click.echo(" " * width + "".join(f"{'@' + str(s):>10}" for s in steps))
    for label, row in table.items():
        click.echo(label.ljust(width) + "".join(f"{row[s]:>10.4f}" if s in row else " " * 10 for s in steps))


@cli.command(epilog=SIDES)
@metric_options
@click.option("--save-stats", type=click.Path(path_type=Path), help="Also write A's statistics as .npz (pytorch-fid reads it).")
def fid(a: str, b: str | None, save_stats: Path | None, **kwargs: Any) -> None:
    """Fréchet Inception Distance between A (real) and B (generated); with --save-stats, B may be left out."""
    _evaluate(("fid",), a, b, save_stats, **kwargs)


@cli.command(epilog=SIDES)
@metric_options
def kid(a: str, b: str | None, **kwargs: Any) -> None:
    """Kernel Inception Distance (unbiased, with its std over 100 subsets) between A and B."""
    _evaluate(("kid",), a, b, **kwargs)


@cli.command(epilog=SIDES)
@metric_options
def prdc(a: str, b: str | None, **kwargs: Any) -> None:
    """Precision, recall (Kynkäänniemi et al. 2019), density and coverage (Naeem et al. 2020) of B against A.

    A is the real side, B the generated one; k-NN manifolds with k = 3.
    """
    _evaluate(("prdc",), a, b, **kwargs)


def _metric_params(model: str | None) -> list[click.Parameter]:
    """The registered metrics' own options (``--horizon`` …) as flags of ``gankit eval``."""
    from gankit.registry import get_registry

    return [click_option(name, option) for name, option in get_registry().metric_options().items()]


@cli.command(name="eval", cls=ModelCommand, extra_params=_metric_params, epilog=SIDES)
@metric_options
@click.option("--metrics", "metric_names", default="fid,kid,prdc", show_default=True,
              help="Comma-separated metric names (`gankit metrics list`).")
@click.option("--data", help="The real side, when A is the MODEL to evaluate: `gankit eval MODEL --data NAME`.")
def eval_command(a: str, b: str | None, metric_names: str, data: str | None, **kwargs: Any) -> None:
    """Several metrics between A (real) and B (generated) from one feature pass per side.

    Metrics that measure a MODEL themselves (text-match, psnr …) take --data and the MODEL.
    """
    if data is not None:
        if b is not None:
            raise GankitError("give either two sides (A B) or a MODEL with --data, not both")
        a, b = data, a
    _evaluate(tuple(m.strip() for m in metric_names.split(",") if m.strip()), a, b, **kwargs)


@model_command()
@click.option("--data", help="A labelled data set (built-in, torchvision, or a folder the task reads) [default: MODEL's].")
@click.option("--train", "n_train", type=int, default=5000, show_default=True, help="Labelled samples to fit on.")
@click.option("--test", "n_test", type=int, default=2000, show_default=True, help="Held-out samples to score on.")
@click.option("--data-root", type=click.Path(path_type=Path), help="Where torchvision data sets are downloaded.")
@device_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def probe(model: str, data: str | None, n_train: int, n_test: int, data_root: Path | None, device: str, as_json: bool) -> None:
    """How useful are D's hidden units? Linear classifiers on D's features vs on the raw samples."""
    from gankit.metrics.probe import probe as run_probe

    loaded = load_model(model, device)
    try:
        result = run_probe(loaded, data, n_train, n_test, data_root)
    except NotImplementedError as exc:
        raise GankitError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result))
        return
    raw = "raw pixels" if loaded.task_spec.sample_type == "image" else f"raw {loaded.task_spec.sample_type}"
    click.echo(f"linear probe on {result['data']} ({n_train} train / {n_test} held-out samples):")
    for label, key in (("discriminator features", "discriminator"), (raw, "raw")):
        click.echo(f"  {label + ' (' + str(result[key + '_dims']) + '-d):':<40}{result[key + '_accuracy']:.2%}")


@cli.group()
def metrics() -> None:
    """About the metrics and their feature spaces."""


@metrics.command(name="list")
def metrics_list() -> None:
    """List the metrics (--metrics NAME) and the feature spaces they can use (--features NAME), by sample type."""
    from gankit.registry import get_registry

    registry = get_registry()
    click.echo("metrics:")
    for name, metric in sorted(registry.metrics.items()):
        reads = f"; {metric.sample_type} samples" if metric.sample_type else ""
        click.echo(f"  {name:<12} {metric.description} [{metric.kind}{reads}; plugin {metric.plugin}]")
    for sample_type in sorted({s.sample_type for s in registry.feature_extractors.values()}):
        tasks = sorted(t.name for t in registry.tasks.values() if t.sample_type == sample_type)
        click.echo(f"features for {sample_type} samples (tasks: {', '.join(tasks) or 'none installed'}):")
        for name, spec in sorted(registry.feature_extractors.items()):
            if spec.sample_type == sample_type:
                click.echo(f"  {name:<12} {spec.description} [plugin {spec.plugin}]")
