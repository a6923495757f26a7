"""`gankit space DIR MODEL…`: what a Hugging Face Space needs to run the `gankit serve` playground.

DIR gets ``app.py`` (the playground for MODEL…), ``requirements.txt`` (gankit with its serve extra, and the
plugin distributions the models need) and ``README.md`` with the Space's front matter (Gradio SDK).
``gankit push DIR user/name`` uploads it as a Space.
"""

from __future__ import annotations

from pathlib import Path

from gankit.errors import GankitError

APP = "app.py"


def write_space(folder: str | Path, models: list[str]) -> Path:
    """Write the Space for `models` (registered names or Hub ids: a Space cannot read local folders) into `folder`."""
    from gankit import __version__
    from gankit.hub import parse_model_id
    from gankit.registry import get_registry
    from gankit.resolve import model_spec

    if not models:
        raise GankitError("name at least one MODEL for the Space")
    registry = get_registry()
    packages = {"gankit[serve]"}
    for ref in models:
        if ref not in registry.models and (Path(ref).exists() or parse_model_id(ref) is None):
            raise GankitError(f"{ref}: a Space cannot read a local folder; push it first (gankit push {ref} user/name) "
                              "and give its Hub id")
        spec = model_spec(ref)
        package = registry.plugins[spec.plugin].package if spec.plugin in registry.plugins else "gankit"
        if package != "gankit":
            packages.add(package)
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise GankitError(f"{folder} is not empty; give a new folder for the Space")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / APP).write_text(
        '"""A gankit playground, written by `gankit space`."""\n\nfrom gankit.serve import build_app\n\n'
        f"demo = build_app({models!r})\n\n"
        'if __name__ == "__main__":\n    demo.queue(default_concurrency_limit=1).launch()\n', encoding="utf-8")
    (folder / "requirements.txt").write_text(
        f"# gankit {__version__} with its serve extra: from PyPI, or a `git+https://…` line for your copy\n"
        + "".join(f"{p}\n" for p in sorted(packages)), encoding="utf-8")
    (folder / "README.md").write_text(_card(models), encoding="utf-8")
    return folder


def _card(models: list[str]) -> str:
    try:
        import gradio

        sdk = gradio.__version__
    except ImportError:
        sdk = "4.44.0"
    names = ", ".join(models)
    return f"""---
title: gankit playground
emoji: 🎛️
colorFrom: indigo
colorTo: gray
sdk: gradio
sdk_version: {sdk}
app_file: {APP}
pinned: false
tags:
- gankit
- gan
---

# gankit playground: {names}

Seeds, truncation, a latent walk and each model's own inputs, in the browser. The same app runs locally:
`gankit serve {' '.join(models)}`.
"""


def is_space(folder: Path) -> bool:
    """Whether `folder` is what `write_space` writes (an ``app.py`` and no model ``config.json``)."""
    return (folder / APP).is_file() and not (folder / "config.json").is_file()
