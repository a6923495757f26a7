"""The plugin system: listing, conflicts, broken plugins, third-party plugins, and a fast CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import gankit
from gankit.registry import get_registry
from gankit.specs import ModelSpec, Option
from tests.conftest import assert_one_line_error, run_gankit

def test_plugins_lists_package_version_and_registrations(cli):
    result = cli("plugins")
    assert result.code == 0
    assert "dcgan  (gankit 0.1.0)" in result.out and "model    dcgan" in result.out and "data set digits" in result.out
    listed = {p["name"]: p for p in json.loads(cli("plugins", "--json").out)}
    assert listed["dcgan"]["models"] == ["dcgan", "dcgan-faces"] and listed["dcgan"]["datasets"] == ["digits", "faces"]


class Duplicate:
    @gankit.hookimpl
    def register_models(self, register):
        register(ModelSpec("dcgan", "unconditional-image", "gankit_plugins.dcgan.model:DCGAN"))


@pytest.fixture
def plugin_object():
    """Register plugin objects for one test: ``plugin_object(obj, name)``; removed afterwards."""
    registry = get_registry()
    added = []

    def add(obj, name):
        registry.add(obj, name)
        added.append(name)

    yield add
    for name in added:
        registry.remove(name)
    registry.collect()


def test_a_name_registered_twice_breaks_both_plugins_and_nothing_else(plugin_object, cli):
    plugin_object(Duplicate(), "copycat")
    registry = get_registry()
    assert "dcgan" not in registry.models and "digits" in registry.datasets  # the rest of plugin dcgan still works
    for plugin, other in (("dcgan", "'copycat'"), ("copycat", "'dcgan'")):
        assert f"model 'dcgan' is also registered by plugin {other}" in registry.plugins[plugin].error
    listing = cli("plugins")
    assert listing.code == 0 and listing.out.count("BROKEN: model 'dcgan' is also registered") == 2


class Careless:
    """A plugin with three mistakes a newcomer makes; each must show in `gankit plugins`, not at train time."""

    @gankit.hookimpl
    def register_models(self, register):
        register(ModelSpec("wrongtask", "audio-clip", "gankit_plugins.dcgan.model:DCGAN"))
        register(ModelSpec("wrongknob", "unconditional-image", "gankit_plugins.dcgan.model:DCGAN", train_defaults={"learning_rate": 1}))
        register(ModelSpec("wrongbuilder", "unconditional-image", "gankit_plugins.nothing_here:Model"))
        register(ModelSpec("fine", "unconditional-image", "gankit_plugins.dcgan.model:DCGAN", options={"image_size": Option(16)}))


def test_impossible_registrations_are_reported_when_the_plugin_is_collected(plugin_object, cli):
    plugin_object(Careless(), "careless")
    error = get_registry().plugins["careless"].error
    assert "model 'wrongtask': unknown task 'audio-clip'; registered tasks: " in error and "unconditional-image" in error
    assert "model 'wrongknob': train_defaults has 'learning_rate', which TrainConfig does not have" in error
    assert "model 'wrongbuilder': builder 'gankit_plugins.nothing_here:Model' does not name an importable" in error
    assert set(get_registry().models) >= {"fine", "dcgan"} and "wrongtask" not in get_registry().models
    assert "BROKEN: model 'wrongtask'" in cli("plugins").out
    assert_one_line_error(cli("train", "wrongtask"), "unknown model 'wrongtask'")


class Knobs:
    @gankit.hookimpl
    def register_models(self, register):
        register(ModelSpec("critic", "unconditional-image", "gankit_plugins.dcgan.model:DCGAN", description="a WGAN-like model",
                           options={"image_size": Option(16, "size"), "channels": Option(1, "channels"), "ngf": Option(8, "G width"),
                                    "ndf": Option(8, "D width"), "latent_dim": Option(100, "z")},
                           default_dataset="digits", train_defaults={"d_steps": 5, "lr_g": 1e-4}))


def test_a_model_without_weights_shows_its_options_and_training_defaults(plugin_object, cli):
    plugin_object(Knobs(), "knobs")
    shown = cli("info", "critic")
    assert shown.code == 0, shown
    assert "ngf = 8 (int): G width" in shown.out and "d_steps=5" in shown.out and "none bundled" in shown.out
    assert json.loads(cli("info", "critic", "--json").out)["train_defaults"] == {"d_steps": 5, "lr_g": 1e-4}
    listed = {p["name"]: p for p in json.loads(cli("plugins", "--json").out)}
    assert listed["knobs"]["model_details"][0]["options"]["ndf"]["default"] == 8
    help_text = " ".join(cli("train", "critic", "--help").out.split())
    assert "[default (model critic): 5]" in help_text and "[default (model critic): 0.0001]" in help_text
    assert "[default: 1]" in " ".join(cli("train", "dcgan", "--help").out.split())  # --d-steps of a plain model


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


def test_help_plugins_and_fid_of_statistics_do_not_import_torch_or_gradio(tmp_path):
    import numpy as np

    for name in ("a", "b"):
        np.savez(tmp_path / f"{name}.npz", mu=np.zeros(8) + (name == "b"), sigma=np.eye(8))
    commands = [["--help"], ["plugins"], ["train", "--help"], ["train", "dcgan", "--help"], ["run", "dcgan", "--help"],
                ["metrics", "list"], ["serve", "--help"], ["export", "--help"], ["new-plugin", "--help"],
                ["fid", str(tmp_path / "a.npz"), str(tmp_path / "b.npz")]]
    code = ("import sys; from gankit.cli import main\n"
            f"for args in {commands!r}:\n"
            "    try: main(args)\n"
            "    except SystemExit as exc: assert not exc.code, (args, exc.code)\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n"
            "assert 'gradio' not in sys.modules, 'gradio was imported'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "FID: 8.000000" in result.stdout  # |mu_a - mu_b|^2 = 8, equal covariances


def test_plugin_commands_are_added_and_listed(tmp_path):
    fake_distribution(tmp_path, "hellocmd", """
        import click, gankit

        @gankit.hookimpl
        def register_commands(cli):
            @cli.command()
            def hello():
                "Say hello."
                click.echo("hello from a plugin")

            @cli.command()
            def info():
                "Would shadow the built-in info."
                click.echo("hijacked")
    """)
    env = {"PYTHONPATH": str(tmp_path)}
    assert run_gankit("hello", env=env).stdout.strip() == "hello from a plugin"
    listing = run_gankit("plugins", env=env).stdout
    assert "command  hello" in listing and "BROKEN: command 'info' already exists" in listing
    assert "unconditional-image" in run_gankit("info", "dcgan", env=env).stdout  # the built-in info still answers


def test_third_party_plugin_installs_trains_and_runs(thirdparty_cli, tmp_path):
    listing = thirdparty_cli("plugins")
    assert "cgan  (gankit-cgan 0.2.0)" in listing.stdout and "model    cgan" in listing.stdout, listing
    run = tmp_path / "cgan"
    result = thirdparty_cli("train", "cgan", "--out", run, "--steps", 6, "--batch-size", 16, "-o", "width=8", "--quiet")
    assert result.returncode == 0, result.stderr
    assert json.loads((run / "config.json").read_text())["plugin_package"] == "gankit-cgan"
    result = thirdparty_cli("run", run, "--n", 10, "--label", 4, "--out", tmp_path / "grid.png")
    assert result.returncode == 0 and (tmp_path / "grid.png").is_file(), result.stderr
    # without the plugin installed, the model says what to install
    result = run_gankit("run", run)
    assert "needs the gankit plugin 'cgan'" in result.stderr and "pip install gankit-cgan" in result.stderr


def test_a_new_kind_of_output_trains_runs_writes_and_is_measured(thirdparty_cli, tmp_path):
    """gankit-signals brings a task the core never heard of (1-D signals): every ordinary command serves it."""
    import wave

    import numpy as np
    from PIL import Image

    listing = thirdparty_cli("plugins").stdout
    assert "task     signal" in listing and "writes .wav, .npy, .png or a folder" in listing and "metric   spectrum" in listing
    run = tmp_path / "sig"
    result = thirdparty_cli("train", "siggan", "--out", run, "--steps", 30, "--quiet")
    assert result.returncode == 0, result.stderr
    preview = np.asarray(Image.open(run / "samples.png").convert("L"))  # line plots: mostly white, dark traces
    assert (preview == 255).mean() > 0.5 and (preview < 100).mean() > 0.01
    assert "pipeline_tag: signal" in (run / "README.md").read_text()

    assert thirdparty_cli("run", run, "--n", 3, "--rate", 16000, "--out", tmp_path / "x.wav").returncode == 0
    with wave.open(str(tmp_path / "x.wav")) as fh:
        assert (fh.getnchannels(), fh.getsampwidth(), fh.getframerate()) == (1, 2, 16000)
        assert fh.getnframes() == 3 * 256 + 2 * 1600  # three signals, two gaps of 0.1 s
    assert thirdparty_cli("run", run, "--n", 3, "--out", tmp_path / "x.npy").returncode == 0
    assert np.load(tmp_path / "x.npy").shape == (3, 1, 256)
    assert thirdparty_cli("run", run, "--n", 2, "--out", tmp_path / "wavs").returncode == 0
    assert sorted(p.name for p in (tmp_path / "wavs").iterdir()) == ["0000.wav", "0001.wav"]
    assert "--rate INTEGER" in thirdparty_cli("run", run, "--help").stdout
    assert_one_line_error(thirdparty_cli("run", run, "--out", tmp_path / "x.gif"), "task 'signal' cannot write .gif")
    walk = thirdparty_cli("interpolate", run, "--steps", 4, "--out", tmp_path / "walk.npy")
    assert walk.returncode == 0 and np.load(tmp_path / "walk.npy").shape == (4, 1, 256), walk.stderr

    measured = thirdparty_cli("eval", run, "--data", "sines", "--metrics", "spectrum", "--n", 200, "--json")
    assert measured.returncode == 0, measured.stderr
    assert 0 <= json.loads(measured.stdout)["spectrum_l1"] <= 2
    assert_one_line_error(thirdparty_cli("fid", "sines", run), "features 'inception' read image samples", "signal samples")
    assert_one_line_error(thirdparty_cli("eval", "digits", "dcgan", "--metrics", "spectrum"),
                          "metric 'spectrum' reads signal samples")
