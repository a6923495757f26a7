"""How well a faces model draws and steers attributes, judged by both readers: the figures of dcgan-faces' card.

- `arithmetic_rates`: how often ``A − B + C`` on groups named by attributes has the attributes the sum implies.
- `vector_rates`: how often adding an attribute vector gives the attribute and keeps every other one
  (`drawn_edit_rates`: the same figures for faces drawn without and with the attribute, the readers' ceiling).
- `sample_rates`: each attribute value's share in samples against its share in held-out real faces.
- `reader_fid`: Fréchet distance in the CNN reader's 128-d features to held-out real faces.
- `code_agreement`: for a model with attributes coded in z, how often samples show the value their z codes.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import torch
from torch import Tensor

from gankit.images import from_uint8
from gankit.metrics.stats import frechet_distance
from gankit.specs import PER_GROUP
from gankit_plugins.dcgan.face_reader import READERS, Reader, load_reader
from gankit_plugins.dcgan.faces import ATTRIBUTES, BINARY, draw_face, make_faces, random_labels

EQUATIONS = (("glasses,beard", "beard", "smile"), ("smile,long_hair", "smile", "glasses"),
             ("beard", "none", "glasses,long_hair"))
RUN_SPACING = 1024  # run r searches its groups from seed r * RUN_SPACING on
HELD_OUT_SEED = 2   # the readers' test faces; the GAN trains on seed 0, the readers on seed 1


@cache
def reader(kind: str) -> Reader:
    """The shipped reader of `kind`, loaded once per process (the figures read many batches)."""
    return load_reader(kind)


def expected(equation: tuple[str, str, str]) -> dict[str, int]:
    """What ``A − B + C`` should show, for each binary attribute named in the equation (1 = present)."""
    groups = [set(g.split(",")) - {"none"} for g in equation]
    named = sorted(set().union(*groups))
    return {n: int((n in groups[0]) - (n in groups[1]) + (n in groups[2]) > 0) for n in named}


def _readings(samples: Tensor) -> dict[str, dict[str, Tensor]]:
    return {kind: reader(kind).read(samples) for kind in READERS}


def arithmetic_rates(model, equation: tuple[str, str, str], runs: int = 50, per_group: int = PER_GROUP) -> dict[str, float]:
    """Share of `runs` results (groups searched from different seeds) with each expected attribute, and with all."""
    results = []
    for run in range(runs):
        groups = [model.seeds_with(g, per_group, start=run * RUN_SPACING) for g in equation]
        means, _ = model.arithmetic(*groups, variations=1)
        results.append(means[3])
    want, name = expected(equation), " - ".join(equation[:2]) + " + " + equation[2]
    figures: dict[str, float] = {}
    for kind, reading in _readings(torch.stack(results)).items():
        right = {n: reading[n].eq(v) for n, v in want.items()}
        for n, ok in right.items():
            figures[f"{name}: {n} {'yes' if want[n] else 'no'}, {kind}"] = float(ok.float().mean())
        figures[f"{name}: all {len(want)} right, {kind}"] = float(torch.stack(list(right.values())).all(0).float().mean())
    return figures


def vector_rates(model, name: str = "glasses", n: int = 100, strength: float = 1.0, start: int = 50_000,
                 keep_others: bool = True) -> dict[str, float]:
    """Take the first `n` samples from seed `start` on that the CNN reader finds without `name`; add its vector at
    `strength` (1: the mean difference once): the share that gains it, and the share whose other attributes all
    stay (per reader, and each one).
    `keep_others`: the vector with the other attributes' directions taken out (the default), or the plain one."""
    seeds: list[int] = []
    first = start
    while len(seeds) < n:
        reading = model.attributes.read_seeds(range(first, first + 256))
        seeds += [first + int(i) for i in reading[name].eq(0).nonzero().flatten()]
        first += 256
    seeds = seeds[:n]
    pairs = [model.add_attribute(name, s, [0.0, strength], keep_others=keep_others) for s in seeds]
    before, after = torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])
    return _edit_rates(f"+{name} x{strength:g}" + ("" if keep_others else " (plain vector)"), name, before, after)


def drawn_edit_rates(name: str = "glasses", n: int = 1000, seed: int = HELD_OUT_SEED) -> dict[str, float]:
    """`vector_rates`' figures for `n` drawn faces without `name` and the same faces drawn with it: how far the
    readers themselves let a perfect edit score (what the readers get wrong, not what a model does)."""
    labels = np.random.default_rng(seed)
    before, after = [], []
    for k in range(n):
        row = random_labels(labels) | {name: 0}
        before.append(draw_face(row, np.random.default_rng((seed, k))))  # the same jitter for both
        after.append(draw_face(row | {name: 1}, np.random.default_rng((seed, k))))
    return _edit_rates(f"drawn faces, +{name}", name, from_uint8(np.stack(before)), from_uint8(np.stack(after)))


def _edit_rates(edit: str, name: str, before: Tensor, after: Tensor) -> dict[str, float]:
    """By each reader: the share of `after` with `name`, and the share with every other attribute as in `before`."""
    figures: dict[str, float] = {}
    for kind in READERS:
        old, new = reader(kind).read(before), reader(kind).read(after)
        others = [a for a in ATTRIBUTES if a != name]
        kept = torch.stack([old[a].eq(new[a]) for a in others])
        figures[f"{edit}: gains {name}, {kind}"] = float(new[name].eq(1).float().mean())
        figures[f"{edit}: keeps all other attributes, {kind}"] = float(kept.all(0).float().mean())
        for a, same in zip(others, kept):
            figures[f"{edit}: keeps {a}, {kind}"] = float(same.float().mean())
    return figures


def sample_rates(model, n: int = 2000, seed: int = 0, held_out: int = 5000) -> dict[str, Any]:
    """Each attribute value's share in `n` samples (CNN reader) and in `held_out` real faces (their labels)."""
    reading = reader("cnn").read(model.generate(n, seed=seed))
    _, labels = make_faces(held_out, seed=HELD_OUT_SEED)
    gaps: dict[str, float] = {}
    for i, (attribute, values) in enumerate(ATTRIBUTES.items()):
        for v, value in enumerate(values):
            gaps[f"{attribute}={value}"] = float(reading[attribute].eq(v).float().mean() - labels[:, i].eq(v).float().mean())
    worst = max(gaps, key=lambda k: abs(gaps[k]))
    return {"largest gap to the data's share (points)": round(100 * abs(gaps[worst]), 1), "largest gap at": worst,
            "value shares: sample minus data (points)": " ".join(f"{k} {100 * g:+.1f}" for k, g in gaps.items())}


@torch.no_grad()
def reader_fid(model, n: int = 2000, seed: int = 0) -> dict[str, float]:
    """FID in the CNN reader's features: samples vs held-out faces, and (for scale) training faces vs held-out."""
    cnn = reader("cnn")
    held_out, _ = make_faces(5000, seed=HELD_OUT_SEED)
    train, _ = make_faces(20000, seed=0)

    def stats(images: Tensor) -> tuple[np.ndarray, np.ndarray]:
        f = torch.cat([cnn.features(c) for c in images.split(256)]).double().numpy()
        return f.mean(0), np.cov(f, rowvar=False)

    real = stats(held_out)
    return {f"FID, reader features, {n} samples vs 5,000 held-out faces": frechet_distance(*stats(model.generate(n, seed=seed)), *real),
            f"FID, reader features, {n} training faces vs the same held-out (floor)": frechet_distance(*stats(train[:n]), *real)}


@torch.no_grad()
def code_agreement(model, n: int = 1000, seed: int = 0) -> dict[str, float]:
    """Share of `n` samples whose coded attributes (option attribute_codes) read as the slice their z falls in."""
    gan = model.gan
    if not gan.code_names:
        return {}
    z = gan.sample_latent(range(seed, seed + n))
    reading, coded = _readings(model.from_latents(z)), gan.coded_values(z)
    figures = {}
    for i, name in enumerate(gan.code_names):
        for kind, read in reading.items():
            figures[f"z codes {name}: sample shows it, {kind}"] = float(read[name].eq(coded[:, i]).float().mean())
    return figures


def face_attributes(model, data: str | None = None, n: int = 2000, seed: int = 0, data_root=None) -> dict[str, Any]:
    """The ``face-attributes`` metric: attribute shares against the data's and the reader FID (``faces`` models)."""
    return {**sample_rates(model, n, seed), **reader_fid(model, n, seed)}


def measure(model, runs: int = 50, vectors: int = 100, samples: int = 2000) -> dict[str, Any]:
    """Every figure of the model card."""
    figures: dict[str, Any] = {}
    for equation in EQUATIONS:
        figures |= arithmetic_rates(model, equation, runs)
    for name in BINARY:
        figures |= vector_rates(model, name, vectors)
    figures |= vector_rates(model, "glasses", vectors, keep_others=False)  # what taking the others out buys
    figures |= vector_rates(model, "glasses", vectors, strength=2.0)  # what pushing twice as far costs
    figures |= drawn_edit_rates("glasses")  # the readers' own ceiling for the vector figures
    figures |= code_agreement(model)
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in (figures | face_attributes(model, n=samples)).items()}
