"""Text→image sampling on the CPU: prompts per second, text-encoder load time, and the user's example command.

    python benchmarks/text_to_image.py        # writes benchmarks/results/text_to_image.txt too

- sampling: the bundled StackGAN, 64 canonical prompts × 4 samples (`Model.generate(4, text=[...64 prompts])`),
  against a plain PyTorch loop over the same networks (encode, G per prompt batch), median of 3, same process;
- encoder load: `hashed` (always), `minilm` when `gankit[text]` is installed, in a fresh process each;
- whole process: `gankit run stackgan --text "a large red circle on a blue background" --out x.png`, median of 3.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

OUT = Path(__file__).parent / "results" / "text_to_image.txt"


def median_time(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    import gankit
    from gankit.text import encode
    from gankit_plugins.stackgan.reader import prompt_scenes

    lines = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    model = gankit.load("stackgan", device="cpu")
    seen, unseen = prompt_scenes()
    prompts = [s.caption("long") for s in (seen + unseen)][:64]

    def plain() -> torch.Tensor:  # the same networks without gankit's sampling layer
        gan = model.gan
        out = []
        with torch.no_grad():
            for text in prompts:
                embedding = encode(gan.options["encoder"], [text] * 4)
                latent = torch.stack([torch.randn(gan.latent_shape, generator=torch.Generator().manual_seed(s)) for s in range(4)])
                out.append(gan.generator(latent, embedding))
        return torch.cat(out)

    t_ours = median_time(lambda: model.generate(4, seed=0, text=prompts))
    t_plain = median_time(plain)
    say(f"sampling 64 prompts x 4 samples at 64x64 (median of 3): gankit {t_ours:.3f} s = {64 / t_ours:.1f} prompts/s "
        f"({256 / t_ours:.0f} images/s); plain loop {t_plain:.3f} s; ratio plain/gankit {t_plain / t_ours:.2f}")
    for name in ("hashed", "minilm"):
        code = f"import time; t = time.perf_counter(); from gankit.text import load_encoder; e = load_encoder({name!r}); e.encode(['a red circle']); print(time.perf_counter() - t)"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        say(f"encoder {name!r} load + first encoding: " + (f"{float(result.stdout):.3f} s" if result.returncode == 0 else
                                                              result.stderr.strip().splitlines()[-1]))
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "gankit", "run", "stackgan", "--text", "a large red circle on a blue background",
                   "--out", str(Path(tmp) / "x.png")]
        t_cli = median_time(lambda: subprocess.run(command, check=True, capture_output=True))
    say(f"whole process, gankit run stackgan --text '...' --out x.png (64 samples, median of 3): {t_cli:.2f} s")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("$ python benchmarks/text_to_image.py\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
