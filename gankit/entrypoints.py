"""The ``gankit`` entry points of every installed distribution, cached so that the CLI starts fast.

Scanning every distribution's metadata with :mod:`importlib.metadata` costs ~80 ms per start. The scan is
kept in ``<cache>/entry-points.json`` together with a fingerprint of the metadata it read (the path and
modification time of each ``entry_points.txt`` on ``sys.path`` and of each folder that holds them); any
install, removal or edit changes the fingerprint and the scan is redone. Set ``GANKIT_NO_EP_CACHE=1`` to
always scan.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
from dataclasses import dataclass

from gankit.io import cache_dir, write_json

_META_SUFFIXES = (".dist-info", ".egg-info")


@dataclass(frozen=True)
class EntryPoint:
    """One entry point: ``name = module[:attr]`` from distribution ``dist`` at ``version``."""

    name: str
    value: str
    dist: str
    version: str

    def load(self) -> object:
        module, _, attr = self.value.partition(":")
        obj: object = importlib.import_module(module.strip())
        for part in filter(None, attr.strip().split(".")):
            obj = getattr(obj, part)
        return obj


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of `group`, from the cache when the installed metadata has not changed."""
    key = _fingerprint()
    path = cache_dir() / "entry-points.json"
    if not os.environ.get("GANKIT_NO_EP_CACHE"):
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            if cached.get("key") == key and group in cached["groups"]:
                return [EntryPoint(**ep) for ep in cached["groups"][group]]
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no cache yet, or an unreadable one: scan
    found = _scan(group)
    try:
        write_json(path, {"key": key, "groups": {group: [ep.__dict__ for ep in found]}})
    except OSError:
        pass  # a read-only home only loses the speed-up
    return found


def _scan(group: str) -> list[EntryPoint]:
    from importlib import metadata

    found = []
    for ep in metadata.entry_points(group=group):
        dist = ep.dist
        found.append(EntryPoint(ep.name, ep.value, dist.name if dist else "?", dist.version if dist else "?"))
    return found


def _fingerprint() -> str:
    """A digest of where installed metadata lives and when each entry-point file last changed."""
    digest = hashlib.sha1()
    for entry in sys.path:
        try:
            stat = os.stat(entry or ".")
            children = os.scandir(entry or ".")
        except OSError:
            continue
        digest.update(f"{entry}\0{stat.st_mtime_ns}\n".encode())
        with children:
            for child in children:
                if child.name.endswith(_META_SUFFIXES):
                    try:
                        mtime = os.stat(os.path.join(child.path, "entry_points.txt")).st_mtime_ns
                    except OSError:
                        continue
                    digest.update(f"{child.name}\0{mtime}\n".encode())
    return digest.hexdigest()
