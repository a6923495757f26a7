"""FID against pytorch-fid and torchmetrics: the distance on the same statistics, and feature extraction.

    pip install -e ".[bench]"
    python benchmarks/fid.py                         # 2048-d statistics of 10,000 samples; 200 images of 64x64
    python benchmarks/fid.py --images 400 --skip-distance

Distance: the same (μ, Σ) pairs go to gankit's `frechet_distance` (Cholesky + symmetric eigenvalues),
pytorch-fid's `calculate_frechet_distance` (scipy `sqrtm` of Σ1Σ2) and torchmetrics' `_compute_fid` (eigenvalues
of the non-symmetric Σ1Σ2, float64); median of 3 runs each, in this process.

Extraction: the same folder and the same Inception weights (random, as the real file is not downloadable here;
speed does not depend on the values) through gankit's feature pass and pytorch-fid's
`calculate_activation_statistics`, each in a fresh process (so peak memory is each side's own), alternating.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def time_it(fn, repeats: int = 3) -> tuple[float, float]:
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), float(value)


def distance(dims: int, samples: int) -> None:
    import torch
    from pytorch_fid.fid_score import calculate_frechet_distance
    from torchmetrics.image.fid import _compute_fid

    from gankit.metrics.stats import frechet_distance

    rng = np.random.default_rng(0)
    stats = []
    for shift in (0.0, 0.3):  # two correlated feature sets, like real and generated images
        x = np.maximum(rng.normal(shift, 1, size=(samples, dims)) @ (np.eye(dims) + 0.05 * rng.normal(size=(dims, dims))), 0)
        stats.append((x.mean(0), np.cov(x, rowvar=False)))
    (m1, s1), (m2, s2) = stats
    t_ours, ours = time_it(lambda: frechet_distance(m1, s1, m2, s2))
    t_pf, pf = time_it(lambda: calculate_frechet_distance(m1, s1, m2, s2))
    tm_args = [torch.from_numpy(a) for a in (m1, s1, m2, s2)]
    t_tm, tm = time_it(lambda: _compute_fid(*tm_args))
    print(f"Fréchet distance, {dims}-d statistics of {samples} samples (median of 3):")
    print(f"  gankit       {t_ours:7.3f} s   FID {ours:.9f}")
    print(f"  pytorch-fid  {t_pf:7.3f} s   FID {pf:.9f}   gankit is {t_pf / t_ours:5.1f}x faster, |dFID|/FID {abs(ours - pf) / pf:.1e}")
    print(f"  torchmetrics {t_tm:7.3f} s   FID {tm:.9f}   gankit is {t_tm / t_ours:5.1f}x faster, |dFID|/FID {abs(ours - tm) / tm:.1e}")


EXTRACT = r"""
import json, resource, sys, time, torch
from pathlib import Path
side, folder, weights, batch = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
torch.set_num_threads(torch.get_num_threads())
state = torch.load(weights, weights_only=True)
start = time.perf_counter()
if side == "gankit":
    from gankit.metrics.features import feature_pass, folder_batches
    from gankit.metrics.inception import load_inception
    net = load_inception(weights).to(memory_format=torch.channels_last)  # as gankit.metrics.evaluate does
    total, batches = folder_batches(folder, net, batch, 2)
    stats, _ = feature_pass(batches, total, net, keep=False, label="", progress=False)
    mu = stats.mean
else:
    import pytorch_fid.inception as pi
    from pytorch_fid.fid_score import calculate_activation_statistics
    pi.load_state_dict_from_url = lambda *a, **k: state
    net = pi.InceptionV3([3]).eval()
    files = sorted(str(p) for p in folder.iterdir())
    mu, _ = calculate_activation_statistics(files, net, batch_size=batch, device="cpu", num_workers=2)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "mu0": float(mu[0])}))
"""


def extraction(images: int, batch: int, rounds: int) -> None:
    import torch
    from PIL import Image

    from gankit.metrics.inception import FIDInception

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "images"
        folder.mkdir()
        rng = np.random.default_rng(0)
        for i in range(images):
            Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(folder / f"{i:05d}.png")
        weights = Path(tmp) / "inception.pth"
        torch.manual_seed(0)
        torch.save(FIDInception().net.state_dict(), weights)
        runs: dict[str, list[dict]] = {"gankit": [], "pytorch-fid": []}
        for _ in range(rounds):
            for side in runs:
                out = subprocess.run([sys.executable, "-c", EXTRACT, side, str(folder), str(weights), str(batch)],
                                     capture_output=True, text=True, check=True)
                runs[side].append(json.loads(out.stdout.strip().splitlines()[-1]))
    rate = {side: images / statistics.median(r["seconds"] for r in rs) for side, rs in runs.items()}
    rss = {side: max(r["maxrss_mb"] for r in rs) for side, rs in runs.items()}
    same = abs(runs["gankit"][0]["mu0"] - runs["pytorch-fid"][0]["mu0"]) < 1e-4 * max(1.0, abs(runs["pytorch-fid"][0]["mu0"]))
    print(f"Feature extraction, {images} PNGs of 64x64, batch {batch}, 2 workers, CPU (median of {rounds}):")
    for side in runs:
        print(f"  {side:<12} {rate[side]:7.1f} images/s   peak RSS {rss[side]:7.0f} MB")
    print(f"  gankit / pytorch-fid rate: {rate['gankit'] / rate['pytorch-fid']:.2f}x   same features: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dims", type=int, default=2048)
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--skip-distance", action="store_true")
    parser.add_argument("--skip-extraction", action="store_true")
    args = parser.parse_args()
    if not args.skip_distance:
        distance(args.dims, args.samples)
    if not args.skip_extraction:
        extraction(args.images, args.batch_size, args.rounds)


if __name__ == "__main__":
    main()
