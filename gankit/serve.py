"""`gankit serve MODEL…`: a local web playground (Gradio), built from the models' tasks.

One tab per MODEL. Each has a seed, a number of samples, and for latent models a truncation slider and a walk
towards another seed; then one control per input the task declares (text box, number, file upload), and
one view per suffix of the task's `playground` (picture, animation, 3D mesh …) with the written files to
download. Results stream: the views show each batch of STREAM_BATCH seeds as soon as it is made. Errors
(empty text, an unreadable upload, a request too large) show in the page; the server keeps serving. Gradio is
an optional extra: ``pip install 'gankit[serve]'``.
"""

from __future__ import annotations

import ipaddress
import tempfile
from pathlib import Path
from typing import Any, Iterator

from gankit.errors import GankitError

MAX_SAMPLES = 64
STREAM_BATCH = 8
VIEWS = {".png": "image", ".jpg": "image", ".webp": "image", ".gif": "image", ".obj": "mesh", ".glb": "mesh",
         ".stl": "mesh", ".ply": "mesh", ".wav": "audio", ".mp4": "video"}
"""How a written file is shown, by suffix (anything else is only offered for download)."""


def require_gradio():
    try:
        import gradio
    except ImportError:
        raise GankitError("the playground needs the serve extra: pip install 'gankit[serve]'") from None
    return gradio


def build_app(models: list[str], device: str = "cpu"):
    """The playground for `models` (registered names, model directories or Hub ids) as a Gradio Blocks app."""
    gr = require_gradio()
    from gankit.api import load

    loaded = {ref: load(ref, device=device) for ref in models}  # bad MODELs fail here, before the server starts
    with gr.Blocks(title="gankit playground", analytics_enabled=False) as app:
        gr.Markdown("# gankit playground\nPick a model, set a seed, press **Generate**. Same seed, same samples.")
        for ref, model in loaded.items():
            with gr.Tab(ref, id=ref):
                _model_tab(gr, ref, model)
    return app


def _model_tab(gr, ref: str, model) -> None:
    task = model.task_spec
    tab = _element_id(ref)
    latent = model.gan.latent_shape is not None
    gr.Markdown(f"**{model.spec.name}** ({task.name}: {task.description}) — from {model.source}")
    with gr.Row():
        seed = gr.Number(0, precision=0, minimum=0, label="seed", elem_id=f"{tab}-seed")
        count = gr.Slider(1, MAX_SAMPLES, value=min(16, model.gan.default_count({})), step=1, label="samples",
                          elem_id=f"{tab}-n")
    with gr.Row(visible=latent):
        truncation = gr.Slider(0.05, 1.0, value=1.0, step=0.05, label="truncation (less variety, higher fidelity)",
                               elem_id=f"{tab}-truncation")
        walk_to = gr.Number(1, precision=0, minimum=0, label="walk towards seed", elem_id=f"{tab}-walk-to")
        walk = gr.Slider(0.0, 1.0, value=0.0, step=0.05, label="walk (0: seed, 1: the other seed)", elem_id=f"{tab}-walk")
    names, controls = [], []
    for name, spec in task.inputs.items():
        names.append(name)
        controls.append(_control(gr, tab, name, spec, task.example.get(name)))
    button = gr.Button("Generate", variant="primary", elem_id=f"{tab}-generate")
    views = [_view(gr, tab, suffix) for suffix in task.playground]
    files = gr.File(label="download", file_count="multiple", elem_id=f"{tab}-files")
    # Gradio's 3D viewer (6.x) drops a mesh that arrives again while it is still loading its renderer, which the end
    # of a streamed event does: a task with a mesh view gets its results in one piece
    streams = not any(VIEWS.get(suffix) == "mesh" for suffix in task.playground)

    def generate(seed_value, n, psi, other, t, *values, progress=gr.Progress(track_tqdm=True)):
        try:
            inputs = {k: v for k, v in zip(names, values) if v is not None and not (task.inputs[k].type != "str" and v == "")}
            folder = Path(tempfile.mkdtemp(prefix="gankit-serve-"))
            n = int(n)
            for samples in stream_samples(model, int(seed_value or 0), n, float(psi), int(other or 0), float(t), inputs,
                                          batch=STREAM_BATCH if streams else MAX_SAMPLES):
                progress((len(samples), n), desc="samples", unit="samples")
                done = folder / str(len(samples))  # a new file per step: the page shows each one
                done.mkdir()
                written = [str(done / f"samples{suffix}") for suffix in task.playground]
                for path in written:
                    model.write(samples, path)
                yield [*written, written]
        except GankitError as exc:
            raise gr.Error(str(exc)) from None

    def generate_at_once(*args, progress=gr.Progress(track_tqdm=True)):
        *_, last = generate(*args, progress=progress)
        return last

    button.click(generate if streams else generate_at_once, [seed, count, truncation, walk_to, walk, *controls],
                 [*views, files], concurrency_limit=1)


def stream_samples(model, seed: int, n: int, truncation: float = 1.0, walk_to: int = 1, walk: float = 0.0,
                   inputs: dict[str, Any] | None = None, batch: int = STREAM_BATCH) -> Iterator[Any]:
    """`make_samples`, `batch` seeds at a time: yields every sample made so far after each batch, so the last
    yield is `make_samples`' whole answer (sample i comes from seed + i, whatever the batch)."""
    import torch

    _check_count(n)
    if any(isinstance(v, list) for v in (inputs or {}).values()):
        batch = n  # several values of an input give n samples per value, value after value: one batch keeps that order
    made = []
    for start in range(0, n, batch):
        made.append(make_samples(model, seed + start, min(batch, n - start), truncation, walk_to + start, walk, inputs))
        yield torch.cat(made)


def make_samples(model, seed: int, n: int, truncation: float = 1.0, walk_to: int = 1, walk: float = 0.0,
                 inputs: dict[str, Any] | None = None):
    """`n` samples from seeds `seed`…, `walk` of the way (spherically) towards the latents of seeds `walk_to`…"""
    import torch

    from gankit.api import check_seed, check_truncation
    from gankit.sampling import slerp

    inputs = inputs or {}
    _check_count(n)
    if walk <= 0 or model.gan.latent_shape is None:
        return model.generate(n, seed=seed, truncation=truncation, progress=True, **inputs)
    check_seed(seed, n)
    check_seed(walk_to, n)
    check_truncation(truncation)
    seeds = list(range(seed, seed + n))
    a = model.gan.sample_latent(seeds, truncation)
    b = model.gan.sample_latent(range(walk_to, walk_to + n), truncation)
    latents = torch.stack([slerp(x, y, torch.tensor([walk]))[0] for x, y in zip(a, b)])
    return model.from_latents(latents, model.walk_condition(seeds, list(range(walk_to, walk_to + n)), torch.tensor([walk]),
                                                            model.check_inputs(inputs)))


def _check_count(n: int) -> None:
    if not 1 <= n <= MAX_SAMPLES:
        raise GankitError(f"ask for 1 to {MAX_SAMPLES} samples at a time, not {n}")


def _control(gr, tab: str, name: str, spec, example: Any = None):
    """The input for `spec`, starting at the task's `example` value where it gives one."""
    label, elem = f"{name} — {spec.help}", f"{tab}-{name}"
    if spec.choices:
        return gr.Dropdown([None, *spec.choices], value=None, label=label, elem_id=elem)
    if spec.type == "path":
        return gr.File(label=label, type="filepath", elem_id=elem)
    if spec.type in ("int", "float"):
        return gr.Number(example, precision=0 if spec.type == "int" else None, label=label, elem_id=elem)
    return gr.Textbox(label=label, elem_id=elem, value=_example(spec))


def _example(spec) -> str:
    """A text input's starting value: the example its help text quotes, if any."""
    quoted = spec.help.split("'")
    return quoted[1] if len(quoted) >= 3 else ""


def _view(gr, tab: str, suffix: str):
    kind, elem = VIEWS.get(suffix, "file"), f"{tab}-view{suffix.replace('.', '-')}"
    if kind == "image":
        return gr.Image(type="filepath", label=f"samples ({suffix})", elem_id=elem)
    if kind == "mesh":
        return gr.Model3D(label=f"samples ({suffix})", elem_id=elem)
    if kind == "audio":
        return gr.Audio(type="filepath", label="samples", elem_id=elem)
    if kind == "video":
        return gr.Video(label="samples", elem_id=elem)
    return gr.File(label=f"samples ({suffix})", elem_id=elem)


def _element_id(ref: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in ref).strip("-").lower() or "model"


def exposed(host: str) -> bool:
    """Whether `host` listens beyond this machine (anything but a loopback address or localhost)."""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True
