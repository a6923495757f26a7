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
from PIL import Image, ImageDraw

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
    """`gankit serve dcgan stackgan voxel nextframe` on a free loopback port; stopped by its PID."""
    pytest.importorskip("gradio", reason="the playground needs gankit[serve]")
    pytest.importorskip("playwright", reason="browser tests need playwright (pip install -e '.[test]')")
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install -y chromium)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "gankit", "serve", "dcgan", "stackgan", "voxel", "nextframe", "--port", str(port)],
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


def generate(page, tab: str, previous: str | None = None, view: str = "png") -> bytes:
    """Press the tab's Generate button and return the file its `view` shows once that has changed from `previous`."""
    page.locator(f"#{tab}-generate").click()
    image = page.locator(f"#{tab}-view-{view} img")
    deadline = time.time() + 120
    while time.time() < deadline:
        if image.count() and image.first.get_attribute("src") not in (None, "", previous):
            break
        page.wait_for_timeout(250)
    src = image.first.get_attribute("src")
    page.locator(f"#{tab}-view-{view}").evaluate("(e, s) => e.dataset.last = s", src)
    return page.request.get(src).body()


def picture(body: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(body)).convert("RGB"))


def last_src(page, tab: str, view: str = "png") -> str | None:
    return page.locator(f"#{tab}-view-{view}").get_attribute("data-last")


def set_number(page, element: str, value: int) -> None:
    page.locator(f"#{element} input[type=number]").first.fill(str(value))
    page.locator(f"#{element} input[type=number]").first.press("Enter")


def test_changing_the_seed_changes_the_picture_and_the_same_seed_gives_it_back(page):
    page.get_by_role("tab", name="dcgan").click()
    set_number(page, "dcgan-n", 8)  # one batch: the first picture shown is the whole answer
    seed = page.locator("#dcgan-seed input")
    seed.fill("3")
    first = picture(generate(page, "dcgan"))
    seed.fill("4")
    other = picture(generate(page, "dcgan", last_src(page, "dcgan")))
    seed.fill("3")
    again = picture(generate(page, "dcgan", last_src(page, "dcgan")))
    assert first.shape == other.shape and first.std() > 10
    assert not np.array_equal(first, other) and np.array_equal(first, again)


def test_a_caption_gives_a_picture_and_empty_text_an_error_in_the_page(page):
    page.get_by_role("tab", name="stackgan").click()
    text = page.locator("#stackgan-text textarea")
    text.fill("a large red circle on a blue background")
    shown = picture(generate(page, "stackgan"))
    assert shown.shape[0] > 64 and shown.std() > 10
    text.fill("")
    page.locator("#stackgan-generate").click()
    page.get_by_text("is empty; describe the picture").first.wait_for(timeout=60_000)
    text.fill("a small green square on a red background")  # the server keeps serving
    assert picture(generate(page, "stackgan", last_src(page, "stackgan"))).std() > 10


def test_an_uploaded_still_rolls_out_into_an_animation_and_a_bad_upload_is_a_message(page, tmp_path):
    page.get_by_role("tab", name="nextframe").click()
    (tmp_path / "notes.png").write_text("not a picture")
    upload = page.locator("#nextframe-image input[type=file]")
    upload.set_input_files(str(tmp_path / "notes.png"))
    page.locator("#nextframe-generate").click()
    page.get_by_text("cannot read image").first.wait_for(timeout=60_000)
    page.locator("#nextframe-image button[aria-label='Clear']").first.click()
    still, ball = tmp_path / "still.png", Image.new("L", (32, 32), 0)
    ImageDraw.Draw(ball).ellipse((4, 4, 12, 12), fill=255)
    ball.save(still)
    upload.set_input_files(str(still))
    set_number(page, "nextframe-n", 1)
    set_number(page, "nextframe-frames", 5)
    with Image.open(io.BytesIO(generate(page, "nextframe", view="gif"))) as gif:
        assert gif.is_animated and gif.n_frames == 1 + 5  # the still, then 5 predicted frames


def test_a_voxel_model_shows_a_render_and_a_mesh_to_turn_and_download(page):
    page.get_by_role("tab", name="voxel").click()
    set_number(page, "voxel-n", 2)
    assert picture(generate(page, "voxel")).std() > 5
    viewer = page.locator("#voxel-view-obj canvas").first
    viewer.wait_for(state="attached", timeout=60_000)  # the 3D viewer (Babylon.js) draws the mesh
    assert viewer.evaluate("c => c.width * c.height") > 0
    link = page.locator("#voxel-files a[href*='samples.obj']").first
    link.wait_for(timeout=60_000)
    mesh = page.request.get(link.get_attribute("href")).text()
    assert sum(line.startswith("v ") for line in mesh.splitlines()) > 100
    assert sum(line.startswith("f ") for line in mesh.splitlines()) > 100


def test_every_task_gets_its_controls_and_views_and_the_walk_ends_at_the_other_seed():
    pytest.importorskip("gradio", reason="the playground needs gankit[serve]")
    import torch

    import gankit
    from gankit.serve import build_app, make_samples, stream_samples

    app = build_app(["voxel", "nextframe"])
    ids = {getattr(block, "elem_id", None) for block in app.blocks.values()}
    assert {"voxel-view-png", "voxel-view-obj", "voxel-walk", "nextframe-image", "nextframe-video",
            "nextframe-frames", "nextframe-view-gif"} <= ids
    model = gankit.load("voxel", device="cpu")
    assert torch.equal(make_samples(model, 3, 2, walk_to=9, walk=1.0), model.generate(2, seed=9))
    assert torch.equal(make_samples(model, 3, 2, walk_to=9, walk=0.0), model.generate(2, seed=3))
    with pytest.raises(gankit.GankitError, match="1 to 64 samples"):
        make_samples(model, 0, 65)
    # results stream: each batch of seeds shows as soon as it is made; the last is the whole answer
    streamed = list(stream_samples(model, 3, 5, walk_to=9, walk=0.5, batch=2))
    assert [len(s) for s in streamed] == [2, 4, 5]
    assert torch.allclose(streamed[-1], make_samples(model, 3, 5, walk_to=9, walk=0.5), atol=1e-5)  # other batch: last bits
    with pytest.raises(gankit.GankitError, match="1 to 64 samples"):
        next(stream_samples(model, 0, 0))
