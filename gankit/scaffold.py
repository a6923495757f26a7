"""`gankit new-plugin NAME`: a ready-to-install third-party plugin distribution for any task with a template.

The folder holds ``pyproject.toml`` (the ``gankit`` entry point), ``gankit_NAME/__init__.py`` (registration,
no torch), ``gankit_NAME/model.py`` (the task's template, copied), a test and a README. Right after
``pip install -e NAME/`` the model shows in ``gankit plugins``, trains and samples.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
import shutil
import tempfile
from pathlib import Path

from gankit.errors import GankitError
from gankit.registry import get_registry

NAME = re.compile(r"^[a-z][a-z0-9_-]{1,40}$")


def new_plugin(name: str, task: str = "unconditional-image", parent: str | Path = ".") -> Path:
    """Write the plugin distribution `name` for `task` into ``parent/name``; returns that folder."""
    if not NAME.match(name):
        raise GankitError(f"plugin name {name!r}: use 2-41 lowercase letters, digits, '-' or '_', starting with a letter")
    registry = get_registry()
    if name in registry.models:
        raise GankitError(f"a model named {name!r} is already registered (plugin {registry.models[name].plugin!r}); choose another name")
    spec = registry.task(task)
    if not spec.template:
        with_template = sorted(t.name for t in registry.tasks.values() if t.template)
        raise GankitError(f"task {task!r} has no plugin template; choose --task from: {', '.join(with_template)}")
    target = Path(parent).expanduser() / name
    if target.exists():
        raise GankitError(f"{target} already exists; choose another NAME or --dir")
    template = importlib.import_module(spec.template)
    package = "gankit_" + name.replace("-", "_")
    files = {
        "pyproject.toml": _pyproject(name, package, spec.description),
        f"{package}/__init__.py": _registration(name, package, task, template),
        f"{package}/model.py": _without_registration(inspect.getsource(template)),
        f"tests/test_{package}.py": _test(name, spec.example),
        "README.md": _readme(name, package, task, spec.example),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        for relative, text in files.items():
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            (staging / relative).write_text(text, encoding="utf-8")
        staging.rename(target)  # all files or none
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


REGISTRATION = ("OPTIONS", "DATASET", "TRAIN_DEFAULTS")
"""A template's literals that the new plugin's ``__init__.py`` registers (and its ``model.py`` then leaves out)."""


def _without_registration(source: str) -> str:
    lines = source.splitlines(keepends=True)
    for node in reversed(ast.parse(source).body):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") in REGISTRATION for t in node.targets):
            del lines[node.lineno - 1 : node.end_lineno]
    return re.sub(r"\n{4,}", "\n\n\n", "".join(lines))


def _py(value) -> str:
    """`value` as Python source, strings in double quotes."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py(k)}: {_py(v)}" for k, v in value.items()) + "}"
    return json.dumps(value) if isinstance(value, str) else repr(value)


def _pyproject(name: str, package: str, what: str) -> str:
    return f'''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "gankit-{name}"
version = "0.1.0"
description = "The {name} GAN, a gankit plugin ({what})"
requires-python = ">=3.10"
dependencies = ["gankit"]

[project.optional-dependencies]
test = ["pytest"]

[project.entry-points.gankit]
{name} = "{package}"

[tool.setuptools]
packages = ["{package}"]
'''


def _registration(name: str, package: str, task: str, template) -> str:
    options = "\n".join(f"                {_py(key)}: Option({_py(default)}, {_py(text)}),"
                        for key, (default, text) in template.OPTIONS.items())
    return f'''"""Registers the ``{name}`` model with gankit. Cheap to import: the networks load only when a model is built."""

import gankit
from gankit.specs import ModelSpec, Option


@gankit.hookimpl
def register_models(register):
    register(
        ModelSpec(
            name={_py(name)},
            task={_py(task)},
            builder="{package}.model:Model",
            description="my {task} GAN",
            options={{
{options}
            }},
            default_dataset={_py(template.DATASET)},
            train_defaults={_py(template.TRAIN_DEFAULTS)},
        )
    )
'''


def _test(name: str, example: dict) -> str:
    return f'''"""The plugin trains, samples the same pictures from the same seeds, and writes them."""

import torch

import gankit

INPUTS = {_py(example)}  # what the task's `gankit run` takes besides seeds


def test_trains_samples_and_writes(tmp_path):
    model = gankit.train({_py(name)}, out=tmp_path / "run", steps=20, progress=False)
    samples = model.generate(4, seed=0, **INPUTS)
    assert samples.shape[0] == 4 and torch.isfinite(samples).all()
    assert torch.equal(samples, model.generate(4, seed=0, **INPUTS))  # seeds are reproducible
    assert not torch.equal(samples, model.generate(4, seed=4, **INPUTS))
    print(model.write(samples, tmp_path / model.task_spec.default_out))
'''


def _readme(name: str, package: str, task: str, example: dict) -> str:
    inputs = "".join(f" --{k.replace('_', '-')} {str(v)!r}" for k, v in example.items())
    return f'''# gankit-{name}

A `{task}` GAN, a gankit plugin written by `gankit new-plugin {name} --task {task}`.

```bash
pip install -e .                        # registers the plugin through the `gankit` entry-point group
gankit plugins                          # lists {name}
gankit train {name} --steps 500 --out runs/{name}
gankit run runs/{name}{inputs}
pip install -e ".[test]" && pytest      # the plugin's own test
```

The networks are in `{package}/model.py`; the registration (options, default data set, training defaults) is
in `{package}/__init__.py`. gankit's docs/writing-plugins.md says what a model can override.
'''
