"""Registers a new task (``signal``: 1-D waveforms), a model, a data set and a metric. No torch at import."""

import gankit
from gankit.specs import FOLDER, DatasetSpec, MetricSpec, ModelSpec, Option, TaskSpec, Writer

RATE = Option(8000, "sample rate of the written audio, in Hz", minimum=1000, maximum=192000)


@gankit.hookimpl
def register_tasks(register):
    register(TaskSpec(
        name="signal",
        description="1-D waveforms, e.g. audio",
        sample_type="signal",  # samples are (1, length) tensors in [-1, 1]
        writers=(
            Writer((".wav",), "gankit_signals.output:write_wav", "one 16-bit mono WAV, samples one after another",
                   {"rate": RATE, "gap": Option(0.1, "seconds of silence between samples", minimum=0.0)}),
            Writer((FOLDER,), "gankit_signals.output:write_wavs", "one WAV per sample: 0000.wav, …", {"rate": RATE}),
            Writer((".npy",), "gankit_signals.output:write_npy", "the raw samples, (N, 1, length) float32"),
            Writer((".png",), "gankit_signals.output:write_plot", "line plots of the samples"),
        ),
        preview="gankit_signals.output:preview",
        default_out="samples.wav",
    ))


@gankit.hookimpl
def register_models(register):
    register(ModelSpec(
        name="siggan",
        task="signal",
        builder="gankit_signals.model:SignalGAN",
        description="1-D convolutional GAN for short waveforms",
        options={
            "length": Option(256, "samples per signal: a power of two, 64 or more", minimum=64),
            "latent_dim": Option(32, "size of the normal latent z", minimum=1),
            "width": Option(32, "network width", minimum=4),
        },
        default_dataset="sines",
        train_defaults={"steps": 1500, "batch_size": 32},
    ))


@gankit.hookimpl
def register_datasets(register):
    register(DatasetSpec("sines", "gankit_signals.data:load", "mixtures of 1-3 sines at 8 pitches, random phase and loudness",
                         sample_type="signal", defaults={"length": 256}))


@gankit.hookimpl
def register_metrics(register):
    register(MetricSpec("spectrum", "gankit_signals.data:spectrum_distance",
                        "L1 distance between the mean magnitude spectra of samples and data", kind="samples", sample_type="signal"))
