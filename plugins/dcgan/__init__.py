"""DCGAN (Radford, Metz & Chintala 2015), the built-in ``digits`` and ``faces`` data sets, and ``dcgan-faces``.

Registration only: the networks live in `.model` and are imported when a model is built.
"""

from __future__ import annotations

from pathlib import Path

import gankit
from gankit.specs import DatasetSpec, FeatureExtractorSpec, MetricSpec, ModelSpec, Option

WEIGHTS = Path(__file__).parent / "weights"
FACES_WIDTH = 32
FACE_CODES = "glasses,beard,smile,long_hair,hair_colour,skin_tone,background"  # `faces.ATTRIBUTES` (torch-free here)


def dcgan_options(image_size: int, channels: int, ngf: int, ndf: int, attribute_codes: str = "") -> dict[str, Option]:
    """DCGAN's options with the given defaults."""
    return {
        "image_size": Option(image_size, "output size in pixels: a power of two, 8 to 1024"),
        "channels": Option(channels, "1 (grayscale) or 3 (RGB)", choices=(1, 3)),
        "latent_dim": Option(100, "size of the normal latent z", minimum=1),
        "ngf": Option(ngf, "generator width (channels of its last hidden layer)", minimum=1),
        "ndf": Option(ndf, "discriminator width (channels of its first layer)", minimum=1),
        "attribute_codes": Option(attribute_codes, "attributes of labelled data (comma-separated) that the first latent "
                                  "dimensions stand for in training (one each, its values in slices), so that each lies "
                                  "along a straight line in z"),
        "code_loss": Option(1.0, "weight of the coded attributes' loss (AC-GAN): D also reads them from real images, "
                            "and G's images are pushed to be read as their z codes", minimum=0.0),
        "code_columns": Option("", "filled from the data when training starts: the coded attributes' label columns"),
        "code_shares": Option("", "filled from the data when training starts: the coded attributes' value shares"),
    }


@gankit.hookimpl
def register_models(register) -> None:
    register(ModelSpec(
        name="dcgan",
        task="unconditional-image",
        builder="gankit_plugins.dcgan.model:DCGAN",
        description="all-convolutional GAN for unconditional images (Radford et al. 2015)",
        options=dcgan_options(32, 1, 64, 64),
        default_dataset="digits",
        default_weights=str(WEIGHTS / "digits"),
    ))
    register(ModelSpec(
        name="dcgan-faces",
        task="unconditional-image",
        builder="gankit_plugins.dcgan.model:DCGAN",
        description="DCGAN for 64x64 RGB faces, with an attribute reader: arithmetic and vectors by attribute name",
        options=dcgan_options(64, 3, FACES_WIDTH, FACES_WIDTH, attribute_codes=FACE_CODES),
        default_dataset="faces",
        default_weights=str(WEIGHTS / "faces"),
        # without R1, D wins within 200 steps on these flat-coloured faces; DiffAugment halves the reader FID
        train_defaults={"r1_gamma": 1.0, "augment": "translation,color"},
        attribute_reader="gankit_plugins.dcgan.face_reader:load_reader",
    ))


@gankit.hookimpl
def register_datasets(register) -> None:
    register(
        DatasetSpec(
            name="digits",
            loader="gankit_plugins.dcgan.digits:load",
            description="handwritten-like digits 0-9, rendered procedurally from strokes (no download), labelled",
        )
    )
    register(DatasetSpec(
        name="faces",
        loader="gankit_plugins.dcgan.faces:load",
        description="64x64 cartoon faces drawn procedurally (no download), labelled: glasses, beard, smile, long "
                    "hair, hair colour, skin tone, background",
        defaults={"image_size": 64, "channels": 3},
    ))


@gankit.hookimpl
def register_feature_extractors(register) -> None:
    register(
        FeatureExtractorSpec(
            name="digits",
            loader="gankit_plugins.dcgan.classifier:feature_extractor",
            description="the bundled digit classifier's 128-d embedding: FID/KID/PR for digit models, offline",
        )
    )
    register(FeatureExtractorSpec(
        name="faces",
        loader="gankit_plugins.dcgan.face_reader:feature_extractor",
        description="the bundled face attribute reader's 128-d embedding: FID/KID/PR for face models, offline",
    ))


@gankit.hookimpl
def register_metrics(register) -> None:
    register(MetricSpec(
        "digit-classes", "gankit_plugins.dcgan.classifier:digit_classes",
        "share of samples two digit judges (CNN; PCA + RBF kernel + softmax) read with p >= 0.9, and the smallest "
        "class share (models of digits)", kind="samples", sample_type="image",
    ))
    register(MetricSpec(
        "face-attributes", "gankit_plugins.dcgan.face_quality:face_attributes",
        "each attribute value's share in samples (read by the face reader) against held-out faces, and FID in the "
        "reader's features (models of faces)", kind="samples", sample_type="image",
    ))
