"""Metrics: exact Fréchet distance, streaming statistics, agreement with pytorch-fid, KID/PR, the commands."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import scipy.linalg
import torch
from PIL import Image

from gankit.errors import GankitError
from gankit.metrics import scores
from gankit.metrics.stats import RunningStats, frechet_distance
from tests.conftest import assert_one_line_error, run_gankit


def random_cov(rng, d, n=None):
    x = rng.normal(size=(n or 4 * d, d)) @ rng.normal(size=(d, d))
    return np.cov(x, rowvar=False)


def test_frechet_distance_matches_the_closed_form_for_gaussians():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.5, 2, 16), rng.uniform(0.5, 2, 16)
    mu1, mu2 = rng.normal(size=16), rng.normal(size=16)
    q, _ = np.linalg.qr(rng.normal(size=(16, 16)))  # same eigenvectors: √(Σ1Σ2) = Q √(ab) Qᵀ
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    got = frechet_distance(mu1, q @ np.diag(a) @ q.T, mu2, q @ np.diag(b) @ q.T)
    assert got == pytest.approx(expected, rel=1e-10)
    assert frechet_distance(mu1, np.diag(a), mu1, np.diag(a)) == pytest.approx(0, abs=1e-10)


def test_frechet_distance_agrees_with_pytorch_fid_on_general_covariances():
    from pytorch_fid.fid_score import calculate_frechet_distance

    rng = np.random.default_rng(1)
    s1, s2 = random_cov(rng, 64), random_cov(rng, 64)
    m1, m2 = rng.normal(size=64), rng.normal(size=64)
    ours, theirs = frechet_distance(m1, s1, m2, s2), calculate_frechet_distance(m1, s1, m2, s2)
    assert abs(ours - theirs) / theirs <= 1e-6


def test_singular_covariances_give_a_finite_exact_number():
    rng = np.random.default_rng(2)
    s1, s2 = random_cov(rng, 64, n=20), random_cov(rng, 64, n=30)  # fewer samples than dimensions
    mu = np.zeros(64)
    got = frechet_distance(mu, s1, mu, s2)
    root = scipy.linalg.sqrtm(scipy.linalg.sqrtm(s1) @ s2 @ scipy.linalg.sqrtm(s1))
    expected = np.trace(s1) + np.trace(s2) - 2 * np.trace(root).real
    assert np.isfinite(got) and got == pytest.approx(expected, rel=1e-6)


def test_streaming_statistics_equal_numpy_in_any_batching():
    rng = np.random.default_rng(3)
    x = rng.normal(5, 3, size=(1000, 8))
    stats = RunningStats(8)
    for chunk in np.array_split(x, [1, 7, 300, 301, 999]):
        stats.update(chunk)
    assert np.allclose(stats.mean, x.mean(0), atol=1e-12) and np.allclose(stats.cov, np.cov(x, rowvar=False), atol=1e-10)


def test_kid_and_precision_recall_tell_same_from_different():
    rng = np.random.default_rng(4)
    real, same, other = rng.normal(size=(400, 16)), rng.normal(size=(400, 16)), rng.normal(2, 1, size=(400, 16))
    kid_same, std_same = scores.kid(real, same, subsets=20, subset_size=200)
    kid_other, _ = scores.kid(real, other, subsets=20, subset_size=200)
    assert abs(kid_same) < 3 * std_same + 1e-3 and kid_other > 10 * abs(kid_same)
    same_scores, other_scores = scores.prdc(real, same), scores.prdc(real, other)
    assert same_scores["precision"] > 0.6 and same_scores["recall"] > 0.6 and same_scores["coverage"] > 0.6
    assert 0.6 < same_scores["density"] < 1.5  # ~1 for samples from the same distribution
    assert all(other_scores[k] < 0.3 for k in ("precision", "recall", "density", "coverage"))
    identical = scores.prdc(real, real)
    assert identical["precision"] == identical["recall"] == identical["coverage"] == 1.0


@pytest.fixture(scope="module")
def image_folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("imgs")
    rng = np.random.default_rng(5)
    for name, shift in (("a", 0), ("b", 60)):
        (root / name).mkdir()
        for i in range(12):
            pixels = np.clip(rng.normal(120 + shift, 50, size=(48, 64, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i:02d}.png")
    return root


@pytest.fixture(scope="module")
def inception_weights(tmp_path_factory, image_folders):
    """Real Inception weights are out of reach here: both sides get the same random weights, with BatchNorm
    statistics calibrated on the test images so that features are O(1) rather than vanishing."""
    from gankit.metrics.features import ImageFiles
    from gankit.metrics.inception import FIDInception

    torch.manual_seed(0)
    model = FIDInception()
    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d):
            torch.nn.init.trunc_normal_(module.weight, std=0.1, a=-0.2, b=0.2)
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # cumulative average over the calibration batch
    files = ImageFiles(image_folders / "a", 299, 3)
    with torch.no_grad():
        model.train()(torch.stack([files[i] for i in range(len(files))]))
    path = tmp_path_factory.mktemp("weights") / "pt_inception-2015-12-05-6726825d.pth"
    torch.save(model.net.state_dict(), path)
    return path


def test_inception_download_is_checked_against_the_hash_in_its_name(inception_weights, tmp_path, monkeypatch):
    """The download path, against a local copy of the release (file:// URL): checked, cached, re-fetched when damaged."""
    import hashlib

    from gankit.metrics import inception

    release = tmp_path / "release" / inception.WEIGHTS_NAME
    release.parent.mkdir()
    release.write_bytes(inception_weights.read_bytes())
    monkeypatch.setattr(inception, "WEIGHTS_URL", release.as_uri())
    monkeypatch.setattr(inception, "HASH_PREFIX", hashlib.sha256(release.read_bytes()).hexdigest()[:8])
    monkeypatch.setenv("GANKIT_CACHE", str(tmp_path / "cache"))
    cached = inception.weights_path()
    assert cached.read_bytes() == release.read_bytes()
    cached.write_bytes(b"half a download")
    with pytest.warns(UserWarning, match="fails its sha256 check"):
        assert inception.weights_path().read_bytes() == release.read_bytes()
    cached.unlink()
    monkeypatch.setattr(inception, "HASH_PREFIX", "00000000")  # the release now serves a foreign file
    with pytest.raises(GankitError, match="could not download the FID Inception weights"):
        inception.weights_path()
    assert not cached.exists()


def test_fid_agrees_with_pytorch_fid_end_to_end(image_folders, inception_weights, monkeypatch):
    import pytorch_fid.fid_score as fid_score
    import pytorch_fid.inception as pf_inception

    state = torch.load(inception_weights, weights_only=True)
    monkeypatch.setattr(pf_inception, "load_state_dict_from_url", lambda *a, **k: state)
    theirs = fid_score.calculate_fid_given_paths([str(image_folders / "a"), str(image_folders / "b")], batch_size=6,
                                                 device="cpu", dims=2048, num_workers=0)
    result = run_gankit("fid", image_folders / "a", image_folders / "b", "--inception-weights", inception_weights, "--json", "--quiet")
    ours = json.loads(result.stdout)["fid"]
    assert theirs > 1 and abs(ours - theirs) / theirs <= 1e-6, (ours, theirs)


def test_inception_features_and_statistics_agree_with_pytorch_fid(image_folders, inception_weights, monkeypatch):
    import pytorch_fid.fid_score as fid_score
    import pytorch_fid.inception as pf_inception

    from gankit.metrics.features import feature_pass, folder_batches
    from gankit.metrics.inception import load_inception

    state = torch.load(inception_weights, weights_only=True)
    monkeypatch.setattr(pf_inception, "load_state_dict_from_url", lambda *a, **k: state)
    reference = pf_inception.InceptionV3([3]).eval()
    files = sorted(str(p) for p in (image_folders / "a").iterdir())
    mu_ref, sigma_ref = fid_score.calculate_activation_statistics(files, reference, batch_size=6, device="cpu", num_workers=0)

    ours = load_inception(inception_weights)
    total, batches = folder_batches(image_folders / "a", ours, batch_size=5, workers=0)
    stats, _ = feature_pass(batches, total, ours, keep=False, label="a", progress=False)
    # float32 convolutions in other batch sizes differ in the last bits: compare against each array's scale
    assert np.abs(stats.mean - mu_ref).max() <= 1e-4 * np.abs(mu_ref).max()
    assert np.abs(stats.cov - sigma_ref).max() <= 1e-3 * np.abs(sigma_ref).max()


def test_fid_command_json_save_stats_and_npz_input(cli, image_folders, inception_weights, tmp_path):
    weights = ["--inception-weights", inception_weights, "--workers", 0]
    result = cli("fid", image_folders / "a", image_folders / "b", "--json", "--save-stats", tmp_path / "a.npz", *weights)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"fid", "n_a", "n_b", "features", "resize"} and data["n_a"] == data["n_b"] == 12 and data["fid"] > 0
    assert "fewer than the 2048 feature dimensions" in result.stderr
    with np.load(tmp_path / "a.npz") as saved:  # what pytorch-fid reads
        assert saved["mu"].shape == (2048,) and saved["sigma"].shape == (2048, 2048)
    again = cli("fid", tmp_path / "a.npz", image_folders / "b", "--json", *weights)
    assert json.loads(again.stdout)["fid"] == pytest.approx(data["fid"], rel=1e-9)
    text = cli("fid", image_folders / "a", image_folders / "b", *weights)
    assert text.stdout.startswith("FID: ") and "img/s" in text.stderr


def test_digit_features_rank_a_trained_model_above_an_untrained_one(cli, tmp_path):
    """FID in the bundled digits feature space, MODEL against real rendered digits, offline."""
    from gankit.training import train
    from gankit_plugins.dcgan.digits import make_digits

    real = tmp_path / "real"
    real.mkdir()
    images, _ = make_digits(300, seed=3)
    for i, img in enumerate(((images[:, 0] + 1) * 127.5).round().byte().numpy()):
        Image.fromarray(img).save(real / f"{i:03d}.png")
    untrained = train("dcgan", "digits", tmp_path / "untrained", options={"ngf": 32, "ndf": 32}, steps=1, batch_size=16, progress=False)
    fids = {}
    for model in ("dcgan", untrained):
        result = cli("fid", real, model, "--features", "digits", "--n", 300, "--json", "--quiet")
        assert result.returncode == 0, result.stderr
        fids[str(model)] = json.loads(result.stdout)["fid"]
    assert fids["dcgan"] < fids[str(untrained)] / 5
    # a built-in data set is a side too, rendered at the model's size: no folder to make
    named = cli("eval", "dcgan", "--data", "digits", "--metrics", "fid", "--features", "digits", "--n", 300, "--json", "--quiet")
    assert named.returncode == 0, named.stderr
    result = json.loads(named.stdout)
    assert result["n_a"] == result["n_b"] == 300 and result["fid"] < fids[str(untrained)] / 5
    listing = cli("metrics", "list").stdout
    assert re.search(r"features for image samples \(tasks: [^)]*unconditional-image", listing) and "digits" in listing
    assert "fid " in listing and "[features; plugin gankit]" in listing


def test_eval_shares_one_pass_and_metric_errors_are_one_line(cli, image_folders, inception_weights, tmp_path):
    weights = ["--inception-weights", inception_weights, "--workers", 0]
    result = cli("eval", image_folders / "a", image_folders / "b", "--metrics", "fid,kid,prdc", "--json", "--quiet", *weights)
    data = json.loads(result.stdout)
    assert "kid_std understates the uncertainty" in result.stderr  # few images: said, not hidden
    assert {"fid", "kid", "kid_std", "precision", "recall", "density", "coverage"} <= set(data)
    (tmp_path / "empty").mkdir()
    assert_one_line_error(cli("fid", tmp_path / "empty", image_folders / "a", *weights), "no images found")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.png").write_bytes(b"not a png")
    assert_one_line_error(cli("fid", bad, image_folders / "a", *weights), "cannot read image", "x.png")
    np.savez(tmp_path / "wrong.npz", mu=np.zeros(3), sigma=np.zeros((4, 4)))
    assert_one_line_error(cli("fid", tmp_path / "wrong.npz", image_folders / "a", *weights), "expected (d,) and (d, d)")
    np.savez(tmp_path / "d128.npz", mu=np.zeros(128), sigma=np.eye(128))
    assert_one_line_error(cli("fid", tmp_path / "d128.npz", image_folders / "a", *weights), "128-d and 2048-d features")
    assert_one_line_error(cli("kid", tmp_path / "d128.npz", image_folders / "a", *weights), "holds only statistics; KID needs samples")
    offline = run_gankit("fid", image_folders / "a", image_folders / "b", env={"GANKIT_OFFLINE": "1", "GANKIT_CACHE": str(tmp_path / "c")})
    assert_one_line_error(offline, "FID Inception weights are not cached", "pt_inception-2015-12-05-6726825d.pth", "--inception-weights")
    assert_one_line_error(cli("fid", image_folders / "a", image_folders / "b", "--features", "incepton"), "did you mean 'inception'")
    with pytest.raises(GankitError):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))


def test_probe_compares_discriminator_features_with_pixels(cli, tmp_path):
    result = cli("probe", "dcgan", "--train", 1000, "--test", 500, "--json")
    assert result.code == 0, result
    data = json.loads(result.out)
    assert data["discriminator_dims"] == 2048 and data["raw_dims"] == 1024
    assert data["discriminator_accuracy"] >= 0.98 and data["raw_accuracy"] >= 0.98  # docs/metrics.md: digits are easy
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(40):
        Image.fromarray(np.full((32, 32), i * 5, np.uint8)).save(folder / f"{i}.png")
    assert_one_line_error(cli("probe", "dcgan", "--data", folder, "--train", 20, "--test", 10), "single label")
