"""Sample attributes read by a model's attribute reader: seeds chosen by attribute, and attribute vectors.

A model whose `ModelSpec.attribute_reader` names a loader gets a reader: a torch module with ``attributes``
(name → value names; the binary ones are ``("no", "yes")``) and ``read(samples) -> {name: (N,) value index}``.
With it, a group of latent arithmetic can be named by attributes (``glasses,beard``): the seeds whose samples
the reader finds with exactly those binary attributes and none of the others, as the DCGAN paper picked its
groups by eye; and an attribute vector is the mean latent of samples with an attribute minus the mean of those
without (§6.3 of the paper uses such differences, e.g. the "smiling woman − neutral woman" vector), by default with
the other attributes' directions projected out so that they stay as they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import torch
from torch import Tensor
from tqdm.auto import tqdm

from gankit.errors import GankitError
from gankit.specs import BINARY, PER_GROUP, VECTOR_SAMPLES, check_per_group, import_object

if TYPE_CHECKING:
    from gankit.api import Model

NONE = "none"
"""The group name for "none of the binary attributes"."""
SEARCH_LIMIT = 20_000
"""The most seeds read while looking for one group."""
CHUNK = 256
MAIN_SPAN = 0.25
"""The other attributes' principal axes a kept vector is made orthogonal to: those this share of the first's weight."""


class Attributes:
    """A model's attribute reader, bound to the model: reads seeded samples, finds seeds, makes vectors."""

    def __init__(self, model: Model) -> None:
        spec = model.spec
        if not spec.attribute_reader:
            raise GankitError(f"model {spec.name!r} has no attribute reader, so it cannot pick samples or make vectors "
                              "by attribute name; give arithmetic groups as seeds (e.g. 1,4,9)")
        self.model = model
        self.reader = import_object(spec.attribute_reader)().to(model.device).eval()
        self.names: dict[str, tuple[str, ...]] = dict(self.reader.attributes)
        self.binary = tuple(n for n, values in self.names.items() if tuple(values) == BINARY)
        self._vectors: dict[tuple, Tensor] = {}
        self._chunks: dict[tuple, dict[str, Tensor]] = {}  # readings of seed chunks (see _chunk)

    def parse(self, text: str | Sequence[str]) -> frozenset[str]:
        """``"glasses,beard"`` (or a list of names; ``none`` for no attribute) → the set of binary attributes."""
        parts = [p for p in (text.replace(" ", "").split(",") if isinstance(text, str) else text) if p]
        names = frozenset(p for p in parts if p != NONE)
        unknown = sorted(names - set(self.binary))
        if unknown or not parts:
            what = f"unknown attribute {', '.join(unknown)}" if unknown else "no attribute named"
            raise GankitError(f"{what} for {self.model.spec.name!r}; it reads {', '.join(self.binary)} (or '{NONE}')")
        return names

    @torch.no_grad()
    def read(self, samples: Tensor) -> dict[str, Tensor]:
        """Each attribute's value index, (N,) per attribute, for samples as the model makes them."""
        return {k: v.cpu() for k, v in self.reader.read(samples.to(self.model.device)).items()}

    def has(self, reading: dict[str, Tensor], names: frozenset[str]) -> Tensor:
        """(N,) bool: exactly the binary attributes `names`, none of the other binary ones."""
        rows = torch.ones_like(next(iter(reading.values())), dtype=torch.bool)
        for name in self.binary:
            rows &= reading[name].eq(int(name in names))
        return rows

    def read_seeds(self, seeds: range, truncation: float = 1.0, **inputs: Any) -> dict[str, Tensor]:
        """The reading of the samples of consecutive `seeds`."""
        return self.read(self.model.generate(len(seeds), seed=seeds.start, truncation=truncation, **inputs))

    def find_seeds(self, names: frozenset[str], count: int = PER_GROUP, start: int = 0, truncation: float = 1.0,
                   limit: int = SEARCH_LIMIT, **inputs: Any) -> list[int]:
        """The first `count` seeds from `start` on whose samples have exactly the binary attributes `names`."""
        check_per_group(count)
        found: list[int] = []
        for first in range(start, start + limit, CHUNK):
            hits = self.has(self._chunk(first, truncation, inputs), names)
            found += [first + int(i) for i in hits.nonzero().flatten()]
            if len(found) >= count:
                return found[:count]
        label = ",".join(sorted(names)) or NONE
        raise GankitError(f"only {len(found)} of seeds {start}…{start + limit - 1} make samples with exactly {label!r} "
                          f"(wanted {count}); ask for fewer (--per-group) or another combination")

    def vector(self, name: str, n: int = VECTOR_SAMPLES, truncation: float = 1.0, keep_others: bool = True,
               **inputs: Any) -> Tensor:
        """Mean latent of samples with binary attribute `name` minus the mean of those without (seeds 0…n-1).

        With `keep_others`, the part of it along the other attributes' vectors (for each value of each other
        attribute, the mean latent of samples with that value minus the mean of the rest; their main span, see
        `_without`) is taken out and the rest stretched back to its length, so that following it changes them less:
        InterFaceGAN's conditional manipulation (Shen et al. 2020), with mean differences as the directions.
        """
        names = self.parse([name])
        if len(names) != 1:
            raise GankitError(f"name one attribute to add or remove: {', '.join(self.binary)}")
        (name,) = names
        key = (name, n, truncation, keep_others, _key(inputs))
        if key not in self._vectors:
            latents = self.model.gan.sample_latent(range(n), truncation)
            firsts = tqdm(range(0, n, CHUNK), desc=f"reading {n} samples for the {name} vector", unit="chunk",
                          leave=False, disable=None)  # a bar on a terminal only
            chunks = [self._chunk(first, truncation, inputs) for first in firsts]
            reading = {k: torch.cat([c[k] for c in chunks])[:n] for k in self.names}
            vector = _difference(latents, reading[name].bool())
            if vector is None:
                raise GankitError(f"all {n} samples read the same for {name!r}: no direction to follow; "
                                  "use more samples")
            if keep_others:
                vector = _without(vector, self._other_directions(latents, reading, name))
                if vector is None:
                    raise GankitError(f"with the other attributes' directions taken out, nothing of {name!r} is left "
                                      f"in {n} samples; use more samples (or --no-keep-others)")
            self._vectors[key] = vector
        return self._vectors[key]

    def _chunk(self, first: int, truncation: float, inputs: dict[str, Any]) -> dict[str, Tensor]:
        """The reading of seeds `first`…`first` + CHUNK - 1, read once: seed searches and vectors share it."""
        key = (first, truncation, _key(inputs))
        if key not in self._chunks:
            self._chunks[key] = self.read_seeds(range(first, first + CHUNK), truncation, **inputs)
        return self._chunks[key]

    def _other_directions(self, latents: Tensor, reading: dict[str, Tensor], name: str) -> list[Tensor]:
        """The mean differences of every value of every attribute but `name` (one per binary attribute)."""
        masks = []
        for other, values in self.names.items():
            if other != name:
                binary = other in self.binary
                masks += [reading[other].bool()] if binary else [reading[other].eq(v) for v in range(len(values))]
        return [d for d in (_difference(latents, m) for m in masks) if d is not None]


def _difference(latents: Tensor, mask: Tensor) -> Tensor | None:
    """Mean latent where `mask` holds minus the mean where it does not; None if it holds everywhere or nowhere."""
    if mask.all() or not mask.any():
        return None
    return latents[mask].mean(0) - latents[~mask].mean(0)


def _without(vector: Tensor, directions: list[Tensor]) -> Tensor | None:
    """`vector` with its projection on the main span of `directions` taken out, as long as it was; None if nothing
    is left (few samples: their latents' differences span little).

    The main span: the directions' principal axes down to `MAIN_SPAN` of the first one's weight. A many-valued
    attribute's value directions are nearly dependent (a middle value's is mostly sampling noise); their whole span
    would also take out much of `vector` itself (dcgan-faces' long-hair vector added long hair to 36% of faces)."""
    if not directions:
        return vector
    axes, weights, _ = torch.linalg.svd(torch.stack([d.flatten() for d in directions], 1), full_matrices=False)
    basis = axes[:, weights > MAIN_SPAN * weights[0]]
    flat = vector.flatten()
    rest = flat - basis @ (basis.T @ flat)
    if rest.norm() < 1e-3 * flat.norm():
        return None
    return (rest * (flat.norm() / rest.norm())).view_as(vector)


def _key(inputs: dict[str, Any]) -> str:
    """A cache key for sampling inputs (their values may be lists or paths)."""
    return repr(sorted(inputs.items()))
