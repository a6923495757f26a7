"""Pull, push and run through the real huggingface_hub client against local Hub servers (olah + UploadServer).

Every gankit command runs in its own process with the user's HF_* variables, as a user would run it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from gankit.training import train
from tests.conftest import assert_one_line_error, run_gankit
from tests.hub_servers import commit_files, create_repo, git

HERE = Path(__file__).parent
WRITE, READ = "hf_write_token", "hf_read_token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Hub:
    endpoint: str
    mirrors: Path
    home: Path

    def env(self, **extra: str) -> dict[str, str]:
        return {"HF_ENDPOINT": self.endpoint, "HF_HOME": str(self.home), "HF_TOKEN": WRITE,
                "HF_HUB_DISABLE_TELEMETRY": "1", **extra}

    def gankit(self, *args, **env):
        return run_gankit(*args, env=self.env(**env))

    def add_repo(self, repo_id: str, files: dict[str, bytes], message: str = "upload") -> str:
        """Put a repo straight into the mirror (as if pushed by another tool); returns the commit id."""
        path = self.mirrors / "models" / repo_id
        if not path.exists():
            create_repo(self.mirrors, repo_id)
        return commit_files(path, "main", files, message)


def wait_ready(url: str, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.time() > deadline:
            raise RuntimeError(f"server at {url} did not start")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    mirrors = root / "mirrors"
    create_repo(mirrors, "probe/ready")
    olah_port, port = free_port(), free_port()
    (root / "olah.toml").write_text(f"""
[basic]
host = "127.0.0.1"
port = {olah_port}
repos-path = "{root / 'olah-cache'}"
mirrors-path = ["{mirrors}"]
hf-scheme = "http"
hf-netloc = "127.0.0.1:9"
hf-lfs-netloc = "127.0.0.1:9"
mirror-scheme = "http"
mirror-netloc = "127.0.0.1:{port}"
mirror-lfs-netloc = "127.0.0.1:{port}"
[accessibility]
offline = true
""")
    olah_cli = shutil.which("olah-cli") or str(Path(sys.executable).with_name("olah-cli"))
    (root / "logs").mkdir()
    olah = subprocess.Popen([olah_cli, "-c", str(root / "olah.toml"), "--log-path", str(root / "logs")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    upload = subprocess.Popen([sys.executable, str(HERE / "hub_servers.py"), "--port", str(port), "--olah", f"http://127.0.0.1:{olah_port}",
                               "--mirrors", str(mirrors), "--write-token", WRITE, "--read-token", READ],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_ready(f"http://127.0.0.1:{port}/api/models/probe/ready/revision/main", time.time() + 60)
        yield Hub(f"http://127.0.0.1:{port}", mirrors, root / "hf-home")
    finally:
        for proc in (upload, olah):
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("push") / "run"
    return train("dcgan", "digits", out, options={"ngf": 8, "ndf": 8, "image_size": 16}, steps=3, batch_size=16,
                 progress=False, command="gankit train dcgan --steps 3")


@pytest.fixture(scope="module")
def pushed(hub, run_dir):
    """`run_dir` pushed as alice/digits (the repo the tests that need one pushed model share)."""
    result = hub.gankit("push", run_dir, "alice/digits", "--message", "first model")
    assert result.returncode == 0, result.stderr
    return result


def model_files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in ("config.json", "model.safetensors", "README.md", "samples.png")}


def test_push_pull_run_round_trip(hub, run_dir, pushed, tmp_path):
    assert "pushed" in pushed.stdout and "/alice/digits/commit/" in pushed.stdout
    repo = hub.mirrors / "models" / "alice" / "digits"
    assert git(repo, "log", "-1", "--format=%s", "main") == "first model"
    files = set(git(repo, "ls-tree", "--name-only", "main").split())
    assert {"config.json", "model.safetensors", "README.md", "samples.png"} <= files and "checkpoint.safetensors" not in files

    pulled = hub.gankit("pull", "alice/digits")
    assert pulled.returncode == 0, pulled.stderr
    folder = Path(pulled.stdout.splitlines()[0].split(": ", 1)[1])
    assert folder.is_relative_to(hub.home / "hub") and (folder / "model.safetensors").is_file()
    assert "dcgan from plugin dcgan (unconditional-image)" in pulled.stdout and "revision" in pulled.stdout

    card = (folder / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: gankit\n") and "pipeline_tag: unconditional-image-generation" in card
    assert "gankit run alice/digits" in card and 'gankit.load("alice/digits")' in card and "gankit train dcgan --steps 3" in card
    assert "![samples](samples.png)" in card

    ran = hub.gankit("run", "alice/digits", "--n", 4, "--seed", 7, "--out", tmp_path / "hub.png")
    local = run_gankit("run", run_dir, "--n", 4, "--seed", 7, "--out", tmp_path / "local.png")
    assert ran.returncode == 0 and local.returncode == 0, ran.stderr
    assert (tmp_path / "hub.png").read_bytes() == (tmp_path / "local.png").read_bytes()
    info = json.loads(hub.gankit("info", "alice/digits", "--json").stdout)
    assert info["source"].startswith("Hub repo alice/digits") and info["training"]["steps"] == 3


@pytest.mark.slow  # 50 s of gankit processes; the default run covers pull errors, the cache offline, a push per test
def test_revisions_branch_tag_commit_and_cache(hub, run_dir, tmp_path):
    assert hub.gankit("push", run_dir, "bob/revs").returncode == 0
    repo = hub.mirrors / "models" / "bob" / "revs"
    first = git(repo, "rev-parse", "main")
    git(repo, "tag", "v1", first)
    assert hub.gankit("push", run_dir, "bob/revs", "--revision", "experiment", "--no-discriminator").returncode == 0
    branch_tip = git(repo, "rev-parse", "experiment")
    for revision, commit in (("v1", first), ("experiment", branch_tip), (first, first)):
        pulled = hub.gankit("pull", f"bob/revs@{revision}")
        assert pulled.returncode == 0, pulled.stderr
        assert Path(pulled.stdout.splitlines()[0].split(": ", 1)[1]).name == commit
    assert hub.gankit("run", "bob/revs", "--n", 2, "--out", tmp_path / "x.png").returncode == 0
    # the branch push left out the discriminator
    from safetensors import safe_open

    snapshot = next((hub.home / "hub").glob(f"models--bob--revs/snapshots/{branch_tip}"))
    with safe_open(str(snapshot / "model.safetensors"), "pt") as fh:
        assert not any(k.startswith("discriminator.") for k in fh.keys())
    # a second pull is served from the cache: the files are not written again
    weights = hub.home / "hub" / "models--bob--revs" / "blobs"
    before = {p: p.stat().st_mtime_ns for p in weights.iterdir()}
    assert hub.gankit("pull", "bob/revs@v1").returncode == 0
    assert {p: p.stat().st_mtime_ns for p in weights.iterdir()} == before
    # offline, the cache answers; what is not cached is a clear error
    offline = hub.gankit("run", "bob/revs@v1", "--n", 1, "--out", tmp_path / "off.png", HF_HUB_OFFLINE="1")
    assert offline.returncode == 0, offline.stderr
    assert_one_line_error(hub.gankit("pull", "bob/never-pulled", HF_HUB_OFFLINE="1"), "bob/never-pulled is not in the cache")


def test_missing_repos_and_revisions_are_one_line_errors(hub, pushed):
    assert_one_line_error(hub.gankit("pull", "nobody/nothing"), "repo nobody/nothing not found", "HF_TOKEN")
    assert_one_line_error(hub.gankit("pull", "alice/digits", "--revision", "nope"), "nope")
    assert_one_line_error(hub.gankit("run", "nobody/nothing"), "repo nobody/nothing not found")


def test_no_network_is_a_clear_error_and_the_cache_still_answers(hub, run_dir, pushed, tmp_path):
    dead = {"HF_ENDPOINT": "http://127.0.0.1:9"}  # nothing listens there
    assert_one_line_error(hub.gankit("pull", "gina/none", **dead), "gina/none is not in the cache and the Hub cannot be reached")
    assert_one_line_error(hub.gankit("push", run_dir, "gina/none", **dead), "cannot reach the Hub")
    assert hub.gankit("pull", "alice/digits").returncode == 0
    result = hub.gankit("run", "alice/digits", "--n", 1, "--out", tmp_path / "x.png", **dead)
    assert result.returncode == 0, result.stderr


def test_push_needs_a_token_with_write_access(hub, run_dir):
    assert_one_line_error(hub.gankit("push", run_dir, "dave/x", HF_TOKEN=""), "not logged in", "HF_TOKEN")
    assert_one_line_error(hub.gankit("push", run_dir, "dave/x", HF_TOKEN=READ), "no write access")
    assert_one_line_error(hub.gankit("push", run_dir, "not a repo id"), "is not a Hub repo id")
    # a token saved by the Hugging Face CLI (`hf auth login` writes $HF_HOME/token) is used as is
    hub.home.mkdir(parents=True, exist_ok=True)
    (hub.home / "token").write_text(WRITE)
    try:
        saved = hub.gankit("push", run_dir, "dave/saved-token", HF_TOKEN="")
        assert saved.returncode == 0, saved.stderr
    finally:
        (hub.home / "token").unlink()


def test_private_repos_need_a_token_to_pull(hub, run_dir):
    assert hub.gankit("push", run_dir, "erin/secret", "--private").returncode == 0
    assert_one_line_error(hub.gankit("pull", "erin/secret", HF_TOKEN=""), "erin/secret not found", "HF_TOKEN")
    assert hub.gankit("pull", "erin/secret", HF_TOKEN=READ).returncode == 0


def test_unsafe_or_foreign_repos_are_refused(hub, run_dir):
    hub.add_repo("mallory/pickled", {"pytorch_model.bin": b"\x80\x04not really", "config.json": b"{}"})
    assert_one_line_error(hub.gankit("pull", "mallory/pickled"), "only pickled weights (pytorch_model.bin)", "never unpickles")
    files = model_files(run_dir)
    config = json.loads(files["config.json"])
    hub.add_repo("mallory/unknown", {**files, "config.json": json.dumps({**config, "model": "stylegan9", "plugin": "stylegan9",
                                                                          "plugin_package": "gankit-stylegan9"}).encode()})
    assert_one_line_error(hub.gankit("pull", "mallory/unknown"), "needs the gankit plugin 'stylegan9'", "pip install gankit-stylegan9")
    hub.add_repo("mallory/extra", {**files, "config.json": json.dumps({**config, "options": {**config["options"], "cmd": "rm -rf /"}}).encode()})
    assert_one_line_error(hub.gankit("pull", "mallory/extra"), "has no option 'cmd'")
    hub.add_repo("mallory/truncated", {**files, "model.safetensors": files["model.safetensors"][:1000]})
    assert_one_line_error(hub.gankit("pull", "mallory/truncated"), "corrupt or truncated", "--force")


def test_python_api_load_and_push_to_hub(hub, run_dir):
    code = (
        "import gankit, sys\n"
        f"m = gankit.load({str(run_dir)!r})\n"
        "url = m.push_to_hub('frank/api', message='from python')\n"
        "again = gankit.load('frank/api')\n"
        "import torch; assert torch.equal(m.generate(2, seed=3), again.generate(2, seed=3))\n"
        "print(url)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **hub.env()})
    assert result.returncode == 0, result.stderr
    assert "/frank/api/commit/" in result.stdout


def test_a_plugin_task_round_trips_through_the_hub(hub, thirdparty_site, tmp_path):
    """A third-party task (1-D signals) is pushed, pulled and run through the ordinary commands."""
    import numpy as np

    env = {"PYTHONPATH": str(thirdparty_site)}
    run = tmp_path / "sig"
    assert hub.gankit("train", "siggan", "--out", run, "--steps", 3, "--quiet", **env).returncode == 0
    pushed = hub.gankit("push", run, "ivan/signals", **env)
    assert pushed.returncode == 0, pushed.stderr
    pulled = hub.gankit("pull", "ivan/signals", **env)
    assert pulled.returncode == 0 and "siggan from plugin signals (signal)" in pulled.stdout, pulled.stderr
    folder = Path(pulled.stdout.splitlines()[0].split(": ", 1)[1])
    assert (folder / "samples.png").is_file() and "pipeline_tag: signal" in (folder / "README.md").read_text()
    for source, name in ((run, "local.npy"), ("ivan/signals", "hub.npy")):
        assert hub.gankit("run", source, "--n", 2, "--seed", 4, "--out", tmp_path / name, **env).returncode == 0
    assert np.array_equal(np.load(tmp_path / "local.npy"), np.load(tmp_path / "hub.npy"))


def test_a_playground_space_is_written_and_pushed(hub, run_dir, pushed, tmp_path):
    space = tmp_path / "space"
    written = hub.gankit("space", space, "dcgan", "alice/digits")
    assert written.returncode == 0, written.stderr
    assert sorted(p.name for p in space.iterdir()) == ["README.md", "app.py", "requirements.txt"]
    front = (space / "README.md").read_text().split("---")[1]
    assert "sdk: gradio" in front and "app_file: app.py" in front and "sdk_version:" in front
    assert "build_app(['dcgan', 'alice/digits'])" in (space / "app.py").read_text()
    assert "gankit[serve]" in (space / "requirements.txt").read_text()
    compile((space / "app.py").read_text(), "app.py", "exec")

    pushed = hub.gankit("push", space, "alice/playground")
    assert pushed.returncode == 0, pushed.stderr
    repo = hub.mirrors / "spaces" / "alice" / "playground"
    assert git(repo, "show", "main:app.py") == (space / "app.py").read_text().strip()
    assert {"README.md", "app.py", "requirements.txt"} <= set(git(repo, "ls-tree", "--name-only", "main").split())
    assert_one_line_error(run_gankit("space", tmp_path / "s2", run_dir), "a Space cannot read a local folder")
    assert_one_line_error(run_gankit("space", space, "dcgan"), "is not empty")


def test_the_readmes_faces_example_pushes_pulls_and_keeps_its_attribute_reader(hub, cli, tmp_path):
    """`gankit push runs/faces me/dcgan-faces`, then attribute arithmetic on the pulled copy, as the README shows."""
    from gankit_plugins.dcgan import WEIGHTS

    faces = tmp_path / "faces"
    shutil.copytree(WEIGHTS / "faces", faces)
    assert hub.gankit("push", faces, "me/dcgan-faces").returncode == 0
    pulled = hub.gankit("pull", "me/dcgan-faces")
    assert pulled.returncode == 0 and "dcgan-faces from plugin dcgan" in pulled.stdout, pulled.stderr
    args = ["--a", "glasses,beard", "--b", "beard", "--c", "smile", "--search-from", 300]
    done = hub.gankit("arithmetic", "me/dcgan-faces", *args, "--out", tmp_path / "hub.png")
    assert done.returncode == 0 and "A = glasses,beard: seeds" in done.stderr, done.stderr
    assert cli("arithmetic", faces, *args, "--out", tmp_path / "local.png").code == 0
    assert (tmp_path / "hub.png").read_bytes() == (tmp_path / "local.png").read_bytes()
