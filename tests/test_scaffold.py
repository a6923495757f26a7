"""`gankit new-plugin`: a plugin written in one command installs, shows, trains, samples and passes its own test."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PIL import Image

from tests.conftest import assert_one_line_error, run_gankit

TASKS = {  # task: (plugin name, small training options, run arguments)
    "unconditional-image": ("mygan", ["-o", "width=8", "--steps", "50"], []),  # the issue's `--steps 50`
    "voxel": ("myvoxels", ["-o", "width=4", "--steps", "10"], []),
    "text-to-image": ("mytext", ["-o", "width=8", "--steps", "10"], ["--text", "a small green square on a red background"]),
    "next-frame-video": ("myclips", ["-o", "width=8", "--steps", "10"], ["--frames", "2"]),
}


@pytest.fixture(scope="module")
def plugins(tmp_path_factory):
    """One new plugin per task with a template, pip-installed as their own distributions into a private folder,
    and listed by `gankit plugins`."""
    root = tmp_path_factory.mktemp("new-plugins")
    for task, (name, _, _) in TASKS.items():
        result = run_gankit("new-plugin", name, "--task", task, "--dir", root)
        assert result.returncode == 0 and f"wrote the plugin gankit-{name}" in result.stdout, result.stderr
    site = root / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                                "--target", str(site), *(str(root / name) for name, _, _ in TASKS.values())],
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    env = {"PYTHONPATH": str(site)}
    listing = run_gankit("plugins", env=env).stdout
    for name, _, _ in TASKS.values():
        assert f"{name}  (gankit-{name} 0.1.0)" in listing and f"model    {name}" in listing, listing
    return root, env


@pytest.mark.parametrize("task", TASKS)
def test_new_plugin_shows_trains_and_samples(plugins, task, tmp_path):
    root, env = plugins
    name, options, inputs = TASKS[task]
    run = tmp_path / "run"
    trained = run_gankit("train", name, "--out", run, "--quiet", *options, env=env)
    assert trained.returncode == 0, trained.stderr
    sampled = run_gankit("run", run, "--n", 4, *inputs, "--out", tmp_path / "x.png", env=env)
    assert sampled.returncode == 0, sampled.stderr
    assert Image.open(tmp_path / "x.png").size[0] > 32
    assert "import torch" not in (root / name / f"gankit_{name}" / "__init__.py").read_text()  # cheap to list


def test_new_plugins_own_test_passes(plugins):
    root, env = plugins
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=root / "mygan",
                            capture_output=True, text=True, env={**os.environ, **env}, timeout=600)
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout[-2000:]


def test_new_plugin_refuses_what_it_cannot_write(tmp_path, thirdparty_site):
    assert_one_line_error(run_gankit("new-plugin", "Bad Name", "--dir", tmp_path), "lowercase letters")
    assert_one_line_error(run_gankit("new-plugin", "dcgan", "--dir", tmp_path), "already registered")
    assert_one_line_error(run_gankit("new-plugin", "mine", "--task", "class-conditional-image", "--dir", tmp_path,
                                     env={"PYTHONPATH": str(thirdparty_site)}), "no plugin template", "unconditional-image")
    assert_one_line_error(run_gankit("new-plugin", "mine", "--task", "nosuch", "--dir", tmp_path), "unknown task 'nosuch'")
    (tmp_path / "taken").mkdir()
    assert_one_line_error(run_gankit("new-plugin", "taken", "--dir", tmp_path), "already exists")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]  # nothing half-written
