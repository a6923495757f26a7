"""Train StackGAN's bundled weights on the built-in shapes, measure them, and export them (fp16).

    python scripts/train_bundled_stackgan.py                  # trains into runs/bundled-shapes, then exports
    python scripts/train_bundled_stackgan.py --steps 12000    # longer; reruns continue the same run (resume)

Equivalent training command: gankit train stackgan --data shapes --out runs/bundled-shapes --steps N
The export goes to plugins/stackgan/weights/shapes; its model card records the command, steps, wall time and
the figures measured here from the exported (fp16) weights: text-match on seen and unseen (colour, shape) pairs,
per attribute, against mismatched captions, and FID in the shapes reader's feature space for Stage II against
Stage I upscaled, both against held-out rendered shapes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F

from bundled import export, train_run
from gankit.metrics.stats import RunningStats, frechet_distance
from gankit_plugins.stackgan import WEIGHTS
from gankit_plugins.stackgan.reader import feature_extractor, text_match
from gankit_plugins.stackgan.shapes import make_shapes

OPTIONS: dict = {}


@torch.no_grad()
def reader_fid(images: torch.Tensor, real: torch.Tensor) -> float:
    """FID between two sets of pictures in [-1, 1], in the shapes reader's feature space."""
    extractor = feature_extractor()
    stats = []
    for batch in (images, real):
        running = RunningStats(extractor.dims)
        for chunk in batch.split(256):
            running.update(extractor((chunk.clamp(-1, 1) + 1) / 2).double().numpy())
        stats.append(running)
    return frechet_distance(stats[0].mean, stats[0].cov, stats[1].mean, stats[1].cov)


def measure(model, n: int) -> dict:
    images, captions, _ = make_shapes(n, 64, seed=7)  # held out: other seed than training
    real = torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1)
    stage2 = torch.cat([model.generate(1, seed=i, text=c) for i, c in enumerate(captions)])
    stage1 = torch.cat([model.generate(1, seed=i, text=c, stage=1) for i, c in enumerate(captions)])
    upscaled = F.interpolate(stage1, size=64, mode="bilinear", align_corners=False)
    match = text_match(model, n=864)
    match1 = text_match(model, n=864, stage=1)
    return {
        "text-match, seen pairs (all named attributes right)": round(match["text_match"], 4),
        "text-match, the six unseen pairs": round(match["text_match_unseen"], 4),
        "text-match, mismatched captions (chance level)": round(match["text_match_mismatched"], 4),
        **{f"{k.removesuffix('_accuracy')} right (seen)": round(v, 4) for k, v in match.items() if k.endswith("_accuracy")},
        "text-match of Stage I (32x32), seen pairs": round(match1["text_match"], 4),
        f"FID, shapes-reader features, Stage II vs {n} held-out shapes": round(reader_fid(stage2, real), 3),
        f"FID, shapes-reader features, Stage I upscaled vs {n} held-out shapes": round(reader_fid(upscaled, real), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--run", type=Path, default=Path("runs/bundled-shapes"))
    parser.add_argument("--export", type=Path, default=WEIGHTS / "shapes")
    parser.add_argument("--samples", type=int, default=2000, help="held-out pictures for the FID figures")
    args = parser.parse_args()

    command = f"gankit train stackgan --data shapes --out {args.run} --steps {args.steps}"
    train_run("stackgan", "shapes", args.run, args.steps, OPTIONS, command)
    export(args.run, args.export, "stackgan", command, "python scripts/train_bundled_stackgan.py",
           lambda model: measure(model, args.samples),
           note="text encoder: hashed (no weights, no download); minilm is not compared yet (see the metrics for hashed)")


if __name__ == "__main__":
    main()
