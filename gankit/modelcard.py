"""The model card (README.md of a model directory), with the YAML front matter the Hugging Face Hub reads."""

from __future__ import annotations

import shlex
from typing import Any

def _task(task: str):
    """The registered task (None when the plugin that brings it is not installed)."""
    from gankit.registry import get_registry

    return get_registry().tasks.get(task)


def pipeline_tag(task: str) -> str:
    """The Hub pipeline tag the task declares (the task's name when it declares none or is not installed)."""
    spec = _task(task)
    return (spec.pipeline_tag if spec else "") or task


def task_example(task: str) -> dict[str, Any]:
    """Example inputs for the usage lines (none when the task declares none or is not installed)."""
    spec = _task(task)
    return dict(spec.example) if spec else {}


def render_card(config: dict[str, Any], params: dict[str, int], has_samples: bool, ref: str) -> str:
    """Markdown model card from a model directory's config and training record; `ref` is how users name the model."""
    training = config.get("training") or {}
    model, task = config["model"], config["task"]
    front = [
        "---",
        "library_name: gankit",
        "tags:",
        "- gankit",
        "- gan",
        f"- {model}",
        f"- {task}",
        f"pipeline_tag: {pipeline_tag(task)}",
    ]
    if training.get("data"):
        front.append(f"datasets:\n- {training['data']}")
    metrics = training.get("metrics") or {}
    front.append("---")
    lines = [*front, "", f"# {model} ({task})", "", f"A `{model}` GAN from the `{config.get('plugin')}` gankit plugin."]
    if has_samples:
        lines += ["", "![samples](samples.png)"]
    example = task_example(task)
    flags = "".join(f" --{k.replace('_', '-')} {shlex.quote(str(v))}" for k, v in example.items())
    keywords = "".join(f", {k}={v!r}" for k, v in example.items())
    lines += ["", "## Use", "", "```bash", f"gankit run {ref}{flags} --n 16 --seed 0 --out grid.png", "```", "", "```python",
              "import gankit", "", f'model = gankit.load("{ref}")', f"samples = model.generate(16, seed=0{keywords})  # sample i from seed 0+i",
              'model.write(samples, "grid.png")', "```"]
    lines += ["", "## Use outside gankit", "", "```bash",
              f"gankit export {ref} --out generator.onnx   # or: --format torchscript --out generator.pt", "```", "",
              "```python", "import gankit, onnxruntime", "from gankit.export import example_inputs", "",
              f'inputs = example_inputs(gankit.load("{ref}"), [0, 1, 2, 3]{keywords})  # latent and/or condition, by name',
              'session = onnxruntime.InferenceSession("generator.onnx")',
              'samples = session.run(["samples"], {k: v.numpy() for k, v in inputs.items()})[0]  # one generator pass',
              "```", "",
              "One pass gives what `gankit run --n 4 --seed 0` gives (a video model: the next frame; roll out by "
              "feeding it back into the context). The batch size is free. Without gankit, draw `latent` row i as "
              "`torch.randn(shape, generator=torch.Generator().manual_seed(i))` (shape: what `gankit export` prints)."]
    lines += ["", "## Model", "", f"- generator parameters: {params['generator']:,}", f"- discriminator parameters: {params['discriminator']:,}"]
    lines += [f"- `{k}`: `{v}`" for k, v in config.get("options", {}).items()]
    if training:
        lines += ["", "## Training", ""]
        for key, label in (("command", "command"), ("script", "reproduce with"), ("data", "data"), ("steps", "steps"), ("wall_time_s", "wall time (s)"), ("device", "device"), ("note", "note")):
            if key in training:
                value = f"`{training[key]}`" if key in ("command", "script") else training[key]
                lines.append(f"- {label}: {value}")
    if metrics:
        lines += ["", "## Metrics", "", "| metric | value |", "| --- | --- |"]
        lines += [f"| {k} | {v} |" for k, v in metrics.items()]
    lines += ["", f"Written by gankit {config.get('gankit_version')} (model format {config.get('format_version')})."]
    return "\n".join(lines) + "\n"
