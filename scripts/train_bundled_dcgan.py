"""Train DCGAN's bundled default weights on the built-in digits, measure them, and export them (fp16).

    python scripts/train_bundled_dcgan.py                  # trains into runs/bundled-digits, then exports
    python scripts/train_bundled_dcgan.py --steps 20000    # longer; reruns continue the same run (resume)

Equivalent training command: gankit train dcgan --data digits --out runs/bundled-digits -o ngf=32 -o ndf=32 --steps N
(resuming is exact, so a run stopped and resumed gives the same weights as one that was not).
The export goes to plugins/dcgan/weights/digits (config.json, model.safetensors in fp16, README.md, samples.png);
its model card records the command, steps, wall time, and the digit-classifier quality figures measured here
on 1,000 samples from the exported (fp16) weights.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

import gankit
from gankit.images import grid
from gankit.modelio import save_model
from gankit.training import train
from gankit_plugins.dcgan import WEIGHTS
from gankit_plugins.dcgan.classifier import digit_quality

OPTIONS = {"ngf": 32, "ndf": 32}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=16000)
    parser.add_argument("--run", type=Path, default=Path("runs/bundled-digits"))
    parser.add_argument("--export", type=Path, default=WEIGHTS / "digits")
    parser.add_argument("--samples", type=int, default=1000, help="samples for the quality figures")
    args = parser.parse_args()

    resume = (args.run / "checkpoint.safetensors").exists()
    trained = json.loads((args.run / "config.json").read_text())["training"]["steps"] if (args.run / "config.json").exists() else 0
    command = f"gankit train dcgan --data digits --out {args.run} -o ngf=32 -o ndf=32 --steps {args.steps}"
    if trained < args.steps:
        train("dcgan", "digits", args.run, options=None if resume else OPTIONS, resume=resume, steps=args.steps, command=command)

    model = gankit.load(args.run, device="cpu")
    training = {**model.config["training"], "command": command, "script": "python scripts/train_bundled_dcgan.py"}
    save_model(args.export, model.gan, model.spec, training, samples=grid(model.generate(64, seed=0), nrow=8), dtype=torch.float16, ref="dcgan")

    exported = gankit.load(args.export, device="cpu")
    quality = digit_quality(exported.generate(args.samples, seed=0))
    training["metrics"] = {
        f"digits confident (p>=0.9, {quality['n']} samples)": round(quality["confident"], 4),
        "smallest class share": round(quality["min_class_share"], 4),
        "class shares 0-9": " ".join(f"{s:.3f}" for s in quality["class_shares"]),
    }
    save_model(args.export, exported.gan, exported.spec, training, samples=grid(exported.generate(64, seed=0), nrow=8), dtype=torch.float16, ref="dcgan")
    print(json.dumps(quality, indent=2))
    print(f"exported to {args.export}")


if __name__ == "__main__":
    main()
