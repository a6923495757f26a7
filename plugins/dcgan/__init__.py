"""DCGAN (Radford, Metz & Chintala 2015) and the built-in ``digits`` data set.

Registration only: the networks live in `.model` and are imported when a model is built.
"""

from __future__ import annotations

from pathlib import Path

import gankit
from gankit.specs import DatasetSpec, FeatureExtractorSpec, MetricSpec, ModelSpec, Option

WEIGHTS = Path(__file__).parent / "weights"


@gankit.hookimpl
def register_models(register) -> None:
    register(
        ModelSpec(
            name="dcgan",
            task="unconditional-image",
            builder="gankit_plugins.dcgan.model:DCGAN",
            description="all-convolutional GAN for unconditional images (Radford et al. 2015)",
            options={
                "image_size": Option(32, "output size in pixels: a power of two, 8 to 1024"),
                "channels": Option(1, "1 (grayscale) or 3 (RGB)", choices=(1, 3)),
                "latent_dim": Option(100, "size of the normal latent z", minimum=1),
                "ngf": Option(64, "generator width (channels of its last hidden layer)", minimum=1),
                "ndf": Option(64, "discriminator width (channels of its first layer)", minimum=1),
            },
            default_dataset="digits",
            default_weights=str(WEIGHTS / "digits"),
        )
    )


@gankit.hookimpl
def register_datasets(register) -> None:
    register(
        DatasetSpec(
            name="digits",
            loader="gankit_plugins.dcgan.digits:load",
            description="handwritten-like digits 0-9, rendered procedurally from strokes (no download), labelled",
        )
    )


@gankit.hookimpl
def register_feature_extractors(register) -> None:
    register(
        FeatureExtractorSpec(
            name="digits",
            loader="gankit_plugins.dcgan.classifier:feature_extractor",
            description="the bundled digit classifier's 128-d embedding: FID/KID/PR for digit models, offline",
        )
    )


@gankit.hookimpl
def register_metrics(register) -> None:
    register(MetricSpec(
        "digit-classes", "gankit_plugins.dcgan.classifier:digit_classes",
        "share of samples two digit judges (CNN; PCA + RBF kernel + softmax) read with p >= 0.9, and the smallest "
        "class share (models of digits)", kind="samples", sample_type="image",
    ))
