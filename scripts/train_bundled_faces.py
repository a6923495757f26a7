"""Train dcgan-faces' bundled weights on the built-in faces, measure them, and export them (fp16).

    python scripts/train_bundled_faces.py                 # the four phases (below), then exports
    python scripts/train_bundled_faces.py --tuned-steps 5000  # longer; reruns continue the same runs (resume)
    python scripts/train_bundled_faces.py --measure-only  # measure the shipped weights again, rewrite their card
    python scripts/train_bundled_faces.py --recipe-check --steps 1500   # the card's recipe comparison (phase 1)

Four phases, as the equivalent commands:
    gankit train dcgan-faces --data faces -o attribute_codes= --out runs/bundled-faces --steps 25000   # plain DCGAN
    gankit train dcgan-faces --data faces --init runs/bundled-faces --out runs/bundled-faces-coded --steps 10000
    gankit train dcgan-faces --data faces --init runs/bundled-faces-coded -o code_loss=3 --out runs/faces-aux3 --steps 3000
    gankit train dcgan-faces --data faces --init runs/faces-aux3 -o code_loss=10 --out runs/faces-aux10 --steps 7000
the second to fourth with every attribute coded in z (option attribute_codes; see the dcgan plugin's model.py), the
third and fourth weighting the coded attributes' loss three and ten times (option code_loss).
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
        "trained on other drawn faces (scripts/train_face_reader.py). Four phases: a plain DCGAN (R1 1.0 and DiffAugment "
        "translation,color, dcgan-faces' training defaults; 25,000 steps), then training on from its weights with "
        "every attribute coded in z's first seven dimensions (option attribute_codes: each dimension's slices of the "
        "normal stand for the attribute's values, and D classifies the real faces' attributes as in AC-GAN; 10,000 "
        "steps), then 3,000 more with that loss weighted x3 (option code_loss), which took the samples showing the "
        "background their z codes from 31% to 84% (the others 91-99%) and the glasses example's all-right runs from "
        "84% / 78% to 94% / 88% (8 seeds a group; with 3, phase 2 had 60% / 58%), reader FID on 1,000 samples 30.3 "
        "(was 31.1); then 7,000 more with it weighted x10 (this export's fourth phase started from the exported fp16 "
        "weights of the third, whose run was not kept), which took the glasses vector's faces that keep every other "
        "attribute at strength 1 from 80% / 78% to 87% / 79% (300 other faces: 79% / 72% to 86% / 76%) and the reader "
        "FID on 1,000 samples to 23.3; at 13,000 steps the descriptor reader found 71% / 70%, and 4,000 steps more from "
        "7,000 with the learning rates decayed to 0 gave 91% / 72%. Why code: in "
        "the plain DCGAN the attributes are far from straight lines in z (a logistic regression on z finds glasses in "
        "82% of samples, beard 73%, smile 74%, long hair 81%, at 18,000 steps), so the results of 'glasses,beard - beard "
        "+ smile' had all three right in 18% / 8% of 50 runs (12% / 10% at 25,000 steps), and the glasses vector kept "
        "every other attribute in 48% / 39% of 100 faces. Coding only the four binary attributes (8,000 steps) gave "
        "64% / 56% and 59% / 53%, with skin tone drifting (largest share gap 11.3 points); coding all seven is what "
        "ships. Recipe check of phase 1 at 1,500 steps, reader FID on 1,000 samples: R1 alone 751, spectral norm "
        "instead of R1 959, Adam betas (0, 0.99) 846, R1 + DiffAugment 380 (`python scripts/train_bundled_faces.py "
        "--recipe-check --steps 1500`). Attribute vectors (+NAME x1): the mean latent difference with the other "
        "attributes' directions taken out and stretched back to its length, added once (strength 1; `gankit "
        "attribute` draws strengths 0..2); the plain mean difference for glasses, and glasses at strength 2, beside "
        "them.")
PLAIN = {"attribute_codes": ""}  # phase 1 and the recipe check: a plain DCGAN
TUNED = {"code_loss": 3.0}  # phase 3: G pushed harder to draw what z codes (background: 31% -> 84%)
PUSHED = {"code_loss": 10.0}  # phase 4: harder still, so that moving one code leaves the others' pictures alone
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
    parser.add_argument("--tuned-steps", type=int, default=3000, help="phase 3: steps with the codes' loss x3")
    parser.add_argument("--tuned-run", type=Path, default=Path("runs/faces-aux3"), help="phase 3's run")
    parser.add_argument("--pushed-steps", type=int, default=7000, help="phase 4: steps with the codes' loss x10")
    parser.add_argument("--pushed-run", type=Path, default=Path("runs/faces-aux10"), help="phase 4's run")
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
    tuned = (f"gankit train dcgan-faces --data faces --init {args.coded_run} -o code_loss={TUNED['code_loss']:g} "
             f"--out {args.tuned_run} --steps {args.tuned_steps}")
    pushed = (f"gankit train dcgan-faces --data faces --init {args.tuned_run} -o code_loss={PUSHED['code_loss']:g} "
              f"--out {args.pushed_run} --steps {args.pushed_steps}")
    train_run("dcgan-faces", "faces", args.run, args.steps, PLAIN, plain)
    train_run("dcgan-faces", "faces", args.coded_run, args.coded_steps, {}, coded, init=args.run)
    train_run("dcgan-faces", "faces", args.tuned_run, args.tuned_steps, TUNED, tuned, init=args.coded_run)
    train_run("dcgan-faces", "faces", args.pushed_run, args.pushed_steps, PUSHED, pushed, init=args.tuned_run)
    runs = (args.run, args.coded_run, args.tuned_run, args.pushed_run)
    phases = [json.loads((run / "config.json").read_text())["training"]["wall_time_s"] for run in runs]
    export(args.pushed_run, args.export, "dcgan-faces", f"{plain} && {coded} && {tuned} && {pushed}",
           "python scripts/train_bundled_faces.py",
           measure, note=NOTE, wall_time_s=round(sum(phases), 1), wall_time_phases_s=phases)


if __name__ == "__main__":
    main()
