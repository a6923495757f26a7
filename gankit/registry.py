"""The plugin manager and the registry it fills: which plugins are installed and what each registers.

Plugins are found through the ``gankit`` entry-point group, built-in and third-party alike. A plugin that
fails to import is recorded with its error and skipped, so one broken package never breaks the others.
Set ``GANKIT_DISABLE_PLUGIN_AUTOLOAD=1`` to load none (tests then register plugin objects by hand).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field, replace
from importlib import metadata
from typing import Any

import pluggy

from gankit import hookspecs
from gankit.errors import GankitError
from gankit.specs import DatasetSpec, FeatureExtractorSpec, ModelSpec

ENTRY_POINT_GROUP = "gankit"


@dataclass
class PluginInfo:
    """One installed plugin: where it comes from and what it registered (or why it failed)."""

    name: str
    package: str
    version: str
    models: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    feature_extractors: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    error: str | None = None


class Registry:
    """Models and data sets by name, with the plugin that registered each."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.models: dict[str, ModelSpec] = {}
        self.datasets: dict[str, DatasetSpec] = {}
        self.feature_extractors: dict[str, FeatureExtractorSpec] = {}
        self._collected = False

    # -- loading -------------------------------------------------------------------------------
    def load_entry_points(self) -> None:
        """Import every plugin of the entry-point group, recording failures instead of raising."""
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist
            info = PluginInfo(ep.name, dist.name if dist else "?", dist.version if dist else "?")
            if self.pm.has_plugin(ep.name) or ep.name in self.plugins:
                continue
            try:
                self.pm.register(ep.load(), name=ep.name)
            except Exception as exc:  # a broken third-party plugin must not break the CLI
                info.error = f"{type(exc).__name__}: {exc}"
            self.plugins[ep.name] = info

    def add(self, plugin: object, name: str, package: str = "?", version: str = "?") -> None:
        """Register a plugin object directly (tests, notebooks)."""
        self.pm.register(plugin, name=name)
        self.plugins[name] = PluginInfo(name, package, version)
        self._collected = False

    def remove(self, name: str) -> None:
        self.pm.unregister(name=name)
        self.plugins.pop(name, None)
        self._collected = False

    def collect(self) -> None:
        """Ask every plugin what it registers (once)."""
        if self._collected:
            return
        tables = {"register_models": (self.models, "models"), "register_datasets": (self.datasets, "datasets"),
                  "register_feature_extractors": (self.feature_extractors, "feature_extractors")}
        for table, attr in tables.values():
            table.clear()
            for info in self.plugins.values():
                getattr(info, attr).clear()
        for hook, (table, attr) in tables.items():
            for impl in getattr(self.pm.hook, hook).get_hookimpls():
                info = self.plugins.setdefault(impl.plugin_name, PluginInfo(impl.plugin_name, "?", "?"))
                listing = getattr(info, attr)
                try:
                    impl.function(register=lambda spec, t=table, l=listing, n=impl.plugin_name: self._put(t, l, spec, n))
                except GankitError:
                    raise
                except Exception as exc:  # report the plugin, keep the others working
                    info.error = f"{hook} failed: {type(exc).__name__}: {exc}"
        self._collected = True

    def _put(self, table: dict, listing: list, spec: Any, plugin: str) -> None:
        if spec.name in table:
            kind = {ModelSpec: "model", DatasetSpec: "data set"}.get(type(spec), "feature extractor")
            raise GankitError(
                f"{kind} {spec.name!r} is registered by both plugin {table[spec.name].plugin!r} and plugin "
                f"{plugin!r}; uninstall one of them"
            )
        table[spec.name] = replace(spec, plugin=plugin)
        listing.append(spec.name)

    # -- lookups -------------------------------------------------------------------------------
    def model(self, name: str) -> ModelSpec:
        self.collect()
        if name not in self.models:
            raise GankitError(f"unknown model {name!r}{suggest(name, self.models)}; `gankit plugins` lists them")
        return self.models[name]

    def feature_extractor(self, name: str) -> FeatureExtractorSpec:
        self.collect()
        if name not in self.feature_extractors:
            raise GankitError(
                f"unknown features {name!r}{suggest(name, self.feature_extractors)}; `gankit metrics list` shows them"
            )
        return self.feature_extractors[name]

    def dataset(self, name: str) -> DatasetSpec:
        self.collect()
        if name not in self.datasets:
            raise GankitError(
                f"unknown data set {name!r}{suggest(name, self.datasets)}; give a built-in name "
                f"({', '.join(sorted(self.datasets)) or 'none installed'}), a torchvision name or a folder of images"
            )
        return self.datasets[name]


def suggest(name: str, known: dict) -> str:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.5)
    return f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""


_registry: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, with entry-point plugins loaded on first use."""
    global _registry
    if _registry is None:
        _registry = Registry()
        from gankit import __version__
        from gankit.metrics import builtin

        _registry.add(builtin, "gankit", "gankit", __version__)  # the core's own registrations (Inception features)
        if not os.environ.get("GANKIT_DISABLE_PLUGIN_AUTOLOAD"):
            _registry.load_entry_points()
    return _registry
