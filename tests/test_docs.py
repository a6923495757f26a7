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
