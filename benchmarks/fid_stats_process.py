"""`gankit fid a.npz b.npz` against `python -m pytorch_fid a.npz b.npz`: the whole process, as a user waits for it.

    pip install -e ".[bench]"
    python benchmarks/fid_stats_process.py          # writes benchmarks/results/fid_stats_process.txt too

Both read the same two pytorch-fid statistics files (2048-d, from 10,000 correlated random feature rows) in a
fresh process each, alternating, 3 rounds; the figure is the median wall time. gankit computes the distance with a
Cholesky factor and symmetric eigenvalues and imports no torch for it; pytorch-fid imports torch and runs scipy's
`sqrtm` on Σ1Σ2 (its recipe, not overhead).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "results" / "fid_stats_process.txt"


def main(dims: int = 2048, samples: int = 10000, rounds: int = 3) -> None:
    lines = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, shift in enumerate((0.0, 0.3)):
            x = np.maximum(rng.normal(shift, 1, size=(samples, dims)) @ (np.eye(dims) + 0.05 * rng.normal(size=(dims, dims))), 0)
            files.append(Path(tmp) / f"{'ab'[i]}.npz")
            np.savez(files[-1], mu=x.mean(0), sigma=np.cov(x, rowvar=False))
        # pytorch-fid builds its Inception network (and so wants its weights file) even for two .npz files: give it
        # one in a private TORCH_HOME (random values: the real file cannot be downloaded here; speed is the same)
        import torch

        from gankit.metrics.inception import WEIGHTS_NAME, FIDInception

        checkpoints = Path(tmp) / "torch" / "hub" / "checkpoints"
        checkpoints.mkdir(parents=True)
        torch.save(FIDInception().net.state_dict(), checkpoints / WEIGHTS_NAME)
        env = {**os.environ, "TORCH_HOME": str(Path(tmp) / "torch")}
        commands = {
            "gankit": [sys.executable, "-m", "gankit", "fid", *map(str, files)],
            "pytorch-fid": [sys.executable, "-m", "pytorch_fid", "--device", "cpu", *map(str, files)],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        outputs = {}
        for _ in range(rounds):
            for name, command in commands.items():
                start = time.perf_counter()
                result = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
                times[name].append(time.perf_counter() - start)
                outputs[name] = result.stdout.strip()
    say(f"whole-process FID of two .npz statistics files ({dims}-d, {samples} samples each), median of {rounds} rounds:")
    for name in commands:
        say(f"  {name:<12} {statistics.median(times[name]):6.2f} s   (rounds: {', '.join(f'{t:.2f}' for t in times[name])})   {outputs[name]}")
    ratio = statistics.median(times["pytorch-fid"]) / statistics.median(times["gankit"])
    say(f"  gankit is {ratio:.1f}x faster")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("$ python benchmarks/fid_stats_process.py\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
