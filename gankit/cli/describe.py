"""`gankit plugins` and `gankit info`: what is installed, and what a MODEL is."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gankit.cli.base import cli, load_model, model_command
from gankit.specs import BINARY

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
        for name in p.text_encoders:
            click.echo(f"  encoder  {name:<14} {registry.text_encoders[name].description}")
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
        data = load_model(model, "cpu").info()
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
    if data.get("attributes"):
        binary = [k for k, v in data["attributes"].items() if tuple(v) == BINARY]
        others = [f"{k} ({len(v)} values)" for k, v in data["attributes"].items() if k not in binary]
        click.echo(f"attributes: {', '.join(binary)} (arithmetic groups, attribute --add/--remove)"
                   + (f"; also reads {', '.join(others)}" if others else ""))
    overrides = ", ".join(f"{k}={v}" for k, v in data["train_defaults"].items()) or "the trainer's"
    click.echo(f"training:   defaults {overrides}; data {data['default_dataset'] or 'none by default (pass --data)'}")
    training = data.get("training")
    if training:
        click.echo(f"trained:    {training.get('steps')} steps on {training.get('data')} in {training.get('wall_time_s')} s")
        if training.get("command"):
            click.echo(f"command:    {training['command']}")


@cli.command("new-plugin")
@click.argument("name")
@click.option("--task", default="unconditional-image", show_default=True,
              help="The task the model serves (any registered task with a template; `gankit plugins` lists tasks).")
@click.option("--dir", "parent", type=click.Path(path_type=Path), default=Path("."), show_default=True,
              help="Where to write the NAME/ folder.")
def new_plugin(name: str, task: str, parent: Path) -> None:
    """Write a ready-to-install plugin distribution NAME/: a pyproject naming the plugin's entry point, a model
    for --task, a test and a README. Then: pip install -e NAME/, and train it with --steps 50."""
    from gankit.scaffold import new_plugin as write

    folder = write(name, task, parent)
    click.echo(f"wrote the plugin gankit-{name} ({task}) to {folder}; next: pip install -e {folder} && gankit train {name} --steps 50")
