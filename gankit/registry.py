"""The plugin manager and the registry it fills: which plugins are installed and what each registers.

Plugins are found through the ``gankit`` entry-point group, built-in and third-party alike. A plugin that
fails to import, registers a name another plugin has, or declares something impossible (an unknown task, a
training default that does not exist) is recorded as broken with its reason; the other plugins keep working.
Set ``GANKIT_DISABLE_PLUGIN_AUTOLOAD=1`` to load none (tests then register plugin objects by hand).
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib.util
import os
from dataclasses import dataclass, field, replace
from typing import Any

import pluggy

from gankit import hookspecs
from gankit.entrypoints import entry_points
from gankit.errors import GankitError
from gankit.specs import DatasetSpec, FeatureExtractorSpec, MetricSpec, ModelSpec, TaskSpec, TextEncoderSpec

ENTRY_POINT_GROUP = "gankit"

KINDS = {  # hook → (registry table, PluginInfo list, what users call it, spec type); tasks first: models name them
    "register_tasks": ("tasks", "task", TaskSpec),
    "register_models": ("models", "model", ModelSpec),
    "register_datasets": ("datasets", "data set", DatasetSpec),
    "register_feature_extractors": ("feature_extractors", "feature extractor", FeatureExtractorSpec),
    "register_metrics": ("metrics", "metric", MetricSpec),
    "register_text_encoders": ("text_encoders", "text encoder", TextEncoderSpec),
}


@dataclass
class PluginInfo:
    """One installed plugin: where it comes from and what it registered (or why it is broken)."""

    name: str
    package: str
    version: str
    tasks: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    feature_extractors: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    text_encoders: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    error: str | None = None

    def broken(self, reason: str) -> None:
        self.error = reason if not self.error else f"{self.error}; {reason}"


class _Table:
    """A registry table (name → spec), collected from the plugins on first access."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.private = "_" + name

    def __get__(self, registry: "Registry | None", owner: type | None = None) -> Any:
        if registry is None:
            return self
        registry.collect()
        return getattr(registry, self.private)


class Registry:
    """Tasks, models, data sets, feature extractors, metrics and text encoders by name, each with the plugin that registered it.

    Every table is collected from the plugins on first access, and again after a plugin is added or removed.
    """

    tasks: dict[str, TaskSpec] = _Table()
    models: dict[str, ModelSpec] = _Table()
    datasets: dict[str, DatasetSpec] = _Table()
    feature_extractors: dict[str, FeatureExtractorSpec] = _Table()
    metrics: dict[str, MetricSpec] = _Table()
    text_encoders: dict[str, TextEncoderSpec] = _Table()

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
        self.pm.add_hookspecs(hookspecs)
        self._plugins: dict[str, PluginInfo] = {}  # `plugins`: collected first, so that errors are current
        for table, _, _ in KINDS.values():
            setattr(self, "_" + table, {})
        self._collected = False

    @property
    def plugins(self) -> dict[str, PluginInfo]:
        """Every plugin by name, with what it registered and why it is broken (if it is)."""
        self.collect()
        return self._plugins

    # -- loading -------------------------------------------------------------------------------
    def load_entry_points(self) -> None:
        """Import every plugin of the entry-point group, recording failures instead of raising."""
        for ep in entry_points(ENTRY_POINT_GROUP):
            info = PluginInfo(ep.name, ep.dist, ep.version)
            if self.pm.has_plugin(ep.name) or ep.name in self._plugins:
                continue
            try:
                self.pm.register(ep.load(), name=ep.name)
            except Exception as exc:  # a broken third-party plugin must not break the CLI
                info.error = f"{type(exc).__name__}: {exc}"
            self._plugins[ep.name] = info

    def add(self, plugin: object, name: str, package: str = "?", version: str = "?") -> None:
        """Register a plugin object directly (tests, notebooks)."""
        self.pm.register(plugin, name=name)
        self._plugins[name] = PluginInfo(name, package, version)
        self._collected = False

    def remove(self, name: str) -> None:
        self.pm.unregister(name=name)
        self._plugins.pop(name, None)
        self._collected = False

    def collect(self) -> None:
        """Ask every plugin what it registers (once), then check it; problems mark the plugin broken."""
        if self._collected:
            return
        for info in self._plugins.values():
            if info.error and not self.pm.has_plugin(info.name):
                continue  # failed to import: keep that error
            info.error = None
        claims: dict[tuple[str, str], list[tuple[str, Any]]] = {}
        for hook, (table, kind, spec_type) in KINDS.items():
            getattr(self, "_" + table).clear()
            for info in self._plugins.values():
                getattr(info, table).clear()
            for impl in getattr(self.pm.hook, hook).get_hookimpls():
                plugin = impl.plugin_name
                info = self._plugins.setdefault(plugin, PluginInfo(plugin, "?", "?"))
                specs: list[Any] = []
                try:
                    impl.function(register=specs.append)
                    for spec in specs:
                        if not isinstance(spec, spec_type):
                            raise TypeError(f"{hook} registered a {type(spec).__name__}, not a {spec_type.__name__}")
                except Exception as exc:  # report the plugin, keep the others working
                    info.broken(f"{hook} failed: {type(exc).__name__}: {exc}")
                    continue
                for spec in specs:
                    claims.setdefault((table, spec.name), []).append((plugin, spec))
        for (table, name), owners in claims.items():
            kind = next(k for t, k, _ in KINDS.values() if t == table)
            if len(owners) > 1:
                plugins = [p for p, _ in owners]
                for plugin in plugins:
                    others = " and ".join(repr(p) for p in plugins if p != plugin) or "itself"
                    self._plugins[plugin].broken(f"{kind} {name!r} is also registered by plugin {others}; uninstall one of them")
                continue
            plugin, spec = owners[0]
            getattr(self, "_" + table)[name] = replace(spec, plugin=plugin)
            getattr(self._plugins[plugin], table).append(name)
        for name, spec in list(self._models.items()):
            problem = self._model_problem(spec)
            if problem:
                self._plugins[spec.plugin].broken(f"model {name!r}: {problem}")
                del self._models[name]
                self._plugins[spec.plugin].models.remove(name)
        self._collected = True

    def _model_problem(self, spec: ModelSpec) -> str | None:
        """Why a registered model cannot work, found without importing its code (or None)."""
        from gankit.trainconfig import TrainConfig

        if spec.task not in self._tasks:
            return f"unknown task {spec.task!r}; registered tasks: {', '.join(sorted(self._tasks)) or 'none'}"
        knobs = {f.name for f in dataclasses.fields(TrainConfig)}
        wrong = sorted(set(spec.train_defaults) - knobs)
        if wrong:
            return f"train_defaults has {', '.join(map(repr, wrong))}, which TrainConfig does not have (see docs/training.md)"
        module = spec.builder.partition(":")[0]
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found or ":" not in spec.builder:
            return f"builder {spec.builder!r} does not name an importable module:attribute"
        return None

    # -- lookups -------------------------------------------------------------------------------
    def _lookup(self, table: str, name: str, hint: str) -> Any:
        known = getattr(self, table)
        if name not in known:
            kind = next(k for t, k, _ in KINDS.values() if t == table)
            raise GankitError(f"unknown {kind} {name!r}{suggest(name, known)}; {hint}")
        return known[name]

    def task(self, name: str) -> TaskSpec:
        return self._lookup("tasks", name, "`gankit plugins` lists tasks; is the plugin that brings it installed?")

    def model(self, name: str) -> ModelSpec:
        return self._lookup("models", name, "`gankit plugins` lists them")

    def feature_extractor(self, name: str) -> FeatureExtractorSpec:
        return self._lookup("feature_extractors", name, "`gankit metrics list` shows them")

    def metric(self, name: str) -> MetricSpec:
        return self._lookup("metrics", name, "`gankit metrics list` shows them")

    def metric_options(self) -> dict[str, Any]:
        """Every option a registered metric declares (metrics that share a name share its declaration)."""
        merged: dict[str, Any] = {}
        for metric in self.metrics.values():
            for name, option in metric.options.items():
                merged.setdefault(name, option)
        return merged

    def text_encoder(self, name: str) -> TextEncoderSpec:
        return self._lookup("text_encoders", name, "`gankit plugins` lists them; is the plugin that brings it installed?")

    def dataset(self, name: str) -> DatasetSpec:
        return self._lookup("datasets", name, f"give a built-in name ({', '.join(sorted(self.datasets)) or 'none installed'}), "
                                              "a torchvision name or a folder")

    def task_of(self, spec: ModelSpec) -> TaskSpec:
        return self.task(spec.task)

    def folder_reader(self, sample_type: str) -> str:
        """The ``module:function`` that reads a folder of `sample_type` samples (a task's `folder_data`), or ``""``."""
        return next((t.folder_data for t in self.tasks.values() if t.sample_type == sample_type and t.folder_data), "")


def suggest(name: str, known: dict) -> str:
    """`` (did you mean 'x'?)`` for a close name, else nothing."""
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.5)
    return f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""


_registry: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, with entry-point plugins loaded (registrations are collected on first lookup)."""
    global _registry
    if _registry is None:
        _registry = Registry()
        from gankit import __version__, builtin

        _registry.add(builtin, "gankit", "gankit", __version__)  # the core's own registrations, through the same hooks
        if not os.environ.get("GANKIT_DISABLE_PLUGIN_AUTOLOAD"):
            _registry.load_entry_points()
    return _registry
