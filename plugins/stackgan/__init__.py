"""StackGAN (Zhang et al. 2017): text → image in two stages; the ``text-to-image`` task; the ``shapes`` data set.

Registration only: the networks, data and reader live in their modules and are imported when used.
"""

from __future__ import annotations

from pathlib import Path

import gankit
from gankit.builtin import IMAGE_PREVIEW, IMAGE_WRITERS
from gankit.specs import DatasetSpec, FeatureExtractorSpec, Input, MetricSpec, ModelSpec, Option, TaskSpec

WEIGHTS = Path(__file__).parent / "weights"


@gankit.hookimpl
def register_tasks(register) -> None:
    register(TaskSpec(
        "text-to-image", IMAGE_WRITERS, IMAGE_PREVIEW, description="images from a caption",
        inputs={
            "text": Input("str", "the caption, e.g. 'a large red circle on a blue background'", multiple=True, interpolate=True),
            "stage": Input("int", "for multi-stage models, the stage whose output to write (default: the last)", choices=(1, 2)),
        },
        sample_type="image", pipeline_tag="text-to-image", augment=True, channels_last=True,
        example={"text": "a large red circle on a blue background"}, template="gankit_plugins.stackgan.template",
    ))


@gankit.hookimpl
def register_models(register) -> None:
    register(ModelSpec(
        name="stackgan",
        task="text-to-image",
        builder="gankit_plugins.stackgan.model:StackGAN",
        description="two-stage text-to-image GAN with conditioning augmentation (Zhang et al. 2017)",
        options={
            "image_size": Option(64, "final (Stage II) size in pixels", choices=(32, 64, 128, 256)),
            "stage1_size": Option(32, "Stage I size; Stage II upscales it 2x or 4x", choices=(16, 32, 64)),
            "channels": Option(3, "RGB", choices=(3,)),
            "encoder": Option("hashed", "registered text encoder (`gankit plugins` lists them)"),
            "latent_dim": Option(64, "size of the normal latent z", minimum=1),
            "ca_dim": Option(64, "size of the conditioning-augmentation code c (paper: 128)", minimum=1),
            "ngf": Option(16, "Stage I generator width (its 4x4 layer has 8x as many channels)", minimum=4),
            "ndf": Option(32, "Stage I discriminator width", minimum=4),
            "ngf2": Option(8, "Stage II generator width (its residual blocks have 4x as many channels)", minimum=4),
            "ndf2": Option(16, "Stage II discriminator width", minimum=4),
            "text_norm": Option(True, "Stage I generator: the text sets every upsampling layer's BatchNorm scale and shift (paper: off)"),
            "projection": Option(True, "discriminators: add a projection term, image features · text, to the joined logit (paper: off)"),
            "stage2_residual": Option(True, "Stage II draws a correction to Stage I's picture upscaled, not a new picture (paper: off)"),
            "hard_negatives": Option(False, "matching-aware D: half its mismatched captions are the batch's nearest other caption, not a random one (paper: off)"),
            "kl_weight": Option(1.0, "weight of the KL term of conditioning augmentation (paper 1; authors' COCO 2)", minimum=0.0),
            "stage": Option(0, "0: Stage I then Stage II (frozen Stage I); 1: Stage I only; 2: Stage II only, on the Stage I of --init", choices=(0, 1, 2)),
            "stage1_fraction": Option(0.5, "with stage 0, the share of the steps that trains Stage I", minimum=0.0, maximum=1.0),
            "vocabulary": Option("", "words of the training captions (filled when training starts)"),
            "preview_prompts": Option("", "captions of the preview's rows, |-separated (filled when training starts)"),
        },
        default_dataset="shapes",
        default_weights=str(WEIGHTS / "shapes"),
        train_defaults={"steps": 5000, "batch_size": 64, "lr_g": 5e-4, "lr_d": 5e-4},
    ))


@gankit.hookimpl
def register_datasets(register) -> None:
    register(DatasetSpec(
        "shapes", "gankit_plugins.stackgan.shapes:load",
        "one coloured shape on a plain background, captioned ('a large red circle on a blue background'); no download",
        defaults={"image_size": 64, "channels": 3},
    ))


@gankit.hookimpl
def register_feature_extractors(register) -> None:
    register(FeatureExtractorSpec(
        "shapes", "gankit_plugins.stackgan.reader:feature_extractor",
        "the bundled shapes reader's 256-d embedding: FID/KID/PR for shape pictures, offline",
    ))


@gankit.hookimpl
def register_metrics(register) -> None:
    register(MetricSpec(
        "text-match", "gankit_plugins.stackgan.reader:text_match",
        "share of pictures whose every captioned attribute the shapes reader finds (seen and unseen pairs)",
        kind="samples", sample_type="image",
    ))
