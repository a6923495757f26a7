"""`gankit train`: its options come from `TrainConfig` (with MODEL's own defaults shown) and from MODEL's options."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from gankit.cli.base import ModelCommand, cli
from gankit.errors import GankitError

MODEL_OPTION = "model__"  # parameter names of MODEL's own options


def train_params(model: str | None) -> list[click.Parameter]:
    """One option per `TrainConfig` knob, showing MODEL's own defaults (its train_defaults) when MODEL is given,
    and one per option MODEL declares (``--image-size``, ``--stage`` …; a name a knob or the command already
    uses stays reachable with ``-o``). Defaults stay None: unset knobs keep the model's train_defaults."""
    from gankit.trainconfig import cli_knobs

    overrides, declared = {}, {}
    if model is not None:
        from gankit.registry import get_registry

        spec = get_registry().model(model)
        overrides, declared = spec.train_defaults, spec.options
    params: list[click.Parameter] = []
    taken = {f.name for f in cli_knobs()} | {"data", "out", "resume", "init", "option", "data_root", "skip_bad", "quiet", "help"}
    for name, option in declared.items():
        if name not in taken:
            kind = click.BOOL if option.type is bool else option.type
            params.append(click.Option(["--" + name.replace("_", "-"), MODEL_OPTION + name], type=kind, default=None,
                                       help=f"Model option: {option.help} [default: {option.default!r}]"))
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


@cli.command(cls=ModelCommand, extra_params=train_params)
@click.argument("model")
@click.option("--data", help="Built-in data set name, torchvision data set (mnist, fashion-mnist, cifar10, celeba) or image folder.")
@click.option("--out", type=click.Path(path_type=Path), help="Run directory [default: runs/MODEL].")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last checkpoint.")
@click.option("--init", metavar="MODEL", help="Start from this model's weights and options (a directory, Hub id or registered name): fine-tuning, or a later stage.")
@click.option("-o", "--option", "model_options", multiple=True, metavar="KEY=VALUE", help="Any other model option (repeatable; `gankit info MODEL` lists them).")
@click.option("--data-root", type=click.Path(path_type=Path), help="Where torchvision data sets are downloaded.")
@click.option("--skip-bad", is_flag=True, help="Skip unreadable images or clips (and say how many) instead of stopping.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def train(ctx: click.Context, model: str, data: str | None, out: Path | None, resume: bool, init: str | None, model_options: tuple[str, ...],
          data_root: Path | None, skip_bad: bool, quiet: bool, **flags: Any) -> None:
    """Train MODEL (a registered model name) on --data, writing checkpoints and a model directory to --out.

    Ctrl-C finishes the current step and saves a checkpoint (a second Ctrl-C stops at once); --resume
    continues from it, and also finishes a run killed while writing its model directory. `gankit train MODEL
    --help` shows MODEL's own options and training defaults; every training knob is described in
    docs/training.md.
    """
    from gankit.training import train as run_training

    options: dict[str, Any] = {name.removeprefix(MODEL_OPTION): flags.pop(name) for name in list(flags)
                               if name.startswith(MODEL_OPTION) and flags[name] is not None}
    flags = {k: v for k, v in flags.items() if not k.startswith(MODEL_OPTION)}
    for item in model_options:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise GankitError(f"-o {item!r}: write model options as KEY=VALUE")
        options[key.replace("-", "_")] = value
    if resume and options:
        raise GankitError("model options cannot change when resuming; drop them or start a new run")
    train_options = {name: value for name, value in flags.items() if value is not None}
    out = out or Path("runs") / model
    command = "gankit " + " ".join(shlex.quote(a) for a in (ctx.obj or {}).get("argv", sys.argv[1:]))
    path = run_training(model, data, out, options=options, resume=resume, data_root=data_root, skip_bad=skip_bad,
                        command=command, progress=not quiet, init=init, **train_options)
    if os.environ.get("RANK", "0") == "0":  # under torchrun, one process speaks
        click.echo(f"trained model written to {path} (sample it: gankit run {path})")
