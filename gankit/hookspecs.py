"""Every hook a gankit plugin can implement.

A plugin is a module named in the ``gankit`` entry-point group of its distribution's metadata::

    [project.entry-points.gankit]
    mygan = "mygan_package.plugin"

and implements any of these hooks with ``@gankit.hookimpl``. Each ``register_*`` hook receives a
``register`` callback; calling it adds one item to gankit's registry. Registration must stay cheap:
name the heavy code by an import string (``"package.module:attribute"``) so that listing plugins or
printing ``--help`` never imports torch.
"""

from __future__ import annotations

from typing import Callable

import pluggy

hookspec = pluggy.HookspecMarker("gankit")


@hookspec
def register_tasks(register: Callable) -> None:
    """Register kinds of GAN output: call ``register(TaskSpec(...))`` once per task.

    A task declares what sampling takes (typed inputs such as ``text`` or ``label``), how samples are written
    (writers by ``--out`` suffix or folder), the preview picture, its Hub pipeline tag and which trainer
    features apply. Called first when the registry is built, so models of any plugin can name the task.
    See `gankit.specs.TaskSpec`; the core registers ``unconditional-image`` through this hook too.
    """


@hookspec
def register_models(register: Callable) -> None:
    """Register GAN models: call ``register(ModelSpec(...))`` once per model.

    Called once, when the registry is first built. See `gankit.specs.ModelSpec`.
    """


@hookspec
def register_datasets(register: Callable) -> None:
    """Register built-in data sets: call ``register(DatasetSpec(...))`` once per data set.

    Called once, when the registry is first built. See `gankit.specs.DatasetSpec`.
    """


@hookspec
def register_feature_extractors(register: Callable) -> None:
    """Register feature spaces for metrics: call ``register(FeatureExtractorSpec(...))`` once per extractor.

    Called once, when the registry is first built. See `gankit.specs.FeatureExtractorSpec`.
    """


@hookspec
def register_text_encoders(register: Callable) -> None:
    """Register text encoders for text-conditioned models: call ``register(TextEncoderSpec(...))`` once per encoder.

    A model records the name of its encoder in its options, so that sampling encodes prompts as training did.
    Called once, when the registry is first built. See `gankit.specs.TextEncoderSpec`.
    """


@hookspec
def register_metrics(register: Callable) -> None:
    """Register metrics for ``gankit eval --metrics``: call ``register(MetricSpec(...))`` once per metric.

    Called once, when the registry is first built. See `gankit.specs.MetricSpec`.
    """


@hookspec
def register_commands(cli) -> None:
    """Add commands to the ``gankit`` CLI: ``cli`` is the root `click.Group`; use ``@cli.command()``.

    Called when the CLI starts, before it parses the command line.
    """
