"""Train dcgan-faces' bundled weights on the built-in faces, measure them, and export them (fp16).

    python scripts/train_bundled_faces.py                 # both phases (below), then exports
    python scripts/train_bundled_faces.py --coded-steps 12000  # longer; reruns continue the same runs (resume)
    python scripts/train_bundled_faces.py --measure-only  # measure the shipped weights again, rewrite their card
    python scripts/train_bundled_faces.py --recipe-check --steps 1500   # the card's recipe comparison (phase 1)

Two phases, as the equivalent commands:
    gankit train dcgan-faces --data faces -o attribute_codes= --out runs/bundled-faces --steps 25000   # plain DCGAN
    gankit train dcgan-faces --data faces --init runs/bundled-faces --out runs/bundled-faces-coded --steps 10000
the second with the binary attributes coded in z (option attribute_codes; see the dcgan plugin's model.py).
The export goes to plugins/dcgan/weights/faces; its model card records the command, steps, wall time, and what
two attribute readers of different families (a CNN; an MLP on hand-made descriptors) find in the results of attribute
arithmetic (50 runs per equation), of attribute vectors (100 samples per attribute), and in 2,000 samples.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import gankit

from bundled import export, remeasure, train_run
from gankit_plugins.dcgan import WEIGHTS
from gankit_plugins.dcgan.face_quality import measure, reader_fid

NOTE = ("Judged by two attribute readers of different families (a CNN; an MLP on hand-made descriptors), both "
        "trained on other drawn faces (scripts/train_face_reader.py). Two phases: a plain DCGAN (R1 1.0 and DiffAugment "
        "translation,color, dcgan-faces' training defaults; 25,000 steps), then training on from its weights with "
        "every attribute coded in z's first seven dimensions (option attribute_codes: each dimension's slices of the "
        "normal stand for the attribute's values, and D classifies the real faces' attributes as in AC-GAN). Why: in "
        "the plain DCGAN the attributes are far from straight lines in z (a logistic regression on z finds glasses in "
        "82% of samples, beard 73%, smile 74%, long hair 81%, at 18,000 steps), so the results of 'glasses,beard - beard "
        "+ smile' had all three right in 18% / 8% of 50 runs (12% / 10% at 25,000 steps), and the glasses vector kept "
        "every other attribute in 48% / 39% of 100 faces. Coding only the four binary attributes (8,000 steps) gave "
        "64% / 56% and 59% / 53%, with skin tone drifting (largest share gap 11.3 points); coding all seven is what "
        "ships. Recipe check of phase 1 at 1,500 steps, reader FID on 1,000 samples: R1 alone 751, spectral norm "
        "instead of R1 959, Adam betas (0, 0.99) 846, R1 + DiffAugment 380 (`python scripts/train_bundled_faces.py "
        "--recipe-check --steps 1500`). Attribute vectors (+NAME x2): the mean latent difference with the other "
        "attributes' directions taken out and stretched back to its length, at strength 2 (`gankit attribute`'s "
        "default); the plain mean difference for glasses beside them.")
PLAIN = {"attribute_codes": ""}  # phase 1 and the recipe check: a plain DCGAN
RECIPES = {  # training knobs beside the data set's; augment="" turns dcgan-faces' default DiffAugment off
    "R1 alone": {"augment": ""},
    "spectral norm instead of R1": {"augment": "", "spectral_norm": True, "r1_gamma": 0.0},
    "Adam betas (0, 0.99)": {"augment": "", "beta1": 0.0, "beta2": 0.99},
    "R1 + DiffAugment translation,color": {},
}


def recipe_check(runs: Path, steps: int, n: int = 1000) -> None:
    """Train each of `RECIPES` for `steps` (or reuse its run) and print the reader FID of `n` samples."""
    print(f"recipe check: dcgan-faces, {steps} steps each; reader FID of {n} samples vs 5,000 held-out faces")
    for name, knobs in RECIPES.items():
        run = runs / "faces-recipes" / re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        start = time.perf_counter()
        train_run("dcgan-faces", "faces", run, steps, PLAIN, f"recipe check: {name}", sample_every=steps,
                  checkpoint_every=steps, progress=False, **knobs)
        fid = next(iter(reader_fid(gankit.load(run, device="cpu"), n=n).values()))
        print(f"  {name}: {fid:.1f} ({time.perf_counter() - start:.0f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=25000, help="phase 1: the plain DCGAN's steps")
    parser.add_argument("--coded-steps", type=int, default=10000, help="phase 2: steps with the attributes coded in z")
    parser.add_argument("--run", type=Path, default=Path("runs/bundled-faces"), help="phase 1's run")
    parser.add_argument("--coded-run", type=Path, default=Path("runs/bundled-faces-coded"), help="phase 2's run")
    parser.add_argument("--export", type=Path, default=WEIGHTS / "faces")
    parser.add_argument("--measure-only", action="store_true", help="no training: measure the exported weights again")
    parser.add_argument("--recipe-check", action="store_true", help="only compare RECIPES (--steps 1500 in the card)")
    args = parser.parse_args()

    if args.recipe_check:
        recipe_check(Path("runs"), args.steps)
        return
    if args.measure_only:
        remeasure(args.export, "dcgan-faces", measure, note=NOTE)
        return
    plain = f"gankit train dcgan-faces --data faces -o attribute_codes= --out {args.run} --steps {args.steps}"
    coded = f"gankit train dcgan-faces --data faces --init {args.run} --out {args.coded_run} --steps {args.coded_steps}"
    train_run("dcgan-faces", "faces", args.run, args.steps, PLAIN, plain)
    train_run("dcgan-faces", "faces", args.coded_run, args.coded_steps, {}, coded, init=args.run)
    phases = [json.loads((run / "config.json").read_text())["training"]["wall_time_s"] for run in (args.run, args.coded_run)]
    export(args.coded_run, args.export, "dcgan-faces", f"{plain} && {coded}", "python scripts/train_bundled_faces.py",
           measure, note=NOTE, wall_time_s=round(sum(phases), 1), wall_time_phases_s=phases)


if __name__ == "__main__":
    main()
