"""The ``gankit`` command line. Every command is a thin layer over the Python API.

Nothing heavy is imported at start-up: torch is loaded inside the commands that need it, so
``gankit --help`` and ``gankit plugins`` stay fast.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from gankit.errors import GankitError

@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="gankit")
def cli() -> None:
    """Train, sample and share generative adversarial networks."""


# -- sampling ----------------------------------------------------------------------------------
def _load(model: str, device: str):
    from gankit.api import load

    return load(model, device=device)


device_option = click.option("--device", default="auto", show_default=True, help="cpu, cuda, cuda:N or auto.")
scale_option = click.option("--scale", type=click.IntRange(1, 32), default=1, show_default=True,
                            help="Enlarge pictures N times (nearest neighbour), e.g. for 32x32 samples.")
truncation_option = click.option("--truncation", type=float, default=1.0, show_default=True,
                                 help="Pull latents towards the mean (0 < psi <= 1): less variety, higher fidelity.")


@cli.command()
@click.argument("model")
@click.option("--n", "n", type=int, default=64, show_default=True, help="Number of samples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Sample i uses seed SEED+i: same seed, same pixels.")
@truncation_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("samples.png"), show_default=True,
              help="A .png/.jpg file for a grid, or a folder for one PNG per sample (0000.png, …).")
@click.option("--nrow", type=int, default=None, help="Images per grid row (default: square).")
@scale_option
@device_option
def run(model: str, n: int, seed: int, truncation: float, out: Path, nrow: int | None, scale: int, device: str) -> None:
    """Generate samples from MODEL.

    MODEL is a registered model name (its bundled weights), a model/run directory, or a Hub repo id
    (user/name or user/name@revision).
    """
    from gankit.images import grid, save_each, save_image

    m = _load(model, device)
    images = m.generate(n, seed=seed, truncation=truncation)
    if out.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp"):
        save_image(_enlarge(grid(images, nrow=nrow), scale), out)
        click.echo(f"wrote a grid of {n} samples to {out}")
    else:
        files = save_each(images, out)
        click.echo(f"wrote {len(files)} samples to {out}/ ({files[0].name} … {files[-1].name})")


@cli.command()
@click.argument("model")
@click.option("--from", "seed_a", type=int, default=0, show_default=True, help="Seed of the first latent.")
@click.option("--to", "seed_b", type=int, default=1, show_default=True, help="Seed of the last latent.")
@click.option("--steps", type=int, default=16, show_default=True, help="Number of frames, ends included.")
@truncation_option
@click.option("--fps", type=float, default=8, show_default=True, help="GIF frames per second.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("walk.gif"), show_default=True,
              help="A .gif animation (played forth and back) or a .png strip.")
@scale_option
@device_option
def interpolate(model: str, seed_a: int, seed_b: int, steps: int, truncation: float, fps: float, out: Path, scale: int,
                device: str) -> None:
    """Walk the latent space from one seeded sample to another (spherical interpolation).

    MODEL is a registered model name (its bundled weights), a model/run directory, or a Hub repo id
    (user/name or user/name@revision).
    """
    from gankit.images import grid, save_gif, save_image

    _check_suffix(out, (".gif", ".png"))
    frames = _load(model, device).interpolate(seed_a, seed_b, steps, truncation)
    if out.suffix.lower() == ".gif":
        save_gif([_enlarge(grid(f[None], padding=0), scale) for f in frames], out, fps=fps)
    else:
        save_image(_enlarge(grid(frames, nrow=steps), scale), out)
    click.echo(f"wrote {steps} interpolation frames from seed {seed_a} to seed {seed_b} to {out}")


@cli.command()
@click.argument("model")
@click.option("--a", "a", required=True, help="Seeds of group A, e.g. 1,4,9 or 10-14.")
@click.option("--b", "b", required=True, help="Seeds of group B (subtracted).")
@click.option("--c", "c", required=True, help="Seeds of group C (added).")
@truncation_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("arithmetic.png"), show_default=True)
@scale_option
@device_option
def arithmetic(model: str, a: str, b: str, c: str, truncation: float, out: Path, scale: int, device: str) -> None:
    """Latent arithmetic on group means: mean(A) - mean(B) + mean(C).

    The picture's first row shows mean A, mean B, mean C and the result; the second row shows
    variations around the result. Find seeds with `gankit run MODEL --seed S` (sample i is seed S+i).
    MODEL is a registered model name (its bundled weights), a model/run directory, or a Hub repo id
    (user/name or user/name@revision).
    """
    import torch

    from gankit.images import grid, save_image
    from gankit.sampling import parse_seeds

    _check_suffix(out, (".png", ".jpg", ".jpeg", ".webp"))
    groups = [parse_seeds(s) for s in (a, b, c)]
    means, variations = _load(model, device).arithmetic(*groups, truncation=truncation)
    save_image(_enlarge(grid(torch.cat([means, variations]), nrow=4), scale), out)
    click.echo(f"wrote A - B + C (row 1: A, B, C, result; row 2: variations) to {out}")


def _check_suffix(out: Path, allowed: tuple[str, ...]) -> None:
    if out.suffix.lower() not in allowed:
        raise GankitError(f"--out {out}: use a file ending in {' or '.join(allowed)}")


def _enlarge(image, scale: int):
    from PIL import Image

    return image if scale == 1 else image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)


# -- training ----------------------------------------------------------------------------------
MODEL_FLAGS = ("image_size", "channels", "latent_dim")


def train_knob_options(command):
    """Add one option per `TrainConfig` knob (default None: unset knobs keep the model's train_defaults)."""
    from gankit.trainconfig import cli_knobs

    for f in reversed(cli_knobs()):
        flag = "--" + f.name.replace("_", "-")
        help_text = f"{f.metadata['help']} [default: {f.default if f.default != '' else 'none'}]"
        if f.type == "bool":
            command = click.option(f"{flag}/--no-{flag[2:]}", f.name, default=None, help=help_text)(command)
        else:
            kind = {"int": int, "float": float, "str": str}[f.type]
            command = click.option(flag, f.name, type=kind, default=None, help=help_text)(command)
    return command


@cli.command()
@click.argument("model")
@click.option("--data", help="Built-in data set name, torchvision data set (mnist, fashion-mnist, cifar10, celeba) or image folder.")
@click.option("--out", type=click.Path(path_type=Path), help="Run directory [default: runs/MODEL].")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last checkpoint.")
@click.option("--image-size", type=int, help="Model option image_size (a power of two).")
@click.option("--channels", type=int, help="Model option channels (1 or 3).")
@click.option("--latent-dim", type=int, help="Model option latent_dim.")
@click.option("-o", "--option", "model_options", multiple=True, metavar="KEY=VALUE", help="Any other model option (repeatable).")
@train_knob_options
@click.option("--data-root", type=click.Path(path_type=Path), help="Where torchvision data sets are downloaded.")
@click.option("--skip-bad", is_flag=True, help="Skip unreadable images (and say how many) instead of stopping.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def train(ctx: click.Context, model: str, data: str | None, out: Path | None, resume: bool, model_options: tuple[str, ...],
          data_root: Path | None, skip_bad: bool, quiet: bool, **flags: Any) -> None:
    """Train MODEL (a registered model name) on --data, writing checkpoints and a model directory to --out.

    Ctrl-C saves a checkpoint; --resume continues from it.
    """
    from gankit.training import train as run_training

    options: dict[str, Any] = {name: flags.pop(name) for name in MODEL_FLAGS if flags.get(name) is not None}
    for item in model_options:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise GankitError(f"-o {item!r}: write model options as KEY=VALUE")
        options[key.replace("-", "_")] = value
    if resume and options:
        raise GankitError("model options cannot change when resuming; drop them or start a new run")
    train_options = {name: value for name, value in flags.items() if value is not None and name not in MODEL_FLAGS}
    out = out or Path("runs") / model
    command = "gankit " + " ".join(shlex.quote(a) for a in (ctx.obj or {}).get("argv", sys.argv[1:]))
    path = run_training(model, data, out, options=options, resume=resume, data_root=data_root, skip_bad=skip_bad,
                        command=command, progress=not quiet, **train_options)
    if os.environ.get("RANK", "0") == "0":  # under torchrun, one process speaks
        click.echo(f"trained model written to {path} (sample it: gankit run {path})")


# -- the Hub ---------------------------------------------------------------------------------------
@cli.command()
@click.argument("repo")
@click.option("--revision", help="Branch, tag or commit (or write REPO as user/name@revision).")
@click.option("--force", is_flag=True, help="Download again even if cached.")
def pull(repo: str, revision: str | None, force: bool) -> None:
    """Download a gankit model from the Hugging Face Hub into the HF cache.

    Honours HF_HOME / HF_HUB_CACHE, HF_ENDPOINT, HF_TOKEN (or `hf auth login`) and HF_HUB_OFFLINE.
    """
    from gankit.api import load
    from gankit.hub import describe, parse_model_id
    from gankit.hub import pull as hub_pull

    parsed = parse_model_id(repo)
    if parsed is None:
        raise GankitError(f"{repo!r} is not a Hub repo id; use user/name or user/name@revision")
    repo_id, pinned = parsed
    folder = hub_pull(repo_id, revision or pinned, force=force)
    click.echo(f"{repo_id}: {folder}")
    click.echo(describe(load(folder, device="cpu")))


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.argument("repo")
@click.option("--private", is_flag=True, help="Create the repo as private.")
@click.option("--revision", "branch", help="Branch to commit to (created if needed) [default: main].")
@click.option("--message", help="Commit message.")
@click.option("--no-discriminator", is_flag=True, help="Upload the generator only.")
def push(folder: Path, repo: str, private: bool, branch: str | None, message: str | None, no_discriminator: bool) -> None:
    """Upload a model or run directory FOLDER to the Hub repo REPO (user/name) as one commit.

    Creates the repo if needed and writes a model card from the run. Needs a token with write access
    (HF_TOKEN or `hf auth login`).
    """
    from gankit.hub import push as hub_push

    url = hub_push(folder, repo, private=private, branch=branch, message=message, include_discriminator=not no_discriminator)
    click.echo(f"pushed {folder} to {repo}: {url}")
    click.echo(f"run it anywhere: gankit run {repo}")


# -- metrics ---------------------------------------------------------------------------------------
def metric_options(command):
    """Options shared by fid, kid, prdc and eval."""
    for decorator in reversed([
        click.argument("a"),
        click.argument("b", required=False),
        click.option("--features", default="inception", show_default=True, help="Feature space (`gankit metrics list`)."),
        click.option("--n", "n", type=int, default=10000, show_default=True, help="Samples to generate when a side is a MODEL."),
        click.option("--seed", type=int, default=0, show_default=True, help="First seed of a MODEL's samples."),
        click.option("--batch-size", type=int, default=50, show_default=True),
        click.option("--workers", type=int, default=2, show_default=True, help="Image-decoding worker processes."),
        device_option,
        click.option("--inception-weights", type=click.Path(path_type=Path), help=f"Path to {'pt_inception-2015-12-05-6726825d.pth'} (or a safetensors copy)."),
        click.option("--json", "as_json", is_flag=True, help="Print the result as JSON."),
        click.option("--quiet", is_flag=True, help="No progress bars."),
    ]):
        command = decorator(command)
    return command


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
        click.echo(f"wrote statistics of {a} ({result['n_a']} images) to {save_stats}", err=as_json)
    if as_json:
        click.echo(json.dumps(result))
    elif b is not None:
        for key in ("fid", "kid", "precision", "recall", "density", "coverage"):
            if key in result:
                extra = f" ± {result['kid_std']:.6f}" if key == "kid" else ""
                click.echo(f"{key.upper() if key in ('fid', 'kid') else key}: {result[key]:.6f}{extra}")
    return result


@cli.command()
@metric_options
@click.option("--save-stats", type=click.Path(path_type=Path), help="Also write A's statistics as .npz (pytorch-fid reads it).")
def fid(a: str, b: str | None, save_stats: Path | None, **kwargs: Any) -> None:
    """Fréchet Inception Distance between A and B.

    Each side is a folder of images, a .npz statistics file (mu, sigma; pytorch-fid's format) or a MODEL
    (--n seeded samples). With --save-stats, B may be left out.
    """
    _evaluate(("fid",), a, b, save_stats, **kwargs)


@cli.command()
@metric_options
def kid(a: str, b: str | None, **kwargs: Any) -> None:
    """Kernel Inception Distance (unbiased, with its std over 100 subsets) between A and B (folders or MODELs)."""
    _evaluate(("kid",), a, b, **kwargs)


@cli.command()
@metric_options
def prdc(a: str, b: str | None, **kwargs: Any) -> None:
    """Precision, recall (Kynkäänniemi et al. 2019), density and coverage (Naeem et al. 2020) of B against A.

    A is the real side, B the generated one; k-NN manifolds with k = 3.
    """
    _evaluate(("prdc",), a, b, **kwargs)


@cli.command(name="eval")
@metric_options
@click.option("--metrics", "metric_names", default="fid,kid,prdc", show_default=True, help="Comma-separated: fid, kid, prdc.")
def eval_command(a: str, b: str | None, metric_names: str, **kwargs: Any) -> None:
    """Several metrics between A (real) and B (generated) from one feature pass per side."""
    _evaluate(tuple(m.strip() for m in metric_names.split(",") if m.strip()), a, b, **kwargs)


@cli.command()
@click.argument("model")
@click.option("--data", default="digits", show_default=True, help="A labelled data set (built-in or torchvision).")
@click.option("--train", "n_train", type=int, default=5000, show_default=True, help="Labelled images to fit on.")
@click.option("--test", "n_test", type=int, default=2000, show_default=True, help="Held-out images to score on.")
@click.option("--data-root", type=click.Path(path_type=Path), help="Where torchvision data sets are downloaded.")
@device_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def probe(model: str, data: str, n_train: int, n_test: int, data_root: Path | None, device: str, as_json: bool) -> None:
    """How useful are D's hidden units? Linear classifiers on D's features vs on raw pixels.

    MODEL is a registered model name (its bundled weights), a model/run directory, or a Hub repo id.
    """
    from gankit.metrics.probe import probe as run_probe

    loaded = _load(model, device)
    try:
        result = run_probe(loaded, data, n_train, n_test, data_root)
    except NotImplementedError as exc:
        raise GankitError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"linear probe on {data} ({n_train} train / {n_test} held-out images):")
    click.echo(f"  discriminator features ({result['discriminator_dims']}-d): {result['discriminator_accuracy']:.2%}")
    click.echo(f"  raw pixels ({result['pixel_dims']}-d):              {result['pixel_accuracy']:.2%}")


@cli.group()
def metrics() -> None:
    """About the metrics' feature spaces."""


@metrics.command(name="list")
def metrics_list() -> None:
    """List the feature extractors that metrics can use (--features NAME)."""
    from gankit.registry import get_registry

    registry = get_registry()
    registry.collect()
    for name, spec in sorted(registry.feature_extractors.items()):
        click.echo(f"{name:<12} {spec.description} [plugin {spec.plugin}]")


# -- describing --------------------------------------------------------------------------------
@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plugins(as_json: bool) -> None:
    """List installed plugins, their package and version, and what each registers."""
    from dataclasses import asdict

    from gankit.registry import get_registry

    registry = get_registry()
    registry.collect()
    infos = sorted(registry.plugins.values(), key=lambda p: p.name)
    if as_json:
        click.echo(json.dumps([asdict(p) for p in infos], indent=2))
        return
    for p in infos:
        click.echo(f"{p.name}  ({p.package} {p.version})")
        if p.error:
            click.echo(f"  BROKEN: {p.error}")
        for name in p.models:
            spec = registry.models[name]
            click.echo(f"  model    {name:<14} {spec.task:<20} {spec.description}")
        for name in p.datasets:
            click.echo(f"  data set {name:<14} {registry.datasets[name].description}")
        for name in p.feature_extractors:
            click.echo(f"  features {name:<14} {registry.feature_extractors[name].description}")
        for name in p.commands:
            click.echo(f"  command  {name}")


@cli.command()
@click.argument("model")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def info(model: str, as_json: bool) -> None:
    """Show MODEL's task, options, parameter counts and source.

    MODEL is a registered model name (its bundled weights), a model/run directory, or a Hub repo id
    (user/name or user/name@revision).
    """
    data = _load(model, "cpu").info()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"model:      {data['model']} (plugin {data['plugin']})")
    click.echo(f"task:       {data['task']}")
    click.echo(f"source:     {data['source']}")
    click.echo("parameters: " + ", ".join(f"{k} {v:,}" for k, v in data["parameters"].items()))
    click.echo("options:    " + ", ".join(f"{k}={v}" for k, v in data["options"].items()))
    training = data["training"]
    if training:
        click.echo(f"training:   {training.get('steps')} steps on {training.get('data')} in {training.get('wall_time_s')} s")
        if training.get("command"):
            click.echo(f"command:    {training['command']}")


# -- entry point -------------------------------------------------------------------------------
def _add_plugin_commands() -> None:
    from gankit.registry import get_registry

    registry = get_registry()
    for impl in registry.pm.hook.register_commands.get_hookimpls():
        before = set(cli.commands)
        try:
            impl.function(cli=cli)
        except Exception as exc:  # a broken plugin must not break the CLI
            registry.plugins[impl.plugin_name].error = f"register_commands failed: {type(exc).__name__}: {exc}"
            continue
        registry.plugins[impl.plugin_name].commands.extend(sorted(set(cli.commands) - before))


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one-line errors and exit codes instead of tracebacks."""
    try:
        _add_plugin_commands()
        argv = sys.argv[1:] if argv is None else argv
        cli.main(args=argv, prog_name="gankit", standalone_mode=False, obj={"argv": argv})
    except GankitError as exc:
        # an error raised in a data-loader worker arrives wrapped in a traceback: keep its last line
        message = str(exc).strip().splitlines()[-1].removeprefix("gankit.errors.GankitError: ")
        click.echo(f"error: {message}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
