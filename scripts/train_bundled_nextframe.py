"""Train the next-frame model's bundled weights on ``bouncing`` and the paper's ℓ2-only baseline; measure; export.

    python scripts/train_bundled_nextframe.py                 # trains runs/bundled-bouncing{,-l2}, then exports
    python scripts/train_bundled_nextframe.py --steps 6000    # longer; reruns continue the same runs (resume)

Equivalent training commands:
    gankit train nextframe --data bouncing --out runs/bundled-bouncing --steps N
    gankit train nextframe --data bouncing --out runs/bundled-bouncing-l2 --steps N -o adv_weight=0 -o gdl_weight=0 -o p=2
The exports go to plugins/nextframe/weights/bouncing and .../bouncing-l2 (fp16). The model card of the first
records PSNR, SSIM and sharpness per horizon 1..8 on held-out sequences for the model, copy-last-frame, linear
extrapolation and the ℓ2-only model, all from the exported weights.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gankit
from bundled import export, train_run
from gankit_plugins.nextframe import WEIGHTS
from gankit_plugins.nextframe.quality import predictions, psnr_frames, sharpness_frames, ssim_frames

L2_ONLY = {"adv_weight": 0.0, "gdl_weight": 0.0, "p": 2}
SCORES = {"PSNR (dB)": psnr_frames, "SSIM": ssim_frames, "sharpness (dB)": sharpness_frames}


def measure(model, l2_model, n: int, horizon: int) -> dict:
    preds, true = predictions(model, "bouncing", n, horizon)
    preds["l2-only"] = predictions(l2_model, "bouncing", n, horizon)[0]["model"]
    figures = {}
    for label, score in SCORES.items():
        per_method = {name: score(pred, true).mean(0) for name, pred in preds.items()}
        for h in range(horizon):
            figures[f"{label}, horizon {h + 1}: model / copy-last / linear / l2-only"] = " / ".join(
                f"{float(per_method[name][h]):.3f}" for name in ("model", "copy-last", "linear", "l2-only"))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--runs", type=Path, default=Path("runs"))
    parser.add_argument("--samples", type=int, default=512, help="held-out sequences for the figures")
    parser.add_argument("--horizon", type=int, default=8)
    args = parser.parse_args()

    run, run_l2 = args.runs / "bundled-bouncing", args.runs / "bundled-bouncing-l2"
    command = f"gankit train nextframe --data bouncing --out {run} --steps {args.steps}"
    command_l2 = f"gankit train nextframe --data bouncing --out {run_l2} --steps {args.steps} -o adv_weight=0 -o gdl_weight=0 -o p=2"
    train_run("nextframe", "bouncing", run, args.steps, {}, command)
    train_run("nextframe", "bouncing", run_l2, args.steps, L2_ONLY, command_l2)
    script = "python scripts/train_bundled_nextframe.py"
    export(run_l2, WEIGHTS / "bouncing-l2", "plugins/nextframe/weights/bouncing-l2", command_l2, script, lambda model: {},
           note="the paper's l2-only baseline: same generator, no adversarial loss, no GDL")
    l2_model = gankit.load(WEIGHTS / "bouncing-l2", device="cpu")
    export(run, WEIGHTS / "bouncing", "nextframe", command, script,
           lambda model: measure(model, l2_model, args.samples, args.horizon),
           note=f"figures: {args.samples} held-out bouncing sequences (test split), context 4 frames, roll-out of "
                f"{args.horizon}; `gankit eval nextframe --data bouncing --metrics psnr,ssim,sharpness` reproduces them")


if __name__ == "__main__":
    main()
