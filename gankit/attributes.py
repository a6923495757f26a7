"""Sample attributes read by a model's attribute reader: seeds chosen by attribute, and attribute vectors.

A model whose `ModelSpec.attribute_reader` names a loader gets a reader: a torch module with ``attributes``
(name → value names; the binary ones are ``("no", "yes")``) and ``read(samples) -> {name: (N,) value index}``.
With it, a group of latent arithmetic can be named by attributes (``glasses,beard``): the seeds whose samples
the reader finds with exactly those binary attributes and none of the others, as the DCGAN paper picked its
groups by eye; and an attribute vector is the mean latent of samples with an attribute minus the mean of those
without (§6.3 of the paper uses such differences, e.g. the "smiling woman − neutral woman" vector).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import torch
from torch import Tensor

from gankit.errors import GankitError
from gankit.specs import import_object

if TYPE_CHECKING:
    from gankit.api import Model

BINARY = ("no", "yes")
NONE = "none"
"""The group name for "none of the binary attributes"."""
SEARCH_LIMIT = 20_000
"""The most seeds read while looking for one group."""
CHUNK = 256


class Attributes:
    """A model's attribute reader, bound to the model: reads seeded samples, finds seeds, makes vectors."""

    def __init__(self, model: Model) -> None:
        spec = model.spec
        if not spec.attribute_reader:
            raise GankitError(f"model {spec.name!r} has no attribute reader, so it cannot pick samples by attribute; "
                              "name arithmetic groups by seeds (e.g. 1,4,9)")
        self.model = model
        self.reader = import_object(spec.attribute_reader)().to(model.device).eval()
        self.names: dict[str, tuple[str, ...]] = dict(self.reader.attributes)
        self.binary = tuple(n for n, values in self.names.items() if tuple(values) == BINARY)
        self._vectors: dict[tuple, Tensor] = {}
        self._chunks: dict[tuple, dict[str, Tensor]] = {}  # readings of searched seed chunks: groups share them

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

    def find_seeds(self, names: frozenset[str], count: int = 3, start: int = 0, truncation: float = 1.0,
                   limit: int = SEARCH_LIMIT, **inputs: Any) -> list[int]:
        """The first `count` seeds from `start` on whose samples have exactly the binary attributes `names`."""
        if count < 1:
            raise GankitError(f"--per-group must be at least 1, got {count}")
        found: list[int] = []
        for first in range(start, start + limit, CHUNK):
            key = (first, truncation, _key(inputs))
            if key not in self._chunks:
                self._chunks[key] = self.read_seeds(range(first, first + CHUNK), truncation, **inputs)
            hits = self.has(self._chunks[key], names)
            found += [first + int(i) for i in hits.nonzero().flatten()]
            if len(found) >= count:
                return found[:count]
        label = ",".join(sorted(names)) or NONE
        raise GankitError(f"only {len(found)} of seeds {start}…{start + limit - 1} make samples with exactly {label!r} "
                          f"(wanted {count}); ask for fewer (--per-group) or another combination")

    def vector(self, name: str, n: int = 2000, truncation: float = 1.0, **inputs: Any) -> Tensor:
        """Mean latent of samples with binary attribute `name` minus the mean of those without (seeds 0…n-1)."""
        names = self.parse([name])
        if len(names) != 1:
            raise GankitError(f"name one attribute: {', '.join(self.binary)}")
        (name,) = names
        key = (name, n, truncation, _key(inputs))
        if key not in self._vectors:
            latents = self.model.gan.sample_latent(range(n), truncation)
            with_it = self.read_seeds(range(n), truncation, **inputs)[name].bool()
            if with_it.all() or not with_it.any():
                raise GankitError(f"all {n} samples read the same for {name!r}: no direction to follow; use more samples")
            self._vectors[key] = latents[with_it].mean(0) - latents[~with_it].mean(0)
        return self._vectors[key]


def _key(inputs: dict[str, Any]) -> str:
    """A cache key for sampling inputs (their values may be lists or paths)."""
    return repr(sorted(inputs.items()))
