"""Documentation that cannot rot: every hook and every command is documented as it really is."""

from __future__ import annotations

import inspect
import runpy
from pathlib import Path

from gankit import hookspecs

ROOT = Path(__file__).resolve().parent.parent


def test_every_hook_is_documented_for_plugin_authors():
    doc = (ROOT / "docs" / "writing-plugins.md").read_text()
    hooks = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "gankit_spec")]
    assert hooks, "no hooks found"
    for name in hooks:
        assert f"`{name}(" in doc, f"hook {name} is not described in docs/writing-plugins.md"


def test_cli_reference_matches_the_help_texts():
    render = runpy.run_path(str(ROOT / "scripts" / "make_cli_docs.py"))["render"]
    assert (ROOT / "docs" / "cli.md").read_text() == render(), "docs/cli.md is stale: run python scripts/make_cli_docs.py"


def test_help_paragraphs_wrap_without_the_docstrings_indentation():
    import re

    reference = (ROOT / "docs" / "cli.md").read_text()
    assert not re.search(r"[a-z.,]     +[a-z]", reference), "a help text keeps its docstring's indentation"


def test_training_reference_matches_trainconfig():
    render = runpy.run_path(str(ROOT / "scripts" / "make_cli_docs.py"))["render_training"]
    assert (ROOT / "docs" / "training.md").read_text() == render(), "docs/training.md is stale: run python scripts/make_cli_docs.py"


def documented_command_lines() -> list[tuple[str, str]]:
    """Every ``gankit …`` command line in README.md and docs/*.md: code blocks and inline code, with its file."""
    import re

    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text()
        blocks = "\n".join(re.findall(r"```[a-z]*\n(.*?)```", text, re.S))
        lines = [line.split(" #")[0] for line in blocks.splitlines()]
        lines += re.findall(r"`(gankit [^`]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
        for line in lines:
            for part in re.split(r"&&|\|\||;|\|", line):
                part = part.strip().removeprefix("$ ").strip()
                if part.startswith("gankit "):
                    found.append((path.name, part))
    return found


def test_every_documented_command_and_option_exists(monkeypatch):
    """Docs name only commands and options that exist with that spelling (task options of any installed task)."""
    import shlex
    import sys

    import click

    from gankit.cli import ModelCommand, cli
    from gankit.registry import get_registry

    for plugin in ("gankit-cgan", "gankit-signals"):  # the docs' third-party examples, registered in this process
        monkeypatch.syspath_prepend(str(ROOT / "tests" / "thirdparty" / plugin))
    registry = get_registry()
    added = [(m, n) for m, n in (("gankit_cgan", "cgan-docs"), ("gankit_signals", "signals-docs"))
             if not registry.pm.is_registered(__import__(m))]  # a built copy's metadata may have loaded it already
    for module, name in added:
        registry.add(__import__(module), name)
    try:
        task_flags = set()
        for task in registry.tasks.values():
            task_flags |= {"--" + n.replace("_", "-") for n in [*task.inputs, *task.writer_options()]}
            task_flags |= {"--no-" + n.replace("_", "-") for n, o in task.writer_options().items() if o.type is bool}
        for spec in registry.models.values():  # `gankit train MODEL` takes MODEL's options as flags
            task_flags |= {"--" + n.replace("_", "-") for n in spec.options}
        lines = documented_command_lines()
        assert len(lines) > 30, "the docs' command lines were not found"
        root = click.Context(cli, info_name="gankit")
        for source, line in lines:
            words = shlex.split(line.replace("…", ""))[1:]
            if not words or words[0].startswith("-"):
                continue
            for name in words[0].split("/"):
                command = cli.commands.get(name)
                assert command is not None, f"{source}: `{line}` names no command {name!r}"
                rest = words[1:]
                if isinstance(command, click.Group):
                    assert rest and rest[0] in command.commands, f"{source}: `{line}`: no such subcommand"
                    command, rest = command.commands[rest[0]], rest[1:]
                ctx = click.Context(command, info_name=name, parent=root)
                known = {o for p in command.get_params(ctx) for o in [*p.opts, *p.secondary_opts]}
                if isinstance(command, ModelCommand):
                    known |= task_flags
                for word in rest:
                    if word.startswith("-") and word not in ("-", "--") and not word[2:].isupper():  # --NAME: a placeholder
                        assert word.split("=")[0] in known, f"{source}: `{line}`: gankit {name} has no option {word}"
    finally:
        for module, name in added:
            registry.remove(name)
            sys.modules.pop(module, None)
