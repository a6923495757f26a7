"""`gankit pull` and `gankit push`: the Hugging Face Hub."""

from __future__ import annotations

from pathlib import Path

import click

from gankit.cli.base import cli
from gankit.errors import GankitError

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
    """Upload a model or run directory FOLDER (or a Space written by `gankit space`) to the Hub repo REPO (user/name) as one commit.

    Creates the repo if needed and writes a model card from the run. Needs a token with write access
    (HF_TOKEN or `hf auth login`).
    """
    from gankit.hub import push as hub_push

    url = hub_push(folder, repo, private=private, branch=branch, message=message, include_discriminator=not no_discriminator)
    click.echo(f"pushed {folder} to {repo}: {url}")
    click.echo(f"run it anywhere: gankit run {repo}")


@cli.command()
@click.argument("model")
@click.option("--format", "fmt", type=click.Choice(["onnx", "torchscript"]), default="onnx", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="File to write [default: generator.onnx or generator.pt].")
def export(model: str, fmt: str, out: Path | None) -> None:
    """Export MODEL's generator for use outside gankit: inputs `latent` and/or `condition` (batch size free),
    output `samples`, as `gankit run` makes them. MODEL's card ("Use outside gankit") shows how to call it."""
    from gankit.api import load
    from gankit.export import FORMATS
    from gankit.export import export as write

    out = out or Path("generator" + FORMATS[fmt])
    shapes = write(load(model, device="cpu"), out, fmt)
    inputs = ", ".join(f"{name} (N, {', '.join(map(str, shape[1:]))})" for name, shape in shapes.items())
    click.echo(f"wrote {out} ({fmt}): inputs {inputs} → samples")


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.argument("models", nargs=-1, required=True)
def space(folder: Path, models: tuple[str, ...]) -> None:
    """Write what a Hugging Face Space needs to run the playground for MODELS (registered names or Hub ids):
    app.py, requirements.txt and README.md with the Space's front matter. Upload it with `gankit push FOLDER user/name`."""
    from gankit.space import write_space

    write_space(folder, list(models))
    click.echo(f"wrote a Space for {', '.join(models)} to {folder}; upload it: gankit push {folder} user/name")
