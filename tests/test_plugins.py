"""The plugin system: listing, conflicts, broken plugins, third-party plugins, and a fast CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import gankit
from gankit.errors import GankitError
from gankit.registry import get_registry
from gankit.specs import DatasetSpec, ModelSpec
from tests.conftest import run_gankit

THIRD_PARTY = __import__("pathlib").Path(__file__).parent / "thirdparty" / "gankit-cgan"


def test_plugins_lists_package_version_and_registrations(cli):
    result = cli("plugins")
    assert result.code == 0
    assert "dcgan  (gankit 0.1.0)" in result.out and "model    dcgan" in result.out and "data set digits" in result.out
    listed = {p["name"]: p for p in json.loads(cli("plugins", "--json").out)}
    assert listed["dcgan"]["models"] == ["dcgan"] and listed["dcgan"]["datasets"] == ["digits"]


class Duplicate:
    @gankit.hookimpl
    def register_models(self, register):
        register(ModelSpec("dcgan", "unconditional-image", "nowhere:nothing"))


def test_a_name_registered_twice_names_both_plugins():
    registry = get_registry()
    registry.add(Duplicate(), "copycat")
    try:
        with pytest.raises(GankitError, match="'dcgan' is registered by both plugin 'dcgan' and plugin 'copycat'"):
            registry.collect()
    finally:
        registry.remove("copycat")
    registry.collect()
    assert registry.models["dcgan"].plugin == "dcgan"


def fake_distribution(folder, name, module_source):
    """An installed distribution as importlib.metadata finds it: a module and a dist-info with an entry point."""
    (folder / f"{name}.py").write_text(textwrap.dedent(module_source))
    info = folder / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[gankit]\n{name} = {name}\n")


def test_a_broken_plugin_is_reported_and_the_others_keep_working(tmp_path):
    fake_distribution(tmp_path, "brokenplug", "raise ImportError('needs libfoo')\n")
    env = {"PYTHONPATH": str(tmp_path)}
    result = run_gankit("plugins", env=env)
    assert result.returncode == 0, result.stderr
    assert "brokenplug  (brokenplug 1.0)" in result.stdout and "BROKEN: ImportError: needs libfoo" in result.stdout
    assert "model    dcgan" in result.stdout
    assert run_gankit("--help", env=env).returncode == 0


def test_help_and_plugins_do_not_import_torch():
    code = ("import sys; from gankit.cli import main\n"
            "for args in (['--help'], ['plugins'], ['train', '--help']):\n"
            "    try: main(args)\n"
            "    except SystemExit: pass\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_plugin_commands_are_added_and_listed(tmp_path):
    fake_distribution(tmp_path, "hellocmd", """
        import click, gankit

        @gankit.hookimpl
        def register_commands(cli):
            @cli.command()
            def hello():
                "Say hello."
                click.echo("hello from a plugin")
    """)
    env = {"PYTHONPATH": str(tmp_path)}
    assert run_gankit("hello", env=env).stdout.strip() == "hello from a plugin"
    assert "command  hello" in run_gankit("plugins", env=env).stdout


@pytest.fixture(scope="module")
def cgan_site(tmp_path_factory):
    """The example third-party plugin, installed with pip as its own distribution into a private folder."""
    target = tmp_path_factory.mktemp("site")
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                             "--target", str(target), str(THIRD_PARTY)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return target


def test_third_party_plugin_installs_trains_and_runs(cgan_site, tmp_path):
    env = {"PYTHONPATH": str(cgan_site)}
    listing = run_gankit("plugins", env=env)
    assert "cgan  (gankit-cgan 0.2.0)" in listing.stdout and "model    cgan" in listing.stdout, listing
    run = tmp_path / "cgan"
    result = run_gankit("train", "cgan", "--out", run, "--steps", 6, "--batch-size", 16, "-o", "width=8", "--quiet", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads((run / "config.json").read_text())["plugin_package"] == "gankit-cgan"
    result = run_gankit("run", run, "--n", 10, "--out", tmp_path / "grid.png", env=env)
    assert result.returncode == 0 and (tmp_path / "grid.png").is_file(), result.stderr
    # without the plugin installed, the model says what to install
    result = run_gankit("run", run)
    assert "needs the gankit plugin 'cgan'" in result.stderr and "pip install gankit-cgan" in result.stderr
