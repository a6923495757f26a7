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


# -- MODEL arguments and the options their task brings ------------------------------------------
class ModelCommand(click.Command):
    """A command whose first argument is a MODEL; `extra_params(model)` adds the options that MODEL brings
    (its task's inputs and writer options, or its training defaults), so ``gankit run MODEL --help`` lists them."""

    def __init__(self, *args: Any, extra_params=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extra_params = extra_params or (lambda model: [])

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        model = self._model_argument(ctx, args)
        key = f"gankit.extra.{self.name}"  # ctx.meta is shared with the parent context
        try:
            ctx.meta[key] = self.extra_params(model)
        except GankitError:
            if not any(a in ("-h", "--help") for a in args):
                raise  # an unknown MODEL is the error to report, not the options it would have had
            ctx.meta[key] = self.extra_params(None)
        return super().parse_args(ctx, args)

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        key = f"gankit.extra.{self.name}"
        if key not in ctx.meta:
            ctx.meta[key] = self.extra_params(None)
        params = super().get_params(ctx)
        return [*params[:-1], *ctx.meta[key], params[-1]]  # --help stays last

    def _model_argument(self, ctx: click.Context, args: list[str]) -> str | None:
        """The first positional argument, skipping the values of the command's own options."""
        takes_value = {name for p in super().get_params(ctx) if isinstance(p, click.Option) and not p.is_flag
                       for name in p.opts}
        skip = False
        for arg in args:
            if skip:
                skip = False
            elif arg == "--":
                continue
            elif arg.startswith("-"):
                skip = arg in takes_value
            else:
                return arg
        return None


def model_command(extra_params=None, **kwargs: Any):
    """``@cli.command`` for commands on a MODEL: the MODEL argument and its help paragraph, in one place."""
    from gankit.resolve import MODEL_HELP

    def decorate(fn):
        fn.__doc__ = (fn.__doc__ or "").rstrip() + "\n\n" + MODEL_HELP
        fn = click.argument("model")(fn)
        return cli.command(cls=ModelCommand, extra_params=extra_params, **kwargs)(fn)

    return decorate


def click_option(name: str, option, **kwargs: Any) -> click.Option:
    """A click option from a declared `gankit.specs.Option` (writer options, plugin-declared knobs)."""
    flag = "--" + name.replace("_", "-")
    if option.type is bool:
        return click.Option([f"{flag}/--no-{flag[2:]}", name], default=option.default, show_default=True, help=option.help, **kwargs)
    return click.Option([flag, name], type=option.type, default=option.default, show_default=True, help=option.help, **kwargs)


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
                " Repeatable: --n samples per value, one row each." if spec.multiple else "")
            out.append(click.Option(["--" + name.replace("_", "-"), name], type=kind, multiple=several, help=spec.help + note))
        out += [click_option(name, option) for name, option in task.writer_options().items()]
        return out

    return params


def _inputs_and_writer_options(model, extra: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    task = model.task_spec
    inputs = {k: list(v) if isinstance(v, tuple) else v for k, v in extra.items() if k in task.inputs and v not in (None, ())}
    options = {k: v for k, v in extra.items() if k in task.writer_options()}
    return inputs, options


def _load(model: str, device: str):
    from gankit.api import load

    return load(model, device=device)


device_option = click.option("--device", default="auto", show_default=True, help="cpu, cuda, cuda:N or auto.")
truncation_option = click.option("--truncation", type=float, default=1.0, show_default=True,
                                 help="Pull latents towards the mean (0 < psi <= 1): less variety, higher fidelity.")
TASK_HELP = "`gankit COMMAND MODEL --help` adds the options of MODEL's task: its inputs and its output formats' options."


@model_command(extra_params=task_params(), epilog=TASK_HELP)
@click.option("--n", "n", type=int, default=64, show_default=True, help="Number of samples (per value of a repeated input).")
@click.option("--seed", type=int, default=0, show_default=True, help="Sample i uses seed SEED+i: same seed, same pixels.")
@truncation_option
@click.option("--out", type=click.Path(path_type=Path), help="Where to write: the suffix picks the format (a folder for one "
              "file per sample); `gankit info MODEL` lists them [default: the task's, e.g. samples.png].")
@device_option
def run(model: str, n: int, seed: int, truncation: float, out: Path | None, device: str, **extra: Any) -> None:
    """Generate samples from MODEL and write them with its task's writer for --out."""
    m = _load(model, device)
    out = out or Path(m.task_spec.default_out)
    m.task_spec.writer_for(out)  # a format the task cannot write fails before any work
    inputs, options = _inputs_and_writer_options(m, extra)
    samples = m.generate(n, seed=seed, truncation=truncation, **inputs)
    rows = any(isinstance(v, list) for v in inputs.values())
    click.echo(f"wrote {m.write(samples, out, columns=n if rows else None, **options)} to {out}")


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
    m = _load(model, device)
    m.task_spec.writer_for(out)
    inputs, options = _inputs_and_writer_options(m, extra)
    frames = m.interpolate(seed_a, seed_b, steps, truncation, **inputs)
    between = next((f"{k} {v[0]} to {v[1]}" for k, v in inputs.items() if isinstance(v, list)), f"seed {seed_a} to seed {seed_b}")
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

    groups = [parse_seeds(s) for s in (a, b, c)]
    m = _load(model, device)
    m.task_spec.writer_for(out)
    inputs, options = _inputs_and_writer_options(m, extra)
    means, variations = m.arithmetic(*groups, truncation=truncation, **inputs)
    m.write(torch.cat([means, variations]), out, columns=4, **options)
    click.echo(f"wrote A - B + C (row 1: A, B, C, result; row 2: variations) to {out}")


# -- training ----------------------------------------------------------------------------------
MODEL_FLAGS = ("image_size", "channels", "latent_dim")


def train_knob_params(model: str | None) -> list[click.Parameter]:
    """One option per `TrainConfig` knob, showing MODEL's own defaults (its train_defaults) when MODEL is given.

    Defaults stay None: unset knobs keep the model's train_defaults."""
    from gankit.trainconfig import cli_knobs

    overrides = {}
    if model is not None:
        from gankit.registry import get_registry

        overrides = get_registry().model(model).train_defaults
    params: list[click.Parameter] = []
    for f in cli_knobs():
        flag = "--" + f.name.replace("_", "-")
        default = overrides.get(f.name, f.default)
        mark = f" (model {model})" if f.name in overrides else ""
        help_text = f"{f.metadata['help']} [default{mark}: {default if default != '' else 'none'}]"
        if f.type == "bool":
            params.append(click.Option([f"{flag}/--no-{flag[2:]}", f.name], default=None, help=help_text))
        else:
            params.append(click.Option([flag, f.name], type={"int": int, "float": float, "str": str}[f.type], default=None, help=help_text))
    return params


@cli.command(cls=ModelCommand, extra_params=train_knob_params)
@click.argument("model")
@click.option("--data", help="Built-in data set name, torchvision data set (mnist, fashion-mnist, cifar10, celeba) or image folder.")
@click.option("--out", type=click.Path(path_type=Path), help="Run directory [default: runs/MODEL].")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last checkpoint.")
@click.option("--image-size", type=int, help="Model option image_size (a power of two).")
@click.option("--channels", type=int, help="Model option channels (1 or 3).")
@click.option("--latent-dim", type=int, help="Model option latent_dim.")
@click.option("-o", "--option", "model_options", multiple=True, metavar="KEY=VALUE", help="Any other model option (repeatable; `gankit info MODEL` lists them).")
@click.option("--data-root", type=click.Path(path_type=Path), help="Where torchvision data sets are downloaded.")
@click.option("--skip-bad", is_flag=True, help="Skip unreadable images (and say how many) instead of stopping.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def train(ctx: click.Context, model: str, data: str | None, out: Path | None, resume: bool, model_options: tuple[str, ...],
          data_root: Path | None, skip_bad: bool, quiet: bool, **flags: Any) -> None:
    """Train MODEL (a registered model name) on --data, writing checkpoints and a model directory to --out.

    Ctrl-C saves a checkpoint; --resume continues from it. `gankit train MODEL --help` shows MODEL's own
    training defaults; every knob is described in docs/training.md.
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
SIDES = "Each side is a folder of images, a .npz statistics file (pytorch-fid's format), a built-in data set name or a MODEL."


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


UPPER = {"fid", "kid", "psnr", "ssim", "mmd", "cov"}


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
        for key, value in result.items():
            if key in ("n_a", "n_b", "features", "resize") or key.endswith("_std"):
                continue
            spread = f" ± {result[key + '_std']:.6f}" if key + "_std" in result else ""
            shown = f"{value:.6f}" if isinstance(value, float) else value
            click.echo(f"{key.upper() if key in UPPER else key}: {shown}{spread}")
    return result


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


@cli.command(name="eval", epilog=SIDES)
@metric_options
@click.option("--metrics", "metric_names", default="fid,kid,prdc", show_default=True,
              help="Comma-separated metric names (`gankit metrics list`).")
@click.option("--data", help="The real side, when A is the MODEL to evaluate: `gankit eval MODEL --data NAME`.")
def eval_command(a: str, b: str | None, metric_names: str, data: str | None, **kwargs: Any) -> None:
    """Several metrics between A (real) and B (generated) from one feature pass per side."""
    if data is not None:
        if b is not None:
            raise GankitError("give either two sides (A B) or a MODEL with --data, not both")
        a, b = data, a
    _evaluate(tuple(m.strip() for m in metric_names.split(",") if m.strip()), a, b, **kwargs)


@model_command()
@click.option("--data", default="digits", show_default=True, help="A labelled data set (built-in or torchvision).")
@click.option("--train", "n_train", type=int, default=5000, show_default=True, help="Labelled samples to fit on.")
@click.option("--test", "n_test", type=int, default=2000, show_default=True, help="Held-out samples to score on.")
@click.option("--data-root", type=click.Path(path_type=Path), help="Where torchvision data sets are downloaded.")
@device_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def probe(model: str, data: str, n_train: int, n_test: int, data_root: Path | None, device: str, as_json: bool) -> None:
    """How useful are D's hidden units? Linear classifiers on D's features vs on raw pixels."""
    from gankit.metrics.probe import probe as run_probe

    loaded = _load(model, device)
    try:
        result = run_probe(loaded, data, n_train, n_test, data_root)
    except NotImplementedError as exc:
        raise GankitError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"linear probe on {data} ({n_train} train / {n_test} held-out samples):")
    click.echo(f"  discriminator features ({result['discriminator_dims']}-d): {result['discriminator_accuracy']:.2%}")
    click.echo(f"  raw pixels ({result['pixel_dims']}-d):              {result['pixel_accuracy']:.2%}")


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


# -- describing --------------------------------------------------------------------------------
@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (models with their options and training defaults).")
def plugins(as_json: bool) -> None:
    """List installed plugins, their package and version, and what each registers."""
    from dataclasses import asdict

    from gankit.registry import get_registry

    registry = get_registry()
    infos = sorted(registry.plugins.values(), key=lambda p: p.name)
    if as_json:
        listing = [{**asdict(p), "model_details": [registry.models[m].describe() for m in p.models]} for p in infos]
        click.echo(json.dumps(listing, indent=2))
        return
    for p in infos:
        click.echo(f"{p.name}  ({p.package} {p.version})")
        if p.error:
            click.echo(f"  BROKEN: {p.error}")
        for name in p.tasks:
            click.echo(f"  task     {name:<14} {registry.tasks[name].description}; writes {registry.tasks[name].formats()}")
        for name in p.models:
            spec = registry.models[name]
            click.echo(f"  model    {name:<14} {spec.task:<20} {spec.description}")
        for name in p.datasets:
            click.echo(f"  data set {name:<14} {registry.datasets[name].description}")
        for name in p.feature_extractors:
            click.echo(f"  features {name:<14} {registry.feature_extractors[name].description}")
        for name in p.metrics:
            click.echo(f"  metric   {name:<14} {registry.metrics[name].description}")
        for name in p.commands:
            click.echo(f"  command  {name}")


@model_command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def info(model: str, as_json: bool) -> None:
    """Show MODEL's task, inputs, output formats, options, training defaults, parameter counts and source.

    A registered model without bundled weights shows its declared options and defaults.
    """
    from gankit.registry import get_registry

    registry = get_registry()
    spec = registry.models.get(model) if not Path(model).is_dir() else None
    if spec is not None and not (spec.default_weights and (Path(spec.default_weights) / "config.json").is_file()):
        task = registry.task_of(spec)
        data = {**spec.describe(), "inputs": {k: i.help for k, i in task.inputs.items()}, "writes": task.formats()}
    else:
        data = _load(model, "cpu").info()
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
        return
    click.echo(f"model:      {data['model']} (plugin {data['plugin']}) {data['description']}".rstrip())
    click.echo(f"task:       {data['task']}; writes {data['writes']}")
    if data["inputs"]:
        click.echo("inputs:     " + "; ".join(f"--{k.replace('_', '-')}: {h}" for k, h in data["inputs"].items()))
    if "source" in data:
        click.echo(f"source:     {data['source']}")
        click.echo("parameters: " + ", ".join(f"{k} {v:,}" for k, v in data["parameters"].items()))
        click.echo("options:    " + ", ".join(f"{k}={v}" for k, v in data["options"].items()))
    else:
        click.echo("weights:    none bundled; train some: gankit train " + data["model"])
        click.echo("options:    (set with -o KEY=VALUE when training)")
        for name, o in data["options"].items():
            click.echo(f"  {name} = {o['default']!r} ({o['type']}): {o['help']}")
    overrides = ", ".join(f"{k}={v}" for k, v in data["train_defaults"].items()) or "the trainer's"
    click.echo(f"training:   defaults {overrides}; data {data['default_dataset'] or 'none by default (pass --data)'}")
    training = data.get("training")
    if training:
        click.echo(f"trained:    {training.get('steps')} steps on {training.get('data')} in {training.get('wall_time_s')} s")
        if training.get("command"):
            click.echo(f"command:    {training['command']}")


# -- entry point -------------------------------------------------------------------------------
def _add_plugin_commands() -> None:
    from gankit.registry import get_registry

    registry = get_registry()
    registry.collect()  # first, so that a broken command is not forgotten by a later collection
    for impl in registry.pm.hook.register_commands.get_hookimpls():
        info = registry.plugins[impl.plugin_name]
        before = dict(cli.commands)
        try:
            impl.function(cli=cli)
        except Exception as exc:  # a broken plugin must not break the CLI
            info.broken(f"register_commands failed: {type(exc).__name__}: {exc}")
            continue
        for name in [n for n in before if cli.commands[n] is not before[n]]:  # never replace an existing command
            cli.commands[name] = before[name]
            info.broken(f"command {name!r} already exists; rename the plugin's command")
        info.commands.extend(sorted(set(cli.commands) - set(before)))


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
    except click.UsageError as exc:  # one line too, naming the help that lists what is accepted
        where = exc.ctx.command_path if exc.ctx else "gankit"
        click.echo(f"error: {exc.format_message()} (see '{where} --help')", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
