"""`gankit serve`: the playground, driven in a real browser (Playwright on the system's Chromium)."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image

from gankit.serve import exposed
from tests.conftest import assert_one_line_error, run_gankit

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_only_loopback_addresses_count_as_private():
    assert not exposed("127.0.0.1") and not exposed("localhost") and not exposed("::1")
    assert exposed("0.0.0.0") and exposed("192.168.1.5") and exposed("example.org")


def test_serve_refuses_bad_arguments_in_one_line():
    pytest.importorskip("gradio", reason="the playground needs gankit[serve]")
    assert_one_line_error(run_gankit("serve", "nosuchmodel"), "no model 'nosuchmodel'")
    assert_one_line_error(run_gankit("serve", "dcgan", "--port", "70000"), "--port must be in")


@pytest.fixture(scope="module")
def playground():
    """`gankit serve dcgan stackgan` on a free loopback port; stopped by its PID."""
    pytest.importorskip("gradio", reason="the playground needs gankit[serve]")
    pytest.importorskip("playwright", reason="browser tests need playwright (pip install -e '.[test]')")
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install -y chromium)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "gankit", "serve", "dcgan", "stackgan", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"the server stopped: {server.stdout.read()[-2000:]}")
                time.sleep(0.5)
        else:
            pytest.fail("the server did not answer within 2 minutes")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def page(playground):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(playground)
        yield page
        browser.close()


def generate(page, tab: str, previous: str | None = None) -> np.ndarray:
    """Press the tab's Generate button and return the picture shown once it has changed from `previous`."""
    page.locator(f"#{tab}-generate").click()
    image = page.locator(f"#{tab}-view-png img")
    deadline = time.time() + 120
    while time.time() < deadline:
        if image.count() and image.first.get_attribute("src") not in (None, "", previous):
            break
        page.wait_for_timeout(250)
    src = image.first.get_attribute("src")
    body = page.request.get(src).body()
    page.locator(f"#{tab}-view-png").evaluate("(e, s) => e.dataset.last = s", src)
    return np.asarray(Image.open(io.BytesIO(body)).convert("RGB"))


def last_src(page, tab: str) -> str | None:
    return page.locator(f"#{tab}-view-png").get_attribute("data-last")


def test_changing_the_seed_changes_the_picture_and_the_same_seed_gives_it_back(page):
    page.get_by_role("tab", name="dcgan").click()
    seed = page.locator("#dcgan-seed input")
    seed.fill("3")
    first = generate(page, "dcgan")
    seed.fill("4")
    other = generate(page, "dcgan", last_src(page, "dcgan"))
    seed.fill("3")
    again = generate(page, "dcgan", last_src(page, "dcgan"))
    assert first.shape == other.shape and first.std() > 10
    assert not np.array_equal(first, other) and np.array_equal(first, again)


def test_a_caption_gives_a_picture_and_empty_text_an_error_in_the_page(page):
    page.get_by_role("tab", name="stackgan").click()
    text = page.locator("#stackgan-text textarea")
    text.fill("a large red circle on a blue background")
    picture = generate(page, "stackgan")
    assert picture.shape[0] > 64 and picture.std() > 10
    text.fill("")
    page.locator("#stackgan-generate").click()
    page.get_by_text("is empty; describe the picture").first.wait_for(timeout=60_000)
    text.fill("a small green square on a red background")  # the server keeps serving
    assert generate(page, "stackgan", last_src(page, "stackgan")).std() > 10


def test_every_task_gets_its_controls_and_views_and_the_walk_ends_at_the_other_seed():
    pytest.importorskip("gradio", reason="the playground needs gankit[serve]")
    import torch

    import gankit
    from gankit.serve import build_app, make_samples

    app = build_app(["voxel", "nextframe"])
    ids = {getattr(block, "elem_id", None) for block in app.blocks.values()}
    assert {"voxel-view-png", "voxel-view-obj", "voxel-walk", "nextframe-image", "nextframe-video",
            "nextframe-frames", "nextframe-view-gif"} <= ids
    model = gankit.load("voxel", device="cpu")
    assert torch.equal(make_samples(model, 3, 2, walk_to=9, walk=1.0), model.generate(2, seed=9))
    assert torch.equal(make_samples(model, 3, 2, walk_to=9, walk=0.0), model.generate(2, seed=3))
    with pytest.raises(gankit.GankitError, match="1 to 64 samples"):
        make_samples(model, 0, 65)
