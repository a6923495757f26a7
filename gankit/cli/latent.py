"""`gankit interpolate`, `arithmetic` and `attribute`: walks and sums in a MODEL's latent space."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from gankit.cli.base import device_option, load_model, model_command, truncation_option
from gankit.cli.sampling import TASK_HELP, inputs_and_writer_options, task_params
from gankit.errors import GankitError
from gankit.specs import PER_GROUP, VECTOR_SAMPLES, check_per_group

SEEDS = re.compile(r"[\d\s,-]+")


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
    inputs, options = inputs_and_writer_options(m, extra)
    frames = m.interpolate(seed_a, seed_b, steps, truncation, **inputs)
    between = next((f"{k} {v[0]!r} to {v[1]!r}" for k, v in inputs.items() if isinstance(v, list)), f"seed {seed_a} to seed {seed_b}")
    click.echo(f"wrote {m.write(frames, out, columns=steps, **options)} from {between} to {out}")


GROUP_HELP = "e.g. 1,4,9 or 10-14; or attribute names, e.g. glasses,beard ('none': no attribute), for models that read them."


@model_command(extra_params=task_params(), epilog=TASK_HELP)
@click.option("--a", "a", required=True, help="Group A: seeds, " + GROUP_HELP)
@click.option("--b", "b", required=True, help="Group B (subtracted): seeds or attributes.")
@click.option("--c", "c", required=True, help="Group C (added): seeds or attributes.")
@click.option("--per-group", type=int, default=PER_GROUP, show_default=True, help="Seeds per group named by attributes.")
@click.option("--search-from", type=int, default=0, show_default=True,
              help="Seed where the search for attribute groups starts (another value, other groups).")
@truncation_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("arithmetic.png"), show_default=True)
@device_option
def arithmetic(model: str, a: str, b: str, c: str, per_group: int, search_from: int, truncation: float, out: Path,
               device: str, **extra: Any) -> None:
    """Latent arithmetic on group means: mean(A) - mean(B) + mean(C).

    A group is a list of seeds, or, for models with an attribute reader (`gankit info MODEL` lists what it
    reads), attribute names: the first --per-group seeds whose samples the reader finds with exactly those
    attributes and none of the other yes/no ones. The picture's first row shows mean A, mean B, mean C and the
    result; the second row shows variations around the result. Find seeds with `gankit run MODEL --seed S`.
    """
    import torch

    from gankit.sampling import parse_seeds

    check_per_group(per_group)  # before the groups, so that the error is not put on --a
    texts = {"--a": a, "--b": b, "--c": c}
    groups: dict[str, list[int] | None] = {}
    for flag, text in texts.items():
        try:
            groups[flag] = parse_seeds(text) if SEEDS.fullmatch(text) else None
        except GankitError as exc:
            raise GankitError(f"{flag}: {exc}") from None
    m = load_model(model, device)
    m.task_spec.writer_for(out)
    inputs, options = inputs_and_writer_options(m, extra)
    for flag, seeds in groups.items():
        if seeds is None:
            try:
                groups[flag] = m.seeds_with(texts[flag], per_group, search_from, truncation, **inputs)
            except GankitError as exc:
                raise GankitError(f"{flag}: {exc}") from None
            click.echo(f"{flag[2:].upper()} = {texts[flag]}: seeds {', '.join(map(str, groups[flag]))}", err=True)
    means, variations = m.arithmetic(*groups.values(), truncation=truncation, **inputs)
    m.write(torch.cat([means, variations]), out, columns=4, **options)
    click.echo(f"wrote A - B + C (row 1: A, B, C, result; row 2: variations) to {out}")


def parse_strengths(text: str, steps: int) -> list[float]:
    """``"0..2"`` with 5 steps → [0, 0.5, 1, 1.5, 2]; ``"1.5"`` means ``0..1.5``."""
    lo, dots, hi = text.replace(" ", "").partition("..")
    try:
        first, last = (float(lo), float(hi)) if dots else (0.0, float(lo))
    except ValueError:
        raise GankitError(f"--strength {text!r}: give a range like 0..2 (or one number, meaning 0 to it)") from None
    if steps < 2:
        raise GankitError(f"--steps must be at least 2, got {steps}")
    return [first + (last - first) * i / (steps - 1) for i in range(steps)]


@model_command(extra_params=task_params(), epilog=TASK_HELP)
@click.option("--add", "add", help="The attribute to add, e.g. glasses.")
@click.option("--remove", "remove", help="The attribute to take away (the vector subtracted).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sample to change.")
@click.option("--strength", default="0..2", show_default=True,
              help="Range of strengths A..B, in lengths of the attribute vector (one number B: 0..B).")
@click.option("--steps", type=int, default=5, show_default=True, help="Pictures in the strip, ends included.")
@click.option("--samples", type=int, default=VECTOR_SAMPLES, show_default=True,
              help="Seeded samples (seeds 0…N-1) the attribute vector is estimated from.")
@click.option("--keep-others/--no-keep-others", default=True, show_default=True,
              help="Take the other attributes' directions out of the vector (keeping its length), so that they "
                   "change less (--no-keep-others: the plain mean difference).")
@truncation_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("attribute.png"), show_default=True,
              help="A .png strip, a .gif animation, or any format of the task.")
@device_option
def attribute(model: str, add: str | None, remove: str | None, seed: int, strength: str, steps: int, samples: int,
              keep_others: bool, truncation: float, out: Path, device: str, **extra: Any) -> None:
    """Add (or remove) an attribute to one sample along its attribute vector, at growing strengths.

    The vector is the mean latent of samples the model's attribute reader finds with the attribute minus the
    mean of those without it, less its part along the other attributes' vectors (made the same way) and stretched
    back to its length; `gankit info MODEL` lists the attributes it reads.
    """
    if (add is None) == (remove is None):
        raise GankitError("give one of --add ATTRIBUTE or --remove ATTRIBUTE")
    strengths = parse_strengths(strength, steps)
    m = load_model(model, device)
    m.task_spec.writer_for(out)
    inputs, options = inputs_and_writer_options(m, extra)
    sign = 1.0 if add else -1.0
    strip = m.add_attribute(add or remove, seed, [sign * s for s in strengths], samples, truncation, keep_others,
                           **inputs)
    shown = ", ".join(f"{s:g}" for s in strengths)
    click.echo(f"wrote {m.write(strip, out, columns=steps, **options)} of seed {seed} with "
               f"{'+' if add else '-'}{add or remove} at strengths {shown} to {out}")
